"""Playwright driving Debian's chromium (never a downloaded browser) against a real `subplane serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).with_name("axe.min.js")


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")


def launch_browser():
    """Chromium for the whole session (the ``browser`` fixture in tests/conftest.py): Playwright's sync API
    runs one instance per thread, so the browser tests and the multi-process suite share it."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def start_server(tmp_path_factory, name: str, env: dict | None = None) -> ServerProcess:
    return ServerProcess(tmp_path_factory.mktemp(name), env={"SUBPLANE_RUNNER_INTERVAL": "0.5", **(env or {})})


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory) -> Iterator[ServerProcess]:
    """One server for tests that read, or change only what no other test in the module looks at."""
    _require_browser()
    server = start_server(tmp_path_factory, "shared")
    yield server
    server.stop()


@pytest.fixture
def fresh_server(tmp_path_factory) -> Iterator[ServerProcess]:
    _require_browser()
    server = start_server(tmp_path_factory, "fresh")
    yield server
    server.stop()


def new_page(browser, server: ServerProcess, language: str, *, bypass_csp: bool = False,
             viewport: tuple[int, int] = (1280, 900)):
    """A page in a fresh context whose browser asks for ``language``. ``bypass_csp`` lets axe be injected."""
    width, height = viewport
    context = browser.new_context(locale={"nl": "nl-NL", "en": "en-GB"}[language], ignore_https_errors=True,
                                  accept_downloads=True, viewport={"width": width, "height": height},
                                  bypass_csp=bypass_csp)
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in(page, server: ServerProcess, user: str, password: str = "Contoso-demo-2026") -> None:
    page.goto(server.url + "/portal/")
    page.get_by_label({"nl": "Gebruikersnaam"}.get(page_language(page), "User name")).fill(f"{user}@contoso.example")
    page.get_by_label({"nl": "Wachtwoord"}.get(page_language(page), "Password")).fill(password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()


def page_language(page) -> str:
    return page.locator("html").get_attribute("lang") or "en"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_accessibility_violations(page) -> list[dict]:
    """axe-core (vendored from npm, no network) run in the page: violations rated serious or critical."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def cli_json(server: ServerProcess, *args: str):
    """What the CLI reports (``--output json``) for the server's data, to compare with the pages."""
    answer = subprocess.run([sys.executable, "-m", "subplane.cli.main", *args, "--output", "json"], env=server.env,
                            capture_output=True, text=True, check=True)
    return json.loads(answer.stdout)
