"""Management groups: a tree per tenant above its subscriptions, as Azure keeps it.

The tenant root group has the tenant's id and holds every group and subscription not placed elsewhere;
a subscription sits in exactly one group; the tree is at most six levels deep below the root (the root and
the subscriptions not counted). Role assignments at a group apply to everything below it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .access import RoleAssignment
from .errors import Conflict, InvalidInput, NotFound

MAX_DEPTH = 6  # levels of groups below the tenant root group
ROOT_DISPLAY_NAME = "Tenant Root Group"
SCOPE_PREFIX = "/providers/Microsoft.Management/managementGroups/"
_NAME = re.compile(r"^[A-Za-z0-9\-_().]{1,90}$")


@dataclass(frozen=True)
class ManagementGroup:
    group_id: str
    tenant_id: str
    display_name: str
    parent_id: str | None  # None only for the tenant root group

    @property
    def resource_id(self) -> str:
        return scope_of(self.group_id)

    @property
    def is_root(self) -> bool:
        return self.parent_id is None


@dataclass(frozen=True)
class HierarchySettings:
    """A tenant's settings: where new subscriptions go, and where a cancelled one moves (decommissioning;
    back to where it was on reactivation). None: the root, and no move."""

    default_group: str | None = None
    decommission_group: str | None = None
    require_authorization: bool = False


def scope_of(group_id: str) -> str:
    return f"{SCOPE_PREFIX}{group_id}"


def group_in_scope(scope: str) -> str | None:
    """The group id of a management-group scope (any case), else None."""
    if scope.lower().startswith(SCOPE_PREFIX.lower()):
        rest = scope[len(SCOPE_PREFIX):].strip("/")
        return rest if rest and "/" not in rest else None
    return None


def check_name(name: str) -> None:
    if not _NAME.match(name) or name.endswith("."):
        raise InvalidInput("InvalidManagementGroupName",
                           f"The management group name '{name}' is invalid: up to 90 letters, digits, '-', '_', "
                           "'(', ')' and '.', not ending with '.'.", name=name)


def root_of(tenant_id: str) -> ManagementGroup:
    return ManagementGroup(tenant_id, tenant_id, ROOT_DISPLAY_NAME, None)


def ancestors(group_id: str, parents: Mapping[str, str | None]) -> list[str]:
    """The group's ancestors, nearest first, up to the root."""
    chain: list[str] = []
    current = parents.get(group_id)
    while current is not None:
        chain.append(current)
        current = parents.get(current)
    return chain


def _key(group_id: str) -> str:
    return group_id.lower()


def covered(held: Iterable[str], parents: Mapping[str, str | None]) -> set[str]:
    """The groups of the tree ``parents`` at or below any group of ``held`` (a role there reaches them)."""
    roots = {_key(g) for g in held}
    return {g for g in parents if _key(g) in roots or any(_key(a) in roots for a in ancestors(g, parents))}


def depth(group_id: str, parents: Mapping[str, str | None]) -> int:
    """0 for the root, 1 for its children, ..."""
    return len(ancestors(group_id, parents))


def subtree_height(group_id: str, parents: Mapping[str, str | None]) -> int:
    """How many levels of groups lie below ``group_id`` (0 for a leaf)."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(_key(parent), []).append(child)

    def height(node: str) -> int:
        below = children.get(_key(node), [])
        return 1 + max(height(c) for c in below) if below else 0

    return height(group_id)


def check_placement(group_id: str, new_parent: str, parents: Mapping[str, str | None]) -> None:
    """May ``group_id`` (with everything below it) sit under ``new_parent``? No cycles, no deeper than MAX_DEPTH."""
    if _key(new_parent) == _key(group_id) or _key(group_id) in {_key(a) for a in ancestors(new_parent, parents)}:
        raise InvalidInput("InvalidParentManagementGroup",
                           f"The management group '{group_id}' cannot be moved under itself or one of its "
                           f"descendants ('{new_parent}').", group=group_id, parent=new_parent)
    if depth(new_parent, parents) + 1 + subtree_height(group_id, parents) > MAX_DEPTH:
        raise InvalidInput("ManagementGroupDepthLimitExceeded",
                           f"Placing '{group_id}' under '{new_parent}' would make the hierarchy deeper than "
                           f"{MAX_DEPTH} levels below the root.", group=group_id, parent=new_parent)


def check_deletable(group: ManagementGroup, *, child_groups: int, subscriptions: int) -> None:
    if group.is_root:
        raise InvalidInput("RootManagementGroupCannotBeDeleted", "The tenant root group cannot be deleted.")
    if child_groups or subscriptions:
        raise Conflict("ManagementGroupHasChildren",
                       f"The management group '{group.group_id}' still holds {child_groups} group(s) and "
                       f"{subscriptions} subscription(s); move or delete them first.", group=group.group_id)


def not_found(group_id: str) -> NotFound:
    return NotFound("ManagementGroupNotFound", f"The management group '{group_id}' was not found.", group=group_id)


def inherited(assignments: Iterable[RoleAssignment], group_chain: Iterable[str], target_scope: str) -> list[RoleAssignment]:
    """Assignments at any group of ``group_chain`` (a subscription's group and its ancestors), restated at
    ``target_scope`` so the usual scope rules see them as covering it and everything inside."""
    chain = {_key(g) for g in group_chain}
    out = []
    for assignment in assignments:
        group = group_in_scope(assignment.scope)
        if group is not None and _key(group) in chain:
            out.append(RoleAssignment(assignment.assignment_id, target_scope, assignment.role, assignment.principal_id))
    return out
