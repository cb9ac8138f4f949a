"""Management groups: the tree, subscriptions in it, roles at group scope, and decommissioning.

Who may do what, as Azure has it: reading a group needs a role at it or above it; writing (rename, move,
delete, adding a child or a subscription) needs Owner or Contributor there. Under the tenant root group
anyone of the tenant may create a group (unless the tenant's settings require authorization), and the
creator becomes the new group's Owner. Moving a subscription needs Owner on the subscription and write
on the group it leaves and the one it enters (nothing at the tenant root group). The operator and the system may do everything.

The functions at the bottom are what the rest of the core asks inside its own unit of work: the
assignments a subscription inherits from its groups, which subscriptions a principal sees through them,
and the decommissioning move of a cancel (and back, on reactivation), in the cancel's own transaction.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..domain import management_groups as tree
from ..domain.access import Principal, Role, RoleAssignment
from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..domain.lifecycle import State, Subscription
from ..domain.management_groups import HierarchySettings, ManagementGroup
from ..domain.offers import OfferCatalogue
from .unit_of_work import UnitOfWork
from .use_case import Case, record_success, use_case

_WRITERS = frozenset({Role.OWNER, Role.CONTRIBUTOR})


@dataclass(frozen=True)
class GroupView:
    group: ManagementGroup
    path: list[ManagementGroup]  # the root first, down to the group's parent
    children: list[GroupView]
    subscriptions: list[Subscription]
    updated: tuple[Any, ...] | None  # (instant, by) of the last change; None for the root


@dataclass(frozen=True)
class SettingsChange:
    default_group: str | None = None  # None: keep; "": back to the root
    decommission_group: str | None = None  # None: keep; "": no decommissioning move
    require_authorization: bool | None = None


@dataclass(frozen=True)
class Placement:
    group: ManagementGroup
    subscription: Subscription


class ManagementGroupService:
    def __init__(self, uow: Callable[..., UnitOfWork], offers: OfferCatalogue) -> None:
        self._uow = uow
        self._offers = offers

    # reads ---------------------------------------------------------------------------------------
    def list(self, *, actor: Principal) -> list[ManagementGroup]:
        with self._uow(read_only=True) as uow:
            tenant = tenant_of(uow, actor)
            groups = uow.management_groups.all(tenant)
            return [g for g in groups if _roles_at(uow, actor, tenant, g.group_id)]

    def get(self, *, actor: Principal, group_id: str, recurse: bool = False) -> GroupView:
        with self._uow(read_only=True) as uow:
            tenant = tenant_of(uow, actor)
            group = _readable(uow, actor, tenant, group_id)
            return _view(uow, tenant, group, depth=None if recurse else 1)

    def descendants(self, *, actor: Principal, group_id: str) -> builtins.list[tuple[str, ManagementGroup | Subscription, str]]:
        """(kind, item, parent group id) for every group and subscription below, parents before children."""
        with self._uow(read_only=True) as uow:
            tenant = tenant_of(uow, actor)
            group = _readable(uow, actor, tenant, group_id)
            found: list[tuple[str, ManagementGroup | Subscription, str]] = []

            def walk(view: GroupView) -> None:
                for child in view.children:
                    found.append(("group", child.group, view.group.group_id))
                for sub in view.subscriptions:
                    found.append(("subscription", sub, view.group.group_id))
                for child in view.children:
                    walk(child)

            walk(_view(uow, tenant, group, depth=None))
            return found

    def subscription(self, *, actor: Principal, group_id: str, subscription_id: str) -> Placement:
        with self._uow(read_only=True) as uow:
            tenant = tenant_of(uow, actor)
            group = _readable(uow, actor, tenant, group_id)
            sub = uow.subscriptions.get(subscription_id)
            if sub.tenant_id != tenant or tree._key(uow.management_groups.placement(sub.subscription_id, tenant)) \
                    != tree._key(group.group_id):
                raise NotFound("SubscriptionNotFound",
                               f"The subscription '{subscription_id}' is not under '{group.group_id}'.")
            return Placement(group, sub)

    def settings(self, *, actor: Principal, group_id: str) -> tuple[str, HierarchySettings]:
        with self._uow(read_only=True) as uow:
            tenant = tenant_of(uow, actor)
            _readable(uow, actor, tenant, group_id)
            if tree._key(group_id) != tree._key(tenant):
                raise NotFound("HierarchySettingsNotFound", "Hierarchy settings live at the tenant root group.")
            return tenant, uow.management_groups.settings(tenant)

    # writes --------------------------------------------------------------------------------------
    def put(self, *, actor: Principal, group_id: str, display_name: str | None,
            parent_id: str | None) -> tuple[ManagementGroup, bool]:
        """Create the group, or update its name and parent; (group, created)."""
        with use_case(self._uow, "createManagementGroup", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            tree.check_name(group_id)
            existing = uow.management_groups.find(tenant, group_id)
            if existing is not None:
                return self._update(case, tenant, existing, display_name, parent_id), False
            if uow.management_groups.taken(group_id):
                raise InvalidInput("ManagementGroupNameTaken", f"The management group id '{group_id}' is in use.")
            parent = _group(uow, tenant, parent_id or tenant)
            settings = uow.management_groups.settings(tenant)
            if not parent.is_root or settings.require_authorization:
                _require_write(uow, actor, tenant, parent)
            tree.check_placement(group_id, parent.group_id, uow.management_groups.parents(tenant))
            group = ManagementGroup(group_id, tenant, _display_name(display_name or group_id), parent.group_id)
            uow.management_groups.insert(group, now=uow.now, by=actor.name)
            if not actor.is_privileged:  # the creator owns what it made
                uow.management_groups.add_assignment(str(uuid.uuid4()), group_id, Role.OWNER, actor.principal_id,
                                                     now=uow.now)
            case.succeeded(target=group.resource_id, details={"parent": parent.group_id})
            return group, True

    def patch(self, *, actor: Principal, group_id: str, display_name: str | None,
              parent_id: str | None) -> ManagementGroup:
        with use_case(self._uow, "updateManagementGroup", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            return self._update(case, tenant, _group(uow, tenant, group_id), display_name, parent_id)

    def _update(self, case: Case, tenant: str, group: ManagementGroup,
                display_name: str | None, parent_id: str | None) -> ManagementGroup:
        uow, actor = case.uow, case.actor
        _require_write(uow, actor, tenant, group)
        changed = group
        if display_name is not None:
            changed = replace(changed, display_name=_display_name(display_name))
        if parent_id is not None and not group.is_root:
            parent = _group(uow, tenant, tree.group_in_scope(parent_id) or parent_id)
            if tree._key(parent.group_id) != tree._key(group.parent_id or ""):
                _require_write(uow, actor, tenant, parent)
                tree.check_placement(group.group_id, parent.group_id, uow.management_groups.parents(tenant))
                changed = replace(changed, parent_id=parent.group_id)
        if group.is_root:
            if changed != group:
                raise InvalidInput("RootManagementGroupCannotBeChanged", "The tenant root group cannot be renamed or moved.")
            return group
        if changed != group:
            uow.management_groups.update(changed, now=uow.now, by=actor.name)
            case.succeeded(target=group.resource_id, details={"displayName": changed.display_name,
                                                              "parent": changed.parent_id}, action="updateManagementGroup")
        return changed

    def delete(self, *, actor: Principal, group_id: str) -> bool:
        """False when there was no such group."""
        with use_case(self._uow, "deleteManagementGroup", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            group = uow.management_groups.find(tenant, group_id)
            if group is None:
                return False
            _require_write(uow, actor, tenant, group)
            tree.check_deletable(group, child_groups=uow.management_groups.child_groups(group.group_id),
                                 subscriptions=len(uow.management_groups.placed_in([group.group_id])))
            uow.management_groups.delete(group.group_id)
            case.succeeded(target=group.resource_id)
            return True

    def place(self, *, actor: Principal, group_id: str, subscription_id: str) -> Placement:
        """Move the subscription into the group (PUT .../subscriptions/{id}); the same again changes nothing."""
        with use_case(self._uow, "moveSubscription", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            group = _group(uow, tenant, group_id)
            sub = _subscription_in(uow, tenant, subscription_id)
            _move(uow, self._offers, actor, tenant, sub, group)
            return Placement(group, sub)

    def remove(self, *, actor: Principal, group_id: str, subscription_id: str) -> None:
        """Take the subscription out of the group: it goes back to the tenant root group."""
        with use_case(self._uow, "moveSubscription", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            group = _group(uow, tenant, group_id)
            sub = _subscription_in(uow, tenant, subscription_id)
            if tree._key(uow.management_groups.placement(sub.subscription_id, tenant)) != tree._key(group.group_id):
                raise NotFound("SubscriptionNotFound",
                               f"The subscription '{subscription_id}' is not under '{group.group_id}'.")
            _move(uow, self._offers, actor, tenant, sub, tree.root_of(tenant))

    def save_settings(self, *, actor: Principal, group_id: str, change: SettingsChange) -> HierarchySettings:
        """Change the tenant's hierarchy settings: fields left None stay, an empty group name clears one."""
        with use_case(self._uow, "updateHierarchySettings", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            if tree._key(group_id) != tree._key(tenant):
                raise InvalidInput("HierarchySettingsAtRootOnly", "Hierarchy settings live at the tenant root group.")
            _require_write(uow, actor, tenant, tree.root_of(tenant))
            current = uow.management_groups.settings(tenant)

            def group(value: str | None, kept: str | None) -> str | None:
                if value is None:
                    return kept
                return _group(uow, tenant, tree.group_in_scope(value) or value).group_id if value else None

            stored = HierarchySettings(
                default_group=group(change.default_group, current.default_group),
                decommission_group=group(change.decommission_group, current.decommission_group),
                require_authorization=current.require_authorization if change.require_authorization is None
                else change.require_authorization)
            uow.management_groups.save_settings(tenant, stored)
            case.succeeded(target=tree.scope_of(tenant),
                           details={"defaultGroup": stored.default_group, "decommissionGroup": stored.decommission_group,
                                    "requireAuthorization": stored.require_authorization})
            return stored

    # role assignments at group scope ------------------------------------------------------------------
    def assignments(self, *, actor: Principal, group_id: str) -> builtins.list[RoleAssignment]:
        """Assignments at the group and above it (what applies there)."""
        with self._uow(read_only=True) as uow:
            tenant = tenant_of(uow, actor)
            group = _readable(uow, actor, tenant, group_id)
            chain = [group.group_id, *tree.ancestors(group.group_id, uow.management_groups.parents(tenant))]
            return uow.management_groups.assignments(group_ids=chain)

    def assign(self, *, actor: Principal, group_id: str, assignment_id: str, principal_id: str,
               role: Role) -> RoleAssignment:
        with use_case(self._uow, "assignRole", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            group = _group(uow, tenant, group_id)
            if not actor.is_privileged and Role.OWNER not in _roles_at(uow, actor, tenant, group.group_id):
                raise _refused(actor, group, "Microsoft.Authorization/roleAssignments/write")
            if uow.directory.principal_tenant(principal_id) != tenant:
                raise InvalidInput("PrincipalNotFound", f"Principal {principal_id} does not exist in the directory "
                                                        f"{tenant}.", principal_id=principal_id)
            assignment = RoleAssignment(assignment_id.lower(), group.resource_id, role, principal_id.lower())
            uow.management_groups.add_assignment(assignment.assignment_id, group.group_id, role,
                                                 assignment.principal_id, now=uow.now)
            case.succeeded(target=group.resource_id,
                           details={"role": role.value, "principalId": assignment.principal_id})
            return assignment

    def unassign(self, *, actor: Principal, group_id: str, assignment_id: str) -> RoleAssignment | None:
        with use_case(self._uow, "removeRoleAssignment", actor=actor, target=tree.scope_of(group_id)) as case:
            uow = case.uow
            tenant = tenant_of(uow, actor)
            group = _group(uow, tenant, group_id)
            found = next((a for a in uow.management_groups.assignments(group_ids=[group.group_id])
                          if a.assignment_id == assignment_id.lower()), None)
            if found is None:
                return None
            if not actor.is_privileged and Role.OWNER not in _roles_at(uow, actor, tenant, group.group_id):
                raise _refused(actor, group, "Microsoft.Authorization/roleAssignments/delete")
            uow.management_groups.remove_assignment(found.assignment_id)
            case.succeeded(target=group.resource_id, details={"assignmentId": found.assignment_id})
            return found


# what the rest of the core asks, inside its own unit of work ---------------------------------------
def tenant_of(uow: UnitOfWork, actor: Principal) -> str:
    tenant = uow.directory.principal_tenant(actor.principal_id)
    if tenant is not None:
        return tenant
    tenants = uow.directory.list_tenants()
    if actor.is_privileged and len(tenants) == 1:
        return str(tenants[0]["tenant_id"])
    raise InvalidInput("TenantRequired", "Management groups belong to a tenant; this principal has none.")


def group_chain(uow: UnitOfWork, sub: Subscription) -> list[str]:
    """The subscription's group and every group above it, up to the tenant root group."""
    placed = uow.management_groups.placement(sub.subscription_id, sub.tenant_id)
    return [placed, *tree.ancestors(placed, uow.management_groups.parents(sub.tenant_id))]


def inherited_assignments(uow: UnitOfWork, sub: Subscription, principal_id: str) -> list[RoleAssignment]:
    """The principal's assignments at the subscription's groups, restated at the subscription's scope."""
    held = uow.management_groups.assignments(principal_id=principal_id)
    if not held:
        return []
    return tree.inherited(held, group_chain(uow, sub), sub.resource_id)


def subscriptions_through_groups(uow: UnitOfWork, principal_id: str) -> set[str]:
    """The subscriptions below any group where the principal holds a role."""
    held = uow.management_groups.assignments(principal_id=principal_id)
    if not held:
        return set()
    tenant = uow.directory.principal_tenant(principal_id)
    if tenant is None:
        return set()
    parents = uow.management_groups.parents(tenant)
    roots = {tree._key(g) for a in held if (g := tree.group_in_scope(a.scope))}
    covered = [g for g in parents if tree._key(g) in roots
               or any(tree._key(a) in roots for a in tree.ancestors(g, parents))]
    ids = set(uow.management_groups.placed_in(covered))
    if tree._key(tenant) in roots:  # a role at the root reaches the tenant's unplaced subscriptions too
        ids |= {s.subscription_id for s in uow.subscriptions.list(tenant_id=tenant)}
    # a purged subscription keeps its record, but nobody reaches it through a group any more
    return {s.subscription_id for s in uow.subscriptions.list(ids=sorted(ids)) if s.state is not State.DELETED} \
        if ids else set()


def place_new(uow: UnitOfWork, actor: Principal, sub: Subscription, group_id: str | None) -> None:
    """Where a new subscription starts: the group asked for (an alias's managementGroupId), else the
    tenant's default group, else the root (stored as no placement)."""
    wanted = tree.group_in_scope(group_id) or group_id if group_id else None
    target = wanted or uow.management_groups.settings(sub.tenant_id).default_group
    if target is None or tree._key(target) == tree._key(sub.tenant_id):
        return
    group = _group(uow, sub.tenant_id, target)
    if wanted and not actor.is_privileged:
        _require_write(uow, actor, sub.tenant_id, group)
    uow.management_groups.place(sub.subscription_id, group.group_id)


def decommission(uow: UnitOfWork, actor: Principal, sub: Subscription) -> dict[str, Any] | None:
    """A cancel's move to the tenant's decommissioning group, remembering where it came from; the move's
    details, or None when the tenant names no such group (or it is there already)."""
    target = uow.management_groups.settings(sub.tenant_id).decommission_group
    if target is None:
        return None
    current = uow.management_groups.placement(sub.subscription_id, sub.tenant_id)
    if tree._key(current) == tree._key(target):
        return None
    uow.management_groups.place(sub.subscription_id, target, return_to=current)
    details = {"from": current, "to": target, "reason": "decommissioned"}
    record_success(uow, actor=actor, action="moveSubscription", subscription_id=sub.subscription_id,
                   target=tree.scope_of(target), details=details)
    return details


def recommission(uow: UnitOfWork, actor: Principal, sub: Subscription) -> dict[str, Any] | None:
    """Reactivation's move back to the group a cancel took the subscription from (the root if it is gone)."""
    back = uow.management_groups.return_to(sub.subscription_id)
    if back is None:
        return None
    home = uow.management_groups.find(sub.tenant_id, back) or tree.root_of(sub.tenant_id)
    current = uow.management_groups.placement(sub.subscription_id, sub.tenant_id)
    uow.management_groups.place(sub.subscription_id, home.group_id)
    details = {"from": current, "to": home.group_id, "reason": "reactivated"}
    record_success(uow, actor=actor, action="moveSubscription", subscription_id=sub.subscription_id,
                   target=home.resource_id, details=details)
    return details


# helpers -------------------------------------------------------------------------------------------
def _view(uow: UnitOfWork, tenant: str, group: ManagementGroup, *, depth: int | None) -> GroupView:
    """The group with its path from the root, and its children to ``depth`` levels (None: all the way down)."""
    groups = uow.management_groups.all(tenant)
    parents = {g.group_id: g.parent_id for g in groups}
    by_key = {tree._key(g.group_id): g for g in groups}
    children_of: dict[str, list[ManagementGroup]] = {}
    for g in groups:
        if g.parent_id is not None:
            children_of.setdefault(tree._key(g.parent_id), []).append(g)
    subs = [s for s in uow.subscriptions.list(tenant_id=tenant) if s.state is not State.DELETED]
    placed = uow.management_groups.placements([s.subscription_id for s in subs])
    subs_of: dict[str, list[Subscription]] = {}
    for sub in subs:
        subs_of.setdefault(placed.get(sub.subscription_id, tree._key(tenant)), []).append(sub)

    def build(node: ManagementGroup, level: int) -> GroupView:
        deeper = depth is None or level < depth
        kids = [build(c, level + 1) for c in children_of.get(tree._key(node.group_id), [])] if deeper else []
        return GroupView(node, [], kids, subs_of.get(tree._key(node.group_id), []) if deeper else [], None)

    top = build(group, 0)
    path = [by_key[tree._key(a)] for a in reversed(tree.ancestors(group.group_id, parents))]
    return replace(top, path=path, updated=uow.management_groups.audit(group.group_id))


def _display_name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > 90:
        raise InvalidInput("InvalidDisplayName", "A management group's display name has 1 to 90 characters.")
    return name


def _group(uow: UnitOfWork, tenant: str, group_id: str) -> ManagementGroup:
    found = uow.management_groups.find(tenant, group_id)
    if found is None:
        raise tree.not_found(group_id)
    return found


def _subscription_in(uow: UnitOfWork, tenant: str, subscription_id: str) -> Subscription:
    sub = uow.subscriptions.get(subscription_id, for_update=True)
    if sub.tenant_id != tenant or sub.state is State.DELETED:
        raise NotFound("SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")
    return sub


def _roles_at(uow: UnitOfWork, actor: Principal, tenant: str, group_id: str) -> set[Role]:
    if actor.is_privileged:
        return set(Role)
    chain = {tree._key(g) for g in [group_id, *tree.ancestors(group_id, uow.management_groups.parents(tenant))]}
    return {a.role for a in uow.management_groups.assignments(principal_id=actor.principal_id)
            if (g := tree.group_in_scope(a.scope)) and tree._key(g) in chain}


def _readable(uow: UnitOfWork, actor: Principal, tenant: str, group_id: str) -> ManagementGroup:
    group = uow.management_groups.find(tenant, group_id)
    if group is None or not _roles_at(uow, actor, tenant, group.group_id):
        raise tree.not_found(group_id)  # a group you may not read is one you cannot tell exists
    return group


def _refused(actor: Principal, group: ManagementGroup, action: str) -> Forbidden:
    return Forbidden("AuthorizationFailed",
                     f"The client '{actor.name}' with object id '{actor.principal_id}' does not have authorization "
                     f"to perform action '{action}' over scope '{group.resource_id}'.",
                     action=action, scope=group.resource_id, principal=actor.name, principal_id=actor.principal_id)


def _require_write(uow: UnitOfWork, actor: Principal, tenant: str, group: ManagementGroup) -> None:
    if not _roles_at(uow, actor, tenant, group.group_id) & _WRITERS:
        raise _refused(actor, group, "Microsoft.Management/managementGroups/write")


def _move(uow: UnitOfWork, offers: OfferCatalogue, actor: Principal, tenant: str, sub: Subscription,
          group: ManagementGroup) -> None:
    from .access import access_context  # the subscription's own standing (direct and inherited roles)

    current = _group(uow, tenant, uow.management_groups.placement(sub.subscription_id, tenant))
    if tree._key(current.group_id) == tree._key(group.group_id):
        return
    if not actor.is_privileged:
        ctx = access_context(uow, offers, actor, sub)
        if Role.OWNER not in ctx.roles:
            raise Forbidden("AuthorizationFailed",
                            f"The client '{actor.name}' with object id '{actor.principal_id}' must be an Owner of "
                            f"subscription '{sub.subscription_id}' to move it.",
                            action="Microsoft.Management/managementGroups/subscriptions/write",
                            scope=sub.resource_id, principal=actor.name, principal_id=actor.principal_id)
        for end in (group, current):  # write on both ends, except the root (Azure asks nothing there)
            if not end.is_root:
                _require_write(uow, actor, tenant, end)
    uow.management_groups.place(sub.subscription_id, group.group_id)
    record_success(uow, actor=actor, action="moveSubscription", subscription_id=sub.subscription_id,
                   target=group.resource_id, details={"from": current.group_id, "to": group.group_id})
