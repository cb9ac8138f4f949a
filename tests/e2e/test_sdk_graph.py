"""Principal lookups through the metadata's Microsoft Graph with azure-identity tokens (issue 12): the Graph
audience is <base>/graph/, an app reads service principals and users, a user's token reads /me."""

from __future__ import annotations

import httpx
import pytest

from subplane.demo import DEMO_PASSWORD


def _graph(live, token: str, path: str, **params) -> httpx.Response:
    with httpx.Client(base_url=f"{live.url}/graph/v1.0/", verify=live.ca, timeout=60) as client:
        return client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def test_an_app_looks_up_a_service_principal_by_app_id_and_a_user(live):
    credential = live.credential("owner")
    token = credential.get_token(f"{live.url}/graph/.default").token
    app_id = live.connection["principals"]["reader"]["clientId"]
    found = _graph(live, token, "servicePrincipals", **{"$filter": f"appId eq '{app_id}'"})
    assert found.status_code == 200, found.text
    [principal] = found.json()["value"]
    assert principal["displayName"] == "subplane-reader" and principal["appId"] == app_id.lower()
    assert _graph(live, token, f"servicePrincipals/{principal['id']}").json()["appId"] == app_id.lower()
    user = _graph(live, token, "users/reader@contoso.example").json()
    assert user["displayName"] == "Cor Visser"
    names = _graph(live, token, "organization").json()["value"][0]["verifiedDomains"]
    assert [d["name"] for d in names] == ["contoso.example"]
    arm_token = credential.get_token("https://management.azure.com/.default").token
    refused = _graph(live, arm_token, "users")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_a_users_token_reads_me(live_on_443):
    from azure.identity import UsernamePasswordCredential

    live = live_on_443
    credential = UsernamePasswordCredential("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "owner@contoso.example",
                                            DEMO_PASSWORD, tenant_id=live.tenant, authority=live.url,
                                            disable_instance_discovery=True, connection_verify=live.ca)
    token = credential.get_token(f"{live.url}/graph/.default").token
    me = _graph(live, token, "me")
    assert me.status_code == 200, me.text
    assert me.json()["userPrincipalName"] == "owner@contoso.example"
    arm = credential.get_token("https://management.azure.com/.default")  # the next resource: a refresh, silently
    assert arm.token != token


@pytest.mark.parametrize("scope", ["https://graph.microsoft.com/.default"])
def test_the_real_graphs_audience_is_not_issued(live, scope):
    from azure.core.exceptions import ClientAuthenticationError

    with pytest.raises(ClientAuthenticationError, match="AADSTS500011"):
        live.credential("owner").get_token(scope)
