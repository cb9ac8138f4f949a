"""Vending into a management group and decommissioning, with azure-mgmt-managementgroups, azure-mgmt-subscription
and az against a running server (issue 16, item 1)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.managementgroups import ManagementGroupsMgmtClient
from azure.mgmt.subscription import SubscriptionClient as LifecycleClient
from azure.mgmt.subscription.models import PutAliasRequest, PutAliasRequestAdditionalProperties, PutAliasRequestProperties

from .test_az_cli import AZ, az  # noqa: F401  (the az fixture: a logged-in AZURE_CONFIG_DIR)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
GROUPS = "/providers/Microsoft.Management/managementGroups"
TURN_OFF = {"IgnoreResourceCheck": "true"}


def _groups(live, role: str = "owner") -> ManagementGroupsMgmtClient:
    return live.client(ManagementGroupsMgmtClient, role)


def _group_body(display_name: str, parent: str | None = None) -> dict:
    return {"properties": {"displayName": display_name,
                           **({"details": {"parent": {"id": f"{GROUPS}/{parent}"}}} if parent else {})}}


def test_vend_into_a_group_an_owner_there_cancels_and_it_is_decommissioned(live):
    mg = _groups(live)
    for group, name, parent in (("sdk-platform", "Platform", None), ("sdk-landing", "Landing zones", None),
                                ("sdk-prod", "Productie", "sdk-landing"), ("sdk-decom", "Decommissioned", None)):
        created = mg.management_groups.begin_create_or_update(group, _group_body(name, parent)).result()
        assert created.name == group and created.properties.display_name == name
    tree = mg.management_groups.get("sdk-landing", expand="children", recurse=True)
    assert [c.name for c in tree.properties.children] == ["sdk-prod"]

    lifecycle = live.client(LifecycleClient)
    account = live.connection["billingAccountId"] if "billingAccountId" in live.connection else None
    account = account or _billing_account(live)
    alias = lifecycle.alias.begin_create("sdk-vended", PutAliasRequest(properties=PutAliasRequestProperties(
        display_name="SDK vended", workload="Production",
        billing_scope=f"/providers/Microsoft.Billing/billingAccounts/{account}",
        additional_properties=PutAliasRequestAdditionalProperties(management_group_id=f"{GROUPS}/sdk-prod")))).result()
    sub = alias.properties.subscription_id
    assert alias.properties.management_group_id == f"{GROUPS}/sdk-prod"
    under = list(mg.management_group_subscriptions.get_subscriptions_under_management_group("sdk-prod"))
    assert [s.name for s in under] == [sub]

    # the reader principal holds nothing on the new subscription: refused, until it is Owner at a group above it
    reader_lifecycle = live.client(LifecycleClient, "reader")
    with pytest.raises(HttpResponseError) as refused:
        reader_lifecycle.subscription.cancel(sub, params=TURN_OFF)
    assert refused.value.status_code in (403, 404)
    _assign_owner_at(live, "sdk-landing", _object_id(live, "reader"))
    _decommission_into(live, "sdk-decom")
    assert reader_lifecycle.subscription.cancel(sub, params=TURN_OFF).subscription_id == sub
    assert [s.name for s in mg.management_group_subscriptions.get_subscriptions_under_management_group("sdk-decom")] \
        == [sub]
    assert lifecycle.alias.get("sdk-vended").properties.management_group_id == f"{GROUPS}/sdk-decom"
    mg.management_groups.begin_delete("sdk-platform").result()
    with pytest.raises(HttpResponseError) as gone:
        mg.management_groups.get("sdk-platform")
    assert gone.value.status_code == 404


@pytest.mark.skipif(AZ is None, reason="azure-cli not installed (set SUBPLANE_AZ)")
def test_az_account_management_group(az, live):  # noqa: F811
    created = az.json("account", "management-group", "create", "--name", "cli-landing", "--display-name",
                      "CLI landing")  # this one registers the provider first, as az does
    assert created["name"] == "cli-landing" and created["displayName"] == "CLI landing"
    az.json("account", "management-group", "create", "--name", "cli-child", "--parent", "cli-landing",
            "--no-register")
    shown = az.json("account", "management-group", "show", "--name", "cli-landing", "--expand", "--recurse",
                    "--no-register")
    assert [c["name"] for c in shown["children"]] == ["cli-child"]
    sub = live.subscription_id("Ontwikkeling")
    az.run("account", "management-group", "subscription", "add", "--name", "cli-child", "--subscription", sub)
    listed = az.json("account", "management-group", "subscription", "show-sub-under-mg", "--name", "cli-child")
    assert [s["name"] for s in listed] == [sub]
    names = {g["name"] for g in az.json("account", "management-group", "list", "--no-register")}
    assert {"cli-landing", "cli-child"} <= names
    az.run("account", "management-group", "subscription", "remove", "--name", "cli-child", "--subscription", sub)
    az.run("account", "management-group", "delete", "--name", "cli-child", "--no-register")
    assert "cli-child" not in {g["name"] for g in az.json("account", "management-group", "list", "--no-register")}


def _billing_account(live) -> str:
    import json

    demo = json.loads((live.server.data_dir / "demo.json").read_text("utf-8"))
    return demo["billingAccountId"]


def _object_id(live, role: str) -> str:
    import base64
    import json

    token = live.credential(role).get_token("https://management.azure.com/.default").token
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["oid"]


def _assign_owner_at(live, group: str, principal: str) -> None:
    from azure.mgmt.authorization import AuthorizationManagementClient

    client = live.client(AuthorizationManagementClient, "owner", "00000000-0000-0000-0000-000000000000")
    definition = f"{GROUPS}/{group}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    client.role_assignments.create(f"{GROUPS}/{group}", str(uuid.uuid4()),
                                   {"role_definition_id": definition, "principal_id": principal})


def _decommission_into(live, group: str) -> None:
    """The operator names the tenant's decommissioning group (the owner principal holds nothing at the root)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "subplane.cli.main", "management-groups", "decommission-into", group],
                          env=live.server.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
