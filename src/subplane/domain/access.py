"""Roles, scopes and the one question every edge asks: may principal P do action A at scope S?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .errors import Forbidden
from .offers import ACCOUNT_ADMINISTRATOR, OWNER, Offer


class Role(StrEnum):
    OWNER = "Owner"
    CONTRIBUTOR = "Contributor"
    READER = "Reader"


ROLE_DEFINITION_IDS = {
    Role.OWNER: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    Role.CONTRIBUTOR: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    Role.READER: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
}
ROLE_BY_DEFINITION_ID = {guid: role for role, guid in ROLE_DEFINITION_IDS.items()}


class Action(StrEnum):
    """What a principal wants to do. Values are the ARM action strings the API reports."""

    READ = "*/read"
    WRITE = "*/write"
    DELETE = "*/delete"
    ASSIGN_ROLES = "Microsoft.Authorization/roleAssignments/write"
    CANCEL = "Microsoft.Subscription/cancel/action"
    REACTIVATE = "Microsoft.Subscription/enable/action"
    RENAME = "Microsoft.Subscription/rename/action"
    DELETE_SUBSCRIPTION = "Microsoft.Subscription/delete/action"
    SWITCH_OFFER = "Microsoft.Subscription/switchOffer/action"


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.READER: frozenset({Action.READ}),
    Role.CONTRIBUTOR: frozenset({Action.READ, Action.WRITE, Action.DELETE}),
    Role.OWNER: frozenset({Action.READ, Action.WRITE, Action.DELETE, Action.ASSIGN_ROLES, Action.RENAME}),
}
LIFECYCLE_ACTIONS = frozenset({Action.CANCEL, Action.REACTIVATE, Action.DELETE_SUBSCRIPTION})


class BillingRole(StrEnum):
    """Roles on a billing account, held besides its Account Administrator (stored as data)."""

    OWNER = "BillingAccountOwner"
    SUBSCRIPTION_CREATOR = "AzureSubscriptionCreator"


CREATE_SUBSCRIPTION = "Microsoft.Subscription/aliases/write"


class PrincipalKind(StrEnum):
    USER = "User"
    SERVICE_PRINCIPAL = "ServicePrincipal"
    OPERATOR = "Operator"
    SYSTEM = "System"


@dataclass(frozen=True)
class Principal:
    principal_id: str
    name: str
    kind: PrincipalKind

    @property
    def is_privileged(self) -> bool:
        """The cloud's operator and the background system may do every lifecycle action."""
        return self.kind in (PrincipalKind.OPERATOR, PrincipalKind.SYSTEM)


OPERATOR = Principal("00000000-0000-0000-0000-00000000000a", "operator", PrincipalKind.OPERATOR)
SYSTEM = Principal("00000000-0000-0000-0000-000000000005", "system", PrincipalKind.SYSTEM)


@dataclass(frozen=True)
class RoleAssignment:
    assignment_id: str
    scope: str
    role: Role
    principal_id: str


def scope_covers(assignment_scope: str, target_scope: str) -> bool:
    """True when an assignment at ``assignment_scope`` applies to ``target_scope`` (ARM ids, any case)."""
    outer = assignment_scope.rstrip("/").lower()
    inner = target_scope.rstrip("/").lower()
    return inner == outer or inner.startswith(outer + "/")


def roles_at(principal: Principal, scope: str, assignments: Iterable[RoleAssignment]) -> set[Role]:
    return {a.role for a in assignments if a.principal_id == principal.principal_id and scope_covers(a.scope, scope)}


@dataclass(frozen=True)
class AccessContext:
    """What the rules need to know about a principal's standing towards one subscription."""

    principal: Principal
    roles: frozenset[Role]
    is_account_admin: bool
    offer: Offer


def lifecycle_roles(ctx: AccessContext) -> set[str]:
    held = set()
    if ctx.is_account_admin:
        held.add(ACCOUNT_ADMINISTRATOR)
    if Role.OWNER in ctx.roles:
        held.add(OWNER)
    return held


def is_allowed(ctx: AccessContext, action: Action) -> bool:
    if ctx.principal.is_privileged:
        return True
    if action in LIFECYCLE_ACTIONS:
        may_cancel = bool(lifecycle_roles(ctx) & ctx.offer.cancel_roles)
        if action is Action.REACTIVATE:
            return may_cancel and ctx.offer.self_service_reactivation
        return may_cancel
    if action is Action.SWITCH_OFFER:
        return ctx.is_account_admin
    if ctx.is_account_admin and action in (Action.READ, Action.WRITE, Action.DELETE, Action.RENAME):
        # The Account Administrator is the classic Service Administrator of the account's subscriptions.
        return True
    return any(action in ROLE_ACTIONS[role] for role in ctx.roles)


def may_see_subscription(ctx: AccessContext, *, assigned_within: bool) -> bool:
    """Who sees a subscription's record (the list and the subscription itself): whoever may read it, and
    whoever holds a role anywhere inside it (a Reader of one resource group sees the subscription, as in
    Azure, but reads only what its roles cover)."""
    return is_allowed(ctx, Action.READ) or assigned_within


@dataclass(frozen=True)
class SubscriptionReach:
    """Which subscriptions a principal sees in the list (and may open, ``may_see_subscription``): the one
    statement of that rule. The SQL adapter turns it into the WHERE of a keyset-paged query
    (``SubscriptionRepo.page``); ``reaches`` is the same rule for one subscription.

    A principal sees a subscription when it holds a role assignment anywhere inside it, or administers
    its billing account, or (unless the subscription is deleted) the subscription sits in a management
    group at or below one where the principal holds a role, or belongs to the tenant at whose root group
    the principal holds a role. The operator and the system see every subscription."""

    principal_id: str
    everything: bool = False
    groups: frozenset[str] = frozenset()  # lower-cased keys of the groups whose placed subscriptions it sees
    tenant: str | None = None  # it holds a role at this tenant's root group: every subscription of the tenant
    billing_accounts: frozenset[str] = frozenset()  # the billing accounts it administers

    def reaches(self, *, assigned_within: bool, billing_account_id: str, tenant_id: str, group_key: str | None,
                deleted: bool) -> bool:
        if self.everything or assigned_within or billing_account_id in self.billing_accounts:
            return True
        if deleted:  # a purged subscription keeps its record, but nobody reaches it through a group any more
            return False
        return tenant_id == self.tenant or (group_key is not None and group_key.lower() in self.groups)


def subscription_reach(principal: Principal, *, covered_groups: Iterable[str], root_tenant: str | None,
                       administered: Iterable[str]) -> SubscriptionReach:
    """``covered_groups``: every group at or below one where the principal holds a role
    (``management_groups.covered``); ``root_tenant``: the tenant whose root group is among them."""
    if principal.is_privileged:
        return SubscriptionReach(principal.principal_id, everything=True)
    return SubscriptionReach(principal.principal_id, groups=frozenset(g.lower() for g in covered_groups),
                             tenant=root_tenant, billing_accounts=frozenset(administered))


def authorize(ctx: AccessContext, action: Action, scope: str) -> None:
    if not is_allowed(ctx, action):
        raise Forbidden(
            "AuthorizationFailed",
            f"The client '{ctx.principal.name}' with object id '{ctx.principal.principal_id}' does not have "
            f"authorization to perform action '{action.value}' over scope '{scope}'.",
            action=action.value,
            scope=scope,
            principal=ctx.principal.name,
            principal_id=ctx.principal.principal_id,
        )


def may_create_subscription(principal: Principal, *, is_account_admin: bool, billing_roles: Iterable[str]) -> bool:
    """Sign-up (lifecycle §2): the account administrator; a billing-account owner or subscription creator too."""
    return principal.is_privileged or is_account_admin or any(r in set(BillingRole) for r in billing_roles)


def authorize_create_subscription(principal: Principal, *, is_account_admin: bool, billing_roles: Iterable[str],
                                  scope: str) -> None:
    if not may_create_subscription(principal, is_account_admin=is_account_admin, billing_roles=billing_roles):
        raise Forbidden(
            "AuthorizationFailed",
            f"The client '{principal.name}' with object id '{principal.principal_id}' may not create subscriptions "
            f"on billing scope '{scope}': only its Account Administrator or a billing-account owner may.",
            action=CREATE_SUBSCRIPTION, scope=scope, principal=principal.name, principal_id=principal.principal_id,
        )


ADVANCE_CLOCK = "Subplane/clock/advance"
CLOCK_WRITE_ROLES = frozenset({Role.OWNER, Role.CONTRIBUTOR})


def may_advance_clock(principal: Principal, *, is_account_admin: bool, roles: Iterable[Role]) -> bool:
    """The emulator's clock is shared by every subscription: moving it changes what others are billed, so it
    takes a role that may change things somewhere (an Account Administrator, Owner or Contributor), never
    Reader alone."""
    return principal.is_privileged or is_account_admin or any(role in CLOCK_WRITE_ROLES for role in roles)


def authorize_advance_clock(principal: Principal, *, is_account_admin: bool, roles: Iterable[Role]) -> None:
    if not may_advance_clock(principal, is_account_admin=is_account_admin, roles=roles):
        raise Forbidden(
            "ClockAdvanceNotAllowed",
            f"The client '{principal.name}' with object id '{principal.principal_id}' may not move the emulator's "
            "clock: it is shared by every subscription, so it takes an Account Administrator, an Owner or a "
            "Contributor; a Reader only reads it.",
            action=ADVANCE_CLOCK, principal=principal.name, principal_id=principal.principal_id,
        )
