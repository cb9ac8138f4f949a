"""Issue 10 §1 over a real `subplane serve` (HTTPS, real tokens): the issuer and the audiences each endpoint
takes come from the configured public URL, never from the request's Host; forged and malformed tokens get a
401 with ARM's (or Azure Storage's) challenge, never a 500, and change nothing.

Checks that already hold on ARM are tested in-process in test_tokens_and_conventions.py (expired, alg none,
HS256 with a shared secret, a foreign key, an unknown tenant); here they are run on the blob endpoint, and
what was missing on ARM is added (nbf in the future, HS256 signed with our public key, a second tenant)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from subplane.domain.lifecycle import State
from tests.conftest import BACKENDS

from .served import ACTION_VERSION, STORAGE_SCOPE, Served, b64


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory):
    live = Served(request.param, tmp_path_factory.mktemp(f"tokens-{request.param}"))
    yield live
    live.close()


def _claims(token: str, **changes) -> dict:
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return claims


def _unsigned(claims: dict) -> str:
    return f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}."


def _hs256_with_public_key(served, claims: dict) -> str:
    """The algorithm-confusion attack: HMAC keyed with our published public key."""
    public = served.keys.public_key.public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(hmac.new(public, signing_input.encode(), hashlib.sha256).digest())}"


def _expect_arm_401(served, answer, code: str) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == code
    challenge = answer.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer authorization_uri="{served.url}/'), challenge
    assert 'error="invalid_token", error_description="' in challenge


def _expect_blob_401(served, answer) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["x-ms-error-code"] == "InvalidAuthenticationInfo"
    assert answer.headers["WWW-Authenticate"].startswith(f"Bearer authorization_uri={served.url}/")
    assert answer.headers["WWW-Authenticate"].endswith(" resource_id=https://storage.azure.com")


# -- attacks that worked before ---------------------------------------------------------------------------

def test_a_storage_token_on_arm_with_host_storage_is_refused_and_changes_nothing(served):
    sub = served.subscription("Proefversie")
    storage_token = served.token(scope=STORAGE_SCOPE)
    forged_host = {"Host": "storage.azure.com"}
    renamed = served.arm("POST", f"/subscriptions/{sub.subscription_id}/providers/Microsoft.Subscription/rename",
                         storage_token, version=ACTION_VERSION, headers=forged_host,
                         json={"subscriptionName": "taken over"})
    _expect_arm_401(served, renamed, "InvalidAuthenticationTokenAudience")
    cancelled = served.arm("POST", f"/subscriptions/{sub.subscription_id}/providers/Microsoft.Subscription/cancel",
                           storage_token, version=ACTION_VERSION, headers=forged_host)
    _expect_arm_401(served, cancelled, "InvalidAuthenticationTokenAudience")
    read = served.arm("GET", f"/subscriptions/{sub.subscription_id}", storage_token, headers=forged_host)
    _expect_arm_401(served, read, "InvalidAuthenticationTokenAudience")
    after = served.subscription("Proefversie")
    assert (after.display_name, after.state) == ("Proefversie", State.ENABLED)


def test_a_token_request_with_a_forged_host_gets_the_configured_issuer(served):
    forged_host = {"Host": "evil.example"}
    token = served.token(headers=forged_host)
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == f"{served.url}/{served.tenant}/v2.0"
    discovery = served.http.get(f"/{served.tenant}/v2.0/.well-known/openid-configuration", headers=forged_host).json()
    assert discovery["issuer"] == f"{served.url}/{served.tenant}/v2.0"
    assert discovery["token_endpoint"] == f"{served.url}/{served.tenant}/oauth2/v2.0/token"
    assert "evil.example" not in json.dumps(discovery)
    assert served.arm("GET", "/subscriptions", token).status_code == 200  # a genuine token, wherever it was asked


def test_a_token_for_the_forged_hosts_audience_is_not_issued(served):
    for scope in ("https://evil.example/.default", "https://graph.microsoft.com/.default"):
        answer = served.token_request(scope=scope, headers={"Host": "evil.example"})
        assert answer.status_code == 400, answer.text
        body = answer.json()
        assert body["error"] == "invalid_resource" and body["error_codes"] == [500011]
        assert body["error_description"].startswith(f"AADSTS500011: The resource principal named {scope[:-9]} was "
                                                    "not found in the tenant named Contoso.")


@pytest.mark.parametrize("scope", ["https://management.core.windows.net//.default", "openid {url}/.default profile"])
def test_the_configured_public_url_and_the_arm_audiences_are_served(served, scope):
    token = served.token(scope=scope.format(url=served.url))
    assert served.arm("GET", "/subscriptions", token).status_code == 200


def test_a_token_signed_by_us_with_another_hosts_issuer_is_refused(served):
    for issuer in (f"https://evil.example/{served.tenant}/v2.0", f"{served.url}.evil.example/{served.tenant}/v2.0"):
        forged = served.sign(_claims(served.token(), iss=issuer))
        for headers in ({}, {"Host": "evil.example"}):
            _expect_arm_401(served, served.arm("GET", "/subscriptions", forged, headers=headers),
                            "InvalidAuthenticationToken")


def test_the_account_audience_is_accepted_for_its_own_account_only(served):
    own = served.token(scope=f"{served.url}/blob/contosodata/.default")
    assert served.blob_list(own).status_code == 200
    other = served.token(scope=f"{served.url}/blob/otheraccount/.default")
    _expect_blob_401(served, served.blob_list(other))


# -- malformed claims: 401, never 500 ---------------------------------------------------------------------

MALFORMED = {
    "aud-as-list": {"aud": ["https://management.azure.com/"]},
    "exp-as-string": {"exp": str(int(time.time()) + 3600)},
    "exp-as-bool": {"exp": True},
    "iat-as-float": {"iat": time.time()},
    "nbf-as-string": {"nbf": "soon"},
    "tid-as-number": {"tid": 12345},
    "oid-as-object": {"oid": {"id": "x"}},
    "iss-as-list": {"iss": ["x"]},
    "name-as-number": {"name": 7},
    "tid-empty": {"tid": ""},
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_claims_are_refused_on_arm(served, case):
    forged = served.sign(_claims(served.token(), **MALFORMED[case]))
    _expect_arm_401(served, served.arm("GET", "/subscriptions", forged), "InvalidAuthenticationToken")


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_claims_are_refused_on_blob(served, case):
    changes = {**MALFORMED[case]}
    if case == "aud-as-list":
        changes["aud"] = ["https://storage.azure.com/"]
    forged = served.sign(_claims(served.token(scope=STORAGE_SCOPE), **changes))
    _expect_blob_401(served, served.blob_list(forged))


# -- what already held on ARM, added where it was not tested ----------------------------------------------

def test_arm_refuses_a_token_not_valid_yet_and_hs256_keyed_with_our_public_key(served):
    now = int(time.time())
    early = served.sign(_claims(served.token(), nbf=now + 3600, iat=now))
    _expect_arm_401(served, served.arm("GET", "/subscriptions", early), "InvalidAuthenticationToken")
    confused = _hs256_with_public_key(served, _claims(served.token()))
    _expect_arm_401(served, served.arm("GET", "/subscriptions", confused), "InvalidAuthenticationToken")


def _held_cases(served) -> dict[str, str]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    claims = _claims(served.token(scope=STORAGE_SCOPE))
    now = int(time.time())
    other = "11111111-2222-3333-4444-555555555555"
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "expired": served.sign({**claims, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}),
        "not-yet-valid": served.sign({**claims, "nbf": now + 3600}),
        "alg-none": _unsigned(claims),
        "hs256-with-public-key": _hs256_with_public_key(served, claims),
        "foreign-key": jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": served.keys.key_id}),
        "unknown-tenant": served.sign({**claims, "tid": other, "iss": f"{served.url}/{other}/v2.0"}),
        "foreign-issuer": served.sign({**claims, "iss": f"https://evil.example/{served.tenant}/v2.0"}),
        "arm-audience": served.token(),
    }


def test_blob_refuses_every_token_arm_refuses(served):
    cases = _held_cases(served)
    for name, token in cases.items():
        answer = served.blob_list(token)
        assert answer.status_code == 401, f"{name}: {answer.text}"
        _expect_blob_401(served, answer)
    assert served.blob_list(served.token(scope=STORAGE_SCOPE)).status_code == 200


def test_a_second_tenants_principal_cannot_read_or_change_the_first_tenants_subscription(served):
    with served.app.uow() as uow:
        fabrikam = served.app.directory.create_tenant(uow, name="Fabrikam", domain=f"fabrikam-{uuid.uuid4().hex[:8]}.example")
    _, client_id = served.new_client("fabrikam-secret-1", tenant=fabrikam)
    token = served.token(client_id=client_id, secret="fabrikam-secret-1", tenant=fabrikam)
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == f"{served.url}/{fabrikam}/v2.0"
    sub = served.subscription("Productie")
    assert sub.subscription_id not in served.arm("GET", "/subscriptions", token).text
    read = served.arm("GET", f"/subscriptions/{sub.subscription_id}", token)
    renamed = served.arm("POST", f"/subscriptions/{sub.subscription_id}/providers/Microsoft.Subscription/rename",
                         token, version=ACTION_VERSION, json={"subscriptionName": "Fabrikam's now"})
    assert read.status_code in (403, 404) and renamed.status_code in (403, 404), (read.text, renamed.text)
    blob = served.blob_list(served.token(client_id=client_id, secret="fabrikam-secret-1", tenant=fabrikam,
                                         scope=STORAGE_SCOPE))
    assert blob.status_code in (403, 404), blob.text
    assert served.subscription("Productie").display_name == "Productie"


# -- the portal takes no bearer tokens ---------------------------------------------------------------------

def test_the_portal_ignores_bearer_tokens(served):
    """The portal signs users in with a password and keeps a server-side session; a token opens nothing."""
    answer = served.http.get("/portal/subscriptions", headers={"Authorization": f"Bearer {served.token()}"},
                             follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/portal/signin")


# -- configured public URLs and trusted proxies -------------------------------------------------------------

@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    """Served as https://subplane.test (and https://alias.test) behind a proxy at 127.0.0.1."""
    live = Served("sqlite", tmp_path_factory.mktemp("proxied"), env={"SUBPLANE_TRUSTED_PROXIES": "127.0.0.1"},
                  public_url="https://subplane.test,https://alias.test")
    yield live
    live.close()


def test_serve_public_url_names_the_issuer_and_connection_details(behind_proxy):
    tenant = behind_proxy.tenant
    assert behind_proxy.connection["armEndpoint"] == "https://subplane.test"
    token = behind_proxy.token()
    assert jwt.decode(token, options={"verify_signature": False})["iss"] == f"https://subplane.test/{tenant}/v2.0"
    assert behind_proxy.arm("GET", "/subscriptions", token).status_code == 200
    bound = behind_proxy.token_request(scope=f"{behind_proxy.url}/.default")  # the bind address is not configured
    assert bound.status_code == 400 and bound.json()["error_codes"] == [500011]
    alias = behind_proxy.token(scope="https://alias.test/.default")
    assert behind_proxy.arm("GET", "/subscriptions", alias).status_code == 200


@pytest.mark.parametrize("forwarded, base", [
    ({"X-Forwarded-Host": "alias.test", "X-Forwarded-Proto": "https"}, "https://alias.test"),
    ({"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}, "https://subplane.test"),
    ({"Host": "alias.test"}, "https://alias.test"),
    ({}, "https://subplane.test"),
])
def test_a_trusted_proxy_picks_among_the_configured_urls_only(behind_proxy, forwarded, base):
    tenant = behind_proxy.tenant
    discovery = behind_proxy.http.get(f"/{tenant}/v2.0/.well-known/openid-configuration", headers=forwarded).json()
    assert discovery["token_endpoint"] == f"{base}/{tenant}/oauth2/v2.0/token"
    assert discovery["issuer"] == f"https://subplane.test/{tenant}/v2.0"  # the issuer is always the primary URL
    endpoints = behind_proxy.arm("GET", "/metadata/endpoints", None, version="2022-09-01", headers=forwarded).json()
    assert endpoints["resourceManager"] == f"{base}/"


def test_forwarded_headers_from_an_untrusted_client_are_ignored(served):
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    discovery = served.http.get(f"/{served.tenant}/v2.0/.well-known/openid-configuration", headers=forwarded).json()
    assert discovery["token_endpoint"] == f"{served.url}/{served.tenant}/oauth2/v2.0/token"
