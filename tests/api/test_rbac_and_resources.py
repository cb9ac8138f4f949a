"""RBAC for each role against each ARM action, and the resource endpoints' envelopes and LRO headers."""

from __future__ import annotations

import uuid

import pytest

from subplane.domain.access import OPERATOR, Role

from .conftest import ACTION_VERSION

RG_VERSION, VM_VERSION, STORAGE_VERSION, AUTH_VERSION = "2025-04-01", "2026-04-01", "2026-09-01", "2022-04-01"
READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


@pytest.fixture
def contributor(arm):
    """A service principal with Contributor on Productie, and a token for it."""
    app = arm.app
    with app.uow() as uow:
        object_id, client_id = app.directory.create_service_principal(uow, tenant_id=arm.tenant, name="contrib", secret="s3cret-value")
    sub = arm.subscription_id("Productie")
    app.directory.assign_role(actor=OPERATOR, subscription=sub, principal_id=object_id, role=Role.CONTRIBUTOR)
    answer = arm.client.post(f"/{arm.tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": "s3cret-value",
        "scope": "https://management.azure.com/.default"})
    return answer.json()["access_token"]


def _calls(sub: str) -> dict:
    vm = f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Compute/virtualMachines/web-01"
    account = f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Storage/storageAccounts/contosodata"
    return {
        "read": ("GET", f"/subscriptions/{sub}/resourcegroups/productie-rg", RG_VERSION, None,
                 "Microsoft.Resources/subscriptions/resourceGroups/read"),
        "create-group": ("PUT", f"/subscriptions/{sub}/resourcegroups/new-rg", RG_VERSION, {"location": "westeurope"},
                         "Microsoft.Resources/subscriptions/resourceGroups/write"),
        "vm-start": ("POST", f"{vm}/start", VM_VERSION, None, "Microsoft.Compute/virtualMachines/start/action"),
        "list-keys": ("POST", f"{account}/listKeys", STORAGE_VERSION, None, "Microsoft.Storage/storageAccounts/listKeys/action"),
        "assign-role": ("PUT", f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                        AUTH_VERSION, {"properties": {"roleDefinitionId":
                                                      f"/providers/Microsoft.Authorization/roleDefinitions/{READER_ROLE}",
                                                      "principalId": str(uuid.uuid4())}},
                        "Microsoft.Authorization/roleAssignments/write"),
        "rename": ("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/rename", ACTION_VERSION,
                   {"subscriptionName": "Productie"}, "Microsoft.Subscription/rename/action"),
        "cancel": ("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", ACTION_VERSION, None,
                   "Microsoft.Subscription/cancel/action"),
    }


ALLOWED = {
    "reader": {"read"},
    "contributor": {"read", "create-group", "vm-start", "list-keys"},
    "owner": {"read", "create-group", "vm-start", "list-keys", "assign-role", "rename", "cancel"},
}


@pytest.mark.parametrize("role", ["reader", "contributor", "owner"])
def test_each_role_against_each_action(arm, contributor, role):
    sub = arm.subscription_id("Productie")
    token = contributor if role == "contributor" else arm.token(role)
    for name, (method, path, version, body, action) in _calls(sub).items():
        params = {"IgnoreResourceCheck": "true"} if name == "cancel" else None
        answer = arm.call(method, path, token=token, version=version, json=body, params=params)
        if name in ALLOWED[role]:
            assert answer.status_code < 300, (role, name, answer.text)
        else:
            assert answer.status_code == 403, (role, name, answer.text)
            error = answer.json()["error"]
            assert error["code"] == "AuthorizationFailed"
            assert f"'{action}'" in error["message"] and f"over scope '/subscriptions/{sub}" in error["message"], error


def test_resource_group_envelope_lro_and_not_found(arm):
    sub = arm.subscription_id("Ontwikkeling")
    path = f"/subscriptions/{sub}/resourcegroups/rg1"
    created = arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope"})
    assert created.status_code == 201 and created.json()["id"] == f"/subscriptions/{sub}/resourceGroups/rg1"
    assert arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope"}).status_code == 200
    assert arm.call("HEAD", path, version=RG_VERSION).status_code == 204
    deleted = arm.call("DELETE", path, version=RG_VERSION)
    assert deleted.status_code == 202 and int(deleted.headers["Retry-After"]) >= 1
    location = deleted.headers["Location"]
    assert location.startswith(f"https://testserver/subscriptions/{sub}/operationresults/") and "api-version=" in location
    assert arm.client.get(location, headers={"Authorization": f"Bearer {arm.token()}"}).status_code == 200
    missing = arm.call("GET", path, version=RG_VERSION)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceGroupNotFound"
    assert arm.call("HEAD", path, version=RG_VERSION).status_code == 404
    no_location = arm.call("PUT", path, version=RG_VERSION, json={})
    assert no_location.status_code == 400 and no_location.json()["error"]["code"] == "LocationRequired"


def test_vm_action_lro_headers_and_resource_not_found(arm):
    sub = arm.subscription_id("Productie")
    vm = f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Compute/virtualMachines/web-01"
    answer = arm.call("POST", f"{vm}/deallocate", version="2025-11-01")
    assert answer.status_code == 202
    status_url = answer.headers["Azure-AsyncOperation"]
    assert int(answer.headers["Retry-After"]) >= 1 and answer.headers["Location"]
    status = arm.client.get(status_url, headers={"Authorization": f"Bearer {arm.token()}"})
    assert status.json()["status"] == "Succeeded"
    view = arm.call("GET", f"{vm}/instanceView", version=VM_VERSION).json()
    assert {"code": "PowerState/deallocated", "level": "Info", "displayStatus": "VM deallocated"} in view["statuses"]
    missing = arm.call("GET", vm.replace("web-01", "nope"), version=VM_VERSION)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ResourceNotFound"
    assert "Microsoft.Compute/virtualMachines/nope" in missing.json()["error"]["message"]
    wrong_version = arm.call("GET", vm, version="2099-01-01")
    assert wrong_version.status_code == 400 and wrong_version.json()["error"]["code"] == "NoRegisteredProviderFound"


def test_writes_on_a_disabled_subscription_are_409_reads_and_deletes_work(arm):
    sub = arm.subscription_id("Productie")
    assert arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", version=ACTION_VERSION,
                    params={"IgnoreResourceCheck": "true"}).status_code == 200
    refused = arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/x", version=RG_VERSION, json={"location": "westeurope"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "ReadOnlyDisabledSubscription"
    account = f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Storage/storageAccounts/contosodata"
    assert arm.call("POST", f"{account}/listKeys", version=STORAGE_VERSION).status_code == 409
    assert arm.call("GET", account, version=STORAGE_VERSION).status_code == 200
    ip = f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Network/publicIPAddresses/web-01-ip"
    assert "ipAddress" not in arm.call("GET", ip, version="2026-03-01").json()["properties"]
    assert arm.call("DELETE", f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Compute/"
                              "virtualMachines/db-01", version=VM_VERSION).status_code == 202


def test_metadata_endpoints_without_auth(arm):
    body = arm.call("GET", "/metadata/endpoints", role=None, version="2022-09-01").json()
    assert body["resourceManager"] == "https://testserver/" and body["authentication"]["loginEndpoint"]
    assert body["authentication"]["audiences"] and isinstance(body["suffixes"], dict) and body["name"]
