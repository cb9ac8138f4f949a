"""The founding document's path and the other lifecycle pages, in-process."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from subplane.domain.access import OPERATOR
from subplane.domain.lifecycle import State
from subplane.portal.i18n import Formatter

from .helpers import PortalClient

CANCEL = {"reason": "not-needed", "turn_off_resources": "yes"}


@pytest.fixture
def admin_nl(demo_app) -> PortalClient:
    client = PortalClient(demo_app, language="nl")
    client.sign_in("admin")
    return client


def test_subscriptions_page_lists_name_id_offer_state_and_role(admin_nl):
    page = admin_nl.get("/subscriptions").text
    sid = admin_nl.subscription_id("Productie")
    assert "<h1>Abonnementen</h1>" in page
    assert sid in page and "Pay-As-You-Go" in page and "Ingeschakeld" in page and "Accountbeheerder" in page
    only_disabled = admin_nl.get("/subscriptions?state=Disabled").text
    assert "Productie" not in only_disabled and "Geen abonnementen gevonden." in only_disabled


def test_cancel_in_dutch_reviews_then_cancels_and_says_what_happened(admin_nl):
    sid = admin_nl.subscription_id("Productie")
    overview = admin_nl.get(f"/subscriptions/{sid}").text
    assert "Abonnement opzeggen" in overview and "Overzicht" in overview
    form = admin_nl.get(f"/subscriptions/{sid}/cancel").text
    assert "web-01" in form and "db-01" in form and "contosodata" in form
    review = admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "review"})
    assert review.status_code == 200 and "Opzegging bevestigen" in review.text
    for page in (form, review.text):  # the static IP is kept: said apart, never in the turn-off list
        turn_off = page.split('<ul class="turn-off">')[1].split("</ul>")[0]
        assert "web-01" in turn_off and "db-01-ip" not in turn_off
        assert "db-01-ip" in page.split('<ul class="kept">')[1].split("</ul>")[0]
    assert admin_nl.app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.ENABLED  # not yet
    result = admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    assert result.status_code == 200
    sub = admin_nl.app.subscriptions.get(actor=OPERATOR, ref=sid)
    assert sub.state is State.DISABLED
    text = result.text
    assert "Uitgeschakeld / opgezegd" in text
    assert "Virtuele machine web-01: toewijzing opgeheven" in text and "Virtuele machine db-01: toewijzing opgeheven" in text
    assert re.search(r"Openbaar IP-adres web-01-ip: [\d.]+ vrijgegeven", text)
    assert "db-01-ip" not in text.split("Wat is uitgeschakeld")[1].split("</ul>")[0]  # static: kept
    assert "Opslagaccount contosodata: alleen-lezen" in text
    assert Formatter("nl", admin_nl.app.settings.zone).instant(sub.deletion_date) in text
    # the state shows at once everywhere
    assert "Uitgeschakeld / opgezegd" in admin_nl.get("/subscriptions").text
    assert "Abonnement opzeggen" not in admin_nl.get(f"/subscriptions/{sid}").text


def test_cancel_needs_a_reason_and_the_turn_off_confirmation(admin_nl):
    sid = admin_nl.subscription_id("Productie")
    no_reason = admin_nl.post(f"/subscriptions/{sid}/cancel", {"turn_off_resources": "yes", "step": "confirm"})
    assert no_reason.status_code == 400 and "Kies een reden" in no_reason.text
    no_turn_off = admin_nl.post(f"/subscriptions/{sid}/cancel", {"reason": "other", "other": "Te duur", "step": "confirm"})
    assert no_turn_off.status_code == 400 and "Bevestig dat de resources" in no_turn_off.text
    assert admin_nl.app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.ENABLED


def test_reader_sees_no_cancel_and_a_direct_post_is_refused(demo_app):
    reader = PortalClient(demo_app)
    reader.sign_in("reader")
    sid = reader.subscription_id("Productie")
    overview = reader.get(f"/subscriptions/{sid}").text
    assert "Productie" in overview and "Cancel subscription" not in overview and "Reader" in overview
    refused = reader.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    assert refused.status_code == 403
    assert "Only the Account Administrator or an Owner" in refused.text
    form = reader.get(f"/subscriptions/{sid}/cancel")  # typing the form's address does not show it either
    assert form.status_code == 403 and 'name="reason"' not in form.text
    assert demo_app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.ENABLED


def test_owner_cancels_then_reactivates_in_english(demo_app):
    owner = PortalClient(demo_app)
    owner.sign_in("owner")
    sid = owner.subscription_id("Productie")
    result = owner.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    assert "Disabled / cancelled" in result.text
    assert "Reactivate" in owner.get(f"/subscriptions/{sid}").text
    done = owner.post(f"/subscriptions/{sid}/reactivate")
    assert done.status_code == 200 and "The subscription is active again" in done.text
    assert demo_app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.ENABLED


def test_reactivate_page_says_who_can_when_the_offer_does_not_allow_self_service(demo_app):
    owner = PortalClient(demo_app)
    owner.sign_in("owner")
    sid = owner.subscription_id("Proefversie")  # Free Trial: no self-service reactivation
    owner.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    page = owner.get(f"/subscriptions/{sid}/reactivate").text
    assert "cannot be reactivated here" in page and "operator" in page
    assert owner.post(f"/subscriptions/{sid}/reactivate").status_code == 403


def test_delete_checklist_turns_green_and_only_then_deletes(admin_nl):
    app = admin_nl.app
    sid = admin_nl.subscription_id("Productie")
    admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    page = admin_nl.get(f"/subscriptions/{sid}/delete?confirm_name=Productie").text
    assert 'id="check-resources"' in page and re.search(r'class="unmet" id="check-resources"', page)
    assert re.search(r'class="unmet" id="check-wait"', page) and re.search(r'class="met" id="check-name"', page)
    assert re.search(r'id="delete-button"\s+disabled', page)
    refused = admin_nl.post(f"/subscriptions/{sid}/delete", {"confirm_name": "Productie"})
    assert refused.status_code == 409
    for resource in app.resources.list(actor=OPERATOR, subscription=sid):
        admin_nl.post(f"/subscriptions/{sid}/resources/action", {"resource_id": resource.resource_id, "action": "delete"})
    assert app.resources.list(actor=OPERATOR, subscription=sid) == []
    admin_nl.post("/clock/advance", {"duration": "15m", "next": f"/portal/subscriptions/{sid}/delete"})
    fragment = admin_nl.get(f"/subscriptions/{sid}/delete?confirm_name=Productie", headers={"HX-Request": "true"}).text
    assert fragment.startswith('<div id="delete-checks"') and fragment.count('class="met"') == 3
    assert not re.search(r'id="delete-button"\s+disabled', fragment)
    wrong_name = admin_nl.get(f"/subscriptions/{sid}/delete?confirm_name=productie", headers={"HX-Request": "true"}).text
    assert re.search(r'class="unmet" id="check-name"', wrong_name)
    deleted = admin_nl.post(f"/subscriptions/{sid}/delete", {"confirm_name": "Productie"})
    assert deleted.status_code == 200 and "Verwijderd" in deleted.text


def test_delete_works_without_javascript_and_the_server_checks_the_name(admin_nl):
    """Without JavaScript the checklist cannot react to typing: once only the name is missing, a plain
    submit button is offered (in <noscript>) and a wrong name comes back as the same page with the reason."""
    app = admin_nl.app
    sid = admin_nl.subscription_id("Ontwikkeling")  # holds no resources
    admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    page = admin_nl.get(f"/subscriptions/{sid}/delete").text
    assert 'id="delete-button-nojs"' not in page  # the 15 minutes have not passed: nothing to submit yet
    app.clock_control.advance(timedelta(minutes=15))
    page = admin_nl.get(f"/subscriptions/{sid}/delete").text
    assert re.search(r'<noscript><p><button type="submit" class="danger" id="delete-button-nojs">', page)
    assert re.search(r'<p class="needs-js"><button type="submit" class="danger" id="delete-button"\s+disabled', page)
    wrong = admin_nl.post(f"/subscriptions/{sid}/delete", {"confirm_name": "ontwikkeling"})
    assert wrong.status_code == 400 and 'id="delete-error"' in wrong.text and 'id="confirm-name"' in wrong.text
    assert app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.DISABLED
    deleted = admin_nl.post(f"/subscriptions/{sid}/delete", {"confirm_name": "Ontwikkeling"})
    assert deleted.status_code == 200 and app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.DELETED
    assert app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.DELETED


def test_storage_browser_downloads_during_retention(admin_nl):
    sid = admin_nl.subscription_id("Productie")
    admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    resources = admin_nl.get(f"/subscriptions/{sid}/resources").text
    assert 'id="readonly-contosodata"' in resources and "Alleen-lezen" in resources
    assert "Starten" not in resources  # no writes while disabled
    listing = admin_nl.get(f"/subscriptions/{sid}/storage/contosodata").text
    assert "leesmij.txt" in listing and "export-2026-10.csv" in listing
    blob = admin_nl.get(f"/subscriptions/{sid}/storage/contosodata/download?container=backups&name=leesmij.txt")
    assert blob.status_code == 200 and blob.content.startswith(b"Contoso productiegegevens")
    assert "attachment" in blob.headers["content-disposition"]


def test_vm_start_and_deallocate_from_the_resources_page(admin_nl):
    app = admin_nl.app
    sid = admin_nl.subscription_id("Productie")
    vm = next(r for r in app.resources.list(actor=OPERATOR, subscription=sid) if r.name == "web-01")
    admin_nl.post(f"/subscriptions/{sid}/resources/action", {"resource_id": vm.resource_id, "action": "deallocate"})
    page = admin_nl.get(f"/subscriptions/{sid}/resources").text
    assert app.resources.get(actor=OPERATOR, ref=vm.resource_id).power_state.value == "deallocated"
    assert "toewijzing opgeheven" in page
    admin_nl.post(f"/subscriptions/{sid}/resources/action", {"resource_id": vm.resource_id, "action": "start"})
    assert app.resources.get(actor=OPERATOR, ref=vm.resource_id).power_state.value == "running"


def test_activity_log_shows_refusals_and_successes(demo_app):
    reader = PortalClient(demo_app)
    reader.sign_in("reader")
    sid = reader.subscription_id("Productie")
    reader.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    page = reader.get(f"/subscriptions/{sid}/activity").text
    assert "AuthorizationFailed" in page and "reader@contoso.example" in page


def test_dutch_activity_log_says_what_happened_in_dutch(demo_app, admin_nl):
    reader = PortalClient(demo_app, language="nl")
    reader.sign_in("reader")
    sid = admin_nl.subscription_id("Productie")
    reader.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "step": "confirm"})
    page = admin_nl.get(f"/subscriptions/{sid}/activity").text
    assert "Abonnement opgezegd" in page and "Geweigerd" in page
    assert "U hebt hiervoor geen toestemming" in page  # the refusal in words, not the service's English message
    assert "does not have authorization" not in page
    assert "AuthorizationFailed" in page  # the stable code stays beside the words


def test_clock_panel_advances_the_simulated_clock(admin_nl):
    before = admin_nl.app.clock_control.now()
    admin_nl.post("/clock/advance", {"duration": "1d", "next": "/portal/subscriptions"})
    assert admin_nl.app.clock_control.now() - before == timedelta(days=1)


def test_cancel_offers_to_turn_off_the_support_plans_auto_renew(admin_nl):
    app = admin_nl.app
    sid = admin_nl.subscription_id("Productie")
    admin = app.directory.principal("admin@contoso.example")
    app.billing.set_support_plan(actor=admin, ref=sid, plan="Developer")
    form = admin_nl.get(f"/subscriptions/{sid}/cancel").text
    assert "Ondersteuningsplan: Developer" in form and 'id="renew-off"' in form
    result = admin_nl.post(f"/subscriptions/{sid}/cancel", {**CANCEL, "support_auto_renew": "off", "step": "confirm"})
    assert "Automatisch verlengen uitgeschakeld" in result.text
    preview = app.billing.preview_cancel(actor=admin, ref=sid)
    assert preview.support_plan.ended_at is not None and preview.support_plan.auto_renew is False
    assert 'id="final-charges"' in result.text  # billing's final estimate is shown


def test_no_support_plan_means_no_support_question(admin_nl):
    sid = admin_nl.subscription_id("Productie")
    assert 'id="renew-off"' not in admin_nl.get(f"/subscriptions/{sid}/cancel").text


def test_past_due_overview_explains_and_the_administrator_settles(demo_app, admin_nl):
    app = demo_app
    prod = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=True)
    app.clock_control.advance(timedelta(days=45))  # past the first invoice's due date: past due
    assert app.subscriptions.get(actor=OPERATOR, ref="Productie").state is State.PAST_DUE
    sid = prod.subscription_id
    page = admin_nl.get(f"/subscriptions/{sid}").text
    assert 'id="payment-notice"' in page and "Een factuur is niet op tijd betaald" in page
    assert "Saldo voldoen" in page and "€" in page
    reader = PortalClient(demo_app, language="nl")
    reader.sign_in("reader")
    assert "Saldo voldoen" not in reader.get(f"/subscriptions/{sid}").text  # only the Account Administrator pays
    settled = admin_nl.post(f"/subscriptions/{sid}/settle", {})
    assert "Het saldo is voldaan" in settled.text
    assert app.subscriptions.get(actor=OPERATOR, ref="Productie").state is State.ENABLED
    assert 'id="payment-notice"' not in settled.text


def test_a_subscription_past_due_for_a_siblings_invoice_shows_the_accounts_balance_and_settles_it(demo_app, admin_nl):
    app = demo_app
    prod = app.subscriptions.get(actor=OPERATOR, ref="Productie")
    app.billing.set_card(actor=OPERATOR, account=prod.billing_account_id, fails=True)
    app.clock_control.advance(timedelta(days=45))
    dev = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling")
    assert dev.state is State.PAST_DUE  # past due is per account: Ontwikkeling has no invoice of its own
    assert app.billing.list_invoices(actor=OPERATOR, subscription=dev.subscription_id) == []
    owed, = app.billing.list_invoices(actor=OPERATOR, subscription=prod.subscription_id)
    page = admin_nl.get(f"/subscriptions/{dev.subscription_id}").text
    notice = re.search(r'<div class="notice warn".*?</div>', page, re.S).group(0)
    amount = Formatter("nl").money(owed.total, owed.currency)
    assert amount in notice and "€ 0,00" not in notice and "—" not in notice
    assert "Saldo voldoen" in page
    last_day = owed.due_date + timedelta(days=app.billing.prices.grace_period_days)  # settling that day still helps
    assert Formatter("nl").day(last_day) in notice
    end_of_last_day = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC)
    app.clock_control.advance(end_of_last_day - timedelta(seconds=1) - app.clock_control.now())
    assert app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").state is State.PAST_DUE
    admin_nl.post(f"/subscriptions/{dev.subscription_id}/settle", {})
    assert app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").state is State.ENABLED


def test_a_resource_group_reader_opens_the_overview_without_costs(demo_app):
    from subplane.domain.access import Role

    sub = demo_app.subscriptions.get(actor=OPERATOR, ref="Productie")
    with demo_app.uow() as uow:
        user = demo_app.directory.create_user(uow, tenant_id=sub.tenant_id, upn="rg-reader@contoso.example",
                                              display_name="Groep Lezer", password="Groep-lezer-2026")
    demo_app.directory.assign_role(actor=OPERATOR, subscription="Productie", principal_id=user, role=Role.READER,
                                   scope=f"{sub.resource_id}/resourceGroups/productie-rg")
    client = PortalClient(demo_app, language="nl")
    client.sign_in("rg-reader@contoso.example", password="Groep-lezer-2026")
    assert "Productie" in client.get("/subscriptions").text
    overview = client.get(f"/subscriptions/{sub.subscription_id}")
    assert overview.status_code == 200 and 'id="costs-hidden"' in overview.text
    assert 'id="cost-so-far"' not in overview.text and "Abonnement opzeggen" not in overview.text
