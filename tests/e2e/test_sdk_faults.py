"""C28 with the real SDK: a long-running operation the server marks Failed (an injected emulator fault)."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import ComputeManagementClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"


def _power(compute, group: str, name: str) -> str:
    return [s.code for s in compute.virtual_machines.instance_view(group, name).statuses if s.code.startswith("PowerState/")][0]


def test_c28_a_failed_lro_raises_with_the_operations_error_code_and_changes_nothing(live):
    compute = live.client(ComputeManagementClient, "owner", live.subscription_id("Productie"))
    assert _power(compute, "productie-rg", "web-01") == "PowerState/running"
    added = httpx.post(f"{live.url}/_subplane/faults", verify=live.ca, json={
        "operation": DEALLOCATE, "code": "AllocationFailed", "message": "No capacity in westeurope right now."})
    assert added.status_code == 201, added.text

    with pytest.raises(HttpResponseError) as failed:
        compute.virtual_machines.begin_deallocate("productie-rg", "web-01").result()
    assert failed.value.error.code == "AllocationFailed"
    assert "No capacity" in failed.value.error.message
    assert _power(compute, "productie-rg", "web-01") == "PowerState/running"  # a failed operation changes nothing

    assert httpx.get(f"{live.url}/_subplane/faults", verify=live.ca).json()["value"] == []  # used up
    compute.virtual_machines.begin_deallocate("productie-rg", "web-01").result()
    assert _power(compute, "productie-rg", "web-01") == "PowerState/deallocated"
