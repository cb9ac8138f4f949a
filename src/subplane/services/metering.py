"""Metering hooks the core calls inside its own unit of work: spans open and close with billable state.

``sync`` compares what a subscription's resources should accrue now with its open spans and closes or
opens the difference. ``stopped`` closes every open span of a subscription in one UPDATE (cancel,
spending limit, non-payment). Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from fractions import Fraction

from ..domain import billing as rules
from ..domain.billing import BillingPeriod, Credit
from ..domain.lifecycle import State, Subscription
from ..domain.metering import Meter, SpanChanges, billable, check_priced, meters_for, reconcile
from ..domain.offers import OfferCatalogue
from ..domain.prices import PriceList, Unit
from ..domain.resources import Resource
from .unit_of_work import UnitOfWork

ISSUE_INVOICES = "billing.issueInvoices"
COLLECT_PAYMENTS = "billing.collectPayments"
NON_PAYMENT = "billing.nonPayment"
CREDIT_CHECK = "billing.creditCheck"
CREDIT_EXPIRY = "billing.creditExpiry"
CREDIT_RENEWAL = "billing.creditRenewal"
PAYMENT_WARNING = "billing.paymentWarning"
BATCH_SUBJECT = "billing"


def support_resource_id(subscription_id: str, plan: str) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Support/supportPlans/{plan}"


class Metering:
    def __init__(self, offers: OfferCatalogue, prices: PriceList, issue_due: Callable[[UnitOfWork], int]) -> None:
        """``issue_due``: invoicing's run of due invoices (a renewing credit waits for the ending period's)."""
        self.offers = offers
        self.prices = prices
        self.issue_due = issue_due

    # subscriptions ---------------------------------------------------------------------------
    def subscription_created(self, uow: UnitOfWork, sub: Subscription) -> None:
        """Refuse a currency or country the price list cannot bill; start the first period and any credit."""
        account = uow.directory.get_billing_account(sub.billing_account_id)
        if not self.prices.has_currency(account.currency):
            from ..domain.errors import InvalidInput

            raise InvalidInput("UnsupportedCurrency", f"The price list has no prices in {account.currency}.",
                               currency=account.currency)
        self.prices.vat_rate(account.country)
        offer = self.offers.get(sub.offer_id)
        anchor = rules.anchor_day_for(offer.billing_cycle, sub.created_at)
        period = rules.first_period(sub.created_at, anchor)
        uow.billing.add_period(BillingPeriod(sub.subscription_id, account.billing_account_id, account.currency, anchor,
                                       period.start, period.end, False, period.end))
        uow.billing.ensure_profile(account.billing_account_id)
        uow.jobs.schedule(kind=ISSUE_INVOICES, subject=BATCH_SUBJECT, due_at=period.end)
        if offer.credit_amount and offer.credit_renews_each_period:
            uow.billing.add_credit(sub.subscription_id, offer.credit_amount, sub.created_at, period.end)
            uow.jobs.schedule(kind=CREDIT_RENEWAL, subject=sub.subscription_id, due_at=period.end)
        elif offer.credit_amount:
            expires = sub.created_at + timedelta(days=offer.credit_validity_days or 30)
            uow.billing.add_credit(sub.subscription_id, offer.credit_amount, sub.created_at, expires)
            uow.jobs.schedule(kind=CREDIT_EXPIRY, subject=sub.subscription_id, due_at=expires)

    def state_changed(self, uow: UnitOfWork, before: Subscription, after: Subscription) -> None:
        """Billing stops when a subscription stops being billable and resumes when it becomes billable again."""
        if billable(before.state) and not billable(after.state):
            self.stopped(uow, after.subscription_id)
        elif not billable(before.state) and billable(after.state):
            self.wake_period(uow, after.subscription_id)
            self.renew_credit(uow, after)
            self.sync(uow, after.subscription_id, sub=after)

    def stopped(self, uow: UnitOfWork, subscription_id: str) -> int:
        """Close every open span at ``uow.now``: one statement, however many resources."""
        uow.jobs.cancel_pending(subject=subscription_id, kinds=(CREDIT_CHECK, CREDIT_EXPIRY))
        return uow.billing.close_all(subscription_id, uow.now)

    def forget(self, uow: UnitOfWork, subscription_ids: list[str]) -> set[str]:
        """Purged subscriptions' usage goes once no invoice needs it; returns those whose spans are kept
        because their final invoice is still to be issued (the job that issues it calls the purge's
        forgetting again)."""
        periods = uow.billing.periods_of(subscription_ids)
        pending = {sub_id for sub_id, row in periods.items() if not row.dormant}
        uow.billing.delete_spans([sub_id for sub_id in subscription_ids if sub_id not in pending])
        return pending

    def wake_period(self, uow: UnitOfWork, subscription_id: str) -> None:
        credit = uow.billing.credits_for([subscription_id]).get(subscription_id)
        renews = self.offers.get(uow.subscriptions.get(subscription_id).offer_id).credit_renews_each_period
        if credit is not None and credit.expires_at > uow.now and not renews:
            uow.jobs.schedule(kind=CREDIT_EXPIRY, subject=subscription_id, due_at=credit.expires_at)
        row = uow.billing.get_period(subscription_id)
        if row is None or not row.dormant:
            return
        period = rules.period_containing(rules.Period(row.period_start, row.period_end), row.anchor_day, uow.now)
        uow.billing.save_periods([BillingPeriod(**{**row.__dict__, "period_start": period.start, "period_end": period.end,
                                              "dormant": False})])
        uow.jobs.schedule(kind=ISSUE_INVOICES, subject=BATCH_SUBJECT, due_at=period.end)

    # resources -------------------------------------------------------------------------------
    def resources_added(self, uow: UnitOfWork, subscription_id: str, resources: list[Resource | None]) -> None:
        """New resources must be priced in the account's currency (else a clear error); then they accrue."""
        currency = self._currency(uow, subscription_id)
        for resource in resources:
            if resource is not None:
                check_priced(resource, currency=currency, prices=self.prices)
        self.sync(uow, subscription_id)

    def sync(self, uow: UnitOfWork, subscription_id: str, *, sub: Subscription | None = None) -> None:
        sub = sub or uow.subscriptions.get(subscription_id)
        wanted = self.wanted(uow, sub) if billable(sub.state) else []
        self._apply(uow, sub, reconcile(uow.billing.open_spans(subscription_id), wanted))

    def sync_stored_bytes(self, uow: UnitOfWork, account: Resource) -> None:
        """After a blob's bytes changed: only that storage account's capacity meter can have moved, so only its
        spans are reconciled, by the same rule as ``sync``, without reading every resource and blob total of the
        subscription on each upload (issue 14)."""
        sub = uow.subscriptions.get(account.subscription_id)
        stored = uow.billing.stored_bytes_of(account.resource_id.lower())
        wanted = meters_for(account, stored_bytes=stored, prices=self.prices) if billable(sub.state) else []
        spans = [span for span in uow.billing.open_spans(sub.subscription_id) if span.resource_id == account.resource_id]
        self._apply(uow, sub, reconcile(spans, wanted))

    def _apply(self, uow: UnitOfWork, sub: Subscription, changes: SpanChanges) -> None:
        if not changes.close and not changes.open:
            return
        subscription_id = sub.subscription_id
        uow.billing.close([s.span_id for s in changes.close if s.span_id is not None], uow.now)  # stored: all have ids
        uow.billing.open(subscription_id, changes.open, uow.now, starts=self._resumed_months(uow, subscription_id, changes.open))
        self.watch_credit(uow, sub)

    def _resumed_months(self, uow: UnitOfWork, subscription_id: str,
                        meters: list[Meter]) -> dict[tuple[str, str], datetime]:
        """A monthly plan that comes back (reactivation, settle, upgrade) resumes after the month it was
        already charged for, so no stretch of time is charged twice."""
        starts: dict[tuple[str, str], datetime] = {}
        for meter in meters:
            if self.prices.unit(meter.meter) is not Unit.MONTH_STEP:
                continue
            previous = uow.billing.last_closed(subscription_id, meter.resource_id, meter.meter)
            if previous is not None and rules.paid_through(previous) > uow.now:
                starts[(meter.resource_id, meter.meter)] = rules.paid_through(previous)
        return starts

    def wanted(self, uow: UnitOfWork, sub: Subscription) -> list[Meter]:
        stored = uow.billing.stored_bytes(sub.subscription_id)
        wanted = [m for r in uow.resources.list(sub.subscription_id)
                  for m in meters_for(r, stored_bytes=stored.get(r.resource_id.lower(), 0), prices=self.prices)]
        plan = uow.billing.support_plan(sub.subscription_id)
        if plan and plan.ended_at is None:
            wanted.append(Meter(support_resource_id(sub.subscription_id, plan.plan), f"support/{plan.plan}", 1))
        return wanted

    # credit ----------------------------------------------------------------------------------
    def credit_left(self, uow: UnitOfWork, sub: Subscription, at: datetime) -> tuple[Fraction, Credit] | None:
        """(exact credit left at ``at`` after usage not yet invoiced, credit row), or None without a credit."""
        credit = uow.billing.credits_for([sub.subscription_id]).get(sub.subscription_id)
        row = uow.billing.get_period(sub.subscription_id)
        if credit is None:
            return None
        until = min(at, credit.expires_at)
        spans = uow.billing.spans_between(row.period_start, until, [sub.subscription_id]) if until > row.period_start else []
        used_now = rules.accrued(spans, row.period_start, until, self.prices, row.currency) if spans else 0
        return rules.exact(credit.amount - credit.used) - used_now, credit

    def spending_limit_applies(self, uow: UnitOfWork, sub: Subscription) -> bool:
        """The offer has a spending limit and the Account Administrator has not removed it."""
        if not self.offers.get(sub.offer_id).spending_limit:
            return False
        credit = uow.billing.credits_for([sub.subscription_id]).get(sub.subscription_id)
        return credit is not None and credit.limit_removed_at is None

    def renew_credit(self, uow: UnitOfWork, sub: Subscription) -> bool:
        """A renewing credit covers the billing period holding now: grant it if the stored grant is older,
        and schedule the next renewal at the period's end. True when a new grant was made."""
        offer = self.offers.get(sub.offer_id)
        if not (offer.credit_amount and offer.credit_renews_each_period):
            return False
        row = uow.billing.get_period(sub.subscription_id)
        if row.period_end <= uow.now:  # the ending period's invoice takes the old grant first
            self.issue_due(uow)
            row = uow.billing.get_period(sub.subscription_id)
        period = rules.period_containing(rules.Period(row.period_start, row.period_end), row.anchor_day, uow.now)
        uow.jobs.schedule(kind=CREDIT_RENEWAL, subject=sub.subscription_id, due_at=period.end)
        credit = uow.billing.credits_for([sub.subscription_id]).get(sub.subscription_id)
        if credit is not None and credit.granted_at >= period.start:
            return False
        uow.billing.grant_credit(sub.subscription_id, offer.credit_amount, period.start, period.end)
        return True

    def watch_credit(self, uow: UnitOfWork, sub: Subscription) -> None:
        """With a spending limit, schedule the check at the instant the credit would run out, or, while
        Enabled, at the instant the offer's warning share of it is used (Warned / CreditNearlyUsed)."""
        offer = self.offers.get(sub.offer_id)
        if not offer.spending_limit or not billable(sub.state):
            return
        found = self.credit_left(uow, sub, uow.now)
        if found is None:
            return
        left, credit = found
        if uow.now >= credit.expires_at or credit.limit_removed_at is not None:
            return
        currency = self._currency(uow, sub.subscription_id)
        per_second = rules.burn_rate(uow.billing.open_spans(sub.subscription_id), self.prices, currency, uow.now)
        if sub.state is State.ENABLED:
            left -= rules.warning_reserve(credit.amount, offer.credit_warning_ratio)
        due = rules.exhaustion_instant(uow.now, left, per_second)
        uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=(CREDIT_CHECK,))
        if due is not None and due < credit.expires_at:
            uow.jobs.schedule(kind=CREDIT_CHECK, subject=sub.subscription_id, due_at=due)

    def _currency(self, uow: UnitOfWork, subscription_id: str) -> str:
        row = uow.billing.get_period(subscription_id)
        if row is not None:
            return row.currency
        sub = uow.subscriptions.get(subscription_id)
        return uow.directory.get_billing_account(sub.billing_account_id).currency
