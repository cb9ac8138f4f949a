"""Microsoft Graph under <base>/graph/: directoryObjects/getByIds for the Graph audience only, Graph-shaped errors."""

from __future__ import annotations

import pytest

GRAPH = "https://testserver/graph/"
GET_BY_IDS = "/graph/v1.0/directoryObjects/getByIds"


def _graph_token(arm, role: str = "owner") -> str:
    return arm.token(role, scope=f"{GRAPH}.default")


def _post(arm, body, token: str | None = None):
    return arm.client.post(GET_BY_IDS, json=body, headers={"Authorization": f"Bearer {token or _graph_token(arm)}"})


def _ids(arm) -> tuple[str, str]:
    owner = arm.principal("owner")
    with arm.app.uow(read_only=True) as uow:
        sp = uow.directory.service_principal_credential(owner["clientId"]).principal.principal_id
        user = next(u for u in uow.directory.list_users())
    return sp, user["user_id"]


def test_get_by_ids_names_users_and_service_principals(arm):
    sp, user = _ids(arm)
    unknown = "00000000-0000-0000-0000-00000000abcd"
    answer = _post(arm, {"ids": [user, unknown, sp], "types": ["user", "group", "servicePrincipal"]})
    assert answer.status_code == 200, answer.text
    value = answer.json()["value"]
    assert [o["id"] for o in value] == [user, sp]  # in the order asked, unknown ids left out
    assert value[0]["@odata.type"] == "#microsoft.graph.user" and "@" in value[0]["userPrincipalName"]
    assert value[1]["@odata.type"] == "#microsoft.graph.servicePrincipal"
    assert value[1]["appId"] == arm.principal("owner")["clientId"].lower()
    assert value[1]["servicePrincipalNames"] == [value[1]["appId"]]
    assert value[1]["displayName"] == "subplane-owner"
    only_users = _post(arm, {"ids": [user, sp], "types": ["user"]}).json()["value"]
    assert [o["id"] for o in only_users] == [user]


def test_the_graph_audience_is_issued_and_accepted_on_graph_only(arm):
    arm_token = arm.token()
    refused = _post(arm, {"ids": []}, token=arm_token)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "InvalidAuthenticationToken"
    graph_at_arm = arm.call("GET", "/subscriptions", token=_graph_token(arm))
    assert graph_at_arm.status_code == 401
    assert graph_at_arm.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    no_token = arm.client.post(GET_BY_IDS, json={"ids": []})
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "InvalidAuthenticationToken"


@pytest.mark.parametrize("body", [{}, {"ids": "x"}, {"ids": [1]}, {"ids": [], "types": "user"},
                                  {"ids": ["a"] * 1001}, [1, 2]])
def test_a_malformed_body_is_a_graph_bad_request(arm, body):
    answer = _post(arm, body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "Request_BadRequest"


def test_unknown_graph_paths_answer_a_graph_shaped_404(arm):
    for method, path in (("GET", "/graph/v1.0/nothing/here"), ("POST", "/graph/beta/whatever"),
                         ("OPTIONS", "/graph/v1.0/users"), ("DELETE", "/graph/")):
        answer = arm.client.request(method, path, headers={"Authorization": f"Bearer {_graph_token(arm)}"})
        assert answer.status_code == 404
        error = answer.json()["error"]
        assert error["code"] == "Request_ResourceNotFound" and error["message"]


def _get(arm, path: str, token: str | None = None, **params):
    return arm.client.get(f"/graph/v1.0/{path}", params=params,
                          headers={"Authorization": f"Bearer {token or _graph_token(arm)}"})


def _user_graph_token(arm, upn: str = "owner@contoso.example") -> str:
    from subplane.demo import DEMO_PASSWORD

    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "password", "username": upn, "password": DEMO_PASSWORD, "scope": f"{GRAPH}.default"})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def test_users_by_object_id_and_by_user_principal_name(arm):
    _, user = _ids(arm)
    by_id = _get(arm, f"users/{user}")
    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    assert body["@odata.context"].endswith("$metadata#users/$entity") and body["id"] == user
    assert {"businessPhones", "displayName", "givenName", "mail", "surname", "userPrincipalName"} <= set(body)
    by_upn = _get(arm, f"users/{body['userPrincipalName'].upper()}").json()
    assert by_upn["id"] == user
    listed = _get(arm, "users", **{"$filter": f"userPrincipalName eq '{body['userPrincipalName']}'"}).json()
    assert listed["@odata.context"].endswith("$metadata#users") and [u["id"] for u in listed["value"]] == [user]
    assert len(_get(arm, "users").json()["value"]) == 3
    selected = _get(arm, f"users/{user}", **{"$select": "id,displayName"}).json()
    assert set(selected) == {"@odata.context", "id", "displayName"}


def test_service_principals_by_id_and_by_app_id_filters(arm):
    sp, _ = _ids(arm)
    app_id = arm.principal("owner")["clientId"].lower()
    shown = _get(arm, f"servicePrincipals/{sp}").json()
    assert shown["@odata.context"].endswith("$metadata#servicePrincipals/$entity")
    assert (shown["id"], shown["appId"], shown["displayName"]) == (sp, app_id, "subplane-owner")
    assert shown["servicePrincipalNames"] == [app_id] and shown["appOwnerOrganizationId"] == arm.tenant
    for clause in (f"appId eq '{app_id}'", f"servicePrincipalNames/any(c:c eq '{app_id.upper()}')",
                   "displayName eq 'subplane-owner'", "startswith(displayName,'subplane-o')"):
        listed = _get(arm, "servicePrincipals", **{"$filter": clause})
        assert listed.status_code == 200, listed.text
        assert [s["id"] for s in listed.json()["value"]] == [sp], clause
    none = _get(arm, "servicePrincipals", **{"$filter": "appId eq 'it''s not there'"}).json()
    assert none["value"] == []
    assert len(_get(arm, "servicePrincipals").json()["value"]) == 2


@pytest.mark.parametrize("clause", ["appId ne 'x'", "accountEnabled eq true", "appId eq 'x' or appId eq 'y'", "eq"])
def test_an_unsupported_filter_is_a_graph_bad_request(arm, clause):
    answer = _get(arm, "servicePrincipals", **{"$filter": clause})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_unknown_objects_are_graph_not_found(arm):
    for path in ("users/00000000-0000-0000-0000-00000000abcd", "users/nobody@contoso.example",
                 "servicePrincipals/00000000-0000-0000-0000-00000000abcd"):
        answer = _get(arm, path)
        assert answer.status_code == 404
        error = answer.json()["error"]
        assert error["code"] == "Request_ResourceNotFound" and set(error["innerError"]) >= {"request-id", "date"}


def test_me_needs_a_user_token_and_organization_is_the_callers_tenant(arm):
    me = _get(arm, "me", token=_user_graph_token(arm))
    assert me.status_code == 200 and me.json()["userPrincipalName"] == "owner@contoso.example"
    assert me.json()["@odata.context"].endswith("$metadata#users/$entity")
    app_me = _get(arm, "me")
    assert app_me.status_code == 400 and app_me.json()["error"]["code"] == "BadRequest"
    assert "delegated" in app_me.json()["error"]["message"]
    organization = _get(arm, "organization").json()
    assert organization["@odata.context"].endswith("$metadata#organization")
    [tenant] = organization["value"]
    assert tenant["id"] == arm.tenant and tenant["verifiedDomains"][0]["name"] == "contoso.example"


def test_another_tenants_objects_are_not_found(arm):
    """A principal sees its own tenant's directory only."""
    with arm.app.uow() as uow:
        other = arm.app.directory.create_tenant(uow, name="Fabrikam", domain="fabrikam.example")
        stranger = arm.app.directory.create_user(uow, tenant_id=other, upn="eve@fabrikam.example",
                                                 display_name="Eve", password="long-enough-1")
    assert _get(arm, f"users/{stranger}").status_code == 404
    assert _get(arm, "users/eve@fabrikam.example").status_code == 404
    assert "eve@fabrikam.example" not in [u["userPrincipalName"] for u in _get(arm, "users").json()["value"]]
    assert _post(arm, {"ids": [stranger]}).json()["value"] == []


@pytest.mark.parametrize("method, path", [("POST", "/graph/v1.0/users"), ("PATCH", "/graph/v1.0/me"),
                                          ("DELETE", "/graph/v1.0/servicePrincipals/x")])
def test_writes_to_the_directory_are_denied_in_graphs_shape(arm, method, path):
    answer = arm.client.request(method, path, json={}, headers={"Authorization": f"Bearer {_graph_token(arm)}"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "Authorization_RequestDenied"
    no_token = arm.client.request(method, path, json={})
    assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_every_graph_read_refuses_an_arm_token(arm):
    for path in ("me", "users", "servicePrincipals", "organization"):
        answer = _get(arm, path, token=arm.token())
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "InvalidAuthenticationToken"
