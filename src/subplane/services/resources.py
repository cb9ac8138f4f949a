"""Resource use cases: groups, VMs, IPs, storage accounts, disks, VM power actions, deletes."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, TypeVar

from ..adapters.blobstore import BlobStore
from ..domain import events
from ..domain.access import Action, Principal
from ..domain.errors import InvalidInput, NotFound
from ..domain.lifecycle import Subscription, ensure_not_deleted, ensure_writable
from ..domain.offers import OfferCatalogue
from ..domain.resources import (
    AllocationMethod,
    PowerState,
    Resource,
    ResourceGroup,
    ResourceType,
    VmAction,
    holds_dynamic_address,
    next_power_state,
    require_location,
    resource_id,
)
from ..domain.tags import validate_tags
from .access import readable, require, visible_subscription_ids
from .file_removal import remove_after_commit
from .hooks import MeteringHooks
from .lookup import resolve
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import Case, use_case

T = TypeVar("T")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]?$")


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidInput("InvalidResourceName", f"{kind} name {name!r} is not valid: use 1-80 letters, digits, '.', '_' or '-'.")


class ResourceService:
    def __init__(self, uow: UowFactory, offers: OfferCatalogue, metering: MeteringHooks, blobstore: BlobStore) -> None:
        self.uow = uow
        self.offers = offers
        self.metering = metering
        self.blobstore = blobstore

    # lookups ---------------------------------------------------------------------------------
    def resolve(self, uow: UnitOfWork, actor: Principal, ref: str, rtype: ResourceType | None = None) -> Resource:
        """A resource by ARM id, or by name when that name is unique among what the actor can see."""
        if ref.startswith("/"):
            found = uow.resources.get(ref)
            if rtype is not None and found.type is not rtype:
                raise InvalidInput("InvalidResourceType", f"{ref} is a {found.type.value}, not a {rtype.value}.")
            return found
        visible = visible_subscription_ids(uow, actor)
        matches = [r for r in uow.resources.find_by_name(ref, rtype) if visible is None or r.subscription_id in visible]
        if not matches:
            kind = rtype.value if rtype else "resource"
            raise NotFound("ResourceNotFound", f"No {kind} called {ref!r} was found.", name=ref)
        if len(matches) > 1:
            raise InvalidInput("AmbiguousResourceName", f"{len(matches)} resources are called {ref!r}; use the full resource id.")
        return matches[0]

    def list(self, *, actor: Principal, subscription: str) -> list[Resource]:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            may_read = readable(uow, self.offers, actor, sub)  # a resource group's Reader lists that group only
            return [r for r in uow.resources.list(sub.subscription_id) if may_read(r.resource_id)]

    def get(self, *, actor: Principal, ref: str, rtype: ResourceType | None = None) -> Resource:
        with self.uow(read_only=True) as uow:
            resource = self.resolve(uow, actor, ref, rtype)
            require(uow, self.offers, actor, uow.subscriptions.get(resource.subscription_id), Action.READ, resource.resource_id)
            return resource

    # writes ----------------------------------------------------------------------------------
    def lock_for_write(self, case: Case, subscription_id: str, scope: str, action: Action = Action.WRITE) -> Subscription:
        """Lock the subscription the case writes in (its subject from here on) and check the right."""
        sub = case.uow.subscriptions.get(case.about(subscription_id), for_update=True)
        ensure_not_deleted(sub)
        require(case.uow, self.offers, case.actor, sub, action, scope)
        if action is not Action.DELETE:
            ensure_writable(sub)
        return sub

    def create_group(self, *, actor: Principal, subscription: str, name: str, location: str,
                     tags: dict[str, str] | None = None, correlation_id: str | None = None) -> ResourceGroup:
        with use_case(self.uow, "createResourceGroup", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            _check_name("Resource group", name)
            sub = case.subscription(subscription)
            group = ResourceGroup(sub.subscription_id, name, require_location(location, resource_group=True),
                                  validate_tags(tags or {}))
            self.lock_for_write(case, sub.subscription_id, group.resource_id)
            uow.resources.add_group(group, uow.now)
            case.succeeded(target=group.resource_id)
            return group

    def require_group(self, uow: UnitOfWork, sub: Subscription, name: str) -> ResourceGroup:
        group = uow.resources.find_group(sub.subscription_id, name)
        if group is None:
            raise NotFound("ResourceGroupNotFound", f"Resource group '{name}' could not be found.", name=name)
        return group

    def _prepare(self, case: Case, subscription: str, group: str, rtype: ResourceType,
                 name: str) -> tuple[Subscription, ResourceGroup]:
        """Lock the subscription and check the right first, before touching any other row, so every
        write takes its locks in the same order (subscription, then counters and resources)."""
        _check_name("Resource", name)
        sub = case.subscription(subscription)
        rg = self.require_group(case.uow, sub, group)
        self.lock_for_write(case, sub.subscription_id, resource_id(sub.subscription_id, rg.name, rtype, name))
        return sub, rg

    def new_resource(self, uow: UnitOfWork, sub: Subscription, group: ResourceGroup, rtype: ResourceType, name: str,
                     location: str | None, *, tags: dict[str, Any] | None = None, **fields: Any) -> Resource:
        """A resource not yet stored; ``tags`` (ARM's) are kept in its properties, in the creating transaction."""
        _check_name("Resource", name)
        if tags:
            tags = validate_tags(tags, storage_account=rtype is ResourceType.STORAGE_ACCOUNT)
            fields["properties"] = {**fields.get("properties", {}), "tags": tags}
        rid = resource_id(sub.subscription_id, group.name, rtype, name)
        where = require_location(location) if location else group.location  # the group's, when not given
        return Resource(rid, sub.subscription_id, group.name, rtype, name, where, uow.now, **fields)

    def create_public_ip(self, *, actor: Principal, subscription: str, group: str, name: str, allocation: str = "Dynamic",
                         sku: str = "Basic", location: str | None = None, correlation_id: str | None = None) -> Resource:
        with use_case(self.uow, "createPublicIp", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            method = self._allocation(allocation, sku)
            sub, rg = self._prepare(case, subscription, group, ResourceType.PUBLIC_IP, name)
            ip = self.new_resource(uow, sub, rg, ResourceType.PUBLIC_IP, name, location, sku=sku, allocation_method=method,
                           ip_address=uow.resources.next_ip_address() if method is AllocationMethod.STATIC else None)
            uow.resources.add(ip)
            self.metering.resources_added(uow, sub.subscription_id, [ip])
            case.succeeded(target=ip.resource_id)
            return ip

    @staticmethod
    def _allocation(allocation: str, sku: str) -> AllocationMethod:
        try:
            method = AllocationMethod(allocation.capitalize())
        except ValueError:
            raise InvalidInput("InvalidAllocationMethod", f"Allocation method must be Static or Dynamic, not {allocation!r}.") from None
        if sku.lower() == "standard" and method is AllocationMethod.DYNAMIC:
            raise InvalidInput("StandardSkuPublicIPAddressesMustBeStatic", "Standard SKU public IP addresses must use Static allocation.")
        return method

    def create_vm(self, *, actor: Principal, subscription: str, group: str, name: str, size: str = "Standard_B2s",
                  location: str | None = None, public_ip: str | None = "Dynamic", correlation_id: str | None = None) -> Resource:
        """A VM with its network interface (and optionally a public IP), started like Azure does."""
        with use_case(self.uow, "createVirtualMachine", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            sub, rg = self._prepare(case, subscription, group, ResourceType.VIRTUAL_MACHINE, name)
            ip = None
            if public_ip:
                method = self._allocation(public_ip, "Basic")
                ip = self.new_resource(uow, sub, rg, ResourceType.PUBLIC_IP, f"{name}-ip", location, sku="Basic",
                               allocation_method=method, ip_address=uow.resources.next_ip_address())
            nic = self.new_resource(uow, sub, rg, ResourceType.NETWORK_INTERFACE, f"{name}-nic", location,
                            public_ip_id=ip.resource_id if ip else None)
            vm = self.new_resource(uow, sub, rg, ResourceType.VIRTUAL_MACHINE, name, location, vm_size=size,
                           power_state=PowerState.RUNNING, nic_id=nic.resource_id)
            for resource in (ip, nic, vm):
                if resource is not None:
                    uow.resources.add(resource)
            self.metering.resources_added(uow, sub.subscription_id, [ip, vm])
            case.succeeded(target=vm.resource_id)
            return vm

    def create_storage_account(self, *, actor: Principal, subscription: str, group: str, name: str, sku: str = "Standard_LRS",
                               location: str | None = None, tags: dict[str, Any] | None = None,
                               correlation_id: str | None = None) -> Resource:
        with use_case(self.uow, "createStorageAccount", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            if not re.fullmatch(r"[a-z0-9]{3,24}", name):
                raise InvalidInput("AccountNameInvalid",
                                   f"{name!r} is not a valid storage account name: 3-24 lowercase letters and digits.")
            sub, rg = self._prepare(case, subscription, group, ResourceType.STORAGE_ACCOUNT, name)
            if uow.resources.find_by_name(name, ResourceType.STORAGE_ACCOUNT):
                raise InvalidInput("StorageAccountAlreadyTaken", f"The storage account name {name!r} is already taken.")
            account = self.new_resource(uow, sub, rg, ResourceType.STORAGE_ACCOUNT, name, location, sku=sku, read_only=False,
                                        tags=tags)
            uow.resources.add(account)
            self.metering.resources_added(uow, sub.subscription_id, [account])
            case.succeeded(target=account.resource_id)
            return account

    def create_disk(self, *, actor: Principal, subscription: str, group: str, name: str, size_gb: int = 128, sku: str = "Premium_LRS",
                    location: str | None = None, correlation_id: str | None = None) -> Resource:
        with use_case(self.uow, "createDisk", actor=actor, target=name, correlation_id=correlation_id) as case:
            uow = case.uow
            if size_gb <= 0:
                raise InvalidInput("InvalidDiskSize", "A disk's size must be a positive number of GB.")
            sub, rg = self._prepare(case, subscription, group, ResourceType.DISK, name)
            disk = self.new_resource(uow, sub, rg, ResourceType.DISK, name, location, sku=sku, disk_size_gb=size_gb)
            uow.resources.add(disk)
            self.metering.resources_added(uow, sub.subscription_id, [disk])
            case.succeeded(target=disk.resource_id)
            return disk

    def vm_action(self, *, actor: Principal, vm: str, action: VmAction, correlation_id: str | None = None) -> Resource:
        with use_case(self.uow, f"vm.{action.value}", actor=actor, target=vm, correlation_id=correlation_id) as case:
            uow = case.uow
            machine = self.resolve(uow, actor, vm, ResourceType.VIRTUAL_MACHINE)
            self.lock_for_write(case, machine.subscription_id, machine.resource_id)
            target = next_power_state(machine, action)
            uow.resources.update_fields(machine.resource_id, power_state=target)
            released, assigned = self.sync_dynamic_ip(uow, machine, target)
            self.metering.sync(uow, machine.subscription_id)
            case.succeeded(target=machine.resource_id,
                           details={"from": str(machine.power_state), "to": target.value, "ipReleased": released, "ipAssigned": assigned})
            uow.emit(events.DomainEvent(events.VM_POWER_CHANGED, machine.resource_id, uow.now,
                                        {"powerState": target.value}, machine.subscription_id))
            return replace(machine, power_state=target)

    def sync_dynamic_ip(self, uow: UnitOfWork, vm: Resource, power: PowerState) -> tuple[str | None, str | None]:
        nic = uow.resources.find(vm.nic_id) if vm.nic_id else None
        ip = uow.resources.find(nic.public_ip_id) if nic and nic.public_ip_id else None
        if ip is None or ip.allocation_method is not AllocationMethod.DYNAMIC:
            return None, None
        if holds_dynamic_address(power) and ip.ip_address is None:
            address = uow.resources.next_ip_address()
            uow.resources.update_fields(ip.resource_id, ip_address=address)
            return None, address
        if not holds_dynamic_address(power) and ip.ip_address is not None:
            uow.resources.update_fields(ip.resource_id, ip_address=None)
            return ip.ip_address, None
        return None, None

    def delete(self, *, actor: Principal, ref: str, correlation_id: str | None = None) -> None:
        """Deletes are allowed on disabled subscriptions, so users can clean up during retention."""
        with use_case(self.uow, "deleteResource", actor=actor, target=ref, correlation_id=correlation_id) as case:
            uow = case.uow
            resource = self.resolve(uow, actor, ref)
            self.lock_for_write(case, resource.subscription_id, resource.resource_id, Action.DELETE)
            if resource.type is ResourceType.STORAGE_ACCOUNT:
                paths = [b.storage_path for c in uow.blobs.list_containers(resource.resource_id)
                         for b in uow.blobs.list_blobs(resource.resource_id, c)]
                uow.blobs.delete_account(resource.resource_id)
                remove_after_commit(self.blobstore, uow, paths)
            uow.resources.delete(resource.resource_id)
            self.metering.sync(uow, resource.subscription_id)
            case.about(resource.subscription_id)
            case.succeeded(target=resource.resource_id)
