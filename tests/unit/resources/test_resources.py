"""What disabling and enabling do to each resource kind, and the VM power table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from subplane.domain.errors import Conflict
from subplane.domain.resources import (
    DISABLE_EFFECTS,
    ENABLE_EFFECTS,
    AllocationMethod,
    PowerState,
    Resource,
    ResourceType,
    VmAction,
    apply_effects,
    changing_power_actions,
    holds_dynamic_address,
    next_power_state,
    preview_effects,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def res(rtype, name, **fields):
    return Resource(f"/subscriptions/s/resourceGroups/g/providers/{rtype.value}/{name}", "s", "g", rtype, name,
                    "westeurope", NOW, **fields)


FLEET = [
    res(ResourceType.VIRTUAL_MACHINE, "running", power_state=PowerState.RUNNING),
    res(ResourceType.VIRTUAL_MACHINE, "stopped", power_state=PowerState.STOPPED),
    res(ResourceType.PUBLIC_IP, "dyn", allocation_method=AllocationMethod.DYNAMIC, ip_address="20.0.0.1"),
    res(ResourceType.PUBLIC_IP, "static", allocation_method=AllocationMethod.STATIC, ip_address="20.0.0.2"),
    res(ResourceType.STORAGE_ACCOUNT, "store", read_only=False),
    res(ResourceType.NETWORK_INTERFACE, "nic"),
    res(ResourceType.DISK, "disk", disk_size_gb=128),
]


def test_disable_deallocates_vms_releases_dynamic_ips_and_freezes_storage():
    after = {r.name: r for r in apply_effects(FLEET, DISABLE_EFFECTS)}
    assert after["running"].power_state is PowerState.DEALLOCATED
    assert after["stopped"].power_state is PowerState.DEALLOCATED
    assert after["dyn"].ip_address is None
    assert after["static"].ip_address == "20.0.0.2"
    assert after["store"].read_only is True
    assert after["nic"] == FLEET[5] and after["disk"] == FLEET[6]


def test_enable_makes_storage_writable_and_leaves_vms_deallocated():
    after = {r.name: r for r in apply_effects(apply_effects(FLEET, DISABLE_EFFECTS), ENABLE_EFFECTS)}
    assert after["store"].read_only is False
    assert after["running"].power_state is PowerState.DEALLOCATED
    assert after["dyn"].ip_address is None


@pytest.mark.parametrize(("state", "action", "expected"), [
    (PowerState.DEALLOCATED, VmAction.START, PowerState.RUNNING),
    (PowerState.STOPPED, VmAction.START, PowerState.RUNNING),
    (PowerState.RUNNING, VmAction.POWER_OFF, PowerState.STOPPED),
    (PowerState.RUNNING, VmAction.DEALLOCATE, PowerState.DEALLOCATED),
    (PowerState.STOPPED, VmAction.DEALLOCATE, PowerState.DEALLOCATED),
    (PowerState.RUNNING, VmAction.RESTART, PowerState.RUNNING),
    (PowerState.DEALLOCATED, VmAction.RESTART, None),
    (PowerState.DEALLOCATED, VmAction.POWER_OFF, None),
])
def test_vm_power_table(state, action, expected):
    vm = res(ResourceType.VIRTUAL_MACHINE, "vm", power_state=state)
    if expected is None:
        with pytest.raises(Conflict):
            next_power_state(vm, action)
    else:
        assert next_power_state(vm, action) is expected


def test_dynamic_address_only_while_allocated():
    assert holds_dynamic_address(PowerState.RUNNING) and holds_dynamic_address(PowerState.STOPPED)
    assert not holds_dynamic_address(PowerState.DEALLOCATED)


def test_the_cancel_preview_is_the_disable_table_applied_to_the_resources_as_they_are():
    running = res(ResourceType.VIRTUAL_MACHINE, "web", power_state=PowerState.RUNNING)
    stopped = res(ResourceType.VIRTUAL_MACHINE, "batch", power_state=PowerState.STOPPED)  # still allocated: billed
    deallocated = res(ResourceType.VIRTUAL_MACHINE, "old", power_state=PowerState.DEALLOCATED)
    dynamic = res(ResourceType.PUBLIC_IP, "web-ip", allocation_method=AllocationMethod.DYNAMIC, ip_address="20.0.0.1")
    released = res(ResourceType.PUBLIC_IP, "idle-ip", allocation_method=AllocationMethod.DYNAMIC, ip_address=None)
    static = res(ResourceType.PUBLIC_IP, "db-ip", allocation_method=AllocationMethod.STATIC, ip_address="20.0.0.2")
    writable = res(ResourceType.STORAGE_ACCOUNT, "data", read_only=False)
    frozen = res(ResourceType.STORAGE_ACCOUNT, "archive", read_only=True)
    preview = preview_effects([running, stopped, deallocated, dynamic, released, static, writable, frozen], DISABLE_EFFECTS)
    assert preview.changed_of(ResourceType.VIRTUAL_MACHINE) == [running, stopped]
    assert preview.changed_of(ResourceType.PUBLIC_IP) == [dynamic]
    assert preview.kept_of(ResourceType.PUBLIC_IP) == [static]  # kept through retention: never in the turn-off list
    assert preview.changed_of(ResourceType.STORAGE_ACCOUNT) == [writable]
    # what the preview says changes is exactly what applying the table changes
    after = {r.resource_id: r for r in apply_effects(preview.changed + preview.kept + (deallocated, released, frozen),
                                                     DISABLE_EFFECTS)}
    before = {r.resource_id: r for r in (running, stopped, deallocated, dynamic, released, static, writable, frozen)}
    assert {rid for rid in before if after[rid] != before[rid]} == {r.resource_id for r in preview.changed}


@pytest.mark.parametrize(("power", "offered"), [
    (PowerState.RUNNING, [VmAction.DEALLOCATE]), (PowerState.STOPPED, [VmAction.START, VmAction.DEALLOCATE]),
    (PowerState.DEALLOCATED, [VmAction.START]), (PowerState.STARTING, [])])
def test_a_page_offers_the_power_actions_that_change_something(power, offered):
    vm = res(ResourceType.VIRTUAL_MACHINE, "vm", power_state=power)
    assert changing_power_actions(vm, [VmAction.START, VmAction.DEALLOCATE]) == offered
