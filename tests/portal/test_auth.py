"""Sign-in, sessions, CSRF and the failed-sign-in lockout."""

from __future__ import annotations

import pytest

from subplane.domain.access import OPERATOR
from subplane.domain.lifecycle import State
from subplane.portal.auth import PortalConfig

from .helpers import PortalClient

# Sign-in, sessions and languages do not depend on the database: SQLite is enough here (the lifecycle
# page tests run on both backends).
pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


PAGES = ["/subscriptions", "/subscriptions/{sid}", "/subscriptions/{sid}/resources", "/subscriptions/{sid}/cancel",
         "/subscriptions/{sid}/delete", "/subscriptions/{sid}/activity", "/subscriptions/{sid}/invoices",
         "/subscriptions/{sid}/storage/contosodata", "/subscriptions/{sid}/reactivate", "/"]


@pytest.fixture
def client(demo_app) -> PortalClient:
    return PortalClient(demo_app)


def test_nothing_but_sign_in_is_reachable_without_a_session(client):
    sid = client.subscription_id("Productie")
    for page in PAGES:
        answer = client.get(page.format(sid=sid), follow_redirects=False)
        assert answer.status_code == 303, page
        assert answer.headers["location"].startswith("/portal/signin?next="), page
    assert client.get("/signin").status_code == 200
    posted = client.post(f"/subscriptions/{sid}/cancel", {"reason": "other", "other": "x"}, csrf=False,
                         follow_redirects=False)
    assert posted.status_code == 303
    assert client.app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.ENABLED


def test_sign_in_sets_a_secure_http_only_same_site_cookie(client):
    answer = client.sign_in("admin")
    assert answer.status_code == 200 and "Productie" in answer.text
    cookie = next(h for h in answer.history[0].headers.get_list("set-cookie") if h.startswith("subplane_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie and "Path=/portal" in cookie


def test_wrong_password_is_refused_and_repeated_failures_lock_the_name(client):
    client.portal.throttle.config = PortalConfig(slowdown_seconds=0)  # lock, but do not sleep in the test
    answer = client.sign_in("admin", password="wrong-password")
    assert answer.status_code == 401
    assert "The user name or password is incorrect." in answer.text
    for _ in range(4):
        client.sign_in("admin", password="wrong-password")
    locked = client.sign_in("admin")  # the right password, but the name is locked now
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    assert client.sign_in("owner").status_code == 200  # other names are not affected


def test_sign_in_form_without_its_csrf_token_is_refused(client):
    client.get("/signin")
    answer = client.http.post("/portal/signin", data={"upn": "admin@contoso.example", "password": "Contoso-demo-2026"})
    assert answer.status_code == 403
    assert "subplane_session" not in answer.cookies


def test_posts_without_the_session_csrf_token_are_refused(client):
    client.sign_in("admin")
    sid = client.subscription_id("Productie")
    form = {"reason": "not-needed", "turn_off_resources": "yes", "step": "confirm"}
    refused = client.post(f"/subscriptions/{sid}/cancel", form, csrf=False)
    assert refused.status_code == 403
    forged = client.http.post(f"/portal/subscriptions/{sid}/cancel", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403
    assert client.app.subscriptions.get(actor=OPERATOR, ref=sid).state is State.ENABLED
    assert client.post("/signout", csrf=False).status_code == 403


def test_sign_out_ends_the_session(client):
    client.sign_in("admin")
    assert client.post("/signout").status_code == 200
    answer = client.get("/subscriptions", follow_redirects=False)
    assert answer.status_code == 303 and "/portal/signin" in answer.headers["location"]


def test_sessions_expire_after_being_idle(client):
    now = [1_000_000.0]
    client.portal.sessions.clock = lambda: now[0]
    client.sign_in("admin")
    assert client.get("/subscriptions").status_code == 200
    now[0] += client.portal.config.idle_timeout_seconds - 1
    assert client.get("/subscriptions").status_code == 200  # activity keeps it alive
    now[0] += client.portal.config.idle_timeout_seconds + 1
    expired = client.get("/subscriptions", follow_redirects=False)
    assert expired.status_code == 303 and "/portal/signin" in expired.headers["location"]


def test_sessions_expire_after_the_absolute_limit_even_when_busy(client):
    now = [1_000_000.0]
    client.portal.sessions.clock = lambda: now[0]
    client.sign_in("admin")
    step = client.portal.config.idle_timeout_seconds / 2
    while now[0] - 1_000_000.0 < client.portal.config.absolute_timeout_seconds - step:
        now[0] += step
        assert client.get("/subscriptions").status_code == 200
    now[0] += step * 1.5
    assert client.get("/subscriptions", follow_redirects=False).status_code == 303


def test_sign_in_redirects_only_inside_the_portal(client):
    page = client.get("/signin?next=https://evil.example/")
    assert 'name="next" value="/portal/subscriptions"' in page.text
