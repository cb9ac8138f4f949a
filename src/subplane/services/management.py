"""Use cases the ARM API needs beyond the core ones: resource-group reads/updates/deletes, NICs and VMs
on an existing NIC, storage keys and name checks, tags, role assignments by id, classic administrators.

Each follows the core's pattern: one unit of work, ``access.require`` for the action, ``ensure_writable``
for writes (deletes stay allowed on a Disabled subscription), and an audited activity record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from ..adapters.blobstore import BlobStore
from ..adapters.db.arm_repo import GroupTagRepo, SubscriptionTagRepo
from ..domain.access import Action, Principal, Role, RoleAssignment
from ..domain.errors import InvalidInput, NotFound
from ..domain.lifecycle import Subscription, ensure_not_deleted, ensure_writable
from ..domain.offers import OfferCatalogue
from ..domain.resources import PowerState, Resource, ResourceGroup, ResourceType
from ..domain.tags import changed_tags, stored_tags, validate_tags
from .access import readable, require
from .aliases import AliasService
from .file_removal import remove_after_commit
from .hooks import MeteringHooks
from .installation_secrets import InstallationSecrets
from .lookup import resolve
from .resources import ResourceService
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import use_case

T = TypeVar("T")

_STORAGE_NAME = re.compile(r"^[a-z0-9]{3,24}$")
KEY_NAMES = ("key1", "key2")


class ManagementService:
    def __init__(self, uow: UowFactory, offers: OfferCatalogue, resources: ResourceService, metering: MeteringHooks,
                 blobstore: BlobStore, installation: InstallationSecrets, aliases: AliasService) -> None:
        self.uow = uow
        self.offers = offers
        self._resources = resources
        self.metering = metering
        self.blobstore = blobstore
        self.installation = installation
        self.aliases = aliases

    # resource groups -------------------------------------------------------------------------
    def list_groups(self, *, actor: Principal, subscription: str) -> list[ResourceGroup]:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            may_read = readable(uow, self.offers, actor, sub)
            tags = GroupTagRepo(uow.conn).by_group(sub.subscription_id)
            return [replace(g, tags=tags.get(g.name.lower(), {})) for g in uow.resources.list_groups(sub.subscription_id)
                    if may_read(g.resource_id)]

    def get_group(self, *, actor: Principal, subscription: str, name: str) -> ResourceGroup:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            group = self._resources.require_group(uow, sub, name)
            require(uow, self.offers, actor, sub, Action.READ, group.resource_id)
            return replace(group, tags=GroupTagRepo(uow.conn).get(sub.subscription_id, group.name))

    def put_group(self, *, actor: Principal, subscription: str, name: str, location: str,
                  tags: dict[str, str] | None = None) -> tuple[ResourceGroup, bool]:
        """Create, or update an existing group; returns (group, created).

        ``tags`` replaces the group's tags as a whole (ARM: PUT is a full replace, and a PATCH that carries
        ``tags`` replaces the object too); ``None`` keeps them (a PATCH without ``tags``).
        """
        tags = None if tags is None else validate_tags(tags)
        with self.uow(read_only=True) as uow:
            existing = uow.resources.find_group(resolve(uow, subscription).subscription_id, name)
        if existing is None:  # group and tags in one transaction
            return self._resources.create_group(actor=actor, subscription=subscription, name=name, location=location,
                                                tags=tags), True

        with use_case(self.uow, "updateResourceGroup", actor=actor, target=name) as case:
            self._resources.lock_for_write(case, existing.subscription_id, existing.resource_id)
            if location and location.lower() != existing.location.lower():
                raise InvalidInput("InvalidResourceGroupLocation",
                                   f"Invalid resource group location '{location}'. The Resource group already exists "
                                   f"in location '{existing.location}'.")
            repo = GroupTagRepo(case.uow.conn)
            if tags is not None:
                repo.set(existing.subscription_id, existing.name, tags)
                case.succeeded(target=existing.resource_id, details={"tags": sorted(tags)}, action="tagResourceGroup")
            return replace(existing, tags=repo.get(existing.subscription_id, existing.name)), False

    def delete_group(self, *, actor: Principal, subscription: str, name: str) -> None:
        with use_case(self.uow, "deleteResourceGroup", actor=actor, target=name) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            group = self._resources.require_group(uow, sub, name)
            self._resources.lock_for_write(case, sub.subscription_id, group.resource_id, Action.DELETE)
            accounts = [r for r in uow.resources.list(sub.subscription_id, ResourceType.STORAGE_ACCOUNT)
                        if r.resource_group.lower() == group.name.lower()]
            paths = []
            for account in accounts:
                paths += [b.storage_path for c in uow.blobs.list_containers(account.resource_id)
                          for b in uow.blobs.list_blobs(account.resource_id, c)]
                uow.blobs.delete_account(account.resource_id)
            uow.resources.delete_group(sub.subscription_id, group.name)
            self.metering.sync(uow, sub.subscription_id)  # metered spans end with the resources
            remove_after_commit(self.blobstore, uow, paths)
            case.succeeded(target=group.resource_id)

    # network interfaces and VMs on them --------------------------------------------------------
    def put_nic(self, *, actor: Principal, subscription: str, group: str, name: str, location: str | None,
                public_ip_id: str | None) -> tuple[Resource, bool]:
        with use_case(self.uow, "createNetworkInterface", actor=actor, target=name) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            rg = self._resources.require_group(uow, sub, group)
            if public_ip_id:
                uow.resources.get(public_ip_id)
            nic = self._resources.new_resource(uow, sub, rg, ResourceType.NETWORK_INTERFACE, name, location,
                                       public_ip_id=public_ip_id)
            self._resources.lock_for_write(case, sub.subscription_id, nic.resource_id)
            existing = uow.resources.find(nic.resource_id)
            if existing is not None:
                uow.resources.update_fields(existing.resource_id, public_ip_id=public_ip_id)
                return uow.resources.get(existing.resource_id), False
            uow.resources.add(nic)
            case.succeeded(target=nic.resource_id)
            return nic, True

    def create_vm_on_nic(self, *, actor: Principal, subscription: str, group: str, name: str, location: str | None,
                         size: str, nic_id: str | None, tags: dict[str, Any] | None = None) -> Resource:
        """A running VM attached to an existing NIC; a dynamic public IP on that NIC gets its address."""
        with use_case(self.uow, "createVirtualMachine", actor=actor, target=name) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            rg = self._resources.require_group(uow, sub, group)
            if nic_id:
                uow.resources.get(nic_id)
            vm = self._resources.new_resource(uow, sub, rg, ResourceType.VIRTUAL_MACHINE, name, location, vm_size=size,
                                              power_state=PowerState.RUNNING, nic_id=nic_id, tags=tags)
            self._resources.lock_for_write(case, sub.subscription_id, vm.resource_id)
            uow.resources.add(vm)
            self._resources.sync_dynamic_ip(uow, vm, PowerState.RUNNING)
            self.metering.resources_added(uow, sub.subscription_id, [vm])
            case.succeeded(target=vm.resource_id)
            return vm

    def touch(self, *, actor: Principal, resource_id: str, tags: dict[str, Any] | None = None) -> Resource:
        """PUT on an existing resource or PATCH: the write must be allowed; tags are kept in properties."""
        with use_case(self.uow, "updateResource", actor=actor, target=resource_id) as case:
            uow = case.uow
            resource = uow.resources.get(resource_id)
            self._resources.lock_for_write(case, resource.subscription_id, resource.resource_id)
            if tags is not None:
                valid = validate_tags(tags, storage_account=resource.type is ResourceType.STORAGE_ACCOUNT)
                uow.resources.update_fields(resource.resource_id, properties={**resource.properties, "tags": valid})
            return uow.resources.get(resource.resource_id)

    # the tags of a scope (Microsoft.Resources/tags/default) ---------------------------------------------
    def scope_tags(self, *, actor: Principal, subscription: str, group: str | None = None,
                   resource_id: str | None = None) -> tuple[str, dict[str, str]]:
        """``Tags_GetAtScope``: (the scope's id, its tags) of a subscription, a group or a resource."""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            scope, read, _ = self._tag_scope(uow, sub, group, resource_id)
            require(uow, self.offers, actor, sub, Action.READ, scope)
            return scope, read()

    def change_scope_tags(self, *, actor: Principal, subscription: str, group: str | None = None,
                          resource_id: str | None = None, operation: str, tags: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """``Tags_CreateOrUpdateAtScope`` (operation Replace), ``Tags_UpdateAtScope`` (Merge, Replace, Delete) and
        ``Tags_DeleteAtScope`` (Replace with none): one transaction, refused like any write where writes are."""
        with use_case(self.uow, "updateTags", actor=actor, target=resource_id or group or subscription) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            scope, read, write = self._tag_scope(uow, sub, group, resource_id)
            self._resources.lock_for_write(case, sub.subscription_id, scope)
            storage = resource_id is not None and uow.resources.get(resource_id).type is ResourceType.STORAGE_ACCOUNT
            result = changed_tags(read(), operation, tags if tags is not None else {}, storage_account=storage)
            write(result)
            case.succeeded(target=scope, details={"operation": operation, "tags": sorted(result)})
            return scope, result

    def _tag_scope(self, uow: UnitOfWork, sub: Subscription, group: str | None,
                   resource_id: str | None) -> tuple[str, Callable[[], dict[str, str]], Callable[[dict[str, Any]], None]]:
        """(scope id, read, write) for the subscription, group or resource named; NotFound when it is not there."""
        if resource_id is not None:
            self._resources.require_group(uow, sub, group or "")
            resource = uow.resources.get(resource_id)
            if resource.subscription_id != sub.subscription_id:
                raise NotFound("ResourceNotFound", f"The resource '{resource_id}' was not found.")

            def write_resource(tags: dict[str, Any]) -> None:
                current = uow.resources.get(resource.resource_id)
                uow.resources.update_fields(resource.resource_id, properties={**current.properties, "tags": tags})

            return (resource.resource_id, lambda: stored_tags(uow.resources.get(resource.resource_id)
                                                              .properties.get("tags")), write_resource)
        if group is not None:
            found = self._resources.require_group(uow, sub, group)
            groups = GroupTagRepo(uow.conn)
            return (found.resource_id, lambda: groups.get(sub.subscription_id, found.name),
                    lambda tags: groups.set(sub.subscription_id, found.name, tags))
        subscriptions = SubscriptionTagRepo(uow.conn)
        return (sub.resource_id, lambda: subscriptions.get(sub.subscription_id),
                lambda tags: subscriptions.set(sub.subscription_id, tags))

    def subscription_tags(self, subscription_ids: list[str]) -> dict[str, dict[str, str]]:
        """The tags of subscriptions the caller was already allowed to see (their ARM rendering shows them)."""
        with self.uow(read_only=True) as uow:
            return SubscriptionTagRepo(uow.conn).by_subscription(subscription_ids)

    # storage ------------------------------------------------------------------------------------
    def storage_name_available(self, name: str) -> tuple[bool, str | None]:
        if not isinstance(name, str) or not _STORAGE_NAME.fullmatch(name):
            return False, "AccountNameInvalid"
        with self.uow(read_only=True) as uow:
            taken = uow.resources.find_by_name(name, ResourceType.STORAGE_ACCOUNT)
        return (False, "AlreadyExists") if taken else (True, None)

    def storage_keys(self, *, actor: Principal, account_id: str, regenerate: str | None = None) -> list[tuple[str, str]]:
        """``listKeys`` and ``regenerateKey`` are POST actions: refused while the subscription is Disabled."""
        if regenerate is not None and regenerate not in KEY_NAMES:
            raise InvalidInput("InvalidKeyName", f"keyName must be key1 or key2, not {regenerate!r}.")

        secret = self.installation.storage_key_secret()  # before the unit of work: the first call stores it

        with use_case(self.uow, "listStorageKeys", actor=actor, target=account_id) as case:
            uow = case.uow
            account = self._resources.resolve(uow, actor, account_id, ResourceType.STORAGE_ACCOUNT)
            self._resources.lock_for_write(case, account.subscription_id, account.resource_id)
            generations = dict(account.properties.get("keyGenerations", {}))
            if regenerate:
                generations[regenerate] = generations.get(regenerate, 0) + 1
                uow.resources.update_fields(account.resource_id,
                                            properties={**account.properties, "keyGenerations": generations})
                case.succeeded(target=account.resource_id, details={"keyName": regenerate}, action="regenerateStorageKey")
            return [(key, self._derive_key(secret, account.resource_id, key, generations.get(key, 0))) for key in KEY_NAMES]

    @staticmethod
    def _derive_key(secret: bytes, account_id: str, key: str, generation: int) -> str:
        message = f"{account_id.lower()}|{key}|{generation}".encode()
        digest = hmac.new(secret, message, hashlib.sha512).digest()
        return base64.b64encode(digest).decode()

    # authorization ------------------------------------------------------------------------------
    def classic_administrators(self, *, actor: Principal, subscription: str) -> list[tuple[str, str]]:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            require(uow, self.offers, actor, sub, Action.READ)
            account = uow.directory.get_billing_account(sub.billing_account_id)
            admin = next((u for u in uow.directory.list_users() if u["user_id"] == account.admin_user_id), None)
        return [(admin["user_principal_name"], "ServiceAdministrator;AccountAdministrator")] if admin else []

    def role_assignments(self, *, actor: Principal, subscription: str) -> list[RoleAssignment]:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            require(uow, self.offers, actor, sub, Action.READ)
            return uow.directory.role_assignments(subscription_id=sub.subscription_id)

    def get_role_assignment(self, *, actor: Principal, assignment_id: str) -> RoleAssignment:
        with self.uow(read_only=True) as uow:
            assignment, subscription_id = self._assignment(uow, assignment_id)
            require(uow, self.offers, actor, uow.subscriptions.get(subscription_id), Action.READ, assignment.scope)
            return assignment

    def create_role_assignment(self, *, actor: Principal, subscription: str, scope: str, assignment_id: str,
                               principal_id: str, role: Role) -> RoleAssignment:
        with use_case(self.uow, "assignRole", actor=actor, target=scope) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            ensure_not_deleted(sub)
            require(uow, self.offers, actor, sub, Action.ASSIGN_ROLES, scope)
            ensure_writable(sub)
            found = uow.directory.find_role_assignment(assignment_id)
            if found is not None:
                return found[0]
            assignment = RoleAssignment(assignment_id.lower(), scope, role, principal_id)
            uow.directory.add_role_assignment(assignment, subscription_id=sub.subscription_id, now=uow.now)
            case.succeeded(target=scope, details={"role": role.value, "principalId": principal_id})
            return assignment

    def delete_role_assignment(self, *, actor: Principal, assignment_id: str) -> RoleAssignment | None:
        with use_case(self.uow, "removeRoleAssignment", actor=actor, target=assignment_id) as case:
            uow = case.uow
            found = uow.directory.find_role_assignment(assignment_id)
            if found is None:
                return None
            assignment, subscription_id = found
            sub = uow.subscriptions.get(subscription_id)
            require(uow, self.offers, actor, sub, Action.ASSIGN_ROLES, assignment.scope)
            uow.directory.delete_role_assignment(assignment.assignment_id)
            case.about(subscription_id)
            case.succeeded(target=assignment.scope, details={"role": assignment.role.value})
            return assignment

    @staticmethod
    def _assignment(uow: UnitOfWork, assignment_id: str) -> tuple[RoleAssignment, str]:
        found = uow.directory.find_role_assignment(assignment_id)
        if found is None:
            raise NotFound("RoleAssignmentNotFound", f"The role assignment '{assignment_id}' is not found.")
        return found
