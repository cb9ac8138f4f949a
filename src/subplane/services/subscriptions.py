"""Subscription use cases: create, list, show, cancel, reactivate, delete, rename, retention expiry."""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ..adapters.db.arm_repo import SubscriptionTagRepo
from ..domain import events, lifecycle
from ..domain.access import SYSTEM, Action, Principal, PrincipalKind, Role, RoleAssignment
from ..domain.errors import DomainError
from ..domain.lifecycle import DeleteCheck, Subscription
from ..domain.offers import Offer, OfferCatalogue
from ..domain.resources import FieldEffect, ResourceType
from .access import access_context, allowed_actions, reach, require, require_create, require_visible
from .hooks import BillingHooks, MeteringHooks
from .lookup import resolve
from .management_groups import decommission, place_new, recommission
from .transitions import DELETION_REMINDER, RETENTION_EXPIRY, RETENTION_JOBS, Transitions, event_data  # noqa: F401
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import Case, record_success, use_case

SCHEDULED_CANCEL = "scheduled_cancel"

# How each kind of resource a cancel turns off is reported (counts at once, ids through ``turned_off``).
TURNED_OFF_KEYS = {
    ResourceType.VIRTUAL_MACHINE: "vmsDeallocated",
    ResourceType.PUBLIC_IP: "ipsReleased",
    ResourceType.STORAGE_ACCOUNT: "storageReadOnly",
}


@dataclass(frozen=True)
class CancelResult:
    """What a cancel did. The ids of the resources it turned off are stamped with ``change_id`` in the
    same UPDATE that turned them off; ``SubscriptionService.turned_off`` lists them on request."""

    subscription: Subscription
    changed: bool
    change_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # keys of TURNED_OFF_KEYS
    billing: object | None = None  # services.billing.FinalEstimate: the figures the cancel preview showed
    support_plan: dict[str, Any] | None = None  # {"plan", "autoRenew"}: the support plan's auto-renew as the cancel left it


@dataclass(frozen=True)
class Standing:
    """A principal's roles towards one subscription (``AccountAdministrator`` first), and its billing account."""

    roles: builtins.list[str]
    account_name: str
    account_currency: str
    account_language: str


def _standing(uow: UnitOfWork, offers: OfferCatalogue, actor: Principal, sub: Subscription) -> Standing:
    ctx = access_context(uow, offers, actor, sub)
    account = uow.directory.get_billing_account(sub.billing_account_id)
    roles = (["AccountAdministrator"] if ctx.is_account_admin else []) + sorted(
        r.value for r in ctx.roles if isinstance(r, Role))
    return Standing(roles, account.name, account.currency, account.language)


def _visible_subscriptions(uow: UnitOfWork, actor: Principal) -> builtins.list[Subscription]:
    """What the actor sees, in the list's order: the access rule runs in the query (``access.reach``)."""
    return uow.subscriptions.page(reach(uow, actor))


def _turned_off_counts(changed: dict[FieldEffect, int]) -> dict[str, int]:
    by_type = {effect.resource_type: count for effect, count in changed.items()}
    return {key: by_type.get(rtype, 0) for rtype, key in TURNED_OFF_KEYS.items()}


class SubscriptionService:
    def __init__(self, uow: UowFactory, offers: OfferCatalogue, billing: BillingHooks, metering: MeteringHooks,
                 transitions: Transitions) -> None:
        self.uow = uow
        self.offers = offers
        self.billing = billing
        self.metering = metering
        self.transitions = transitions

    # reads -----------------------------------------------------------------------------------
    def list(self, *, actor: Principal) -> list[Subscription]:
        """Every subscription the actor sees, by display name then id."""
        with self.uow(read_only=True) as uow:
            return _visible_subscriptions(uow, actor)

    def list_with_standing(self, *, actor: Principal) -> builtins.list[tuple[Subscription, Standing]]:
        """``list``, each subscription with the actor's standing towards it (one unit of work for the page)."""
        with self.uow(read_only=True) as uow:
            subs = _visible_subscriptions(uow, actor)
            return [(sub, _standing(uow, self.offers, actor, sub)) for sub in subs]

    def standing(self, *, actor: Principal, ref: str) -> Standing:
        """The actor's roles towards a subscription it sees, and the subscription's billing account."""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require_visible(uow, self.offers, actor, sub)
            return _standing(uow, self.offers, actor, sub)

    def billing_language(self, *, actor: Principal) -> str | None:
        """The language of the billing account of the first subscription the actor sees (``None``: it sees none)."""
        with self.uow(read_only=True) as uow:
            subs = _visible_subscriptions(uow, actor)
            return uow.directory.get_billing_account(subs[0].billing_account_id).language if subs else None

    def page(self, *, actor: Principal, after: tuple[str, str] | None = None, offset: int = 0,
             limit: int) -> builtins.list[Subscription]:
        """At most ``limit`` of what ``list`` gives, from just after the (display name, id) ``after`` or past
        the first ``offset``: the access rule and the paging run in the query (keyset), so a page costs
        O(limit) however many subscriptions the actor sees."""
        with self.uow(read_only=True) as uow:
            return uow.subscriptions.page(reach(uow, actor), after=after, offset=offset, limit=limit)

    def get(self, *, actor: Principal, ref: str) -> Subscription:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require_visible(uow, self.offers, actor, sub)  # whoever sees it in the list may open it
            return sub

    def get_with_tags(self, *, actor: Principal, ref: str) -> tuple[Subscription, dict[str, str] | None]:
        """``get`` and the subscription's tags (its ARM rendering shows them), in one unit of work."""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require_visible(uow, self.offers, actor, sub)
            return sub, SubscriptionTagRepo(uow.conn).by_subscription([sub.subscription_id]).get(sub.subscription_id)

    def activity(self, *, actor: Principal, ref: str, limit: int = 200) -> tuple[Subscription, builtins.list[dict[str, Any]]]:
        """The subscription's activity log, newest first, for whoever may read the subscription."""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require(uow, self.offers, actor, sub, Action.READ)
            return sub, uow.activity.list(subscription_id=sub.subscription_id, limit=limit)

    def turned_off(self, *, actor: Principal, ref: str, change_id: str | None) -> dict[str, builtins.list[str]]:
        """The ids of the resources a cancel (``CancelResult.change_id``) turned off that still exist."""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require(uow, self.offers, actor, sub, Action.READ)
            ids = uow.resources.changed_by(sub.subscription_id, change_id) if change_id else {}
            return {key: ids.get(rtype, []) for rtype, key in TURNED_OFF_KEYS.items()}

    def authorize(self, *, actor: Principal, ref: str, action: Action, scope: str | None = None) -> Subscription:
        """Refuse (AuthorizationFailed) unless ``actor`` may do ``action`` (at ``scope`` inside the
        subscription, default the subscription); for pages that lead to it."""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require(uow, self.offers, actor, sub, action, scope)
            return sub

    def lifecycle_actions(self, *, actor: Principal, ref: str) -> dict[lifecycle.LifecycleAction, bool]:
        """Each action a person may ask of a subscription: may ``actor`` take it now (permitted for them, and
        possible in the subscription's state)?"""
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            allowed = allowed_actions(uow, self.offers, actor, sub)
            return {action: permission in allowed and lifecycle.possible(sub, action)
                    for action, permission in lifecycle.USER_ACTIONS.items()}

    def allowed_actions(self, *, actor: Principal, ref: str) -> set[Action]:
        with self.uow(read_only=True) as uow:
            return allowed_actions(uow, self.offers, actor, resolve(uow, ref))

    def delete_checklist(self, *, actor: Principal, ref: str, confirm_name: str | None = None) -> builtins.list[DeleteCheck]:
        with self.uow(read_only=True) as uow:
            sub = resolve(uow, ref)
            require(uow, self.offers, actor, sub, Action.READ)
            return lifecycle.delete_checklist(
                sub, offer=self.offers.get(sub.offer_id), now=uow.now,
                resource_count=uow.resources.count(sub.subscription_id), confirm_name=confirm_name,
            )

    # create ----------------------------------------------------------------------------------
    def create(
        self, *, actor: Principal, display_name: str, billing_account_id: str, offer_id: str,
        owner_id: str | None = None, subscription_id: str | None = None, correlation_id: str | None = None,
    ) -> Subscription:
        with use_case(self.uow, "create", actor=actor, target=display_name, correlation_id=correlation_id,
                      subject=subscription_id) as case:
            return self.create_in(case.uow, actor=actor, display_name=display_name, billing_account_id=billing_account_id,
                                  offer_id=offer_id, owner_id=owner_id, subscription_id=subscription_id)

    def create_in(
        self, uow: UnitOfWork, *, actor: Principal, display_name: str, billing_account_id: str, offer_id: str,
        owner_id: str | None = None, subscription_id: str | None = None, management_group: str | None = None,
    ) -> Subscription:
        """``create`` inside the caller's unit of work (an alias PUT creates its subscription and itself at once)."""
        offer = self.offers.get(offer_id)
        account = uow.directory.billing_account(billing_account_id)
        require_create(uow, actor, account)
        self.billing.require_payment_method(uow, account.billing_account_id, offer)
        admin_tenant = uow.directory.user_tenant(account.admin_user_id)
        sub = lifecycle.new_subscription(
            subscription_id=(subscription_id or str(uuid.uuid4())).lower(), display_name=display_name,
            tenant_id=admin_tenant, billing_account_id=account.billing_account_id, offer=offer, now=uow.now,
        )
        uow.subscriptions.add(sub)
        self.metering.subscription_created(uow, sub)
        owner = owner_id or (actor.principal_id if actor.kind is PrincipalKind.USER else account.admin_user_id)
        uow.directory.add_role_assignment(
            RoleAssignment(str(uuid.uuid4()), sub.resource_id, Role.OWNER, owner),
            subscription_id=sub.subscription_id, now=uow.now,
        )
        place_new(uow, actor, sub, management_group)  # the group asked for, else the tenant's default group
        record_success(uow, actor=actor, action="create", subscription_id=sub.subscription_id,
                       details={"displayName": sub.display_name, "offerId": offer.offer_id})
        uow.emit(events.DomainEvent(events.SUBSCRIPTION_CREATED, sub.resource_id, uow.now,
                                    {"displayName": sub.display_name, "offerId": offer.offer_id},
                                    sub.subscription_id))
        return sub

    # lifecycle actions -----------------------------------------------------------------------
    def cancel(
        self, *, actor: Principal, ref: str, reason: str, turn_off_resources: bool = False,
        correlation_id: str | None = None, support_auto_renew: bool | None = None,
    ) -> CancelResult:
        with use_case(self.uow, "cancel", actor=actor, target=ref, correlation_id=correlation_id) as case:
            sub = self._load_for(case, ref, Action.CANCEL)
            return self._cancel(case, sub, reason=reason, turn_off_resources=turn_off_resources,
                                support_auto_renew=support_auto_renew)

    def _cancel(self, case: Case, sub: Subscription, *, reason: str, turn_off_resources: bool,
                support_auto_renew: bool | None, cancelled_by: str | None = None) -> CancelResult:
        """The cancel of a locked subscription, inside the case's unit of work (now, or when a scheduled one is due)."""
        uow, actor = case.uow, case.actor
        offer = self.offers.get(sub.offer_id)
        decision = lifecycle.cancel(
            sub, offer=offer, now=uow.now, reason=reason, actor=cancelled_by or actor.name,
            resource_count=uow.resources.count(sub.subscription_id), turn_off_resources=turn_off_resources,
        )
        if not decision.changed:
            previous = uow.activity.last_success(sub.subscription_id, "cancel") or {"details": {}}
            return replace(self._cancel_result(sub, False, previous["details"]),
                           billing=self.billing.cancel_figures(uow, sub))
        change_id = str(uuid.uuid4())
        counts = _turned_off_counts(uow.resources.apply_effects(sub.subscription_id, decision.effects, change_id))
        uow.subscriptions.save(decision.after)
        self.metering.state_changed(uow, sub, decision.after)  # billing stops at this instant
        uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=(SCHEDULED_CANCEL,))  # done now: not again later
        self._schedule_retention(uow, decision.after, offer)
        deletion_date = decision.after.deletion_date
        assert deletion_date is not None  # a cancel always sets it (lifecycle.cancel)
        details: dict[str, Any] = {"reason": decision.after.cancellation_reason, "deletionDate": deletion_date.isoformat(),
                                   "changeId": change_id, **counts}
        moved = decommission(uow, actor, decision.after)  # to the tenant's decommissioning group, if it names one
        if moved is not None:
            details["managementGroup"] = moved["to"]
        support = self.billing.set_support_auto_renew(uow, sub.subscription_id, support_auto_renew)
        if support is not None:  # lifecycle.md §3: the user's auto-renew choice, in the cancel's transaction
            details["supportPlan"] = support
        case.succeeded(details=details)
        uow.emit(events.DomainEvent(events.SUBSCRIPTION_CANCELLED, sub.resource_id, uow.now, event_data(details),
                                    sub.subscription_id))
        return replace(self._cancel_result(decision.after, True, details),
                       billing=self.billing.cancel_figures(uow, decision.after))

    def schedule_cancel(self, *, actor: Principal, ref: str, at: datetime, reason: str, turn_off_resources: bool = False,
                        correlation_id: str | None = None) -> datetime:
        """A cancel that runs by itself at ``at`` (a later schedule replaces an earlier one); the cancel's own
        rules apply then, with the consent to turn resources off given now."""
        with use_case(self.uow, "scheduleCancel", actor=actor, target=ref, correlation_id=correlation_id) as case:
            sub = self._load_for(case, ref, Action.CANCEL)
            lifecycle.schedule_cancel(sub, at=at, now=case.uow.now, reason=reason)
            case.uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=(SCHEDULED_CANCEL,))
            payload = {"reason": reason.strip(), "turnOffResources": turn_off_resources, "scheduledBy": actor.name}
            case.uow.jobs.schedule(kind=SCHEDULED_CANCEL, subject=sub.subscription_id, due_at=at, payload=payload)
            case.succeeded(details={"at": at.isoformat(), **payload})
            return at

    def run_scheduled_cancel(self, uow: UnitOfWork, subscription_id: str, payload: dict[str, Any]) -> bool:
        """The runner's handler for a due scheduled cancel: cancels as the system on the scheduler's behalf; a
        cancel its rules refuse by then is logged as refused and not tried again."""
        case = Case(uow, "cancel", actor=SYSTEM, subject=subscription_id)
        sub = uow.subscriptions.get(subscription_id, for_update=True)
        attempt = uow.savepoint()  # a refusal undoes only the cancel's own writes
        try:
            self._cancel(case, sub, reason=str(payload.get("reason", "")),
                         turn_off_resources=bool(payload.get("turnOffResources")), support_auto_renew=None,
                         cancelled_by=str(payload.get("scheduledBy") or SYSTEM.name))  # who asked for it, not the runner
        except DomainError as error:
            attempt.rollback()
            case.refused(error, target=sub.resource_id)
            return False
        attempt.commit()
        return True

    def reactivate(self, *, actor: Principal, ref: str, correlation_id: str | None = None) -> Subscription:
        with use_case(self.uow, "reactivate", actor=actor, target=ref, correlation_id=correlation_id) as case:
            uow, sub = case.uow, self._load_for(case, ref, Action.REACTIVATE)
            decision = lifecycle.reactivate(sub, offer=self.offers.get(sub.offer_id), now=uow.now)
            if decision.changed:
                change_id = str(uuid.uuid4())
                changed = uow.resources.apply_effects(sub.subscription_id, decision.effects, change_id)
                uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=RETENTION_JOBS)
                self.metering.state_changed(uow, sub, decision.after)  # billing resumes from now
                recommission(uow, actor, decision.after)  # back to the group a decommissioning cancel moved it from
                self.transitions.commit(case, decision, events.SUBSCRIPTION_REACTIVATED,
                                        {"changeId": change_id, "storageWritable": sum(changed.values())})
            return decision.after

    def delete(self, *, actor: Principal, ref: str, confirm_name: str | None, correlation_id: str | None = None) -> Subscription:
        with use_case(self.uow, "delete", actor=actor, target=ref, correlation_id=correlation_id) as case:
            uow, sub = case.uow, self._load_for(case, ref, Action.DELETE_SUBSCRIPTION)
            decision = lifecycle.delete(
                sub, offer=self.offers.get(sub.offer_id), now=uow.now,
                resource_count=uow.resources.count(sub.subscription_id), confirm_name=confirm_name,
            )
            if decision.purges:
                decision = self.transitions.purge(uow, decision)
            self.transitions.commit(case, decision, events.SUBSCRIPTION_DELETED, {})
            return decision.after

    def rename(self, *, actor: Principal, ref: str, new_name: str, correlation_id: str | None = None) -> Subscription:
        with use_case(self.uow, "rename", actor=actor, target=ref, correlation_id=correlation_id) as case:
            sub = self._load_for(case, ref, Action.RENAME)
            decision = lifecycle.rename(sub, new_name=new_name, now=case.uow.now)
            self.transitions.commit(case, decision, events.SUBSCRIPTION_RENAMED,
                                    {"from": sub.display_name, "to": decision.after.display_name})
            return decision.after

    # system ----------------------------------------------------------------------------------
    def expire_retention(self, uow: UnitOfWork, subscription_id: str) -> bool:
        """Purge when the deadline has passed. Safe to call again."""
        return bool(self.expire_retentions(uow, [subscription_id]))

    def expire_retentions(self, uow: UnitOfWork, subscription_ids: builtins.list[str]) -> builtins.list[str]:
        """The runner's batch handler: purge each subscription whose deadline has passed, the domain deciding
        for each, the deletes set-based in this one unit of work. Safe to call again; returns the ids purged."""
        due = [sub for sub in uow.subscriptions.get_many(subscription_ids, for_update=True)
               if sub.state is lifecycle.State.DISABLED and sub.deletion_date is not None and uow.now >= sub.deletion_date]
        decisions = [lifecycle.expire_retention(sub, now=uow.now) for sub in due]
        purged = iter(self.transitions.purge_many(uow, [d for d in decisions if d.purges]))
        decisions = [next(purged) if d.purges else d for d in decisions]
        self.transitions.commit_many(uow, SYSTEM, "expireRetention", decisions, events.SUBSCRIPTION_DELETED)
        return [d.before.subscription_id for d in decisions]

    def send_deletion_reminder(self, uow: UnitOfWork, subscription_id: str, days_before: int) -> bool:
        sub = uow.subscriptions.get(subscription_id)
        if sub.state is not lifecycle.State.DISABLED or sub.deletion_date is None:
            return False
        uow.emit(events.DomainEvent(events.DELETION_REMINDER, sub.resource_id, uow.now,
                                    {"daysBefore": days_before, "deletionDate": sub.deletion_date.isoformat(),
                                     "displayName": sub.display_name}, sub.subscription_id))
        return True

    # helpers ---------------------------------------------------------------------------------
    def _load_for(self, case: Case, ref: str, action: Action) -> Subscription:
        """The case's subscription, locked, once the actor may do ``action`` on it."""
        sub = case.subscription(ref, for_update=True)
        require(case.uow, self.offers, case.actor, sub, action)
        return sub

    def _schedule_retention(self, uow: UnitOfWork, sub: Subscription, offer: Offer) -> None:
        deletion_date = sub.deletion_date
        if deletion_date is None:  # only a cancel schedules retention, and a cancel sets the date
            raise ValueError(f"subscription {sub.subscription_id} has no deletion date to schedule retention for")
        uow.jobs.schedule(kind=RETENTION_EXPIRY, subject=sub.subscription_id, due_at=deletion_date)
        for days in offer.reminder_days_before_deletion:
            due = deletion_date - timedelta(days=days)
            if due > uow.now:
                uow.jobs.schedule(kind=DELETION_REMINDER, subject=sub.subscription_id, due_at=due,
                                  payload={"daysBefore": days})

    @staticmethod
    def _cancel_result(sub: Subscription, changed: bool, details: dict[str, Any]) -> CancelResult:
        # activity written before change markers existed held id lists: report their lengths
        counts = {key: len(v) if isinstance(v := details.get(key, 0), list) else v for key in TURNED_OFF_KEYS.values()}
        return CancelResult(sub, changed, details.get("changeId"), counts, support_plan=details.get("supportPlan"))

