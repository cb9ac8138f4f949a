"""Strict token validation on ARM calls, and the conventions every ARM answer follows."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from .conftest import ACTION_VERSION, SUBS_VERSION


def _claims(arm, **changes) -> dict:
    claims = jwt.decode(arm.token("owner"), options={"verify_signature": False})
    claims.update(changes)
    return claims


def _sign(arm, claims: dict) -> str:
    return jwt.encode(claims, arm.app.token_keys._key, algorithm="RS256", headers={"kid": arm.app.token_keys.key_id})


def _expect_401(answer, code: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == code
    challenge = answer.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer authorization_uri="https://testserver/') and 'error="invalid_token"' in challenge


def test_missing_token(arm):
    _expect_401(arm.call("GET", "/subscriptions", role=None), "AuthenticationFailed")


def test_expired_token(arm):
    now = int(time.time())
    token = _sign(arm, _claims(arm, iat=now - 7200, nbf=now - 7200, exp=now - 3600))
    _expect_401(arm.call("GET", "/subscriptions", token=token), "ExpiredAuthenticationToken")


def test_wrong_audience(arm):
    token = _sign(arm, _claims(arm, aud="https://graph.microsoft.com/"))  # the token endpoint no longer mints it
    _expect_401(arm.call("GET", "/subscriptions", token=token), "InvalidAuthenticationTokenAudience")


def test_both_arm_audiences_are_accepted(arm):
    for scope in ("https://management.azure.com/.default", "https://management.core.windows.net//.default"):
        assert arm.call("GET", "/subscriptions", token=arm.token("owner", scope=scope)).status_code == 200


def test_wrong_tenant(arm):
    other = "11111111-2222-3333-4444-555555555555"
    token = _sign(arm, _claims(arm, tid=other, iss=f"https://testserver/{other}/v2.0"))
    _expect_401(arm.call("GET", "/subscriptions", token=token), "InvalidAuthenticationTokenTenant")


def test_bad_signature(arm):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(arm), stranger, algorithm="RS256", headers={"kid": arm.app.token_keys.key_id})
    _expect_401(arm.call("GET", "/subscriptions", token=token), "InvalidAuthenticationTokenSignature")


def test_alg_none_is_refused(arm):
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(_claims(arm))}."
    _expect_401(arm.call("GET", "/subscriptions", token=token), "InvalidAuthenticationToken")


def test_hs256_with_public_key_material_is_refused(arm):
    token = jwt.encode(_claims(arm), "a-shared-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    _expect_401(arm.call("GET", "/subscriptions", token=token), "InvalidAuthenticationToken")


def test_missing_api_version(arm):
    answer = arm.call("GET", "/subscriptions", version=None)
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": "MissingApiVersionParameter", "message":
                                       "The api-version query parameter (?api-version=) is required for all requests."}}


def test_unknown_api_version_strict_then_lenient(arm, make_app):
    strict = arm.call("GET", "/subscriptions", version="2099-01-01")
    assert strict.status_code == 400 and strict.json()["error"]["code"] == "InvalidApiVersionParameter"
    assert "2022-12-01" in strict.json()["error"]["message"]
    from .conftest import Arm

    lenient = Arm(make_app(api_version_policy="lenient", arm_throttle="off"))
    assert lenient.call("GET", "/subscriptions", version="2099-01-01").status_code == 200
    assert lenient.call("GET", "/subscriptions", version="latest").status_code == 400


def test_every_answer_carries_request_and_correlation_ids(arm):
    answer = arm.call("GET", "/subscriptions", headers={"x-ms-correlation-request-id": "corr-1",
                                                        "x-ms-client-request-id": "client-1"})
    assert answer.headers["x-ms-correlation-request-id"] == "corr-1"
    assert answer.headers["x-ms-client-request-id"] == "client-1"
    assert len(answer.headers["x-ms-request-id"]) == 36
    assert answer.headers["x-ms-routing-request-id"].endswith(answer.headers["x-ms-request-id"])
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    generated = arm.call("GET", "/subscriptions")
    assert len(generated.headers["x-ms-correlation-request-id"]) == 36


def test_paths_and_namespaces_are_case_insensitive(arm):
    sub = arm.subscription_id("Ontwikkeling")
    for path in (f"/subscriptions/{sub}", f"/SUBSCRIPTIONS/{sub.upper()}"):
        answer = arm.call("GET", path)
        assert answer.status_code == 200 and answer.json()["subscriptionId"] == sub
    renamed = arm.call("POST", f"/Subscriptions/{sub}/providers/microsoft.subscription/RENAME", version=ACTION_VERSION,
                       json={"subscriptionName": "Ontwikkeling"})
    assert renamed.status_code == 200 and renamed.json() == {"subscriptionId": sub}


def test_paging_next_link_is_absolute_and_keeps_api_version(make_app):
    from subplane import demo

    from .conftest import Arm

    built = make_app(arm_throttle="off", arm_page_size=2)
    demo.seed(built)
    arm = Arm(built)
    first = arm.call("GET", "/subscriptions").json()
    assert len(first["value"]) == 2
    link = first["nextLink"]
    assert link.startswith("https://testserver/subscriptions?") and f"api-version={SUBS_VERSION}" in link
    second = arm.client.get(link, headers={"Authorization": f"Bearer {arm.token()}"}).json()
    assert len(second["value"]) == 1 and "nextLink" not in second
    names = {s["displayName"] for s in first["value"] + second["value"]}
    assert names == {"Productie", "Proefversie", "Ontwikkeling"}


def test_throttle_answers_429_with_retry_after_and_counts_down(make_app):
    from subplane import demo

    from .conftest import Arm

    built = make_app(arm_throttle="reads=3:0.001")
    demo.seed(built)
    arm = Arm(built)
    sub = arm.subscription_id("Productie")
    remaining = [arm.call("GET", f"/subscriptions/{sub}").headers["x-ms-ratelimit-remaining-subscription-reads"]
                 for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = arm.call("GET", f"/subscriptions/{sub}")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "TooManyRequests"
    assert int(refused.headers["Retry-After"]) >= 1
    write = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/rename", version=ACTION_VERSION,
                     json={"subscriptionName": "Productie"})
    assert write.status_code == 200 and "x-ms-ratelimit-remaining-subscription-writes" in write.headers


@pytest.mark.parametrize("path", ["/subscriptions/not-a-guid", "/subscriptions/not-a-guid/locations"])
def test_malformed_subscription_id(arm, path):
    answer = arm.call("GET", path)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidSubscriptionId"


def test_rate_limit_header_is_sent_even_with_the_throttle_off(arm):
    sub = arm.subscription_id("Productie")
    assert arm.call("GET", f"/subscriptions/{sub}").headers["x-ms-ratelimit-remaining-subscription-reads"] == "11999"
    assert arm.call("GET", "/subscriptions").headers["x-ms-ratelimit-remaining-tenant-reads"] == "11999"
