"""What the pages make of the services' answers: which lifecycle buttons to show, and the resource summary.
No rules and no units of work live here: the services answer (access checked there), the domain decides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain.access import Principal
from ..domain.lifecycle import LifecycleAction, Subscription
from ..domain.resources import PowerState, Resource, ResourceType

if TYPE_CHECKING:
    from ..services.subscriptions import SubscriptionService

# the templates' names for the lifecycle actions (``actions.switch_offer``)
PAGE_ACTIONS = {
    "cancel": LifecycleAction.CANCEL,
    "reactivate": LifecycleAction.REACTIVATE,
    "delete": LifecycleAction.DELETE,
    "rename": LifecycleAction.RENAME,
    "switch_offer": LifecycleAction.SWITCH_OFFER,
}


def actions_for(subscriptions: SubscriptionService, actor: Principal, sub: Subscription) -> dict[str, bool]:
    """Each lifecycle action by its page name: may this user take it now (the service's answer)?"""
    may = subscriptions.lifecycle_actions(actor=actor, ref=sub.subscription_id)
    return {name: may[action] for name, action in PAGE_ACTIONS.items()}


@dataclass(frozen=True)
class ResourceSummary:
    vms_by_power: dict[str, int]
    public_ips: int
    ips_with_address: int
    storage_accounts: int
    storage_read_only: int
    total: int


def summarise(resources: list[Resource]) -> ResourceSummary:
    vms: dict[str, int] = {}
    for r in resources:
        if r.type is ResourceType.VIRTUAL_MACHINE:
            key = (r.power_state or PowerState.DEALLOCATED).value
            vms[key] = vms.get(key, 0) + 1
    ips = [r for r in resources if r.type is ResourceType.PUBLIC_IP]
    storage = [r for r in resources if r.type is ResourceType.STORAGE_ACCOUNT]
    return ResourceSummary(vms, len(ips), sum(1 for r in ips if r.ip_address), len(storage),
                           sum(1 for r in storage if r.read_only), len(resources))


def ip_of_vm(resources: list[Resource]) -> dict[str, Resource]:
    """For each VM id, its public IP resource (through its network interface), when it has one."""
    by_id = {r.resource_id: r for r in resources}
    result = {}
    for vm in resources:
        if vm.type is ResourceType.VIRTUAL_MACHINE and vm.nic_id:
            nic = by_id.get(vm.nic_id)
            if nic and nic.public_ip_id and nic.public_ip_id in by_id:
                result[vm.resource_id] = by_id[nic.public_ip_id]
    return result
