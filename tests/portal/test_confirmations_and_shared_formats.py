"""Issue 15's portal items: a cancelled subscription's Cancel page, the resource delete's confirmation, the
shared clock (who may move it, and that moving it keeps what was typed), the emulator page, and the invoice
page written with the same words and formats as its PDF."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from subplane.domain.access import OPERATOR
from subplane.formatting import Formatter

from .helpers import PortalClient

CANCEL = {"reason": "not-needed", "turn_off_resources": "yes"}
SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def admin_nl(demo_app) -> PortalClient:
    client = PortalClient(demo_app, language="nl")
    client.sign_in("admin")
    return client


def _text(page: str) -> str:
    """A page's words as a reader sees them: tags dropped, entities and white space resolved."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_a_cancelled_subscriptions_cancel_page_shows_its_state_and_what_can_still_be_done(admin_nl):
    sid = admin_nl.subscription_id("Productie")
    admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    page = admin_nl.get(f"/subscriptions/{sid}/cancel")
    assert page.status_code == 200 and 'id="already-cancelled"' in page.text
    assert 'name="reason"' not in page.text and "Uitgeschakeld / opgezegd" in page.text
    assert f'href="/portal/subscriptions/{sid}/reactivate"' in page.text
    assert f'href="/portal/subscriptions/{sid}/delete"' in page.text
    again = admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})  # the form sent twice
    assert again.status_code == 200 and 'id="already-cancelled"' in again.text
    assert "None" not in _text(again.text)


def test_each_resource_delete_asks_first_and_says_afterwards_what_was_deleted(admin_nl):
    app = admin_nl.app
    sid = admin_nl.subscription_id("Productie")
    listing = admin_nl.get(f"/subscriptions/{sid}/resources").text
    assert f'<form method="get" action="/portal/subscriptions/{sid}/resources/delete"' in listing
    ip = next(r for r in app.resources.list(actor=OPERATOR, subscription=sid) if r.name == "web-01-ip")
    confirm = admin_nl.get(f"/subscriptions/{sid}/resources/delete", params={"resource_id": ip.resource_id})
    assert confirm.status_code == 200 and 'id="confirm-delete"' in confirm.text and "web-01-ip" in confirm.text
    assert any(r.name == "web-01-ip" for r in app.resources.list(actor=OPERATOR, subscription=sid))  # not yet
    done = admin_nl.post(f"/subscriptions/{sid}/resources/action", {"resource_id": ip.resource_id, "action": "delete"})
    assert done.status_code == 200 and 'id="resource-deleted"' in done.text and "web-01-ip verwijderd." in done.text
    assert all(r.name != "web-01-ip" for r in app.resources.list(actor=OPERATOR, subscription=sid))
    # the message is only said of a name that is gone
    still_there = admin_nl.get(f"/subscriptions/{sid}/resources?deleted=web-01").text
    assert 'id="resource-deleted"' not in still_there


def test_the_confirmation_refuses_a_resource_of_another_subscription(admin_nl):
    app = admin_nl.app
    productie, other = admin_nl.subscription_id("Productie"), admin_nl.subscription_id("Ontwikkeling")
    vm = next(r for r in app.resources.list(actor=OPERATOR, subscription=productie) if r.name == "web-01")
    answer = admin_nl.get(f"/subscriptions/{other}/resources/delete", params={"resource_id": vm.resource_id})
    assert answer.status_code == 404


def test_a_reader_sees_the_clock_but_cannot_move_it(demo_app):
    reader = PortalClient(demo_app)
    reader.sign_in("reader")
    page = reader.get("/subscriptions").text
    assert 'id="clock-now"' in page and 'action="/portal/clock/advance"' not in page
    before = demo_app.clock_control.now()
    refused = reader.post("/clock/advance", {"duration": "1d", "next": "/portal/subscriptions"})
    assert refused.status_code == 403 and "ClockAdvanceNotAllowed" in refused.text
    assert "A Reader cannot move the emulator" in refused.text
    assert demo_app.clock_control.now() == before
    admin = PortalClient(demo_app)
    admin.sign_in("admin")
    assert 'action="/portal/clock/advance"' in admin.get("/subscriptions").text


def test_moving_the_clock_keeps_the_name_typed_on_the_delete_page(admin_nl):
    sid = admin_nl.subscription_id("Ontwikkeling")
    admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    fragment = admin_nl.get(f"/subscriptions/{sid}/delete?confirm_name=Ontw", headers={"HX-Request": "true"}).text
    # the checklist's refresh also points the clock form back at the page with the name typed so far
    target = f"/portal/subscriptions/{sid}/delete?confirm_name=Ontw"
    assert f'<input type="hidden" name="next" id="clock-next" value="{target}" hx-swap-oob="true">' in fragment
    back = admin_nl.post("/clock/advance", {"duration": "15m", "next": target})
    assert back.status_code == 200 and 'value="Ontw"' in back.text


@SQLITE_ONLY
def test_the_emulator_page_puts_the_mails_first_in_the_pages_money_format_without_asset_requests(admin_nl):
    app = admin_nl.app
    app.clock_control.advance(timedelta(days=32))  # the first invoices are issued, and mailed
    app.notifications.render_new()
    admin_nl.get("/subscriptions")
    admin_nl.http.get("/favicon.ico")
    admin_nl.http.get("/portal/static/portal.css")
    app.request_log.store_queued()
    page = admin_nl.get("/emulator").text
    assert page.index('id="messages"') < page.index('id="requests"')  # the mails above the request log
    assert "GET /portal/subscriptions" in page
    assert "/favicon.ico" not in page and "/portal/static/" not in page.split('id="requests"')[1]
    subjects = re.findall(r"<td>(Factuur [^<]+)</td>", page)
    assert subjects and all(re.search(r"€\xa0[\d.]+,\d\d$", html.unescape(s)) for s in subjects), subjects
    assert "EUR " not in _text(page)


@SQLITE_ONLY
def test_the_invoice_page_and_its_pdf_say_the_same_in_the_same_words(admin_nl):
    from pypdf import PdfReader

    app = admin_nl.app
    sid = admin_nl.subscription_id("Productie")
    app.clock_control.advance(timedelta(days=32))
    listed = app.billing.list_invoices(actor=OPERATOR, subscription=sid)
    invoice = app.billing.get_invoice(actor=OPERATOR, ref=listed[0].invoice_id)
    page = _text(admin_nl.get(f"/subscriptions/{sid}/invoices/{invoice.invoice_id}").text)
    pdf = admin_nl.get(f"/subscriptions/{sid}/invoices/{invoice.invoice_id}/pdf").content
    paper = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    nl = Formatter("nl")
    period = nl.period(invoice.period_start, invoice.period_end)
    assert " t/m " in period and period in page and period in paper
    assert "vm/" not in page and "gbMonth" not in page
    for line in invoice.lines:
        for shown in (nl.meter(line.meter), nl.quantity(line.quantity, line.unit), nl.unit_price(line.unit_price, "EUR")):
            assert shown in page and shown.replace("\xa0", " ") in paper.replace("\xa0", " "), shown
    hourly = next(line for line in invoice.lines if line.unit == "hour")
    assert f"{nl.number(hourly.quantity)} uur" in page
    # some prices have more digits than cents: they are shown with all of them, not rounded
    assert any(line.unit_price != line.unit_price.quantize(Decimal("0.01")) for line in invoice.lines)
    overview = admin_nl.get(f"/subscriptions/{sid}").text
    assert "vm/Standard" not in overview and "Virtuele machine Standard_" in overview  # the chart's legend too


@SQLITE_ONLY
@pytest.mark.parametrize("resource_id", ["", "no-such-vm", "/subscriptions/x/resourceGroups/y", "%00"])
def test_a_confirmation_for_a_resource_that_is_not_there_is_a_clear_refusal(admin_nl, resource_id):
    sid = admin_nl.subscription_id("Productie")
    asked = admin_nl.get(f"/subscriptions/{sid}/resources/delete", params={"resource_id": resource_id})
    sent = admin_nl.post(f"/subscriptions/{sid}/resources/action", {"resource_id": resource_id, "action": "delete"})
    for answer in (asked, sent):
        assert 400 <= answer.status_code < 500, answer.status_code
        assert '<div class="notice error" role="alert">' in answer.text and "<code>" in answer.text  # the stable code
