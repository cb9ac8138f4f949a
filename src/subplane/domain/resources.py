"""Resource models and what the lifecycle does to each kind, declared as data.

The same declarations drive the in-memory application (``apply_effects``) and the set-based SQL the
repository runs, so "what disabling does" lives in exactly one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from .errors import Conflict, InvalidInput


class ResourceType(StrEnum):
    VIRTUAL_MACHINE = "Microsoft.Compute/virtualMachines"
    NETWORK_INTERFACE = "Microsoft.Network/networkInterfaces"
    PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
    STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"
    DISK = "Microsoft.Compute/disks"


class PowerState(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    DEALLOCATED = "deallocated"
    STARTING = "starting"
    STOPPING = "stopping"
    DEALLOCATING = "deallocating"


class AllocationMethod(StrEnum):
    STATIC = "Static"
    DYNAMIC = "Dynamic"


@dataclass(frozen=True)
class ResourceGroup:
    subscription_id: str
    name: str
    location: str
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # ARM tags

    @property
    def resource_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.name}"


@dataclass(frozen=True)
class Resource:
    """One ARM resource. Kind-specific fields are ``None`` for kinds they do not apply to."""

    resource_id: str
    subscription_id: str
    resource_group: str
    type: ResourceType
    name: str
    location: str
    created_at: datetime
    sku: str | None = None
    vm_size: str | None = None
    power_state: PowerState | None = None
    nic_id: str | None = None
    public_ip_id: str | None = None
    allocation_method: AllocationMethod | None = None
    ip_address: str | None = None
    read_only: bool | None = None
    disk_size_gb: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)


# ARM location names ("westeurope") and display names ("West Europe"); the column holds 64 characters
_LOCATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ()-]{0,63}$")


def require_location(location: str, *, resource_group: bool = False) -> str:
    """A location shaped like an Azure region's name, or ARM's refusal for it."""
    if isinstance(location, str) and _LOCATION.match(location):
        return location
    code = "LocationNotAvailableForResourceGroup" if resource_group else "LocationNotAvailableForResourceType"
    shown = location[:64].encode("utf-8", "backslashreplace").decode() if isinstance(location, str) else repr(location)
    raise InvalidInput(code, f"The provided location '{shown}' is not available: use a region name such as 'westeurope'.")


def resource_id(subscription_id: str, group: str, rtype: ResourceType, name: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{rtype.value}/{name}"


@dataclass(frozen=True)
class FieldEffect:
    """Set ``field`` to ``value`` on every resource of ``resource_type`` matching ``only_when``."""

    resource_type: ResourceType
    field: str
    value: Any
    only_when: tuple[tuple[str, Any], ...] = ()

    def matches(self, resource: Resource) -> bool:
        return resource.type == self.resource_type and all(
            getattr(resource, name) == wanted for name, wanted in self.only_when
        )

    def changes(self, resource: Resource) -> bool:
        return self.matches(resource) and getattr(resource, self.field) != self.value


# lifecycle.md §3: VMs deallocated, dynamic IPs released, storage read-only.
DISABLE_EFFECTS = (
    FieldEffect(ResourceType.VIRTUAL_MACHINE, "power_state", PowerState.DEALLOCATED),
    FieldEffect(ResourceType.PUBLIC_IP, "ip_address", None, (("allocation_method", AllocationMethod.DYNAMIC),)),
    FieldEffect(ResourceType.STORAGE_ACCOUNT, "read_only", True),
)
# lifecycle.md §6: storage writable again; VMs stay deallocated until someone starts them.
ENABLE_EFFECTS = (FieldEffect(ResourceType.STORAGE_ACCOUNT, "read_only", False),)


@dataclass(frozen=True)
class EffectPreview:
    """What a set of effects would do to some resources: those it would change, and those of an affected type it
    leaves as they are (a static public IP under a cancel). The cancel preview of every edge is this."""

    changed: tuple[Resource, ...]
    kept: tuple[Resource, ...]

    def changed_of(self, rtype: ResourceType) -> list[Resource]:
        return [r for r in self.changed if r.type is rtype]

    def kept_of(self, rtype: ResourceType) -> list[Resource]:
        return [r for r in self.kept if r.type is rtype]


def preview_effects(resources: Iterable[Resource], effects: Iterable[FieldEffect]) -> EffectPreview:
    effects = tuple(effects)
    affected_types = {effect.resource_type for effect in effects}
    resources = tuple(resources)
    return EffectPreview(
        changed=tuple(r for r in resources if any(effect.changes(r) for effect in effects)),
        kept=tuple(r for r in resources if r.type in affected_types and not any(effect.matches(r) for effect in effects)),
    )


def apply_effects(resources: Iterable[Resource], effects: Iterable[FieldEffect]) -> list[Resource]:
    effects = tuple(effects)
    result = []
    for resource in resources:
        for effect in effects:
            if effect.matches(resource):
                resource = replace(resource, **{effect.field: effect.value})
        result.append(resource)
    return result


class VmAction(StrEnum):
    START = "start"
    POWER_OFF = "powerOff"
    RESTART = "restart"
    DEALLOCATE = "deallocate"


# (action) -> (states it may start from, resulting state). Azure completes these quickly; we complete
# them synchronously, so the transitional states are never observed at rest.
VM_TRANSITIONS: dict[VmAction, tuple[frozenset[PowerState], PowerState]] = {
    VmAction.START: (frozenset({PowerState.RUNNING, PowerState.STOPPED, PowerState.DEALLOCATED}), PowerState.RUNNING),
    VmAction.POWER_OFF: (frozenset({PowerState.RUNNING, PowerState.STOPPED}), PowerState.STOPPED),
    VmAction.RESTART: (frozenset({PowerState.RUNNING}), PowerState.RUNNING),
    VmAction.DEALLOCATE: (
        frozenset({PowerState.RUNNING, PowerState.STOPPED, PowerState.DEALLOCATED}),
        PowerState.DEALLOCATED,
    ),
}


def next_power_state(vm: Resource, action: VmAction) -> PowerState:
    if vm.type is not ResourceType.VIRTUAL_MACHINE:
        raise InvalidInput("InvalidResourceType", f"{vm.resource_id} is not a virtual machine")
    allowed_from, target = VM_TRANSITIONS[action]
    if vm.power_state not in allowed_from:
        raise Conflict(
            "OperationNotAllowed",
            f"Cannot {action.value} virtual machine '{vm.name}' while it is {vm.power_state}.",
            action=action.value,
            power_state=str(vm.power_state),
        )
    return target


def changing_power_actions(vm: Resource, actions: Iterable[VmAction]) -> list[VmAction]:
    """Of ``actions``, those the VM accepts now that change its power state (what a page offers as buttons)."""
    return [action for action in actions
            if vm.power_state in VM_TRANSITIONS[action][0] and VM_TRANSITIONS[action][1] is not vm.power_state]


def holds_dynamic_address(power_state: PowerState) -> bool:
    """A dynamic public IP has an address only while its VM is allocated (running or stopped)."""
    return power_state in (PowerState.RUNNING, PowerState.STOPPED)
