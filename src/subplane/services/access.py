"""Load what the access rules need for one principal and one subscription, then ask the domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..adapters.db.arm_repo import BillingRoleRepo
from ..adapters.db.coordination_repo import AccessVersionRepo
from ..adapters.db.directory_repo import BillingAccount
from ..domain.access import (
    AccessContext,
    Action,
    Principal,
    SubscriptionReach,
    authorize,
    authorize_advance_clock,
    authorize_create_subscription,
    is_allowed,
    may_advance_clock,
    may_create_subscription,
    may_see_subscription,
    roles_at,
    subscription_reach,
)
from ..domain.lifecycle import Subscription
from ..domain.offers import OfferCatalogue
from .group_roles import group_reach, inherited_assignments
from .unit_of_work import UnitOfWork


def _standing(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription) -> tuple[AccessContext, list[Any]]:
    """The principal's context at the subscription's scope, and its role assignments anywhere inside it."""
    assignments, is_account_admin = _held(uow, principal, sub)
    ctx = AccessContext(
        principal=principal,
        roles=frozenset(roles_at(principal, sub.resource_id, assignments)),
        is_account_admin=is_account_admin,
        offer=offers.get(sub.offer_id),
    )
    return ctx, assignments


def _held(uow: UnitOfWork, principal: Principal, sub: Subscription) -> tuple[list[Any], bool]:
    """The principal's assignments at and inside the subscription (its management groups' restated there) and whether
    it administers the subscription's billing account, kept in the access cache under the access token read first
    (``services/access_cache.py``). On PostgreSQL a unit of work that writes reads them afresh: its own changes move
    the token only as it commits. SQLite's triggers move it at once, inside the writer's transaction."""
    cache, token = uow.access_cache, None
    key = (principal.principal_id, sub.subscription_id, sub.tenant_id, sub.billing_account_id)
    if cache is not None and (uow.read_only or uow.engine.dialect.name == "sqlite"):
        token = AccessVersionRepo(uow.conn).token()
        found = cache.get(key, token) if token is not None else None
        if found is not None:
            return list(found[0]), found[1]
    assignments = uow.directory.role_assignments(subscription_id=sub.subscription_id, principal_id=principal.principal_id)
    assignments += inherited_assignments(uow, sub, principal.principal_id)  # roles at its management groups
    is_account_admin = uow.directory.get_billing_account(sub.billing_account_id).admin_user_id == principal.principal_id
    if cache is not None and token is not None:
        cache.put(key, token, (tuple(assignments), is_account_admin))
    return assignments, is_account_admin


def _at(ctx: AccessContext, assignments: list[Any], scope: str) -> AccessContext:
    return replace(ctx, roles=frozenset(roles_at(ctx.principal, scope, assignments)))


def access_context(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription,
                   scope: str | None = None) -> AccessContext:
    ctx, assignments = _standing(uow, offers, principal, sub)
    return ctx if scope is None else _at(ctx, assignments, scope)


def require(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription, action: Action,
            scope: str | None = None) -> None:
    authorize(access_context(uow, offers, principal, sub, scope), action, scope or sub.resource_id)


def _visible(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription) -> tuple[AccessContext, list[Any]]:
    ctx, assignments = _standing(uow, offers, principal, sub)
    if not may_see_subscription(ctx, assigned_within=bool(assignments)):
        authorize(ctx, Action.READ, sub.resource_id)  # raises the usual AuthorizationFailed
    return ctx, assignments


def require_visible(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription) -> None:
    """The subscription's record: readable by whoever sees it in the list (``visible_subscription_ids``)."""
    _visible(uow, offers, principal, sub)


def readable(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription) -> Callable[[str], bool]:
    """Refused unless ``sub`` is visible (``require_visible``); then which scopes inside it the principal may
    read, from one load of its assignments for the whole list."""
    ctx, assignments = _visible(uow, offers, principal, sub)
    if is_allowed(ctx, Action.READ):
        return lambda scope: True
    return lambda scope: is_allowed(_at(ctx, assignments, scope), Action.READ)


def allowed_actions(uow: UnitOfWork, offers: OfferCatalogue, principal: Principal, sub: Subscription) -> set[Action]:
    ctx = access_context(uow, offers, principal, sub)
    return {action for action in Action if is_allowed(ctx, action)}


def reach(uow: UnitOfWork, principal: Principal) -> SubscriptionReach:
    """What the principal's role assignments, groups and billing accounts let it see (``SubscriptionReach``)."""
    if principal.is_privileged:
        return subscription_reach(principal, covered_groups=(), root_tenant=None, administered=())
    covered, root_tenant = group_reach(uow, principal.principal_id)
    return subscription_reach(principal, covered_groups=covered, root_tenant=root_tenant,
                              administered=uow.directory.billing_accounts_administered_by(principal.principal_id))


def visible_subscription_ids(uow: UnitOfWork, principal: Principal) -> set[str] | None:
    """``None`` means every subscription (operator and system)."""
    if principal.is_privileged:
        return None
    return uow.subscriptions.reached_ids(reach(uow, principal))


def billing_scope_id(billing_account_id: str) -> str:
    return f"/providers/Microsoft.Billing/billingAccounts/{billing_account_id}"


def _create_standing(uow: UnitOfWork, principal: Principal, account: BillingAccount) -> dict[str, Any]:
    return {"is_account_admin": account.admin_user_id == principal.principal_id,
            "billing_roles": BillingRoleRepo(uow.conn).roles_of(account.billing_account_id, principal.principal_id)}


def may_create_on(uow: UnitOfWork, principal: Principal, account: BillingAccount) -> bool:
    return may_create_subscription(principal, **_create_standing(uow, principal, account))


def require_create(uow: UnitOfWork, principal: Principal, account: BillingAccount) -> None:
    """Who may create subscriptions on a billing account (``directory_repo.BillingAccount``)."""
    authorize_create_subscription(principal, **_create_standing(uow, principal, account),
                                  scope=billing_scope_id(account.billing_account_id))


def _clock_standing(uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    """Every role the principal holds anywhere (subscriptions, groups within them, management groups)."""
    roles = {a.role for a in uow.directory.role_assignments(principal_id=principal.principal_id)}
    roles |= {a.role for a in uow.management_groups.assignments(principal_id=principal.principal_id)}
    return {"is_account_admin": bool(uow.directory.billing_accounts_administered_by(principal.principal_id)),
            "roles": roles}


def may_advance_clock_for(uow: UnitOfWork, principal: Principal) -> bool:
    return principal.is_privileged or may_advance_clock(principal, **_clock_standing(uow, principal))


def require_advance_clock(uow: UnitOfWork, principal: Principal) -> None:
    if not principal.is_privileged:
        authorize_advance_clock(principal, **_clock_standing(uow, principal))
