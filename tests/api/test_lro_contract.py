"""Every long-running operation Subplane serves answers as its published spec declares (issue 12 item 2): the first
status code, which polling headers are there and which are not, the status monitor's body, and the final
``Location`` poll's code and body (200 with the resource where the operation returns one, 200 empty otherwise,
never an undeclared 204). The expected facts are written out here, not read from ``lro_operations``, so a wrong
entry in that table fails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from subplane.api.arm import build_router
from subplane.api.arm.lro_operations import LRO_OPERATIONS

from .conftest import ACTION_VERSION

VM_VERSION, NET_VERSION, STORAGE_VERSION, RG_VERSION = "2026-04-01", "2026-03-01", "2026-09-01", "2025-04-01"
BILLING_VERSION = "2024-04-01"
ASYNC, LOCATION = "Azure-AsyncOperation", "Location"


def _group(arm) -> str:
    return f"/subscriptions/{arm.subscription_id('Productie')}/resourceGroups/productie-rg"


def _vm(arm) -> str:
    return f"{_group(arm)}/providers/Microsoft.Compute/virtualMachines/web-01"


def _ip(arm, name: str = "web-01-ip") -> str:
    return f"{_group(arm)}/providers/Microsoft.Network/publicIPAddresses/{name}"


def _new_group(arm, name: str = "lro-rg") -> str:
    path = f"/subscriptions/{arm.subscription_id('Productie')}/resourcegroups/{name}"
    assert arm.call("PUT", path, version=RG_VERSION, json={"location": "westeurope"}).status_code == 201
    return path


@dataclass(frozen=True)
class Case:
    call: Callable  # (arm) -> the first answer
    status: int
    status_monitor: bool
    location: str | None  # None: no Location; "empty": 200 without a body; "resource": 200 with the resource


def _vm_action(action: str) -> Callable:
    return lambda arm: arm.call("POST", f"{_vm(arm)}/{action}", version=VM_VERSION)


def _storage_create(arm):
    path = f"{_group(arm)}/providers/Microsoft.Storage/storageAccounts/lrocontract01"
    return arm.call("PUT", path, version=STORAGE_VERSION, json={"location": "westeurope", "sku": {"name": "Standard_LRS"},
                                                                 "kind": "StorageV2"})


def _alias_create(arm):
    scope = f"/providers/Microsoft.Billing/billingAccounts/{arm.demo['billingAccountId']}"
    return arm.call("PUT", "/providers/Microsoft.Subscription/aliases/lro-contract", version=ACTION_VERSION,
                    json={"properties": {"displayName": "LRO", "workload": "Production", "billingScope": scope}})


def _billing_cancel(arm):
    sub = arm.subscription_id("Ontwikkeling")
    return arm.call("POST", f"/providers/Microsoft.Billing/billingAccounts/{arm.demo['billingAccountId']}/"
                            f"billingSubscriptions/{sub}/cancel", version=BILLING_VERSION,
                    json={"cancellationReason": "Other"}, params={"IgnoreResourceCheck": "true"})


CASES = {
    # VirtualMachines_CreateOrUpdate / _Update: 200/201 with the VM, Azure-AsyncOperation, then a GET of the VM
    "vm-update-put": Case(lambda arm: arm.call("PUT", _vm(arm), version=VM_VERSION,
                                               json={"location": "westeurope", "tags": {"a": "b"}}),
                          200, True, None),
    "vm-patch": Case(lambda arm: arm.call("PATCH", _vm(arm), version=VM_VERSION, json={"tags": {"a": "b"}}),
                     200, True, None),
    # power actions: 200/202 without a body; the final Location poll answers 200 (the issue saw 204)
    **{f"vm-{action}": Case(_vm_action(action), 202, True, "empty")
       for action in ("deallocate", "start", "powerOff", "restart")},
    "vm-delete": Case(lambda arm: arm.call("DELETE", _vm(arm), version=VM_VERSION), 202, True, "empty"),
    # PublicIPAddresses_CreateOrUpdate: final-state-via azure-async-operation, no Location
    "ip-create": Case(lambda arm: arm.call("PUT", _ip(arm, "lro-ip"), version=NET_VERSION,
                                           json={"location": "westeurope",
                                                 "properties": {"publicIPAllocationMethod": "Static"}}),
                      201, True, None),
    "ip-update-put": Case(lambda arm: arm.call("PUT", _ip(arm), version=NET_VERSION,
                                               json={"location": "westeurope", "tags": {"a": "b"}}),
                          200, True, None),
    # PublicIPAddresses_Delete: 200/202/204, final-state-via location
    "ip-delete": Case(lambda arm: arm.call("DELETE", _ip(arm), version=NET_VERSION), 202, True, "empty"),
    # StorageAccounts_Create: 202 with a Location at the account itself (final state: the original URI)
    "storage-create": Case(_storage_create, 202, False, "resource"),
    # ResourceGroups_Delete: 202 with Location only, whose poll answers 200
    "group-delete": Case(lambda arm: arm.call("DELETE", _new_group(arm), version=RG_VERSION), 202, False, "empty"),
    # Alias_Create: 201 with the alias and Azure-AsyncOperation; the poller then GETs the alias
    "alias-create": Case(_alias_create, 201, True, None),
    # BillingSubscriptions_Cancel: 202 with Location
    "billing-cancel": Case(_billing_cancel, 202, False, "empty"),
}


@pytest.mark.parametrize("name", CASES)
def test_first_answer_headers_and_polls_are_the_declared_ones(arm, name):
    case = CASES[name]
    answer = case.call(arm)
    assert answer.status_code == case.status, answer.text
    assert int(answer.headers["Retry-After"]) >= 1
    assert (ASYNC in answer.headers) is case.status_monitor, dict(answer.headers)
    assert (LOCATION in answer.headers) is (case.location is not None), dict(answer.headers)
    auth = {"Authorization": f"Bearer {arm.token()}"}
    if case.status_monitor:
        monitor = arm.client.get(answer.headers[ASYNC], headers=auth)
        assert monitor.status_code == 200
        assert monitor.json()["status"] == "Succeeded" and monitor.json()["name"]
        assert "/providers/Microsoft.Resources/operationStatuses/" in answer.headers[ASYNC]
    if case.location is None:
        return
    final = arm.client.get(answer.headers[LOCATION], headers=auth)
    assert final.status_code == 200, final.text
    if case.location == "empty":
        assert final.content == b"" and "/operationresults/" in answer.headers[LOCATION]
    else:
        assert final.json()["id"].lower() == answer.request.url.path.lower()
        assert final.json()["properties"]["provisioningState"] == "Succeeded"


def test_every_advertised_url_carries_the_api_version(arm):
    answer = arm.call("POST", f"{_vm(arm)}/deallocate", version="2025-04-01")
    assert answer.headers[ASYNC].endswith("?api-version=2025-04-01")
    assert answer.headers[LOCATION].endswith("?api-version=2025-04-01")


def test_deleting_what_is_not_there(arm):
    missing_group = f"/subscriptions/{arm.subscription_id('Productie')}/resourcegroups/never-was"
    answer = arm.call("DELETE", missing_group, version=RG_VERSION)  # ResourceGroups_Delete declares no 204
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "ResourceGroupNotFound"
    vm = arm.call("DELETE", _vm(arm).replace("web-01", "never-was"), version=VM_VERSION)
    assert vm.status_code == 204 and ASYNC not in vm.headers  # VirtualMachines_Delete declares 204
    ip = arm.call("DELETE", _ip(arm, "never-was"), version=NET_VERSION)
    assert ip.status_code == 204 and LOCATION not in ip.headers


def test_a_failed_operation_fails_its_monitor_and_its_final_poll(arm):
    ip = _ip(arm)
    arm.app.faults.add(operation="Microsoft.Network/publicIPAddresses/delete", code="InUseResource", count=1)
    answer = arm.call("DELETE", ip, version=NET_VERSION)
    assert answer.status_code == 202
    auth = {"Authorization": f"Bearer {arm.token()}"}
    monitor = arm.client.get(answer.headers[ASYNC], headers=auth).json()
    assert monitor["status"] == "Failed" and monitor["error"]["code"] == "InUseResource"
    final = arm.client.get(answer.headers[LOCATION], headers=auth)
    assert final.status_code == 400 and final.json()["error"]["code"] == "InUseResource"
    assert arm.call("GET", ip, version=NET_VERSION).status_code == 200  # nothing changed


def test_every_polled_route_names_an_operation_that_may_answer_202():
    """An injected fault answers a polled route with 202 and the polling headers of the route's operation."""
    polled = {route.lro for route in build_router().routes if route.lro}
    assert polled == {"VirtualMachines_PowerAction", "VirtualMachines_Delete", "ResourceGroups_Delete", "Network_Delete"}
    assert all(202 in LRO_OPERATIONS[kind].initial_codes for kind in polled)
