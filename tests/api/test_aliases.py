"""Microsoft.Subscription/aliases over ARM: create through the core's create, idempotent PUT, get/list/delete."""

from __future__ import annotations

from .conftest import ACTION_VERSION

ALIASES = "/providers/Microsoft.Subscription/aliases"


def _scope(arm, account: str | None = None) -> str:
    return f"/providers/Microsoft.Billing/billingAccounts/{account or arm.demo['billingAccountId']}"


def _put(arm, name: str, role: str = "owner", **properties):
    return arm.call("PUT", f"{ALIASES}/{name}", role=role, version=ACTION_VERSION, json={"properties": properties})


def _subscriptions(arm, role: str = "owner") -> dict[str, dict]:
    return {s["subscriptionId"]: s for s in arm.call("GET", "/subscriptions", role=role).json()["value"]}


def test_create_makes_an_enabled_subscription_and_answers_as_an_lro(arm):
    answer = _put(arm, "team-a", displayName="Team A", workload="Production", billingScope=_scope(arm))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["id"] == f"{ALIASES}/team-a" and body["type"] == "Microsoft.Subscription/aliases"
    properties = body["properties"]
    assert properties["provisioningState"] == "Succeeded" and properties["displayName"] == "Team A"
    assert properties["workload"] == "Production" and properties["billingScope"] == _scope(arm)
    with arm.app.uow(read_only=True) as uow:
        owner_id = uow.directory.service_principal_credential("subplane-owner").principal.principal_id
    assert properties["subscriptionOwnerId"] == owner_id
    assert int(answer.headers["Retry-After"]) >= 1
    poll = arm.client.get(answer.headers["Azure-AsyncOperation"], headers={"Authorization": f"Bearer {arm.token()}"})
    assert poll.status_code == 200 and poll.json()["status"] == "Succeeded"
    sub = _subscriptions(arm)[properties["subscriptionId"]]
    assert sub["displayName"] == "Team A" and sub["state"] == "Enabled"
    assert sub["subscriptionPolicies"]["quotaId"] == "PayAsYouGo_2014-09-01"
    with arm.app.uow(read_only=True) as uow:
        created = uow.activity.list(subscription_id=properties["subscriptionId"], limit=10)
    assert {(a["action"], a["actor"]) for a in created} >= {("create", "subplane-owner"), ("createAlias", "subplane-owner")}


def test_repeat_put_returns_the_same_subscription(arm):
    first = _put(arm, "Same", displayName="Eén", billingScope=_scope(arm)).json()
    count = len(_subscriptions(arm))
    again = _put(arm, "same", displayName="Something else", billingScope=_scope(arm))
    assert again.status_code == 200 and "Azure-AsyncOperation" not in again.headers
    assert again.json()["properties"]["subscriptionId"] == first["properties"]["subscriptionId"]
    assert again.json()["properties"]["displayName"] == "Eén"
    assert len(_subscriptions(arm)) == count


def test_devtest_workload_and_billing_account_by_name(arm):
    answer = _put(arm, "dev", displayName="Dev", workload="devtest", billingScope="/billingAccounts/Contoso/x/y")
    assert answer.status_code == 201, answer.text
    assert answer.json()["properties"]["workload"] == "DevTest"
    sub = _subscriptions(arm)[answer.json()["properties"]["subscriptionId"]]
    assert sub["subscriptionPolicies"]["quotaId"] == "MSDNDevTest_2014-09-01"


def test_get_list_and_delete_keep_the_subscription(arm):
    sub_id = _put(arm, "keep", displayName="Keep", billingScope=_scope(arm)).json()["properties"]["subscriptionId"]
    got = arm.call("GET", f"{ALIASES}/KEEP", version=ACTION_VERSION)
    assert got.status_code == 200 and got.json()["properties"]["subscriptionId"] == sub_id
    listed = arm.call("GET", ALIASES, version=ACTION_VERSION).json()
    assert [a["name"] for a in listed["value"]] == ["keep"] and "nextLink" not in listed
    assert arm.call("DELETE", f"{ALIASES}/keep", version=ACTION_VERSION).status_code == 200
    assert arm.call("GET", f"{ALIASES}/keep", version=ACTION_VERSION).json()["error"]["code"] == "AliasNotFound"
    assert arm.call("DELETE", f"{ALIASES}/keep", version=ACTION_VERSION).status_code == 204
    assert _subscriptions(arm)[sub_id]["state"] == "Enabled"


def test_reader_may_not_create_nor_see_others_aliases(arm):
    refused = _put(arm, "nope", role="reader", displayName="Nope", billingScope=_scope(arm))
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "AuthorizationFailed" and "'Microsoft.Subscription/aliases/write'" in error["message"]
    assert f"over scope '{_scope(arm)}'" in error["message"]
    assert arm.call("GET", f"{ALIASES}/nope", version=ACTION_VERSION).status_code == 404
    assert "Nope" not in {s["displayName"] for s in _subscriptions(arm).values()}
    _put(arm, "owned", displayName="Owned", billingScope=_scope(arm))
    assert arm.call("GET", ALIASES, role="reader", version=ACTION_VERSION).json()["value"] == []
    assert arm.call("GET", f"{ALIASES}/owned", role="reader", version=ACTION_VERSION).status_code == 404
    assert arm.call("DELETE", f"{ALIASES}/owned", role="reader", version=ACTION_VERSION).status_code == 204
    assert arm.call("GET", f"{ALIASES}/owned", version=ACTION_VERSION).status_code == 200


def test_refusals_have_clear_codes_and_change_nothing(arm):
    count = len(_subscriptions(arm))
    cases = {
        "DisplayNameRequired": {"billingScope": _scope(arm)},
        "InvalidBillingScope": {"displayName": "X", "billingScope": _scope(arm, "00000000-0000-0000-0000-0000000000ff")},
        "InvalidWorkload": {"displayName": "X", "billingScope": _scope(arm), "workload": "Gaming"},
        "AliasForExistingSubscriptionNotSupported": {"displayName": "X", "billingScope": _scope(arm),
                                                     "subscriptionId": next(iter(_subscriptions(arm)))},
    }
    for code, properties in cases.items():
        answer = _put(arm, "bad", **properties)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == code, (code, answer.text)
    malformed = _put(arm, "bad", displayName="X", billingScope="/subscriptions/abc")
    assert malformed.json()["error"]["code"] == "InvalidBillingScope"
    no_body = arm.call("PUT", f"{ALIASES}/bad", version=ACTION_VERSION, json={})
    assert no_body.status_code == 400 and no_body.json()["error"]["code"] == "InvalidRequestContent"
    assert arm.call("GET", f"{ALIASES}/bad", version=ACTION_VERSION).status_code == 404
    assert len(_subscriptions(arm)) == count


def test_a_refused_create_frees_the_alias_name(arm):
    too_long = _put(arm, "long", displayName="x" * 65, billingScope=_scope(arm))
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "InvalidSubscriptionName"
    assert _put(arm, "long", displayName="Fits", billingScope=_scope(arm)).status_code == 201


def test_subscription_owner_must_be_a_principal_of_the_tenant(arm):
    count = len(_subscriptions(arm))
    for owner in ("00000000-0000-0000-0000-00000000abcd", "x" * 40):
        refused = arm.call("PUT", f"{ALIASES}/orphan", version=ACTION_VERSION, json={"properties": {
            "displayName": "Orphan", "billingScope": _scope(arm), "additionalProperties": {"subscriptionOwnerId": owner}}})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidSubscriptionOwnerId", refused.text
    assert arm.call("GET", f"{ALIASES}/orphan", version=ACTION_VERSION).status_code == 404
    assert len(_subscriptions(arm)) == count
    with arm.app.uow(read_only=True) as uow:
        reader_id = uow.directory.service_principal_credential("subplane-reader").principal.principal_id
    given = arm.call("PUT", f"{ALIASES}/given", version=ACTION_VERSION, json={"properties": {
        "displayName": "Given", "billingScope": _scope(arm), "additionalProperties": {"subscriptionOwnerId": reader_id}}})
    assert given.status_code == 201 and given.json()["properties"]["subscriptionOwnerId"] == reader_id
    assert given.json()["properties"]["subscriptionId"] in _subscriptions(arm, role="reader")


def test_a_create_that_fails_midway_leaves_neither_alias_nor_subscription(arm, monkeypatch):
    """The alias row and its subscription are one transaction: a crash after the subscription's rows were
    written rolls both back, and the next PUT of the name creates them (it is not stuck half-made)."""
    import pytest

    real_create = arm.app.subscriptions.create_in

    def create_then_crash(uow, **kwargs):
        real_create(uow, **kwargs)
        raise RuntimeError("process died here")

    count = len(_subscriptions(arm))
    monkeypatch.setattr(arm.app.subscriptions, "create_in", create_then_crash)
    with pytest.raises(RuntimeError):
        _put(arm, "halfway", displayName="Halfway", billingScope=_scope(arm))
    monkeypatch.undo()
    assert arm.call("GET", f"{ALIASES}/halfway", version=ACTION_VERSION).status_code == 404
    assert len(_subscriptions(arm)) == count
    again = _put(arm, "halfway", displayName="Halfway", billingScope=_scope(arm))
    assert again.status_code == 201 and again.json()["properties"]["provisioningState"] == "Succeeded"
    assert len(_subscriptions(arm)) == count + 1


def test_a_repeat_put_needs_the_right_to_write_the_alias(arm):
    created = _put(arm, "guarded", displayName="Guarded", billingScope=_scope(arm)).json()
    sub_id = created["properties"]["subscriptionId"]
    with arm.app.uow(read_only=True) as uow:
        reader_id = uow.directory.service_principal_credential("subplane-reader").principal.principal_id
    grant = arm.call("PUT", f"/subscriptions/{sub_id}/providers/Microsoft.Authorization/roleAssignments/"
                            "7d1b8a3e-0f57-4c39-9d5e-2d1a5b7c9e01", version="2022-04-01",
                     json={"properties": {"roleDefinitionId": f"/subscriptions/{sub_id}/providers/Microsoft.Authorization/"
                                          "roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
                                          "principalId": reader_id}})
    assert grant.status_code in (200, 201), grant.text
    assert arm.call("GET", f"{ALIASES}/guarded", role="reader", version=ACTION_VERSION).status_code == 200
    again = _put(arm, "guarded", role="reader", displayName="Guarded", billingScope=_scope(arm))
    assert again.status_code == 403 and again.json()["error"]["code"] == "AuthorizationFailed"


def _fabrikam(arm) -> tuple[str, str]:
    """A second tenant with its own billing account: (tenant id, billing account id)."""
    with arm.app.uow() as uow:
        directory = arm.app.directory
        tenant = directory.create_tenant(uow, name="Fabrikam", domain="fabrikam.example")
        admin = directory.create_user(uow, tenant_id=tenant, upn="admin@fabrikam.example", display_name="Admin",
                                      password="Fabrikam-2026")
        account = directory.create_billing_account(uow, name="Fabrikam", currency="EUR", country="NL", language="en",
                                                   admin_user_id=admin)
    return tenant, account


def _fabrikam_principal(arm, tenant: str) -> tuple[str, str]:
    """A service principal of the second tenant: (object id, ARM token)."""
    with arm.app.uow() as uow:
        object_id, client_id = arm.app.directory.create_service_principal(uow, tenant_id=tenant, name="fabrikam-ops",
                                                                          secret="fabrikam-secret-1")
    token = arm.client.post(f"/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": "fabrikam-secret-1",
        "scope": "https://management.azure.com/.default"}).json()["access_token"]
    return object_id, token


def test_tenants_lists_only_the_callers_own_tenant(arm):
    """GET /tenants names the tenants the caller belongs to, not every tenant of the directory."""
    tenant, _ = _fabrikam(arm)
    _, token = _fabrikam_principal(arm, tenant)
    assert len(arm.app.identity.tenants()) == 2

    def listed(**caller) -> list[str]:
        answer = arm.call("GET", "/tenants", **caller)
        assert answer.status_code == 200, answer.text
        return [t["tenantId"] for t in answer.json()["value"]]

    assert listed(role=None, token=token) == [tenant]
    assert listed(role="owner") == [arm.tenant]
    assert listed(role="reader") == [arm.tenant]


def test_alias_names_are_unique_per_tenant_not_across_tenants(arm):
    """Fabrikam (another tenant, its own billing account) may use a name Contoso uses; each sees its own."""
    from subplane.adapters.db.arm_repo import BillingRoleRepo

    contoso = _put(arm, "shared-name", displayName="Contoso's", billingScope=_scope(arm)).json()
    tenant, account = _fabrikam(arm)
    object_id, token = _fabrikam_principal(arm, tenant)
    with arm.app.uow() as uow:
        BillingRoleRepo(uow.conn).grant(account, object_id, "BillingAccountOwner", uow.now)

    def fabrikam(method: str, **kwargs):
        return arm.call(method, f"{ALIASES}/shared-name", token=token, role=None, version=ACTION_VERSION, **kwargs)

    assert fabrikam("GET").status_code == 404  # Contoso's alias is not Fabrikam's to see
    created = fabrikam("PUT", json={"properties": {"displayName": "Fabrikam's", "billingScope": _scope(arm, account)}})
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["subscriptionId"] != contoso["properties"]["subscriptionId"]
    assert fabrikam("GET").json()["properties"]["displayName"] == "Fabrikam's"
    mine = arm.call("GET", f"{ALIASES}/shared-name", version=ACTION_VERSION).json()
    assert mine["properties"]["subscriptionId"] == contoso["properties"]["subscriptionId"]
    assert fabrikam("DELETE").status_code == 200
    assert arm.call("GET", f"{ALIASES}/shared-name", version=ACTION_VERSION).status_code == 200


def test_the_operator_creates_an_alias_in_the_billing_accounts_tenant(arm):
    """An operator-made alias of a name another tenant uses is a new alias in the named account's tenant."""
    from subplane.domain.access import OPERATOR
    from subplane.services.aliases import AliasRequest

    contoso = _put(arm, "ops-name", displayName="Contoso's", billingScope=_scope(arm)).json()
    tenant, account = _fabrikam(arm)
    state, created = arm.app.management.aliases.create(actor=OPERATOR, request=AliasRequest(
        name="ops-name", display_name="Fabrikam's", billing_scope=_scope(arm, account)))
    assert created and state.alias.tenant_id == tenant
    assert state.alias.subscription_id != contoso["properties"]["subscriptionId"]


def test_the_aliass_tags_are_the_new_subscriptions(arm):
    answer = _put(arm, "tagged", displayName="Tagged", billingScope=_scope(arm),
                  additionalProperties={"tags": {"cost-centre": "42"}})
    sub_id = answer.json()["properties"]["subscriptionId"]
    assert arm.call("GET", f"/subscriptions/{sub_id}").json()["tags"] == {"cost-centre": "42"}
    tags = arm.call("GET", f"/subscriptions/{sub_id}/providers/Microsoft.Resources/tags/default", version="2025-04-01")
    assert tags.json()["properties"]["tags"] == {"cost-centre": "42"}
