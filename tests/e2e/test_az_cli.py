"""az CLI scenarios C29-C36, C38-C40, C42 (research §9) against a running server.

azure-cli pins older Azure SDKs than the test extras, so it lives in its own virtualenv: point
SUBPLANE_AZ at its ``az`` (or put it on PATH). Without it these tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from subplane.cli.connection import az_environment
from subplane.demo import DEMO_PASSWORD

AZ = os.environ.get("SUBPLANE_AZ") or shutil.which("az")
pytestmark = pytest.mark.skipif(AZ is None, reason="azure-cli not installed (pip install subplane[azcli] in its own venv, set SUBPLANE_AZ)")
ACTION = "api-version=2021-10-01"


class Az:
    def __init__(self, live, config_dir: Path) -> None:
        self.live = live
        self.env = az_environment(config_dir, live.connection)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([AZ, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if check:
            assert done.returncode == 0, f"az {' '.join(args)} failed:\n{done.stderr}"
        return done

    def json(self, *args: str):
        return json.loads(self.run(*args, "-o", "json").stdout)


@pytest.fixture
def az(live, tmp_path):
    """A fresh AZURE_CONFIG_DIR logged in through `subplane az-login` (C29)."""
    config = tmp_path / "azure"
    done = subprocess.run([sys.executable, "-m", "subplane.cli.main", "az-login", "--config-dir", str(config), "--az", AZ],
                          capture_output=True,
                          text=True, env={**live.server.env, "PATH": f"{Path(AZ).parent}:{os.environ['PATH']}"}, timeout=180)
    assert done.returncode == 0, done.stderr + done.stdout
    assert f"export AZURE_CONFIG_DIR={config}" in done.stdout
    return Az(live, config)


def _sub(az: Az, name: str) -> str:
    return next(s["id"] for s in az.json("account", "list", "--all", "--refresh") if s["name"] == name)


def test_c29_c30_login_lists_the_subscriptions(az, live):
    accounts = az.json("account", "list", "--all")
    assert sorted(a["name"] for a in accounts) == ["Ontwikkeling", "Productie", "Proefversie"]
    for account in accounts:
        assert account["state"] == "Enabled" and account["tenantId"] == live.tenant
        assert account["cloudName"] == "Subplane" and account["user"]["type"] == "servicePrincipal"
    default = az.json("account", "show")
    assert default["isDefault"] and default["state"] == "Enabled"
    assert [a["id"] for a in az.json("account", "list", "--refresh")] == [a["id"] for a in accounts]


def test_c31_groups_and_c40_locations(az):
    created = az.json("group", "create", "-n", "rgcli", "-l", "westeurope", "--tags", "a=b")
    assert created["properties"]["provisioningState"] == "Succeeded"
    assert "rgcli" in [g["name"] for g in az.json("group", "list")]
    assert az.run("group", "exists", "-n", "rgcli").stdout.strip() == "true"
    az.run("group", "delete", "-n", "rgcli", "--yes")
    assert az.run("group", "exists", "-n", "rgcli").stdout.strip() == "false"
    locations = az.json("account", "list-locations")
    assert locations and {"name", "displayName", "regionalDisplayName", "metadata"} <= set(locations[0])


def test_c32_vm_power_through_the_cli(az):
    sub = _sub(az, "Proefversie")
    az.run("vm", "deallocate", "-g", "proef-rg", "-n", "proef-vm", "--subscription", sub)
    show = ["vm", "show", "-d", "-g", "proef-rg", "-n", "proef-vm", "--subscription", sub, "--query", "powerState", "-o", "tsv"]
    assert az.run(*show).stdout.strip() == "VM deallocated"
    az.run("vm", "start", "-g", "proef-rg", "-n", "proef-vm", "--subscription", sub)
    assert az.run(*show).stdout.strip() == "VM running"


def test_c33_to_c36_cancel_enable_rename_with_az_rest(az):
    sub = _sub(az, "Productie")
    base = f"/subscriptions/{sub}/providers/Microsoft.Subscription"
    without_flag = az.run("rest", "--method", "post", "--url", f"{base}/cancel?{ACTION}", check=False)
    assert without_flag.returncode == 1 and "ResourcesExistingOnSubscription" in without_flag.stderr
    assert az.json("rest", "--method", "post", "--url", f"{base}/cancel?{ACTION}&IgnoreResourceCheck=true") == {"subscriptionId": sub}
    states = {a["name"]: a["state"] for a in az.json("account", "list", "--refresh", "--all")}
    assert states["Productie"] == "Disabled" and states["Ontwikkeling"] == "Enabled"
    assert "Productie" not in [a["name"] for a in az.json("account", "list")]
    refused = az.run("group", "create", "-n", "x", "-l", "westeurope", "--subscription", sub, check=False)
    assert refused.returncode == 1 and "(ReadOnlyDisabledSubscription)" in refused.stderr  # C34
    start = az.run("vm", "start", "-g", "productie-rg", "-n", "web-01", "--subscription", sub, check=False)
    assert start.returncode == 1 and "(ReadOnlyDisabledSubscription)" in start.stderr
    assert "productie-rg" in [g["name"] for g in az.json("group", "list", "--subscription", sub)]
    assert az.json("rest", "--method", "post", "--url", f"{base}/enable?{ACTION}") == {"subscriptionId": sub}  # C35
    assert {a["name"]: a["state"] for a in az.json("account", "list", "--refresh")}["Productie"] == "Enabled"
    az.run("group", "create", "-n", "after-enable", "-l", "westeurope", "--subscription", sub)
    renamed = az.json("rest", "--method", "post", "--url", f"{base}/rename?{ACTION}", "--body", '{"subscriptionName": "Prod N"}')
    assert renamed == {"subscriptionId": sub}  # C36
    assert az.json("account", "list", "--refresh", "--query", f"[?id=='{sub}'].name") == ["Prod N"]


def test_c38_storage_and_c39_role_assignment(az):
    az.run("group", "create", "-n", "rg-st", "-l", "westeurope")
    account = az.json("storage", "account", "create", "-g", "rg-st", "-n", "clistore1", "-l", "westeurope",
                      "--sku", "Standard_LRS")
    assert account["provisioningState"] == "Succeeded"
    assert [k["keyName"] for k in az.json("storage", "account", "keys", "list", "-g", "rg-st", "-n", "clistore1")] == ["key1", "key2"]
    principal = str(uuid.uuid4())
    scope = f"/subscriptions/{az.json('account', 'show')['id']}"
    az.run("role", "assignment", "create", "--assignee-object-id", principal, "--assignee-principal-type", "User",
           "--role", "Reader", "--scope", scope)
    listed = az.json("role", "assignment", "list", "--all", "--fill-principal-name", "false")
    mine = [a for a in listed if a["principalId"] == principal]
    assert len(mine) == 1 and mine[0]["roleDefinitionName"] == "Reader"


def test_role_assignment_list_names_principals_through_graph(az):
    """az asks the metadata's Graph for directoryObjects/getByIds to fill principal names (issue 12)."""
    owner = az.json("account", "show")["user"]["name"]  # the owner service principal's client id
    for args in (("--all",), ("--scope", f"/subscriptions/{az.json('account', 'show')['id']}")):
        listed = az.json("role", "assignment", "list", *args)
        mine = [a for a in listed if a.get("principalName", "").lower() == owner.lower()]
        assert mine, listed  # the service principal named by its appId (servicePrincipalNames[0])
        assert any("@" in a.get("principalName", "") for a in listed), listed  # a user by its UPN


@pytest.mark.parametrize("suffix", ["", "/"])
def test_cloud_register_with_or_without_a_trailing_slash(az, live, suffix):
    base = live.connection["armEndpoint"].rstrip("/")
    name = f"subplane-slash{len(suffix)}"
    az.run("cloud", "register", "-n", name, "--endpoint-resource-manager", base + suffix)
    shown = az.json("cloud", "show", "-n", name)
    assert shown["endpoints"]["resourceManager"].rstrip("/") == base
    assert shown["endpoints"]["microsoftGraphResourceId"] == f"{base}/graph/"  # read from /metadata/endpoints


def test_c42_azure_cli_credential_drives_the_sdk(az, live, monkeypatch):
    from azure.identity import AzureCliCredential
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    for key in ("AZURE_CONFIG_DIR", "REQUESTS_CA_BUNDLE", "AZURE_CORE_INSTANCE_DISCOVERY"):
        monkeypatch.setenv(key, az.env[key])
    monkeypatch.setenv("PATH", f"{Path(AZ).parent}:{os.environ['PATH']}")
    client = SubscriptionClient(AzureCliCredential(process_timeout=60), base_url=live.url, connection_verify=live.ca)
    assert sorted(s.display_name for s in client.subscriptions.list())[0] in ("Ontwikkeling", "Prod N")
    assert len(list(client.subscriptions.list())) == 3


def test_ad_sp_show_and_list_read_the_graph(az, live):
    app_id = live.connection["principals"]["owner"]["clientId"]
    shown = az.json("ad", "sp", "show", "--id", app_id)  # az asks servicePrincipals?$filter=servicePrincipalNames/any
    assert shown["appId"] == app_id.lower() and shown["displayName"] == "subplane-owner"
    assert az.json("ad", "sp", "show", "--id", shown["id"])["appId"] == shown["appId"]  # by object id
    listed = az.json("ad", "sp", "list", "--display-name", "subplane-")
    assert sorted(s["displayName"] for s in listed) == ["subplane-owner", "subplane-reader"]
    missing = az.run("ad", "sp", "show", "--id", str(uuid.uuid4()), check=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    refused = az.run("ad", "signed-in-user", "show", check=False)  # a service principal has no /me
    assert refused.returncode != 0 and "delegated authentication flow" in refused.stderr


@pytest.fixture
def az_user(live_on_443, tmp_path):
    """az logged in as the demo user owner@contoso.example (a user login: password grant, then refresh tokens)."""
    from subplane.cli.connection import CLOUD_NAME

    session = Az(live_on_443, tmp_path / "azure")
    session.run("cloud", "register", "-n", CLOUD_NAME, "--endpoint-resource-manager", live_on_443.url)
    session.run("cloud", "set", "-n", CLOUD_NAME)
    session.run("config", "set", "core.instance_discovery=false")
    session.run("login", "-u", "owner@contoso.example", "-p", DEMO_PASSWORD, "--tenant", live_on_443.tenant)
    return session


def test_signed_in_user_show_after_a_user_login(az_user):
    me = az_user.json("ad", "signed-in-user", "show")  # a Graph token for the user, silently through a refresh token
    assert me["userPrincipalName"] == "owner@contoso.example" and me["displayName"] == "Bram Jansen"
    assert az_user.json("ad", "user", "show", "--id", "reader@contoso.example")["displayName"] == "Cor Visser"
    sub = next(s["id"] for s in az_user.json("account", "list") if s["name"] == "Ontwikkeling")
    created = az_user.json("role", "assignment", "create", "--assignee", "reader@contoso.example", "--role",
                           "Contributor", "--scope", f"/subscriptions/{sub}")  # the assignee resolved through Graph
    assert created["principalId"] == az_user.json("ad", "user", "show", "--id", "reader@contoso.example")["id"]
    names = {a["principalName"] for a in az_user.json("role", "assignment", "list", "--all")}
    assert {"owner@contoso.example", "reader@contoso.example"} <= names


def test_tags_at_a_scope_with_az_tag(az):
    sub = _sub(az, "Ontwikkeling")
    az.run("group", "create", "-n", "rg-tags", "-l", "westeurope", "--subscription", sub)
    group = f"/subscriptions/{sub}/resourceGroups/rg-tags"
    for scope in (f"/subscriptions/{sub}", group):
        created = az.json("tag", "create", "--resource-id", scope, "--tags", "env=dev", "team=A")
        assert created["properties"]["tags"] == {"env": "dev", "team": "A"}
        merged = az.json("tag", "update", "--resource-id", scope, "--operation", "Merge", "--tags", "cost=42")
        assert merged["properties"]["tags"] == {"env": "dev", "team": "A", "cost": "42"}
        deleted = az.json("tag", "update", "--resource-id", scope, "--operation", "Delete", "--tags", "team=A")
        assert deleted["properties"]["tags"] == {"env": "dev", "cost": "42"}
        assert az.json("tag", "list", "--resource-id", scope)["properties"]["tags"] == {"env": "dev", "cost": "42"}
        refused = az.run("tag", "create", "--resource-id", scope, "--tags", "a?b=c", check=False)
        assert refused.returncode != 0 and "InvalidTagNameCharacters" in refused.stderr
    assert az.json("group", "show", "-n", "rg-tags", "--subscription", sub)["tags"] == {"env": "dev", "cost": "42"}
    az.run("tag", "delete", "--resource-id", group, "--yes")
    assert az.json("tag", "list", "--resource-id", group)["properties"]["tags"] == {}
    updated = az.json("group", "update", "-n", "rg-tags", "--subscription", sub, "--set", "tags.owner=ops")
    assert updated["tags"] == {"owner": "ops"}
