"""Roles a principal holds through management groups: the reads both the access checks and the group use cases need."""

from __future__ import annotations

from ..domain import management_groups as tree
from ..domain.access import RoleAssignment
from ..domain.lifecycle import Subscription
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


def group_reach(uow: UnitOfWork, principal_id: str) -> tuple[set[str], str | None]:
    """The groups at or below any group where the principal holds a role, and its tenant when one of them
    is the tenant root group (``domain.access.subscription_reach`` says what that lets it see)."""
    held = uow.management_groups.assignments(principal_id=principal_id)
    if not held:
        return set(), None
    tenant = uow.directory.principal_tenant(principal_id)
    if tenant is None:
        return set(), None
    covered = tree.covered([g for a in held if (g := tree.group_in_scope(a.scope))],
                           uow.management_groups.parents(tenant))
    return covered, tenant if tree._key(tenant) in {tree._key(g) for g in covered} else None
