"""The visual check: every portal page, in both languages, on a laptop (1366×768) and a phone (390×844),
saved as a screenshot in test-artifacts/screenshots/ and never wider than its window."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.server import ServerProcess

from .conftest import horizontal_overflow, new_page, screenshot, sign_in, start_server

VIEWPORTS = {"laptop": (1366, 768), "phone": (390, 844)}
# Every page a person can open; {p}: Productie (running, invoiced), {t}: Proefversie (cancelled).
PAGES = {
    "subscriptions": "/portal/subscriptions",
    "overview": "{p}",
    "cancel": "{p}/cancel",
    "resources": "{p}/resources",
    "resource-delete": "{p}/resources/delete?resource_id={vm}",
    "delete": "{p}/delete",
    "activity": "{p}/activity",
    "invoices": "{p}/invoices",
    "invoice": "{p}/invoices/{invoice}",
    "storage": "{p}/storage/contosodata",
    "rename": "{p}/rename",
    "switch-offer": "{p}/switch-offer",
    "reactivate": "{t}/reactivate",
    "cancelled": "{t}/cancel",
    "emulator": "/portal/emulator",
    "not-found": "/portal/subscriptions/no-such-subscription",
}


@pytest.fixture(scope="module")
def invoiced_server(tmp_path_factory) -> Iterator[ServerProcess]:
    server = start_server(tmp_path_factory, "visual")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def addresses(browser, invoiced_server) -> dict:
    """Proefversie cancelled, then invoices issued (the clock past the first period end), through the pages."""
    server = invoiced_server
    page = new_page(browser, server, "en")
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Proefversie").click()
    trial = page.url.split("?")[0]
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_label("I no longer need this subscription").check()
    if page.get_by_label(re.compile("^Turn off resources")).count():
        page.get_by_label(re.compile("^Turn off resources")).check()
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("button", name="Cancel subscription").click()
    page.get_by_role("heading", name=re.compile("Subscription cancelled")).wait_for()
    page.get_by_label("Advance by").select_option("30d")
    page.get_by_role("button", name="Advance clock").click()
    page.get_by_label("Advance by").select_option("7d")
    page.get_by_role("button", name="Advance clock").click()
    page.goto(server.url + "/portal/subscriptions")
    page.get_by_role("link", name="Productie").click()
    production = page.url.split("?")[0]
    page.goto(production + "/invoices")
    invoice = page.locator("#invoices tbody th a").first.get_attribute("href").rsplit("/", 1)[-1]
    page.goto(production + "/resources")
    vm = page.locator("#resources tr[data-name=web-01] input[name=resource_id]").first.get_attribute("value")
    page.context.close()
    return {"p": production, "t": trial, "invoice": invoice, "vm": vm}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_fits_its_window_in_both_languages(browser, invoiced_server, addresses, language, viewport):
    server = invoiced_server
    page = new_page(browser, server, language, viewport=VIEWPORTS[viewport])
    page.goto(server.url + "/portal/signin")
    too_wide = {}
    screenshot(page, f"visual-{language}-{viewport}-signin")
    if horizontal_overflow(page) > 0:
        too_wide["signin"] = horizontal_overflow(page)
    sign_in(page, server, "admin")
    for name, path in PAGES.items():
        url = path.format(**addresses)
        page.goto(url if url.startswith("http") else server.url + url)
        assert page.locator("html").get_attribute("lang") == language, name
        screenshot(page, f"visual-{language}-{viewport}-{name}")
        if horizontal_overflow(page) > 0:
            too_wide[name] = horizontal_overflow(page)
    page.context.close()
    assert too_wide == {}, f"pages wider than the {viewport} window (pixels too wide): {too_wide}"
