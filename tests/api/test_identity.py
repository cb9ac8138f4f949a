"""The emulated identity provider: discovery, JWKS, token grants and AAD-shaped failures."""

from __future__ import annotations

import jwt

from subplane.demo import DEMO_PASSWORD


def test_discovery_names_the_tenant_token_endpoint_first(arm):
    answer = arm.client.get(f"/{arm.tenant}/v2.0/.well-known/openid-configuration")
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_endpoint"] == f"https://testserver/{arm.tenant}/oauth2/v2.0/token"
    assert body["authorization_endpoint"].startswith(f"https://testserver/{arm.tenant}/")
    assert body["issuer"] == f"https://testserver/{arm.tenant}/v2.0"


def test_discovery_by_domain_name_and_unknown_tenant(arm):
    assert arm.client.get("/contoso.example/v2.0/.well-known/openid-configuration").json()["token_endpoint"].startswith(
        f"https://testserver/{arm.tenant}/")
    missing = arm.client.get("/00000000-0000-0000-0000-000000000123/v2.0/.well-known/openid-configuration")
    assert missing.status_code == 400 and "AADSTS90002" in missing.json()["error_description"]


def test_client_credentials_token_is_an_rs256_jwt_with_the_claims(arm):
    token = arm.token("owner")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    jwks = arm.client.get(f"/{arm.tenant}/discovery/v2.0/keys").json()
    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="https://management.azure.com/")
    with arm.app.uow(read_only=True) as uow:
        owner = uow.directory.find_principal("subplane-owner")
    assert claims["tid"] == arm.tenant and claims["oid"] == owner.principal_id and claims["name"] == "subplane-owner"
    assert claims["exp"] - claims["iat"] == 3600 and claims["iss"] == f"https://testserver/{arm.tenant}/v2.0"


def test_cli_scope_with_double_slash_gives_the_classic_audience(arm):
    token = arm.token("owner", scope="https://management.core.windows.net//.default")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "https://management.core.windows.net/"


def test_wrong_secret_answers_like_aad(arm):
    p = arm.principal("owner")
    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": p["clientId"], "client_secret": "wrong",
        "scope": "https://management.azure.com/.default"})
    assert answer.status_code == 401
    body = answer.json()
    assert body["error"] == "invalid_client" and body["error_description"].startswith("AADSTS7000215")
    assert body["error_codes"] == [7000215]


def test_unknown_client_and_unsupported_grant(arm):
    unknown = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": "00000000-0000-0000-0000-0000000000ff", "client_secret": "x",
        "scope": "https://management.azure.com/.default"})
    assert unknown.status_code == 400 and unknown.json()["error_codes"] == [700016]
    grant = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={"grant_type": "implicit", "scope": "x"})
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"


def test_password_grant_for_users(arm):
    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "username": "reader@contoso.example", "password": DEMO_PASSWORD,
        "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "scope": "https://management.azure.com/.default openid"})
    assert answer.status_code == 200, answer.text
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["upn"] == "reader@contoso.example" and claims["idtyp"] == "user"
    wrong = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "username": "reader@contoso.example", "password": "nope",
        "scope": "https://management.azure.com/.default"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "AADSTS50126" in wrong.json()["error_description"]


AZ_CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def _user_grant(arm, scope="https://management.azure.com/.default offline_access"):
    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "username": "owner@contoso.example", "password": DEMO_PASSWORD,
        "client_id": AZ_CLIENT, "scope": scope})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refresh(arm, token: str, *, scope: str = "https://testserver/graph/.default", client_id: str = AZ_CLIENT,
             tenant: str | None = None):
    return arm.client.post(f"/{tenant or arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "refresh_token", "refresh_token": token, "client_id": client_id, "scope": scope})


def test_a_user_refresh_token_gets_a_token_for_another_resource_and_a_new_refresh_token(arm):
    """What MSAL does silently after a user's az login, when az wants a token for the Graph."""
    first = _user_grant(arm)
    assert first["refresh_token"] and "refresh_token" in arm.client.get(
        f"/{arm.tenant}/v2.0/.well-known/openid-configuration").json()["grant_types_supported"]
    answer = _refresh(arm, first["refresh_token"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://testserver/graph/" and claims["upn"] == "owner@contoso.example"
    assert claims["idtyp"] == "user" and body["refresh_token"] != first["refresh_token"] and body["id_token"]
    me = arm.client.get("/graph/v1.0/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["userPrincipalName"] == "owner@contoso.example"


def test_a_refresh_token_is_no_access_token_and_redeems_only_for_its_client_and_tenant(arm):
    refresh = _user_grant(arm)["refresh_token"]
    at_arm = arm.call("GET", "/subscriptions", token=refresh)
    assert at_arm.status_code == 401 and at_arm.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    other_client = _refresh(arm, refresh, client_id="11111111-1111-1111-1111-111111111111")
    assert other_client.status_code == 400 and other_client.json()["error"] == "invalid_grant"
    access = _user_grant(arm)["access_token"]  # an access token is not a refresh token
    assert _refresh(arm, access).json()["error"] == "invalid_grant"
    assert _refresh(arm, "not-a-token").json()["error_codes"] == [9002313]
    assert _refresh(arm, refresh, scope="https://unknown.example/.default").json()["error_codes"] == [500011]


def test_a_removed_user_gets_no_new_tokens_from_a_refresh_token(arm):
    from sqlalchemy import delete

    from subplane.adapters.db.tables import users

    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "username": "reader@contoso.example", "password": DEMO_PASSWORD,
        "client_id": AZ_CLIENT, "scope": "https://management.azure.com/.default"})
    refresh = answer.json()["refresh_token"]
    with arm.app.uow() as uow:
        user_id = uow.directory.user_credential("reader@contoso.example").principal.principal_id
        uow.conn.execute(delete(users).where(users.c.user_id == user_id))
    refused = _refresh(arm, refresh)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
