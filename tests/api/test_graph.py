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
