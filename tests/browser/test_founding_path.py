"""The founding document's path in a real browser, in Dutch and in English."""

from __future__ import annotations

import re

from .conftest import cli_json, new_page, screenshot, sign_in


def test_dutch_account_administrator_cancels_productie_and_can_still_download(browser, fresh_server):
    server = fresh_server
    page = new_page(browser, server, "nl")
    sign_in(page, server, "admin")
    # Abonnementen -> Productie -> Overzicht -> Abonnement opzeggen
    page.get_by_role("heading", name="Abonnementen").wait_for()
    screenshot(page, "nl-01-abonnementen")
    page.get_by_role("link", name="Productie").click()
    page.get_by_role("link", name="Overzicht").click()
    assert page.locator("#subscription-state").inner_text() == "Ingeschakeld"
    screenshot(page, "nl-02-overzicht")
    page.get_by_role("link", name="Abonnement opzeggen").click()
    assert "web-01" in page.locator("ul.turn-off").inner_text()
    page.get_by_label("Ik heb dit abonnement niet meer nodig").check()
    page.get_by_label(re.compile("^Resources uitschakelen")).check()
    screenshot(page, "nl-03-opzeggen")
    page.get_by_role("button", name="Volgende: controleren").click()
    page.get_by_role("heading", name=re.compile("Opzegging bevestigen")).wait_for()
    screenshot(page, "nl-04-bevestigen")
    page.get_by_role("button", name="Abonnement opzeggen").click()
    page.get_by_role("heading", name=re.compile("Abonnement opgezegd")).wait_for()
    screenshot(page, "nl-05-resultaat")

    assert page.locator("#subscription-state").inner_text() == "Uitgeschakeld / opgezegd"
    turned_off = page.locator("#turned-off-list").inner_text()
    assert "Virtuele machine web-01: toewijzing opgeheven" in turned_off
    assert "Virtuele machine db-01: toewijzing opgeheven" in turned_off
    assert re.search(r"Openbaar IP-adres web-01-ip: \d+\.\d+\.\d+\.\d+ vrijgegeven", turned_off)
    assert "Opslagaccount contosodata: alleen-lezen" in turned_off
    # the deletion date equals what the CLI reports for the same subscription
    shown = page.locator("#deletion-date time").get_attribute("datetime")
    reported = cli_json(server, "subscriptions", "show", "Productie")
    assert reported["state"] == "Disabled" and reported["stateReason"] == "Cancelled"
    assert shown.replace("+00:00", "Z") == reported["deletionDate"]

    # the state shows at once everywhere, and storage still downloads
    page.get_by_role("link", name="Resources").first.click()
    assert page.locator("#readonly-contosodata").inner_text() == "Alleen-lezen"
    screenshot(page, "nl-06-resources")
    page.get_by_role("link", name="contosodata").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Downloaden leesmij.txt")).click()
    data = download_info.value.path().read_bytes()
    assert data.startswith(b"Contoso productiegegevens")
    screenshot(page, "nl-07-opslag")
    page.get_by_role("link", name="Abonnementen").first.click()
    assert "Uitgeschakeld / opgezegd" in page.get_by_role("row", name=re.compile("Productie")).inner_text()
    page.context.close()


def test_english_owner_cancels_then_reactivates(browser, fresh_server):
    server = fresh_server
    page = new_page(browser, server, "en")
    sign_in(page, server, "owner")
    page.get_by_role("heading", name="Subscriptions").wait_for()
    screenshot(page, "en-01-subscriptions")
    page.get_by_role("link", name="Productie").click()
    page.get_by_role("link", name="Overview").click()
    screenshot(page, "en-02-overview")
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_label("The project has ended").check()
    page.get_by_label(re.compile("^Turn off resources")).check()
    screenshot(page, "en-03-cancel")
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("button", name="Cancel subscription").click()
    assert page.locator("#subscription-state").inner_text() == "Disabled / cancelled"
    screenshot(page, "en-04-result")
    page.get_by_role("link", name="Back to Overview").click()
    assert not page.get_by_role("link", name="Cancel subscription").count()
    page.get_by_role("link", name="Reactivate").click()
    screenshot(page, "en-05-reactivate")
    page.get_by_role("button", name="Reactivate").click()
    page.get_by_text("The subscription is active again").wait_for()
    assert page.locator("#subscription-state").inner_text() == "Enabled"
    assert cli_json(server, "subscriptions", "show", "Productie")["state"] == "Enabled"
    page.get_by_role("link", name="Resources").first.click()
    assert "writable" in page.get_by_role("row", name=re.compile("contosodata")).inner_text()
    page.get_by_role("button", name="Start web-01").click()
    assert "running" in page.get_by_role("row", name=re.compile("^web-01 ")).inner_text()
    page.context.close()
