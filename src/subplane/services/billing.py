"""Billing use cases: estimates, the cancel preview, invoices and their documents, usage, payments,
offer switching, upgrades and support plans. The lifecycle reaches it through ``hooks.BillingHooks``, and
metering through ``hooks.MeteringHooks``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources as package_files
from typing import Any

from ..domain import billing as rules
from ..domain.access import Action, Principal
from ..domain.billing import BillingPeriod, Invoice, InvoiceStatus, PaymentNotice, PaymentProfile, SupportPlan
from ..domain.errors import Conflict, Forbidden, InvalidInput
from ..domain.lifecycle import LifecycleAction, Reason, State, Subscription
from ..domain.metering import billable
from ..domain.offers import Offer, OfferCatalogue
from ..domain.prices import PriceList
from ..domain.resources import DISABLE_EFFECTS, EffectPreview, ResourceType, preview_effects
from ..settings import Settings
from .access import access_context, require, visible_subscription_ids
from .hooks import SystemTransitions
from .invoice_parties import customer_of, parties_of, seller_of, treatment
from .invoicing import Invoicing
from .lookup import resolve
from .metering import BATCH_SUBJECT, CREDIT_CHECK, ISSUE_INVOICES, Metering
from .unit_of_work import UnitOfWork, UowFactory
from .use_case import Case, use_case

SUPPORT_PLANS = ("Developer", "Standard", "ProfessionalDirect")


def load_price_list(settings: Settings) -> PriceList:
    """The shipped price list and VAT data, plus the ``SUBPLANE_PRICES_FILE`` / ``SUBPLANE_TAX_FILE`` overrides."""
    data = package_files.files("subplane.data")
    prices = json.loads(data.joinpath("prices.json").read_text("utf-8"))
    tax = json.loads(data.joinpath("tax.json").read_text("utf-8"))
    overrides = [json.loads(settings.prices_file.read_text("utf-8"))] if settings.prices_file else []
    if settings.tax_file:
        override = json.loads(settings.tax_file.read_text("utf-8"))
        tax = {**tax, **override, "rates": {**tax["rates"], **override.get("rates", {})}}
    return PriceList.from_data(prices, tax, overrides)


@dataclass(frozen=True)
class Estimate:
    subscription_id: str
    currency: str
    period_start: datetime
    period_end: datetime
    invoice_date: date
    charges: Decimal  # accrued so far this period (sum of rounded lines)
    credits_to_apply: Decimal
    credits_remaining: Decimal  # credit balance left after this period's estimated charges
    tax: Decimal
    total: Decimal
    lines: list[rules.RatedLine] = field(default_factory=list)
    daily: list[tuple[date, str, Decimal]] = field(default_factory=list)


@dataclass(frozen=True)
class FinalEstimate:
    """What the cancel preview and the cancel result both show."""

    currency: str
    charges: Decimal
    credits: Decimal
    tax: Decimal
    total: Decimal
    credits_remaining: Decimal
    period_start: datetime
    final_invoice_date: date
    deletion_date: datetime | None


@dataclass(frozen=True)
class UsageDetails:
    subscription_name: str
    offer_id: str
    period: tuple[datetime, datetime]
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class CancelPreview:
    """What cancelling now would do: ``turn_off`` is ``DISABLE_EFFECTS`` applied to the resources as they are,
    the same table the cancel runs."""

    subscription: Subscription
    turn_off: EffectPreview
    support_plan: SupportPlan | None
    estimate: FinalEstimate

    @property
    def vms_to_deallocate(self) -> list[str]:
        return [r.resource_id for r in self.turn_off.changed_of(ResourceType.VIRTUAL_MACHINE)]

    @property
    def ips_to_release(self) -> list[str]:
        return [r.resource_id for r in self.turn_off.changed_of(ResourceType.PUBLIC_IP)]

    @property
    def static_ips_kept(self) -> list[str]:
        return [r.resource_id for r in self.turn_off.kept_of(ResourceType.PUBLIC_IP)]

    @property
    def storage_to_read_only(self) -> list[str]:
        return [r.resource_id for r in self.turn_off.changed_of(ResourceType.STORAGE_ACCOUNT)]


class BillingService:
    def __init__(self, uow: UowFactory, offers: OfferCatalogue, settings: Settings, prices: PriceList,
                 metering: Metering, invoicing: Invoicing, transitions: SystemTransitions) -> None:
        self.uow = uow
        self.offers = offers
        self.settings = settings
        self.prices = prices
        self.metering = metering
        self.invoicing = invoicing
        self.transitions = transitions

    def job_handlers(self) -> dict[str, Any]:
        return self.invoicing.handlers()

    # estimates -------------------------------------------------------------------------------
    def _estimate(self, uow: UnitOfWork, sub: Subscription, until: datetime, *, with_daily: bool = False) -> Estimate:
        row = uow.billing.get_period(sub.subscription_id)
        period = rules.period_containing(rules.Period(row.period_start, row.period_end), row.anchor_day, until)
        # "up to now" includes what starts now: a support plan bought at this instant has started its month
        spans = uow.billing.spans_between(period.start, until, [sub.subscription_id], through_end=True)
        lines = rules.rate(spans, period.start, until, self.prices, row.currency, through_end=True)
        charges = sum((line.amount(row.currency) for line in lines), Decimal("0.00"))
        credit = uow.billing.credits_for([sub.subscription_id]).get(sub.subscription_id)
        available = eligible = Decimal("0.00")
        if credit is not None and credit.expires_at > period.start:
            available = credit.amount - credit.used
            # as the charges: a plan bought at ``until`` counts, if the credit is still valid then
            eligible = rules.charged(spans, period.start, min(until, credit.expires_at), self.prices, row.currency,
                                     through_end=until < credit.expires_at)
        account = uow.directory.get_billing_account(sub.billing_account_id)
        totals = rules.totals([line.amount(row.currency) for line in lines], credit_available=available, credit_eligible=eligible,
                              vat_rate=treatment(self.prices, seller_of(self.settings),
                                                 customer_of(uow, account.billing_account_id)).rate,
                              currency=row.currency)
        remaining = available - totals.credits if credit is not None and until < credit.expires_at else Decimal("0.00")
        days = rules.daily(spans, period.start, until, self.prices, row.currency) if with_daily else []
        return Estimate(sub.subscription_id, row.currency, period.start, period.end, period.invoice_date, charges,
                        totals.credits, remaining, totals.tax, totals.total, lines,
                        [(d.day, d.meter, d.amount) for d in days])

    def estimate(self, *, actor: Principal, ref: str) -> Estimate:
        with self.uow(read_only=True) as uow:
            sub = self._readable(uow, actor, ref)
            until = uow.now if billable(sub.state) or sub.state_changed_at is None else min(uow.now, sub.state_changed_at)
            return self._estimate(uow, sub, until, with_daily=True)

    def cancel_figures(self, uow: UnitOfWork, sub: Subscription) -> FinalEstimate:
        """The final-invoice estimate for a cancel at ``sub.cancelled_at`` (or now, for a preview)."""
        at = uow.now if billable(sub.state) or sub.cancelled_at is None else sub.cancelled_at
        est = self._estimate(uow, sub, at)
        deletion = sub.deletion_date or at + timedelta(days=self.offers.get(sub.offer_id).retention_days)
        return FinalEstimate(est.currency, est.charges, est.credits_to_apply, est.tax, est.total, est.credits_remaining,
                             est.period_start, est.invoice_date, deletion)

    def preview_cancel(self, *, actor: Principal, ref: str) -> CancelPreview:
        """What cancelling now would turn off and cost, without changing anything."""
        with self.uow(read_only=True) as uow:
            sub = self._readable(uow, actor, ref)
            turn_off = preview_effects(uow.resources.list(sub.subscription_id), DISABLE_EFFECTS)
            return CancelPreview(sub, turn_off, uow.billing.support_plan(sub.subscription_id), self.cancel_figures(uow, sub))

    # invoices --------------------------------------------------------------------------------
    def list_invoices(self, *, actor: Principal, subscription: str | None = None,
                      status: InvoiceStatus | None = None) -> list[Invoice]:
        with self.uow(read_only=True) as uow:
            ids = None
            if subscription is not None:
                ids = [self._readable(uow, actor, subscription).subscription_id]
            invoices = uow.billing.list_invoices(subscription_ids=ids, statuses=[status] if status else None)
            return [i for i in invoices if self._may_see(uow, actor, i)]

    def get_invoice(self, *, actor: Principal, ref: str) -> Invoice:
        with self.uow(read_only=True) as uow:
            invoice = uow.billing.get_invoice(ref)
            if not self._may_see(uow, actor, invoice):
                raise Forbidden("AuthorizationFailed", f"You may not see invoice {ref}.")
            return invoice

    def invoice_pdf(self, *, actor: Principal, ref: str) -> bytes:
        from ..adapters.pdf import render_invoice

        invoice = self.get_invoice(actor=actor, ref=ref)
        with self.uow(read_only=True) as uow:
            account = uow.directory.get_billing_account(invoice.billing_account_id)
            sub = uow.subscriptions.get(invoice.subscription_id)
            seller, customer, vat = parties_of(uow, invoice, seller_of(self.settings), self.prices)
        return render_invoice(invoice, account=account, subscription_name=invoice.subscription_name or sub.display_name,
                              seller=seller, customer=customer, vat=vat, iban=self.settings.seller_iban)

    def invoice_ubl(self, *, actor: Principal, ref: str) -> bytes:
        """The invoice as UBL 2.1 XML (Peppol BIS Billing 3.0 / EN 16931), beside its PDF."""
        from ..adapters.ubl import render_ubl

        invoice = self.get_invoice(actor=actor, ref=ref)
        with self.uow(read_only=True) as uow:
            sub = uow.subscriptions.get(invoice.subscription_id)
            seller, customer, vat = parties_of(uow, invoice, seller_of(self.settings), self.prices)
        return render_ubl(invoice, seller=seller, customer=customer, vat=vat,
                          subscription_name=invoice.subscription_name or sub.display_name,
                          iban=self.settings.seller_iban)

    def payment_notice(self, *, actor: Principal, ref: str) -> PaymentNotice | None:
        """What the subscription's overview says about payment (``rules.payment_notice``), for a reader of the
        whole subscription; ``None`` when its state gives nothing to say."""
        with self.uow(read_only=True) as uow:
            sub = self._readable(uow, actor, ref)
            if rules.notice_reason(sub) is None:
                return None
            visible = visible_subscription_ids(uow, actor)
            invoices = [i for i in uow.billing.list_invoices(billing_account_ids=[sub.billing_account_id],
                                                             statuses=list(rules.OPEN_STATUSES))
                        if visible is None or i.subscription_id in visible]
            account = uow.directory.get_billing_account(sub.billing_account_id)
            admin = access_context(uow, self.offers, actor, sub).is_account_admin
            return rules.payment_notice(sub, invoices, currency=account.currency,
                                        grace_period_days=self.prices.grace_period_days, account_admin=admin)

    def _may_see(self, uow: UnitOfWork, actor: Principal, invoice: Invoice) -> bool:
        visible = visible_subscription_ids(uow, actor)
        return visible is None or invoice.subscription_id in visible

    # usage -----------------------------------------------------------------------------------
    def usage(self, *, actor: Principal, ref: str, start: datetime | None = None, end: datetime | None = None) -> list[dict[str, Any]]:
        """Usage per UTC day and invoice line, for CSV and usage details. Rows are cut at billing-window
        edges and rounded by running totals (``rules.usage_rows``), so the rows of an invoice's period
        add up to its subtotal to the cent."""
        with self.uow(read_only=True) as uow:
            sub = self._readable(uow, actor, ref)
            row = uow.billing.get_period(sub.subscription_id)
            start = start or row.period_start
            end = min(end or uow.now, uow.now)
            if end <= start:
                return []
            windows = self._billing_windows(uow, row, end)
            first = min([start, *(lo for lo, hi in windows if hi > start)])
            spans = uow.billing.spans_between(first, end, [sub.subscription_id])
            return [{"date": r.day.isoformat(), "subscriptionId": sub.subscription_id,
                     "resourceId": r.line.resource_id, "meter": r.line.meter, "unit": r.line.unit.label,
                     "quantity": str(r.line.quantity), "unitPrice": str(r.line.unit_price),
                     "amount": str(r.amount), "currency": row.currency, "from": r.line.start, "to": r.line.end}
                    for r in rules.usage_rows(spans, rules.cover(windows, start, end), start, end, self.prices,
                                              row.currency)]

    def _billing_windows(self, uow: UnitOfWork, row: BillingPeriod, end: datetime) -> list[tuple[datetime, datetime]]:
        """The periods invoices covered, then the open period and those after it up to ``end``."""
        windows = [(i.period_start, i.period_end) for i in uow.billing.list_invoices(subscription_ids=[row.subscription_id])]
        period = rules.Period(row.period_start, row.period_end)
        while period.start < end:
            windows.append((period.start, period.end))
            period = rules.Period(period.end, rules.next_boundary(period.end, row.anchor_day))
        return windows

    def usage_details(self, *, actor: Principal, ref: str, start: datetime | None = None,
                      end: datetime | None = None) -> UsageDetails:
        """Usage rows (see ``usage``) with what a FinOps tool needs around them (subscription, offer, period)."""
        rows = self.usage(actor=actor, ref=ref, start=start, end=end)
        with self.uow(read_only=True) as uow:
            sub = self._readable(uow, actor, ref)
            row = uow.billing.get_period(sub.subscription_id)
            period = rules.period_containing(rules.Period(row.period_start, row.period_end), row.anchor_day, uow.now)
        return UsageDetails(sub.display_name, sub.offer_id, (period.start, period.end), rows)

    # payments --------------------------------------------------------------------------------
    def require_payment_method(self, uow: UnitOfWork, billing_account_id: str, offer: Offer) -> None:
        """Sign-up (lifecycle.md §2): the billing account needs a payment method unless the offer has credit."""
        if rules.needs_payment_method(offer) and not uow.billing.profile(billing_account_id).has_card:
            raise Conflict("PaymentMethodRequired",
                           f"The billing account has no card on file, and {offer.name} has no credit to start on: "
                           "add a card (`subplane billing card ACCOUNT --label ...`) first.", offer_id=offer.offer_id)

    def set_card(self, *, actor: Principal, account: str, fails: bool | None, label: str | None = None,
                 remove: bool = False) -> PaymentProfile:
        """Change the emulated card (``label`` adds one when there is none, ``remove`` takes it off file);
        with none of them it only shows the card."""
        if fails is None and label is None and not remove:
            with self.uow(read_only=True) as uow:
                return uow.billing.profile(self._administered(uow, actor, account))
        if remove and (fails is not None or label):
            raise InvalidInput("ConflictingCardOptions", "Remove the card, or set it: not both at once.")
        if label is not None and not label.strip():
            raise InvalidInput("InvalidCardLabel", "A card needs a label, e.g. 'Visa •••• 4242'.")

        with use_case(self.uow, "billing.setCard", actor=actor, target=account) as case:
            uow = case.uow
            account_id = self._administered(uow, actor, account)
            current = uow.billing.profile(account_id)
            fails_now = current.card_fails if fails is None else fails
            if not remove and not current.has_card and not label:
                raise InvalidInput("CardLabelRequired", "There is no card on file: add one first (--label, e.g. "
                                                        "'Visa **** 4242').")
            uow.billing.set_card(account_id, label="" if remove else (label or current.card_label).strip(),
                               fails=False if remove else fails_now)
            self.invoicing.review_payment_warning(uow, account_id)  # a failing card puts near payments at risk
            case.succeeded(target=account_id, details={"fails": fails_now})
            return uow.billing.profile(account_id)

    def pay(self, *, actor: Principal, invoice: str, method: str = "card") -> Invoice:
        with use_case(self.uow, "billing.pay", actor=actor, target=invoice) as case:
            uow = case.uow
            found = uow.billing.get_invoice(invoice)
            self._administered(uow, actor, found.billing_account_id)
            if found.status not in (InvoiceStatus.DUE, InvoiceStatus.PAST_DUE):
                raise Conflict("InvoiceAlreadyPaid", f"Invoice {found.invoice_number} is already paid.")
            profile = uow.billing.profile(found.billing_account_id)
            if method == "card" and not profile.has_card:
                raise Conflict("NoPaymentMethod", "The billing account has no card on file; add one or pay by transfer.")
            if method == "card" and profile.declines:
                raise Conflict("PaymentDeclined", "The card on file was declined; update it or pay by transfer.")
            self.invoicing.record_payment(uow, found, method=method)
            self.invoicing.restore_if_settled(uow, found.billing_account_id, actor=actor)
            case.about(found.subscription_id)
            case.succeeded(target=found.invoice_number, details={"amount": str(found.total), "method": method})
            return uow.billing.get_invoice(found.invoice_id)

    def settle(self, *, actor: Principal, account: str) -> list[Invoice]:
        """Pay every open invoice of the account (by transfer) and restore past-due subscriptions."""
        with use_case(self.uow, "billing.settle", actor=actor, target=account) as case:
            uow = case.uow
            account_id = self._administered(uow, actor, account)
            open_invoices = uow.billing.list_invoices(billing_account_ids=[account_id],
                                                      statuses=[InvoiceStatus.DUE, InvoiceStatus.PAST_DUE])
            for item in open_invoices:
                self.invoicing.record_payment(uow, item, method="transfer")
            self.invoicing.restore_if_settled(uow, account_id, actor=actor)
            case.succeeded(target=account_id, details={"invoices": [i.invoice_number for i in open_invoices]})
            return open_invoices

    # offers ----------------------------------------------------------------------------------
    def switch_offer(self, *, actor: Principal, ref: str, target_offer: str) -> tuple[Subscription, Invoice | None]:
        with use_case(self.uow, "switchOffer", actor=actor, target=ref) as case:
            uow = case.uow
            sub = self._for_account_admin(case, ref)
            offer, target = self.offers.get(sub.offer_id), self.offers.get(target_offer)
            if offer.spending_limit:
                raise Conflict("UseUpgrade", f"'{offer.name}' has a spending limit; upgrade it to Pay-As-You-Go instead.")
            if target.offer_id not in offer.switch_targets:
                allowed = ", ".join(offer.switch_targets) or "none"
                raise Conflict("OfferSwitchNotAllowed", f"'{offer.name}' cannot switch to '{target.name}' (allowed: {allowed}).")
            row = uow.billing.get_period(sub.subscription_id)
            if uow.now < row.first_period_end:
                raise Conflict("FirstBillingPeriodNotCompleted",
                               f"Offers can be switched once the first billing period has ended ({row.first_period_end.date()}).")
            self.transitions.apply_system_transition(uow, sub.subscription_id, LifecycleAction.SWITCH_OFFER,
                                                           actor=actor, data={"from": offer.offer_id, "to": target.offer_id})
            uow.subscriptions.set_offer(sub.subscription_id, target.offer_id)
            invoice = self._switch_day_invoice(uow, row)
            return uow.subscriptions.get(sub.subscription_id), invoice

    def _switch_day_invoice(self, uow: UnitOfWork, row: BillingPeriod) -> Invoice | None:
        """All outstanding charges are invoiced on the switch day; the anniversary moves to that day."""
        now = uow.now
        period = rules.period_containing(rules.Period(row.period_start, row.period_end), row.anchor_day, now)
        spans = uow.billing.spans_between(period.start, now, [row.subscription_id])
        lines = rules.rate(spans, period.start, now, self.prices, row.currency)
        invoices = self.invoicing.store(uow, [(row, period.start, now, now.date(), lines, spans)]) if lines else []
        anchor = now.day
        uow.billing.save_periods([BillingPeriod(**{**row.__dict__, "anchor_day": anchor, "period_start": now,
                                              "period_end": rules.next_boundary(now, anchor), "dormant": False})])
        uow.jobs.schedule(kind=ISSUE_INVOICES, subject=BATCH_SUBJECT, due_at=rules.next_boundary(now, anchor))
        return invoices[0] if invoices else None

    def upgrade(self, *, actor: Principal, ref: str) -> Subscription:
        """Free Trial -> Pay-As-You-Go: re-enables a subscription the spending limit or credit expiry disabled."""
        with use_case(self.uow, "upgrade", actor=actor, target=ref) as case:
            uow = case.uow
            sub = self._for_account_admin(case, ref)
            offer = self.offers.get(sub.offer_id)
            if not offer.spending_limit or not offer.switch_targets:
                raise Conflict("UpgradeNotAvailable", f"'{offer.name}' has no spending limit to upgrade from.")
            target = self.offers.get(offer.switch_targets[0])
            if sub.state is State.WARNED:  # the credit warning ends with the spending limit
                self.transitions.apply_system_transition(uow, sub.subscription_id, LifecycleAction.CLEAR_WARNING,
                                                               actor=actor)
            if sub.state is State.DISABLED and sub.state_reason in (Reason.SPENDING_LIMIT_REACHED, Reason.CREDIT_EXPIRED):
                self.transitions.apply_system_transition(uow, sub.subscription_id, LifecycleAction.LIFT_SPENDING_LIMIT,
                                                               actor=actor)
            self.transitions.apply_system_transition(uow, sub.subscription_id, LifecycleAction.SWITCH_OFFER,
                                                           actor=actor, data={"from": offer.offer_id, "to": target.offer_id})
            uow.subscriptions.set_offer(sub.subscription_id, target.offer_id)
            uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=("billing.creditCheck",))
            return uow.subscriptions.get(sub.subscription_id)

    def remove_spending_limit(self, *, actor: Principal, ref: str) -> Subscription:
        """For offers that allow it: charges beyond the credit are billed from now on, and a subscription
        the limit disabled (or warned about) is Enabled again (lifecycle.md §2, "limit removed")."""
        with use_case(self.uow, "billing.removeSpendingLimit", actor=actor, target=ref) as case:
            uow = case.uow
            sub = self._for_account_admin(case, ref)
            offer = self.offers.get(sub.offer_id)
            if not offer.spending_limit_removable:
                raise Conflict("SpendingLimitNotRemovable",
                               f"'{offer.name}' has no spending limit that can be removed"
                               + ("; upgrade it to Pay-As-You-Go instead." if offer.switch_targets else "."))
            if not self.metering.spending_limit_applies(uow, sub):
                return sub  # already removed: nothing to do, nothing recorded
            uow.billing.remove_spending_limit(sub.subscription_id, uow.now)
            uow.jobs.cancel_pending(subject=sub.subscription_id, kinds=(CREDIT_CHECK,))
            if (sub.state, sub.state_reason) == (State.DISABLED, Reason.SPENDING_LIMIT_REACHED):
                self.transitions.apply_system_transition(uow, sub.subscription_id,
                                                               LifecycleAction.LIFT_SPENDING_LIMIT, actor=actor)
            elif (sub.state, sub.state_reason) == (State.WARNED, Reason.CREDIT_NEARLY_USED):
                self.transitions.apply_system_transition(uow, sub.subscription_id, LifecycleAction.CLEAR_WARNING,
                                                               actor=actor)
            case.succeeded(details={"offerId": offer.offer_id})
            return uow.subscriptions.get(sub.subscription_id)

    def set_support_plan(self, *, actor: Principal, ref: str, plan: str | None, auto_renew: bool = True) -> SupportPlan | None:
        """Buy or change a support plan (billed per started month, no proration), or end it (``plan=None``)."""
        if plan is not None and plan not in SUPPORT_PLANS:
            raise InvalidInput("UnknownSupportPlan", f"Support plans are {', '.join(SUPPORT_PLANS)}, not {plan!r}.")

        with use_case(self.uow, "billing.supportPlan", actor=actor, target=ref) as case:
            uow = case.uow
            sub = self._for_account_admin(case, ref)
            if plan is not None and not billable(sub.state):
                raise Conflict("ReadOnlyDisabledSubscription", "A support plan can only be bought on an active subscription.")
            if plan is not None:
                self.prices.require(f"support/{plan}", uow.billing.get_period(sub.subscription_id).currency)
            uow.billing.set_support_plan(sub.subscription_id, plan=plan, auto_renew=auto_renew, now=uow.now)
            self.metering.sync(uow, sub.subscription_id, sub=sub)
            case.succeeded(details={"plan": plan, "autoRenew": auto_renew})
            return uow.billing.support_plan(sub.subscription_id)

    def set_support_auto_renew(self, uow: UnitOfWork, subscription_id: str, auto_renew: bool | None) -> dict[str, Any] | None:
        """Called in the cancel's transaction with the user's choice (``None``: the plan's stored setting).
        Without auto-renew the plan ends now: its month is already billed in full, no proration. Returns
        ``{"plan", "autoRenew"}`` for an active plan, else ``None``."""
        plan = uow.billing.support_plan(subscription_id)
        if not plan or plan.ended_at is not None:
            return None
        keep = plan.auto_renew if auto_renew is None else auto_renew
        if keep:
            uow.billing.set_support_plan(subscription_id, plan=plan.plan, auto_renew=True, now=uow.now)
        else:
            uow.billing.set_support_plan(subscription_id, plan=None, auto_renew=False, now=uow.now)
        return {"plan": plan.plan, "autoRenew": keep}

    def open_support_plan(self, *, actor: Principal, ref: str) -> dict[str, Any] | None:
        """The active support plan of a subscription a cancel would stop (for asking about auto-renew)."""
        with self.uow(read_only=True) as uow:
            sub = self._readable(uow, actor, ref)
            plan = uow.billing.support_plan(sub.subscription_id)
            if not billable(sub.state) or not plan or plan.ended_at is not None:
                return None
            return {"plan": plan.plan, "autoRenew": plan.auto_renew, "subscription": sub.display_name}

    # access ----------------------------------------------------------------------------------
    def _readable(self, uow: UnitOfWork, actor: Principal, ref: str) -> Subscription:
        sub = resolve(uow, ref)
        require(uow, self.offers, actor, sub, Action.READ)
        return sub

    def _for_account_admin(self, case: Case, ref: str) -> Subscription:
        sub = case.subscription(ref, for_update=True)
        self._administered(case.uow, case.actor, sub.billing_account_id)
        return sub

    def _administered(self, uow: UnitOfWork, actor: Principal, account_ref: str) -> str:
        account = uow.directory.billing_account(account_ref)
        if not actor.is_privileged and account.admin_user_id != actor.principal_id:
            raise Forbidden("AuthorizationFailed", "Only the billing account's Account Administrator may do this.")
        return account.billing_account_id
