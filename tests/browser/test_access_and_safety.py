"""Who sees what, refused posts, sign-in failures, session expiry, the delete checklist, invoices and
accessibility, in a real browser against a real server."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from subplane.portal.i18n import Formatter

from .conftest import cli_json, new_page, screenshot, serious_accessibility_violations, sign_in, start_server


def test_reader_sees_no_cancel_and_a_direct_post_is_refused(browser, shared_server):
    page = new_page(browser, shared_server, "en")
    sign_in(page, shared_server, "reader")
    page.get_by_label("Filter by state").select_option("Deleted")  # htmx swaps the table in place
    page.get_by_text("No subscriptions match.").wait_for()
    assert "state=Deleted" in page.url
    page.get_by_label("Filter by state").select_option("Enabled")
    page.get_by_role("link", name="Productie").click()
    assert page.locator("#subscription-state").inner_text() == "Enabled"
    assert page.get_by_role("link", name="Cancel subscription").count() == 0
    assert page.get_by_role("link", name="Delete subscription").count() == 0
    screenshot(page, "en-reader-overview")
    overview = page.url
    # the reader's own session and CSRF token, posted straight at the cancel endpoint
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(overview + "/cancel", form={"csrf_token": csrf, "reason": "not-needed",
                                                           "turn_off_resources": "yes", "step": "confirm"},
                               headers={"Accept-Language": "en"})
    assert answer.status == 403
    assert "Only the Account Administrator or an Owner" in answer.text() and "AuthorizationFailed" in answer.text()
    page.reload()
    assert page.locator("#subscription-state").inner_text() == "Enabled"
    page.context.close()


def test_posts_without_csrf_token_are_refused(browser, shared_server):
    page = new_page(browser, shared_server, "en")
    sign_in(page, shared_server, "admin")
    page.get_by_role("link", name="Productie").click()
    answer = page.request.post(page.url + "/cancel", form={"reason": "not-needed", "turn_off_resources": "yes",
                                                           "step": "confirm"})
    assert answer.status == 403 and "CsrfTokenInvalid" in answer.text()
    page.reload()
    assert page.locator("#subscription-state").inner_text() == "Enabled"
    page.context.close()


def test_sign_in_failures_and_lockout(browser, shared_server):
    page = new_page(browser, shared_server, "nl")
    sign_in(page, shared_server, "admin", password="verkeerd-wachtwoord")
    assert page.get_by_role("alert").inner_text() == "De gebruikersnaam of het wachtwoord is onjuist."
    assert "/portal/signin" in page.url
    screenshot(page, "nl-aanmelden-mislukt")
    for _ in range(6):  # five failures lock the name; the sixth attempt is refused without a check
        sign_in(page, shared_server, "nobody", password="wrong-password")
    assert "Te veel mislukte aanmeldpogingen" in page.get_by_role("alert").inner_text()
    # a page behind the sign-in is still not reachable
    page.goto(shared_server.url + "/portal/subscriptions")
    assert "/portal/signin" in page.url
    page.context.close()


def test_delete_checklist_before_and_after_its_conditions_are_met(browser, shared_server):
    page = new_page(browser, shared_server, "en")
    sign_in(page, shared_server, "admin")
    page.get_by_role("link", name="Proefversie").click()
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_label("I no longer need this subscription").check()
    page.get_by_label(re.compile("^Turn off resources")).check()
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("button", name="Cancel subscription").click()
    page.get_by_role("link", name="Back to Overview").click()
    page.get_by_role("link", name="Delete subscription").click()
    page.get_by_label(re.compile("Type the subscription name")).fill("Proefversie")
    page.wait_for_selector("#check-name.met")  # htmx refreshed the checklist as the name was typed
    assert page.locator("#check-resources").get_attribute("class") == "unmet"
    assert page.locator("#check-wait").get_attribute("class") == "unmet"
    assert page.locator("#delete-button").is_disabled()
    screenshot(page, "en-delete-checklist-before")
    page.get_by_label(re.compile("Type the subscription name")).fill("Proef")
    page.wait_for_selector("#check-name.unmet")
    page.get_by_label("Advance by").select_option("15m")
    with page.expect_navigation():  # moving the clock reloads the page, with the name typed so far
        page.get_by_role("button", name="Advance clock").click()
    assert page.get_by_label(re.compile("Type the subscription name")).input_value() == "Proef"
    page.get_by_role("link", name="View resources").click()
    while page.locator("#resources tbody tr").count():
        name = page.locator("#resources tbody tr").first.get_attribute("data-name")
        with page.expect_navigation():  # the red Delete asks first, on a page of its own
            page.locator("#resources tbody tr").first.get_by_role("button", name=re.compile("^Delete ")).click()
        page.get_by_role("heading", name=f"Delete {name}?").wait_for()
        with page.expect_navigation():  # the delete posts a form: count the rows of the page it lands on
            page.get_by_role("button", name=f"Yes, delete {name}").click()
        assert page.locator("#resource-deleted").inner_text() == f"{name} deleted."
    assert page.locator("#no-resources").is_visible()
    page.get_by_label("Advance by").select_option("15m")
    page.get_by_role("button", name="Advance clock").click()
    page.get_by_role("link", name="Overview").click()
    page.get_by_role("link", name="Delete subscription").click()
    page.get_by_label(re.compile("Type the subscription name")).fill("Proefversie")
    page.wait_for_selector("#check-name.met")
    assert page.locator("#check-resources").get_attribute("class") == "met"
    assert page.locator("#check-wait").get_attribute("class") == "met"
    assert page.locator("#delete-button").is_enabled()
    screenshot(page, "en-delete-checklist-after")
    page.locator("#delete-button").click()
    page.get_by_text("The subscription was deleted").wait_for()
    assert page.locator("#subscription-state").inner_text() == "Deleted / deleted by the owner"
    page.context.close()


def test_session_expiry_sends_the_user_back_to_sign_in(browser, tmp_path_factory):
    server = start_server(tmp_path_factory, "expiry", env={"SUBPLANE_PORTAL_IDLE_TIMEOUT": "2"})
    try:
        page = new_page(browser, server, "en")
        sign_in(page, server, "admin")
        page.get_by_role("heading", name="Subscriptions").wait_for()
        page.wait_for_timeout(2500)
        page.get_by_role("link", name="Productie").click()
        assert "/portal/signin" in page.url
        page.get_by_role("heading", name="Sign in").wait_for()
        page.context.close()
    finally:
        server.stop()


def test_an_invoice_pdf_downloads_and_is_a_pdf(browser, fresh_server):
    page = new_page(browser, fresh_server, "en")
    sign_in(page, fresh_server, "admin")
    page.get_by_role("link", name="Productie").click()
    page.get_by_role("link", name="Invoices").click()
    page.get_by_label("Advance by").select_option("30d")
    page.get_by_role("button", name="Advance clock").click()
    page.get_by_label("Advance by").select_option("7d")
    page.get_by_role("button", name="Advance clock").click()
    page.locator("#invoices").wait_for()
    screenshot(page, "en-invoices")
    first_total = page.locator("#invoices tbody td.num").first.inner_text()
    page.locator("#invoices tbody th a").first.click()
    assert page.locator("#invoice-total").inner_text().startswith("€")
    screenshot(page, "en-invoice-detail")
    page.get_by_role("link", name="Invoices").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^Download PDF")).first.click()
    data = download_info.value.path().read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    # the overview's cost chart, and the same figures in Dutch after using the switcher
    listed = cli_json(fresh_server, "invoices", "list", "--subscription", "Productie")
    assert first_total == Formatter("en").money(Decimal(listed[0]["total"]), listed[0]["currency"])
    page.get_by_role("link", name="Overview").click()
    shown = page.locator("#cost-so-far").inner_text()
    assert re.fullmatch(r"€[\d,]+\.\d\d", shown)
    # every figure equals what the CLI reports at the same (simulated, frozen) moment
    assert shown == Formatter("en").money(Decimal(cli_json(fresh_server, "billing", "estimate", "Productie")["charges"]), "EUR")
    assert page.locator("figure.chart svg rect").count() > 0
    screenshot(page, "en-overview-costs")
    page.get_by_role("link", name="Nederlands").click()
    assert re.fullmatch(r"€\s[\d.]+,\d\d", page.locator("#cost-so-far").inner_text())
    screenshot(page, "nl-overzicht-kosten")
    page.context.close()


MAIN_PAGES = ["/portal/subscriptions", "{sub}", "{sub}/cancel", "{sub}/resources", "{sub}/delete", "{sub}/activity",
              "{sub}/invoices", "{sub}/storage/contosodata"]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_main_pages_have_no_serious_accessibility_violations(browser, shared_server, language):
    page = new_page(browser, shared_server, language, bypass_csp=True)
    page.goto(shared_server.url + "/portal/signin")
    assert serious_accessibility_violations(page) == []
    sign_in(page, shared_server, "admin")
    page.get_by_role("link", name="Productie").click()
    sub = page.url.split("?")[0]
    for path in MAIN_PAGES:
        page.goto(shared_server.url + path if path.startswith("/") else path.format(sub=sub))
        assert serious_accessibility_violations(page) == [], path
    page.context.close()


def test_keyboard_alone_reaches_the_cancel_action(browser, shared_server):
    page = new_page(browser, shared_server, "nl")
    sign_in(page, shared_server, "admin")
    page.get_by_role("link", name="Productie").click()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == "Abonnement opzeggen":
            break
    else:
        pytest.fail("Tab never reached 'Abonnement opzeggen'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("Abonnement opzeggen")).wait_for()
    page.context.close()
