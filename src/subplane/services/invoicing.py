"""Invoices on the usual date, payments on the due date, past due and non-payment, credit checks.

The runner calls these handlers inside its unit of work. Issuing is set-based: one job per period-end
instant issues every invoice due then (spans read in one query per window, rows inserted in bulk),
and it is idempotent: an invoice is unique per (subscription, period start).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ..domain import billing as rules
from ..domain import events
from ..domain.access import SYSTEM, Principal
from ..domain.billing import BillingPeriod, Credit, Invoice, InvoiceLine, InvoiceStatus
from ..domain.events import DomainEvent
from ..domain.invoice_parties import VatTreatment
from ..domain.lifecycle import LifecycleAction, Reason, State, Subscription
from ..domain.metering import Span, billable
from ..domain.offers import OfferCatalogue
from ..domain.prices import PriceList
from ..settings import Settings
from .bulk_work import cyclic_gc_paused
from .forgetting import Forgetting
from .hooks import SystemTransitions
from .invoice_parties import customer_of, freeze, seller_of, treatment
from .metering import (
    BATCH_SUBJECT,
    COLLECT_PAYMENTS,
    CREDIT_CHECK,
    CREDIT_EXPIRY,
    CREDIT_RENEWAL,
    ISSUE_INVOICES,
    NON_PAYMENT,
    PAYMENT_WARNING,
    Metering,
)
from .unit_of_work import UnitOfWork

_CHUNK = 5000


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def invoice_event(event_type: str, invoice: Invoice, now: datetime) -> DomainEvent:
    """What notifications and webhooks receive about an invoice (amounts as decimal strings)."""
    return DomainEvent(event_type, f"/subscriptions/{invoice.subscription_id}/invoices/{invoice.invoice_number}", now, {
        "invoiceNumber": invoice.invoice_number, "amount": str(invoice.total), "currency": invoice.currency,
        "dueDate": midnight(invoice.due_date).isoformat(), "status": invoice.status,
        "billingAccountId": invoice.billing_account_id,
    }, invoice.subscription_id)


def invoice_number(billing_account_id: str, sequence: int) -> str:
    return f"{billing_account_id.replace('-', '')[:8].upper()}-{sequence:06d}"


class Invoicing:
    def __init__(self, offers: OfferCatalogue, settings: Settings, prices: PriceList, metering: Metering,
                 transitions: SystemTransitions, forgetting: Forgetting) -> None:
        self.offers = offers
        self.settings = settings
        self.prices = prices
        self.metering = metering
        self.transitions = transitions
        self.forgetting = forgetting

    def handlers(self) -> dict[str, Any]:
        return {
            ISSUE_INVOICES: lambda uow, job: self.issue_due(uow),
            COLLECT_PAYMENTS: lambda uow, job: self.collect(uow),
            NON_PAYMENT: lambda uow, job: self.disable_for_non_payment(uow),
            CREDIT_CHECK: lambda uow, job: self.check_credit(uow, job.subject),
            CREDIT_EXPIRY: lambda uow, job: self.expire_credit(uow, job.subject),
            CREDIT_RENEWAL: lambda uow, job: self.renew_credit(uow, job.subject),
            PAYMENT_WARNING: lambda uow, job: self.review_payment_warnings(uow),
        }

    # issuing ---------------------------------------------------------------------------------
    def issue_due(self, uow: UnitOfWork) -> int:
        """Issue every invoice whose period has ended; roll each period on. Safe to run again."""
        issued = 0
        with cyclic_gc_paused():
            rows = uow.billing.due_periods(uow.now)
            while rows:
                issued += self._issue_periods(uow, rows)
                rows = uow.billing.due_periods(uow.now)
        return issued

    def _issue_periods(self, uow: UnitOfWork, rows: list[BillingPeriod]) -> int:
        states = self._states(uow, [r.subscription_id for r in rows])
        by_window: dict[tuple[datetime, datetime], list[BillingPeriod]] = defaultdict(list)
        for row in rows:
            by_window[(row.period_start, row.period_end)].append(row)
        drafts = []
        for (start, end), group in by_window.items():
            spans = self._spans(uow, start, end, [r.subscription_id for r in group])
            for row in group:
                mine = spans.get(row.subscription_id, [])
                drafts.append((row, start, end, end.date(), rules.rate(mine, start, end, self.prices, row.currency), mine))
        done = uow.billing.issued_periods([r.subscription_id for r in rows], {r.period_start for r in rows})
        fresh = [d for d in drafts if d[4] and (d[0].subscription_id, d[0].period_start) not in done]
        self.store(uow, fresh)
        rolled = []
        for row in rows:
            nxt = rules.Period(row.period_end, rules.next_boundary(row.period_end, row.anchor_day))
            rolled.append(BillingPeriod(**{**row.__dict__, "period_start": nxt.start, "period_end": nxt.end,
                                       "dormant": not billable(states[row.subscription_id])}))
        uow.billing.save_periods(rolled)
        for instant in {r.period_end for r in rolled if not r.dormant}:
            uow.jobs.schedule(kind=ISSUE_INVOICES, subject=BATCH_SUBJECT, due_at=instant)
        self._forget_purged(uow, [r.subscription_id for r in rows if states[r.subscription_id] is State.DELETED])
        return len(fresh)

    def _forget_purged(self, uow: UnitOfWork, ids: list[str]) -> None:
        """Purged before their final invoice: now that it is issued, its name and usage can go too."""
        if ids:
            for kept in self.forgetting.forget(uow, uow.subscriptions.list(ids=ids)):
                uow.subscriptions.save(kept)

    def _states(self, uow: UnitOfWork, ids: list[str]) -> dict[str, State]:
        result = {}
        for i in range(0, len(ids), _CHUNK):
            result.update({s.subscription_id: s.state for s in uow.subscriptions.list(ids=ids[i:i + _CHUNK])})
        return result

    def _spans(self, uow: UnitOfWork, start: datetime, end: datetime, ids: list[str]) -> dict[str, list[Span]]:
        wanted = set(ids)
        spans = uow.billing.spans_between(start, end, ids if len(ids) <= 500 else None)
        grouped: dict[str, list[Span]] = defaultdict(list)
        for span in spans:
            if span.subscription_id in wanted:
                grouped[span.subscription_id].append(span)
        return grouped

    def store(self, uow: UnitOfWork, items: list[tuple[Any, ...]]) -> list[Invoice]:
        """``items``: (period row, start, end, invoice date, rated lines, spans) per invoice."""
        # Turn rated lines into invoices (credits, VAT, numbers, due dates) and insert them in bulk.
        if not items:
            return []
        ids = [row.subscription_id for row, *_ in items]
        credits = {}
        for i in range(0, len(ids), _CHUNK):
            credits.update(uow.billing.credits_for(ids[i:i + _CHUNK]))
        per_account: dict[str, int] = defaultdict(int)
        for row, *_ in items:
            per_account[row.billing_account_id] += 1
        seller = seller_of(self.settings)
        customers = {account: customer_of(uow, account) for account in sorted(per_account)}
        vat = {account: treatment(self.prices, seller, customer) for account, customer in customers.items()}
        next_number = uow.billing.take_invoice_numbers(per_account)
        names = {}
        for i in range(0, len(ids), _CHUNK):
            names.update(uow.subscriptions.display_names(ids[i:i + _CHUNK]))
        invoices, due_dates = [], set()
        for row, start, end, invoice_date, lines, spans in items:
            invoice = replace(self._invoice(row, start, end, invoice_date, lines, spans, credits.get(row.subscription_id),
                                            vat[row.billing_account_id], next_number[row.billing_account_id],
                                            uow.now), subscription_name=names[row.subscription_id])
            next_number[row.billing_account_id] += 1
            if invoice.credits:
                credit = credits[row.subscription_id] = replace(credits[row.subscription_id],
                                                                used=credits[row.subscription_id].used + invoice.credits)
                uow.billing.use_credit(row.subscription_id, credit.used)
            if invoice.status == InvoiceStatus.DUE:
                due_dates.add(invoice.due_date)
            invoices.append(invoice)
        uow.billing.add_invoices(invoices)
        freeze(uow, [(i.invoice_id, seller, customers[i.billing_account_id], vat[i.billing_account_id])
                     for i in invoices])
        uow.outbox.add_many([invoice_event(events.INVOICE_ISSUED, i, uow.now) for i in invoices])
        for due in due_dates:
            uow.jobs.schedule(kind=COLLECT_PAYMENTS, subject=BATCH_SUBJECT, due_at=midnight(due))
            warn_at = max(uow.now, midnight(due - timedelta(days=self.prices.payment_warning_days)))
            uow.jobs.schedule(kind=PAYMENT_WARNING, subject=BATCH_SUBJECT, due_at=warn_at)
            uow.jobs.schedule(kind=COLLECT_PAYMENTS, subject=BATCH_SUBJECT, due_at=midnight(due + timedelta(days=1)))
        return invoices

    def _invoice(self, row: BillingPeriod, start: datetime, end: datetime, invoice_date: date,
                 lines: list[rules.RatedLine], spans: list[Span], credit: Credit | None, vat: VatTreatment,
                 sequence: int, now: datetime) -> Invoice:
        currency = row.currency
        eligible = Decimal("0.00")
        available = Decimal("0.00")
        if credit is not None and credit.expires_at > start:
            available = credit.amount - credit.used
            # Credit covers what was used before it expired (lifecycle.md §5).
            eligible = rules.charged(spans, start, min(end, credit.expires_at), self.prices, currency)
        amounts = [line.amount(currency) for line in lines]
        totals = rules.totals(amounts, credit_available=available,
                              credit_eligible=eligible, vat_rate=vat.rate, currency=currency)
        invoice_id = str(uuid.uuid4())
        stored_lines = [InvoiceLine(n, line.subscription_id, line.resource_id, line.meter, line.unit.value, line.quantity, line.unit_price,
                                    amount, line.start, line.end)
                        for n, (line, amount) in enumerate(zip(lines, amounts, strict=True), start=1)]
        return Invoice(invoice_id, invoice_number(row.billing_account_id, sequence), row.billing_account_id,
                       row.subscription_id, start, end, invoice_date, invoice_date + timedelta(days=self.prices.payment_term_days),
                       now, currency, totals.subtotal, totals.credits, totals.tax_rate, totals.tax, totals.total,
                       InvoiceStatus.DUE if totals.total > 0 else InvoiceStatus.PAID, None if totals.total > 0 else now, stored_lines)

    # payments --------------------------------------------------------------------------------
    def collect(self, uow: UnitOfWork) -> None:
        """On the due date the card pays; the day after, what is still unpaid is past due."""
        today = uow.now.date()
        due = [i for i in uow.billing.list_invoices(statuses=[InvoiceStatus.DUE]) if i.due_date <= today]
        card_fails = {a: uow.billing.profile(a).declines for a in {i.billing_account_id for i in due}}
        self.record_payments(uow, [i for i in due if not card_fails[i.billing_account_id]], method="card")
        failing: dict[str, list[Invoice]] = defaultdict(list)
        for invoice in due:
            if card_fails[invoice.billing_account_id] and invoice.due_date < today:
                failing[invoice.billing_account_id].append(invoice)
        for account_id, invoices in failing.items():
            uow.billing.set_status([i.invoice_id for i in invoices], InvoiceStatus.PAST_DUE)
            uow.outbox.add_many([invoice_event(events.PAYMENT_FAILED, i, uow.now) for i in invoices])
            for invoice in invoices:
                grace_end = midnight(invoice.due_date + timedelta(days=1 + self.prices.grace_period_days))
                uow.jobs.schedule(kind=NON_PAYMENT, subject=BATCH_SUBJECT, due_at=grace_end)
            self._transition_account(uow, account_id, LifecycleAction.MARK_PAST_DUE,
                                     {State.ENABLED: None, State.WARNED: None})

    def record_payment(self, uow: UnitOfWork, invoice: Invoice, *, method: str) -> None:
        self.record_payments(uow, [invoice], method=method)

    def record_payments(self, uow: UnitOfWork, invoices: list[Invoice], *, method: str) -> None:
        uow.billing.set_status([i.invoice_id for i in invoices], InvoiceStatus.PAID, paid_at=uow.now)
        uow.billing.add_payments([(str(uuid.uuid4()), i) for i in invoices], method=method, now=uow.now)

    def disable_for_non_payment(self, uow: UnitOfWork) -> None:
        grace = timedelta(days=1 + self.prices.grace_period_days)
        overdue = [i for i in uow.billing.list_invoices(statuses=[InvoiceStatus.PAST_DUE]) if midnight(i.due_date) + grace <= uow.now]
        for account_id in sorted({i.billing_account_id for i in overdue}):
            self._transition_account(uow, account_id, LifecycleAction.DISABLE_FOR_NON_PAYMENT, {State.PAST_DUE: None})

    def restore_if_settled(self, uow: UnitOfWork, account_id: str, *, actor: Principal = SYSTEM) -> None:
        """``actor``: who paid (the Account Administrator's settle shows as theirs in each subscription's log)."""
        self.review_payment_warning(uow, account_id)
        if uow.billing.list_invoices(billing_account_ids=[account_id], statuses=[InvoiceStatus.PAST_DUE]):
            return
        self._transition_account(uow, account_id, LifecycleAction.SETTLE,
                                 {State.PAST_DUE: None, State.DISABLED: Reason.NON_PAYMENT}, actor=actor)

    def _transition_account(self, uow: UnitOfWork, account_id: str, action: LifecycleAction, when: dict[str, Any], *,
                            actor: Principal = SYSTEM) -> None:
        for sub in uow.subscriptions.list(billing_account_id=account_id):
            if sub.state in when and (when[sub.state] is None or when[sub.state] == sub.state_reason):
                self.transitions.apply_system_transition(uow, sub.subscription_id, action, actor=actor)

    # payment warnings ------------------------------------------------------------------------
    def payment_at_risk(self, uow: UnitOfWork, account_id: str) -> bool:
        """An unpaid invoice falls due within the warning window and the card on file will not pay it."""
        horizon = uow.now.date() + timedelta(days=self.prices.payment_warning_days)
        if not uow.billing.profile(account_id).declines:
            return False
        return any(i.due_date <= horizon for i in uow.billing.list_invoices(billing_account_ids=[account_id], statuses=[InvoiceStatus.DUE]))

    def review_payment_warning(self, uow: UnitOfWork, account_id: str) -> None:
        """Warned(PaymentOverdueSoon) while the payment is at risk; Enabled again when it no longer is."""
        if self.payment_at_risk(uow, account_id):
            self._transition_account(uow, account_id, LifecycleAction.WARN_PAYMENT_OVERDUE_SOON, {State.ENABLED: None})
        else:
            self._transition_account(uow, account_id, LifecycleAction.CLEAR_WARNING,
                                     {State.WARNED: Reason.PAYMENT_OVERDUE_SOON})

    def review_payment_warnings(self, uow: UnitOfWork) -> None:
        """The runner's check: accounts whose payment is now at risk, and those warned before."""
        horizon = uow.now.date() + timedelta(days=self.prices.payment_warning_days)
        near = {i.billing_account_id for i in uow.billing.list_invoices(statuses=[InvoiceStatus.DUE]) if i.due_date <= horizon}
        failing = {a for a in near if uow.billing.profile(a).declines}
        warned = {s.billing_account_id for s in uow.subscriptions.list(states=[State.WARNED])
                  if s.state_reason is Reason.PAYMENT_OVERDUE_SOON}
        for account_id in sorted(failing | warned):
            self.review_payment_warning(uow, account_id)

    # credit ----------------------------------------------------------------------------------
    def check_credit(self, uow: UnitOfWork, subscription_id: str) -> None:
        sub = uow.subscriptions.get(subscription_id, for_update=True)
        offer = self.offers.get(sub.offer_id)
        if sub.state not in (State.ENABLED, State.WARNED) or not self.metering.spending_limit_applies(uow, sub):
            return
        found = self.metering.credit_left(uow, sub, uow.now)
        if found is None:
            return
        left, credit = found
        if uow.now >= credit.expires_at:
            return
        if left <= 0:
            self.transitions.apply_system_transition(uow, subscription_id, LifecycleAction.REACH_SPENDING_LIMIT)
            return
        if rules.credit_nearly_used(left, credit.amount, offer.credit_warning_ratio):
            sub = self.transitions.apply_system_transition(
                uow, subscription_id, LifecycleAction.WARN_CREDIT_NEARLY_USED,
                data={"creditLeft": str(rules.round_money(left, self._currency(uow, sub)))}).after
        self.metering.watch_credit(uow, sub)

    def expire_credit(self, uow: UnitOfWork, subscription_id: str) -> None:
        sub = uow.subscriptions.get(subscription_id, for_update=True)
        offer = self.offers.get(sub.offer_id)
        if (sub.state in (State.ENABLED, State.WARNED) and not offer.credit_renews_each_period
                and self.metering.spending_limit_applies(uow, sub)):
            self.transitions.apply_system_transition(uow, subscription_id, LifecycleAction.EXPIRE_CREDIT)

    def renew_credit(self, uow: UnitOfWork, subscription_id: str) -> None:
        """A new billing period brings a renewing credit back: a new grant for the period and, through the
        lifecycle table, Disabled(SpendingLimitReached) or Warned(CreditNearlyUsed) -> Enabled. Idempotent."""
        self.issue_due(uow)  # the ending period's invoice applies the old grant first
        sub = uow.subscriptions.get(subscription_id, for_update=True)
        resumable = billable(sub.state) or (sub.state, sub.state_reason) == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED)
        if not resumable:
            return  # cancelled or otherwise disabled: reactivation grants the credit again (metering.state_changed)
        if self.metering.renew_credit(uow, sub):
            sub = self.transitions.apply_system_transition(uow, subscription_id, LifecycleAction.RENEW_CREDIT).after
            self.metering.watch_credit(uow, sub)

    def _currency(self, uow: UnitOfWork, sub: Subscription) -> str:
        return uow.billing.get_period(sub.subscription_id).currency
