"""Read-only questions the pages ask that no service answers as one call. No rules live here:
access is checked by the services (``subscriptions.get`` first), and what is possible in a state is
asked of the domain's transition table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..domain.access import Action, Principal, Role
from ..domain.lifecycle import LifecycleAction, Outcome, Subscription, find_rule
from ..domain.resources import PowerState, Resource, ResourceType
from ..services.access import access_context

STATE_ACTIONS = {
    "cancel": LifecycleAction.CANCEL,
    "reactivate": LifecycleAction.REACTIVATE,
    "delete": LifecycleAction.DELETE,
    "rename": LifecycleAction.RENAME,
    "switch_offer": LifecycleAction.SWITCH_OFFER,
}
PERMISSIONS = {
    "cancel": Action.CANCEL,
    "reactivate": Action.REACTIVATE,
    "delete": Action.DELETE_SUBSCRIPTION,
    "rename": Action.RENAME,
    "switch_offer": Action.SWITCH_OFFER,
}


def possible_in_state(sub: Subscription, action: str) -> bool:
    """True when the lifecycle table has a rule that changes something for this action in this state."""
    rule = find_rule(sub.state, sub.state_reason, STATE_ACTIONS[action])
    return rule is not None and rule.outcome is not Outcome.SAME


def actions_for(app, actor: Principal, sub: Subscription) -> dict[str, bool]:
    """Each lifecycle action: may this user take it now (allowed for them and possible in the state)?"""
    allowed = app.subscriptions.allowed_actions(actor=actor, ref=sub.subscription_id)
    return {name: PERMISSIONS[name] in allowed and possible_in_state(sub, name) for name in STATE_ACTIONS}


@dataclass(frozen=True)
class Standing:
    """The signed-in user's roles towards one subscription, and its billing account."""

    roles: list[str]
    account_name: str
    account_currency: str
    account_language: str


def standing(app, actor: Principal, sub: Subscription) -> Standing:
    with app.uow(read_only=True) as uow:
        ctx = access_context(uow, app.offers, actor, sub)
        account = uow.directory.get_billing_account(sub.billing_account_id)
    roles = (["AccountAdministrator"] if ctx.is_account_admin else []) + sorted(
        r.value for r in ctx.roles if isinstance(r, Role))
    return Standing(roles, account.name, account.currency, account.language)


def account_language(app, actor: Principal) -> str | None:
    """The language of the first billing account among the subscriptions the user can see."""
    subs = app.subscriptions.list(actor=actor)
    if not subs:
        return None
    with app.uow(read_only=True) as uow:
        return uow.directory.get_billing_account(subs[0].billing_account_id).language


def display_name(app, upn: str) -> str:
    with app.uow(read_only=True) as uow:
        for user in uow.directory.list_users():
            if user.get("user_principal_name", "").lower() == upn.lower():
                return user.get("display_name") or upn
    return upn


def activity(app, actor: Principal, sub: Subscription, limit: int = 100) -> list[dict]:
    if hasattr(app.subscriptions, "activity"):
        return app.subscriptions.activity(actor=actor, ref=sub.subscription_id, limit=limit)[1]
    app.subscriptions.get(actor=actor, ref=sub.subscription_id)  # the read check
    with app.uow(read_only=True) as uow:
        return uow.activity.list(subscription_id=sub.subscription_id, limit=limit)


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


# billing (issue: billing helper) -------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    currency: str
    period_start: Any
    period_end: Any
    invoice_date: Any
    charges: Decimal
    credits_remaining: Decimal
    daily: list[tuple[date, str, Decimal]]


def _field(source, name: str, default=None):
    if isinstance(source, dict):
        return source.get(name, default)
    return getattr(source, name, default)


def billing(app):
    """The billing service when this build has one, else ``None`` (pages then say "not available")."""
    return getattr(app, "billing", None)


def estimate(app, actor: Principal, sub: Subscription) -> Estimate | None:
    service = billing(app)
    if service is None or not hasattr(service, "estimate"):
        return None
    raw = service.estimate(actor=actor, ref=sub.subscription_id)
    if raw is None:
        return None
    daily = [(d, str(m), Decimal(str(a))) for d, m, a in (_field(raw, "daily") or [])]
    return Estimate(_field(raw, "currency"), _field(raw, "period_start"), _field(raw, "period_end"),
                    _field(raw, "invoice_date"), Decimal(str(_field(raw, "charges", 0))),
                    Decimal(str(_field(raw, "credits_remaining", 0))), daily)


@dataclass(frozen=True)
class PaymentNotice:
    """Why a subscription is warned, past due or disabled for non-payment, and what settles it."""

    reason: str  # PastDue, NonPayment, PaymentOverdueSoon, CreditNearlyUsed
    open_total: Decimal
    currency: str
    disabled_on: date | None  # PastDue: the day the grace period ends
    may_settle: bool


def payment_notice(app, actor: Principal, sub: Subscription) -> PaymentNotice | None:
    service = billing(app)
    reason = sub.state_reason.value if sub.state_reason else sub.state.value
    if service is None or reason not in ("PastDue", "NonPayment", "PaymentOverdueSoon", "CreditNearlyUsed"):
        return None
    # past due, disabled and settled are per billing account (a sibling's invoice makes this one past due,
    # and Settle pays them all): the account's open invoices this reader may see
    unpaid = [i for i in service.list_invoices(actor=actor)
              if i.billing_account_id == sub.billing_account_id and i.status in ("Due", "PastDue")]
    late = [i.due_date for i in unpaid if i.status == "PastDue"]
    # the runner disables at 00:00 the day after (due + grace): the last day settling still helps is due + grace
    grace = timedelta(days=service.prices.grace_period_days)
    with app.uow(read_only=True) as uow:
        may_settle = access_context(uow, app.offers, actor, sub).is_account_admin
        currency = uow.directory.get_billing_account(sub.billing_account_id).currency
    return PaymentNotice(reason, sum((i.total for i in unpaid), Decimal("0.00")), currency,
                         min(late) + grace if late and reason == "PastDue" else None,
                         may_settle and reason != "CreditNearlyUsed" and bool(unpaid))