"""Injected emulator faults: the next call of an ARM operation is accepted and then fails, changing nothing."""

from __future__ import annotations

import pytest

from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, InvalidInput

VM_VERSION = "2025-11-01"

DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"


def _vm(arm) -> str:
    sub = arm.subscription_id("Productie")
    return f"/subscriptions/{sub}/resourceGroups/productie-rg/providers/Microsoft.Compute/virtualMachines/web-01"


def _power(arm, vm: str) -> str:
    statuses = arm.call("GET", f"{vm}/instanceView", version=VM_VERSION).json()["statuses"]
    return next(s["code"] for s in statuses if s["code"].startswith("PowerState/"))


def test_a_fault_fails_the_next_call_as_an_lro_and_is_used_up(arm):
    vm = _vm(arm)
    arm.app.faults.add(operation=DEALLOCATE.upper(), code="AllocationFailed", count=1)  # operations ignore case
    answer = arm.call("POST", f"{vm}/deallocate", version=VM_VERSION)
    assert answer.status_code == 202 and int(answer.headers["Retry-After"]) >= 1
    auth = {"Authorization": f"Bearer {arm.token()}"}
    status = arm.client.get(answer.headers["Azure-AsyncOperation"], headers=auth).json()
    assert status["status"] == "Failed" and status["error"]["code"] == "AllocationFailed"
    result = arm.client.get(answer.headers["Location"], headers=auth)
    assert result.status_code == 400 and result.json()["error"]["code"] == "AllocationFailed"
    assert _power(arm, vm) == "PowerState/running"
    assert arm.app.faults.list() == []
    again = arm.call("POST", f"{vm}/deallocate", version=VM_VERSION)
    assert arm.client.get(again.headers["Azure-AsyncOperation"], headers=auth).json()["status"] == "Succeeded"
    assert _power(arm, vm) == "PowerState/deallocated"


def test_a_caller_without_write_access_is_refused_as_always_and_the_fault_waits(arm):
    vm = _vm(arm)
    arm.app.faults.add(operation=DEALLOCATE, code="AllocationFailed", count=2)
    refused = arm.call("POST", f"{vm}/deallocate", role="reader", version=VM_VERSION)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "AuthorizationFailed"
    assert [f.remaining for f in arm.app.faults.list()] == [2]
    other = arm.call("POST", f"{vm}/start", version=VM_VERSION)  # another operation is not affected
    assert arm.client.get(other.headers["Azure-AsyncOperation"],
                          headers={"Authorization": f"Bearer {arm.token()}"}).json()["status"] == "Succeeded"


def test_faults_are_checked_and_admin_endpoints_manage_them(arm):
    with pytest.raises(InvalidInput) as bad:
        arm.app.faults.add(operation="Microsoft.Compute", code="X")
    assert bad.value.code == "InvalidOperation"
    with pytest.raises(InvalidInput):
        arm.app.faults.add(operation=DEALLOCATE, code="not a code")
    added = arm.client.post("/_subplane/faults", json={"operation": DEALLOCATE, "code": "QuotaExceeded", "count": 3})
    assert added.status_code == 201 and added.json()["remaining"] == 3
    assert [f["code"] for f in arm.client.get("/_subplane/faults").json()["value"]] == ["QuotaExceeded"]
    assert arm.client.post("/_subplane/faults", json={"operation": DEALLOCATE, "code": "X", "count": "3"}).status_code == 400
    assert arm.client.delete("/_subplane/faults").status_code == 204
    assert arm.app.faults.list() == []


def test_a_call_that_is_not_long_running_fails_at_once_and_is_in_the_activity_log(arm):
    sub = arm.subscription_id("Productie")
    arm.app.faults.add(operation="Microsoft.Resources/subscriptions/resourceGroups/write", code="QuotaExceeded")
    answer = arm.call("PUT", f"/subscriptions/{sub}/resourcegroups/faulty", version="2025-04-01",
                      json={"location": "westeurope"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "QuotaExceeded"
    assert arm.call("GET", f"/subscriptions/{sub}/resourcegroups/faulty", version="2025-04-01").status_code == 404
    with arm.app.uow(read_only=True) as uow:
        logged = [(e["action"], e["outcome"], e["code"]) for e in uow.activity.list(subscription_id=sub, limit=5)]
    assert ("Microsoft.Resources/subscriptions/resourceGroups/write", "Failed", "QuotaExceeded") in logged


def test_subscription_and_tenant_operations_take_no_faults(arm):
    for operation in ("Microsoft.Subscription/cancel/action", "Microsoft.Authorization/roleAssignments/write"):
        with pytest.raises(InvalidInput) as refused:
            arm.app.faults.add(operation=operation, code="Nope")
        assert refused.value.code == "OperationNotFaultable"


def test_production_mode_has_no_faults(make_app):
    production = make_app(mode="production")
    with pytest.raises(Conflict) as refused:
        production.faults.add(operation=DEALLOCATE, code="AllocationFailed")
    assert refused.value.code == "EmulatorOnly"
    assert production.faults.fail_next(DEALLOCATE, actor=OPERATOR) is None
