"""Issue 10 §2 over a real `subplane serve` on SQLite and PostgreSQL: one lockout for every password and
client-secret check (the portal's sign-in, the token endpoint's password grant, client secrets), counted per
name in the database and timed by the simulated clock."""

from __future__ import annotations

import re
import threading
import uuid

import httpx
import pytest

from subplane.adapters.passwords import hash_secret
from subplane.demo import DEMO_PASSWORD
from subplane.domain.lockout import CLIENT, USER
from tests.conftest import BACKENDS

from .served import ARM_SCOPE, Served

THRESHOLD = 5  # the default: SUBPLANE_LOCKOUT_THRESHOLD
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory):
    live = Served(request.param, tmp_path_factory.mktemp(f"lockout-{request.param}"))
    yield live
    live.close()


def _codes(answer) -> list[int]:
    return answer.json().get("error_codes", [])


def _locked_grant(answer) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["error"] == "invalid_grant" and body["error_codes"] == [50053]
    assert body["error_description"].startswith("AADSTS50053: The account is locked, you've tried to sign in too many "
                                                "times with an incorrect user ID or password.")
    assert "access_token" not in body


def _portal_sign_in(served, upn: str, password: str) -> httpx.Response:
    with served.client() as browser:
        form = browser.get("/portal/signin")
        token = CSRF.search(form.text).group(1)
        return browser.post("/portal/signin", data={"upn": upn, "password": password, "csrf_token": token,
                                                    "next": "/portal/subscriptions"})


def _advance(served, by: str) -> None:
    answer = served.http.post("/_subplane/clock", json={"advance": by})
    assert answer.status_code == 200 and answer.json()["status"] == "ready", answer.text


def test_the_password_grant_locks_after_five_failures_and_the_right_password_is_refused(served):
    upn = served.new_user()
    for _ in range(THRESHOLD):
        wrong = served.password_grant(upn, "wrong-password")
        assert wrong.status_code == 400 and _codes(wrong) == [50126], wrong.text
    _locked_grant(served.password_grant(upn))
    _locked_grant(served.password_grant(upn.upper()))  # the name, not its spelling, is locked
    assert served.password_grant(served.new_user()).status_code == 200  # other names are not affected
    assert served.app.lockout.attempts(USER, upn).failures == THRESHOLD  # refusals while locked are not counted


def test_portal_and_grant_failures_count_together(served):
    upn = served.new_user()
    for _ in range(3):
        assert _codes(served.password_grant(upn, "wrong-password")) == [50126]
    for _ in range(2):
        assert _portal_sign_in(served, upn, "wrong-password").status_code == 401
    locked = _portal_sign_in(served, upn, DEMO_PASSWORD)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
    assert "subplane_session" not in locked.cookies
    _locked_grant(served.password_grant(upn))


def test_a_success_forgets_the_failures(served):
    upn = served.new_user()
    for _ in range(THRESHOLD - 1):
        served.password_grant(upn, "wrong-password")
    signed_in = _portal_sign_in(served, upn, DEMO_PASSWORD)
    assert signed_in.status_code == 303 and "subplane_session" in signed_in.cookies
    assert served.app.lockout.attempts(USER, upn) is None
    for _ in range(THRESHOLD - 1):
        served.password_grant(upn, "wrong-password")
    assert served.password_grant(upn).status_code == 200


def test_the_lock_ends_after_the_configured_time_on_the_simulated_clock(served):
    upn = served.new_user()
    for _ in range(THRESHOLD):
        served.password_grant(upn, "wrong-password")
    _advance(served, "14m")
    _locked_grant(served.password_grant(upn))
    _advance(served, "1m")  # 15 minutes (SUBPLANE_LOCKOUT_SECONDS=900) after the fifth failure
    assert served.password_grant(upn).status_code == 200
    assert served.app.lockout.attempts(USER, upn) is None


def test_failures_spread_beyond_the_window_do_not_lock(served):
    upn = served.new_user()
    for _ in range(THRESHOLD - 1):
        served.password_grant(upn, "wrong-password")
    _advance(served, "15m")  # the window (SUBPLANE_LOCKOUT_WINDOW_SECONDS=900) from the first failure is over
    assert _codes(served.password_grant(upn, "wrong-password")) == [50126]
    assert served.app.lockout.attempts(USER, upn).failures == 1
    assert served.password_grant(upn).status_code == 200


def test_client_secrets_lock_per_client_id(served):
    _, client_id = served.new_client("the-right-secret")
    for _ in range(THRESHOLD):
        wrong = served.token_request(client_id=client_id, secret="a-wrong-secret")
        assert wrong.status_code == 401 and _codes(wrong) == [7000215], wrong.text
    locked = served.token_request(client_id=client_id, secret="the-right-secret")
    assert locked.status_code == 401, locked.text
    assert locked.json()["error"] == "invalid_client" and _codes(locked) == [50053]
    assert served.token_request(role="reader").status_code == 200  # other clients are not affected
    _advance(served, "15m")
    assert served.token_request(client_id=client_id, secret="the-right-secret").status_code == 200
    assert served.app.lockout.attempts(CLIENT, client_id) is None


@pytest.mark.parametrize("attempts", [4, 16])
def test_parallel_wrong_attempts_each_count_exactly_once(served, attempts):
    """Threads post at once (a barrier); every answered failure is counted, and nothing more: the stored
    count equals the number of AADSTS50126 answers, and each answer is a failure or the lock."""
    upn = f"nobody-{uuid.uuid4().hex[:8]}@contoso.example"  # no password hash to check: the counting races most
    start = threading.Barrier(attempts)
    answers: list[list[int]] = []

    def attempt() -> None:
        with served.client() as client:
            start.wait()
            answer = client.post(f"/{served.tenant}/oauth2/v2.0/token", data={
                "grant_type": "password", "username": upn, "password": "guess", "scope": ARM_SCOPE})
        answers.append(_codes(answer))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counted = sum(1 for codes in answers if codes == [50126])
    assert len(answers) == attempts and all(codes in ([50126], [50053]) for codes in answers), answers
    assert counted == min(attempts, THRESHOLD)  # each guess is counted before it is checked: none outruns the lock
    stored = served.app.lockout.attempts(USER, upn)
    assert stored.failures == counted
    assert (stored.locked_until is not None) == (counted >= THRESHOLD)


# Issue 14: the token endpoint remembers a client secret argon2 accepted (``VerifiedSecrets``), and that memory
# changes no answer: a rotated secret stops working at once, a locked client is refused with the right secret, and
# a success through the memory forgets the failures as any success does.
def test_a_rotated_secret_is_refused_though_the_server_accepted_it_before(served):
    object_id, client_id = served.new_client("the-first-secret")
    for _ in range(2):  # the second answer comes from the server's memory of the first
        assert served.token_request(client_id=client_id, secret="the-first-secret").status_code == 200
    with served.app.uow() as uow:
        uow.directory.set_service_principal_secret(object_id, hash_secret("the-second-secret"))
    old = served.token_request(client_id=client_id, secret="the-first-secret")
    assert old.status_code == 401 and _codes(old) == [7000215], old.text
    assert served.token_request(client_id=client_id, secret="the-second-secret").status_code == 200


def test_a_locked_client_is_refused_with_a_secret_the_server_remembers(served):
    _, client_id = served.new_client("the-right-secret")
    assert served.token_request(client_id=client_id, secret="the-right-secret").status_code == 200
    for _ in range(THRESHOLD):
        wrong = served.token_request(client_id=client_id, secret="a-wrong-secret")
        assert wrong.status_code == 401 and _codes(wrong) == [7000215], wrong.text
    locked = served.token_request(client_id=client_id, secret="the-right-secret")
    assert locked.status_code == 401 and _codes(locked) == [50053], locked.text
    assert served.app.lockout.attempts(CLIENT, client_id).failures == THRESHOLD  # the refusal is not counted
    _advance(served, "15m")
    assert served.token_request(client_id=client_id, secret="the-right-secret").status_code == 200
    assert served.app.lockout.attempts(CLIENT, client_id) is None


def test_a_remembered_secret_forgets_the_failures_before_it(served):
    _, client_id = served.new_client("the-right-secret")
    assert served.token_request(client_id=client_id, secret="the-right-secret").status_code == 200
    for _ in range(THRESHOLD - 2):
        assert _codes(served.token_request(client_id=client_id, secret="a-wrong-secret")) == [7000215]
    assert served.app.lockout.attempts(CLIENT, client_id).failures == THRESHOLD - 2
    assert served.token_request(client_id=client_id, secret="the-right-secret").status_code == 200
    assert served.app.lockout.attempts(CLIENT, client_id) is None


def test_the_remembered_secret_of_one_client_does_not_open_another(served):
    _, first = served.new_client("a-shared-secret")
    _, second = served.new_client("another-secret")
    assert served.token_request(client_id=first, secret="a-shared-secret").status_code == 200
    refused = served.token_request(client_id=second, secret="a-shared-secret")
    assert refused.status_code == 401 and _codes(refused) == [7000215], refused.text
