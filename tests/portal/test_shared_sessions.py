"""Portal sessions and the sign-in form's secret live in the database: two apps on one database (each with
its own engine and data directory, standing in for two `serve` processes behind a load balancer) honour
each other's sessions, forms and sign-outs, with the idle and absolute limits intact."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from subplane import demo
from subplane.adapters.db.coordination_tables import portal_sessions
from subplane.adapters.db.ops_tables import installation_secrets
from subplane.demo import DEMO_PASSWORD
from subplane.portal.auth import SESSION_COOKIE, SIGNIN_SECRET

from .helpers import CSRF, PortalClient

START = 1_000_000.0


@pytest.fixture
def two(make_app, tmp_path) -> tuple[PortalClient, PortalClient]:
    first = make_app(data_dir=tmp_path / "a", instance_name="process-a")
    demo.seed(first)
    second = make_app(data_dir=tmp_path / "b", instance_name="process-b")
    return PortalClient(first), PortalClient(second)


def carry_cookies(source: PortalClient, target: PortalClient) -> None:
    """What a load balancer does: the browser's next request, with the same cookies, lands on the other process."""
    for cookie in source.http.cookies.jar:
        target.http.cookies.jar.set_cookie(cookie)
    target.csrf = source.csrf


def steer(clients, now: list[float]) -> None:
    for client in clients:
        client.portal.sessions.clock = lambda: now[0]


def signed_in(client: PortalClient, path: str = "/subscriptions") -> bool:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


def stored_sessions(client: PortalClient) -> list[dict]:
    with client.app.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(portal_sessions))]


def test_a_session_made_through_one_process_works_on_another(two):
    a, b = two
    assert a.sign_in("admin").status_code == 200
    assert not signed_in(b)
    carry_cookies(a, b)
    page = b.get("/subscriptions")
    assert page.status_code == 200 and "Productie" in page.text
    assert CSRF.search(page.text).group(1) == a.csrf  # the session's own CSRF token, from the database
    sid = b.subscription_id("Productie")
    renamed = b.post(f"/subscriptions/{sid}/rename", {"new_name": "Productie-B"})
    assert renamed.status_code == 200, renamed.text
    assert "Productie-B" in a.get("/subscriptions").text


def test_a_sign_in_form_fetched_through_one_process_posts_to_another(two):
    a, b = two
    form = a.get("/signin")
    token = CSRF.search(form.text).group(1)
    carry_cookies(a, b)  # the pre-session cookie the form is bound to
    answer = b.http.post("/portal/signin", headers=b.headers(), data={
        "upn": "admin@contoso.example", "password": DEMO_PASSWORD, "csrf_token": token,
        "next": "/portal/subscriptions"})
    assert answer.status_code == 200 and "Productie" in answer.text
    assert SESSION_COOKIE in b.http.cookies
    with a.app.engine.connect() as conn:
        kept = conn.execute(select(installation_secrets.c.name).where(installation_secrets.c.name == SIGNIN_SECRET))
        assert kept.scalars().all() == [SIGNIN_SECRET]  # one secret for the installation, not one per process


def test_a_forged_sign_in_form_is_still_refused_on_every_process(two):
    a, b = two
    a.get("/signin")
    carry_cookies(a, b)
    answer = b.http.post("/portal/signin", headers=b.headers(), data={
        "upn": "admin@contoso.example", "password": DEMO_PASSWORD, "csrf_token": "forged"})
    assert answer.status_code == 403 and SESSION_COOKIE not in b.http.cookies


def test_signing_out_through_one_process_ends_the_session_on_all(two):
    a, b = two
    a.sign_in("admin")
    carry_cookies(a, b)
    assert signed_in(b)
    assert b.post("/signout").status_code == 200
    assert stored_sessions(a) == []
    assert not signed_in(a)


def test_the_database_holds_the_token_s_hash_never_the_token(two):
    a, _ = two
    a.sign_in("admin")
    token = a.http.cookies[SESSION_COOKIE]
    (row,) = stored_sessions(a)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row)
    assert row["principal"]["upn"] == "admin@contoso.example" and row["csrf"] == a.csrf
    assert row["expires_at"] > row["created_at"]


def test_idle_expiry_counts_activity_on_every_process(two):
    a, b = two
    now = [START]
    steer(two, now)
    idle = a.portal.config.idle_timeout_seconds
    a.sign_in("admin")
    carry_cookies(a, b)
    now[0] += idle - 1
    assert signed_in(b)  # activity through B ...
    now[0] += idle - 1
    assert signed_in(a)  # ... keeps the session alive on A
    now[0] += idle + 1
    assert not signed_in(b)
    assert not signed_in(a)
    assert stored_sessions(a) == []  # the expired row went when it was looked up


def test_the_absolute_limit_holds_however_busy_the_session_is_across_processes(two):
    a, b = two
    now = [START]
    steer(two, now)
    config = a.portal.config
    a.sign_in("admin")
    carry_cookies(a, b)
    step = config.idle_timeout_seconds / 2
    turn = 0
    while now[0] - START < config.absolute_timeout_seconds - step:
        now[0] += step
        assert signed_in(two[turn % 2])
        turn += 1
    now[0] += step * 1.5
    assert not signed_in(a) and not signed_in(b)


def test_last_seen_is_written_at_most_once_a_minute(two):
    a, _ = two
    now = [START]
    steer(two, now)
    a.sign_in("admin")
    (signed,) = stored_sessions(a)
    now[0] += 30
    assert signed_in(a)
    assert stored_sessions(a)[0]["last_seen_at"] == signed["last_seen_at"]  # a read, no write
    now[0] += 31
    assert signed_in(a)
    assert stored_sessions(a)[0]["last_seen_at"].timestamp() == pytest.approx(START + 61)


def test_a_sign_in_deletes_every_expired_session(two):
    a, b = two
    now = [START]
    steer(two, now)
    a.sign_in("admin")
    b.sign_in("owner")
    assert len(stored_sessions(a)) == 2
    now[0] += a.portal.config.absolute_timeout_seconds + 1
    third = PortalClient(b.app)
    steer([third], now)
    third.sign_in("reader")  # someone else signs in: the two expired rows go with it
    rows = stored_sessions(a)
    assert [row["principal"]["upn"] for row in rows] == ["reader@contoso.example"]


def test_the_emulator_page_lists_the_requests_every_process_served_with_its_instance(two):
    a, b = two
    a.sign_in("admin")
    a.get("/subscriptions/only-on-a", follow_redirects=False)
    a.app.request_log.store_queued()  # what A's writer thread does within milliseconds, done now
    carry_cookies(a, b)
    page = b.get("/emulator")
    assert page.status_code == 200
    row = next(line for line in page.text.splitlines() if "GET /portal/subscriptions/only-on-a" in line)
    assert "<code>process-a</code>" in row
