"""Roles a principal holds through management groups: the reads both the access checks and the group use cases need."""

from __future__ import annotations

from ..domain import management_groups as tree
from ..domain.access import RoleAssignment
from ..domain.lifecycle import State, Subscription
from .unit_of_work import UnitOfWork


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
