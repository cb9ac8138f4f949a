"""The subscription state machine: one transition table and one function per action.

Every edge (ARM API, portal, CLI, jobs) goes through these functions. Each returns a ``Decision``:
the subscription after the action, the resource effects to apply, and the event to record. A
``Decision`` with ``changed=False`` is an idempotent repeat: same result, nothing recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .access import Action
from .errors import Conflict, InvalidInput
from .offers import Offer
from .resources import DISABLE_EFFECTS, ENABLE_EFFECTS, FieldEffect
from .text import unstorable_character


class State(StrEnum):
    ENABLED = "Enabled"
    WARNED = "Warned"
    PAST_DUE = "PastDue"
    DISABLED = "Disabled"
    DELETED = "Deleted"


class Reason(StrEnum):
    CANCELLED = "Cancelled"
    SPENDING_LIMIT_REACHED = "SpendingLimitReached"
    CREDIT_EXPIRED = "CreditExpired"
    NON_PAYMENT = "NonPayment"
    DISABLED_BY_OPERATOR = "DisabledByOperator"
    DELETED_BY_OWNER = "DeletedByOwner"
    RETENTION_EXPIRED = "RetentionExpired"
    DELETED_BY_OPERATOR = "DeletedByOperator"
    CREDIT_NEARLY_USED = "CreditNearlyUsed"  # Warned
    PAYMENT_OVERDUE_SOON = "PaymentOverdueSoon"  # Warned


class LifecycleAction(StrEnum):
    CANCEL = "cancel"
    SCHEDULE_CANCEL = "scheduleCancel"  # a cancel that runs by itself at a later moment
    REACTIVATE = "reactivate"
    DELETE = "delete"
    RENAME = "rename"
    EXPIRE_RETENTION = "expireRetention"
    REACH_SPENDING_LIMIT = "reachSpendingLimit"
    EXPIRE_CREDIT = "expireCredit"
    LIFT_SPENDING_LIMIT = "liftSpendingLimit"
    MARK_PAST_DUE = "markPastDue"
    SETTLE = "settle"
    DISABLE_FOR_NON_PAYMENT = "disableForNonPayment"
    SWITCH_OFFER = "switchOffer"
    WARN_CREDIT_NEARLY_USED = "warnCreditNearlyUsed"
    WARN_PAYMENT_OVERDUE_SOON = "warnPaymentOverdueSoon"
    CLEAR_WARNING = "clearWarning"
    RENEW_CREDIT = "renewCredit"  # a new billing period brings a renewing credit back


class Outcome(StrEnum):
    CHANGE = "change"  # move to ``to_state`` / ``to_reason`` and apply ``effects``
    SAME = "same"  # idempotent repeat: same result, nothing recorded
    KEEP = "keep"  # allowed, state unchanged (rename, offer switch)


class Effect(StrEnum):
    NONE = "none"
    DISABLE = "disable"
    ENABLE = "enable"
    PURGE = "purge"


EFFECT_FIELDS: dict[Effect, tuple[FieldEffect, ...]] = {
    Effect.NONE: (),
    Effect.DISABLE: DISABLE_EFFECTS,
    Effect.ENABLE: ENABLE_EFFECTS,
    Effect.PURGE: (),
}


@dataclass(frozen=True)
class Rule:
    state: State
    reason: Reason | None  # None: any reason (or none) in that state
    action: LifecycleAction
    outcome: Outcome
    to_state: State | None = None
    to_reason: Reason | None = None
    effect: Effect = Effect.NONE


E, W, P, D, X = State.ENABLED, State.WARNED, State.PAST_DUE, State.DISABLED, State.DELETED
A, R_ = LifecycleAction, Reason
C, S, K = Outcome.CHANGE, Outcome.SAME, Outcome.KEEP

# The whole state machine. Any (state, reason, action) not listed is refused with ``InvalidStateTransition``.
TRANSITIONS: tuple[Rule, ...] = (
    *(Rule(s, None, A.CANCEL, C, D, R_.CANCELLED, Effect.DISABLE) for s in (E, W, P)),
    Rule(D, R_.CANCELLED, A.CANCEL, S),
    *(Rule(s, None, A.SCHEDULE_CANCEL, K) for s in (E, W, P)),
    Rule(D, R_.CANCELLED, A.REACTIVATE, C, E, None, Effect.ENABLE),
    Rule(E, None, A.REACTIVATE, S),
    Rule(W, None, A.REACTIVATE, S),
    Rule(D, R_.CANCELLED, A.DELETE, C, X, R_.DELETED_BY_OWNER, Effect.PURGE),
    Rule(D, R_.CANCELLED, A.EXPIRE_RETENTION, C, X, R_.RETENTION_EXPIRED, Effect.PURGE),
    *(Rule(s, None, A.RENAME, K) for s in (E, W, P, D)),
    *(Rule(s, None, A.REACH_SPENDING_LIMIT, C, D, R_.SPENDING_LIMIT_REACHED, Effect.DISABLE) for s in (E, W)),
    *(Rule(s, None, A.EXPIRE_CREDIT, C, D, R_.CREDIT_EXPIRED, Effect.DISABLE) for s in (E, W)),
    Rule(D, R_.SPENDING_LIMIT_REACHED, A.LIFT_SPENDING_LIMIT, C, E, None, Effect.ENABLE),
    Rule(D, R_.CREDIT_EXPIRED, A.LIFT_SPENDING_LIMIT, C, E, None, Effect.ENABLE),
    *(Rule(s, None, A.MARK_PAST_DUE, C, P) for s in (E, W)),
    Rule(P, None, A.SETTLE, C, E),
    Rule(D, R_.NON_PAYMENT, A.SETTLE, C, E, None, Effect.ENABLE),
    Rule(P, None, A.DISABLE_FOR_NON_PAYMENT, C, D, R_.NON_PAYMENT, Effect.DISABLE),
    Rule(E, None, A.SWITCH_OFFER, K),
    # Warned: usable and billed like Enabled; the first warning holds until its condition clears.
    Rule(E, None, A.WARN_CREDIT_NEARLY_USED, C, W, R_.CREDIT_NEARLY_USED),
    Rule(W, None, A.WARN_CREDIT_NEARLY_USED, S),
    Rule(E, None, A.WARN_PAYMENT_OVERDUE_SOON, C, W, R_.PAYMENT_OVERDUE_SOON),
    Rule(W, None, A.WARN_PAYMENT_OVERDUE_SOON, S),
    Rule(W, None, A.CLEAR_WARNING, C, E),
    Rule(E, None, A.CLEAR_WARNING, S),
    # A new billing period with a renewing credit (lifecycle.md §2: "new billing period").
    Rule(D, R_.SPENDING_LIMIT_REACHED, A.RENEW_CREDIT, C, E, None, Effect.ENABLE),
    Rule(W, R_.CREDIT_NEARLY_USED, A.RENEW_CREDIT, C, E),
    Rule(W, None, A.RENEW_CREDIT, S),
    Rule(E, None, A.RENEW_CREDIT, S),
)


def find_rule(state: State, reason: Reason | None, action: LifecycleAction) -> Rule | None:
    for rule in TRANSITIONS:
        if rule.state == state and rule.action == action and (rule.reason is None or rule.reason == reason):
            return rule
    return None


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    display_name: str
    tenant_id: str
    billing_account_id: str
    offer_id: str
    state: State
    state_reason: Reason | None
    created_at: datetime
    cancelled_at: datetime | None = None
    deletion_date: datetime | None = None
    cancellation_reason: str | None = None
    cancelled_by: str | None = None
    state_changed_at: datetime | None = None

    @property
    def resource_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}"


@dataclass(frozen=True)
class Decision:
    before: Subscription
    after: Subscription
    rule: Rule

    @property
    def changed(self) -> bool:
        return self.rule.outcome is not Outcome.SAME

    @property
    def effects(self) -> tuple[FieldEffect, ...]:
        return EFFECT_FIELDS[self.rule.effect] if self.rule.outcome is Outcome.CHANGE else ()

    @property
    def purges(self) -> bool:
        return self.rule.outcome is Outcome.CHANGE and self.rule.effect is Effect.PURGE


def _rule_for(sub: Subscription, action: LifecycleAction) -> Rule:
    rule = find_rule(sub.state, sub.state_reason, action)
    if rule is None:
        where = sub.state.value + (f" ({sub.state_reason.value})" if sub.state_reason else "")
        raise Conflict(
            "InvalidStateTransition",
            f"Subscription '{sub.display_name}' is {where}; '{action.value}' is not possible in that state.",
            state=sub.state.value,
            reason=sub.state_reason.value if sub.state_reason else None,
            action=action.value,
        )
    return rule


def _transition(sub: Subscription, action: LifecycleAction, now: datetime, **changes: Any) -> Decision:
    rule = _rule_for(sub, action)
    if rule.outcome is Outcome.SAME:
        return Decision(sub, sub, rule)
    after = sub
    if rule.outcome is Outcome.CHANGE:
        assert rule.to_state is not None, rule  # the table gives every CHANGE rule its state (test_lifecycle_table)
        after = replace(sub, state=rule.to_state, state_reason=rule.to_reason, state_changed_at=now)
    return Decision(sub, replace(after, **changes), rule)


def new_subscription(
    *, subscription_id: str, display_name: str, tenant_id: str, billing_account_id: str, offer: Offer, now: datetime
) -> Subscription:
    require_display_name(display_name)
    return Subscription(
        subscription_id=subscription_id,
        display_name=display_name.strip(),
        tenant_id=tenant_id,
        billing_account_id=billing_account_id,
        offer_id=offer.offer_id,
        state=State.ENABLED,
        state_reason=None,
        created_at=now,
        state_changed_at=now,
    )


def require_display_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("InvalidSubscriptionName", "A subscription name must not be empty.")
    if len(name) > 64:
        raise InvalidInput("InvalidSubscriptionName", "A subscription name may be at most 64 characters long.")
    if unstorable_character(name) or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise InvalidInput("InvalidSubscriptionName", "A subscription name must not contain control characters or "
                                                      "lone surrogates.")


def cancel(
    sub: Subscription,
    *,
    offer: Offer,
    now: datetime,
    reason: str,
    actor: str,
    resource_count: int,
    turn_off_resources: bool,
) -> Decision:
    rule = _rule_for(sub, LifecycleAction.CANCEL)
    if rule.outcome is Outcome.SAME:
        return Decision(sub, sub, rule)
    if not reason or not reason.strip():
        raise InvalidInput("CancellationReasonRequired", "A reason for cancelling is required.")
    if resource_count and not turn_off_resources:
        raise Conflict(
            "ResourcesExistingOnSubscription",
            f"Subscription '{sub.display_name}' still has {resource_count} resource(s). Confirm that they may be "
            "turned off (CLI: --turn-off-resources, API: IgnoreResourceCheck=true) or delete them first.",
            resource_count=resource_count,
        )
    return _transition(
        sub,
        LifecycleAction.CANCEL,
        now,
        cancelled_at=now,
        deletion_date=now + timedelta(days=offer.retention_days),
        cancellation_reason=reason.strip(),
        cancelled_by=actor,
    )


def schedule_cancel(sub: Subscription, *, at: datetime, now: datetime, reason: str) -> Decision:
    """A cancel that runs by itself at ``at``; the state stays as it is until then, and at ``at`` the
    cancel's own rules decide (``cancel``)."""
    rule = _rule_for(sub, LifecycleAction.SCHEDULE_CANCEL)
    if not reason or not reason.strip():
        raise InvalidInput("CancellationReasonRequired", "A reason for cancelling is required.")
    if at <= now:
        raise InvalidInput("ScheduledCancelNotInFuture",
                           f"A scheduled cancel needs a moment after now ({now.isoformat()}), not {at.isoformat()}.")
    return Decision(sub, sub, rule)


def reactivate(sub: Subscription, *, offer: Offer, now: datetime) -> Decision:
    # The cancellation is over: its instant, reason and actor stay in the activity log, not on the record.
    decision = _transition(sub, LifecycleAction.REACTIVATE, now, deletion_date=None, cancelled_at=None,
                           cancellation_reason=None, cancelled_by=None)
    if decision.changed and sub.deletion_date is not None and now >= sub.deletion_date:
        raise Conflict("RetentionExpired", "The retention period has ended; the subscription can no longer be reactivated.")
    return decision


@dataclass(frozen=True)
class DeleteCheck:
    """One condition of the delete checklist (the portal shows each with a check mark)."""

    code: str
    met: bool
    message: str


def delete_checklist(
    sub: Subscription, *, offer: Offer, now: datetime, resource_count: int, confirm_name: str | None
) -> list[DeleteCheck]:
    earliest = earliest_delete(sub, offer) or now + _delete_wait(offer)
    return [
        DeleteCheck(
            "DeleteTooSoon",
            now >= earliest,
            f"At least {offer.delete_min_wait_minutes} minutes must pass after cancelling "
            f"(possible from {earliest.isoformat()}).",
        ),
        DeleteCheck(
            "ResourcesExistingOnSubscription",
            resource_count == 0,
            f"All resources must be deleted first ({resource_count} left).",
        ),
        DeleteCheck(
            "ConfirmationNameMismatch",
            confirm_name == sub.display_name,
            f"The confirmation must be the subscription's exact name, '{sub.display_name}'.",
        ),
    ]


def delete(
    sub: Subscription, *, offer: Offer, now: datetime, resource_count: int, confirm_name: str | None
) -> Decision:
    _rule_for(sub, LifecycleAction.DELETE)
    unmet = [c for c in delete_checklist(sub, offer=offer, now=now, resource_count=resource_count, confirm_name=confirm_name) if not c.met]
    if unmet:
        raise Conflict(
            unmet[0].code,
            "The subscription was not deleted: " + " ".join(c.message for c in unmet),
            unmet=[c.code for c in unmet],
        )
    return _transition(sub, LifecycleAction.DELETE, now, deletion_date=now)


def rename(sub: Subscription, *, new_name: str, now: datetime) -> Decision:
    require_display_name(new_name)
    decision = _transition(sub, LifecycleAction.RENAME, now, display_name=new_name.strip())
    return decision


def expire_retention(sub: Subscription, *, now: datetime) -> Decision:
    if sub.deletion_date is None or now < sub.deletion_date:
        raise Conflict("RetentionNotOver", "The retention period of this subscription has not ended yet.")
    return _transition(sub, LifecycleAction.EXPIRE_RETENTION, now)


def system_transition(sub: Subscription, action: LifecycleAction, *, now: datetime) -> Decision:
    """Billing-driven transitions (spending limit, credit expiry and renewal, warnings, past due, settle)."""
    return _transition(sub, action, now)


def ensure_writable(sub: Subscription) -> None:
    """Writes (PUT/PATCH/POST on resources) are refused unless the subscription accepts them."""
    if sub.state is State.DISABLED:
        raise Conflict(
            "ReadOnlyDisabledSubscription",
            f"The subscription '{sub.subscription_id}' is disabled and therefore marked as read only. "
            "You cannot perform any write actions on this subscription until it is re-enabled.",
            subscription_id=sub.subscription_id,
        )
    ensure_not_deleted(sub)


def ensure_not_deleted(sub: Subscription) -> None:
    if sub.state is State.DELETED:
        raise Conflict(
            "SubscriptionDeleted",
            f"The subscription '{sub.subscription_id}' has been deleted; only its record and invoices remain.",
            subscription_id=sub.subscription_id,
        )



# What a person may ask of a subscription: each lifecycle action and the permission it needs ---------------
USER_ACTIONS: dict[LifecycleAction, Action] = {
    LifecycleAction.CANCEL: Action.CANCEL,
    LifecycleAction.REACTIVATE: Action.REACTIVATE,
    LifecycleAction.DELETE: Action.DELETE_SUBSCRIPTION,
    LifecycleAction.RENAME: Action.RENAME,
    LifecycleAction.SWITCH_OFFER: Action.SWITCH_OFFER,
}


def possible(sub: Subscription, action: LifecycleAction) -> bool:
    """True when the transition table has a rule that changes something for ``action`` in the subscription's state."""
    rule = find_rule(sub.state, sub.state_reason, action)
    return rule is not None and rule.outcome is not Outcome.SAME


def is_cancelled(sub: Subscription) -> bool:
    """Cancelled once, or deleted: a cancel has nothing left to do."""
    return sub.cancelled_at is not None or sub.state is State.DELETED


def earliest_delete(sub: Subscription, offer: Offer) -> datetime | None:
    """When a cancelled subscription may be deleted (``None``: not cancelled, the wait has not begun)."""
    return sub.cancelled_at + _delete_wait(offer) if sub.cancelled_at else None


def _delete_wait(offer: Offer) -> timedelta:
    return timedelta(minutes=offer.delete_min_wait_minutes)
