"""Billing periods, rating of spans, credits, VAT and invoice totals. Pure and exact.

Rounding rule (the only one): a line's amount is the exact rational sum of price x quantity over
every second of its spans (``fractions.Fraction``, no intermediate rounding), rounded once, half up,
to the currency's minor unit. Quantities are shown to 6 decimals but never used to compute an amount.
The usage CSV splits each line into days by rounding running totals (``usage_rows``), so its rows for
an invoice's period add up to the invoice's subtotal exactly.
Credits and VAT work on the rounded lines: credits = min(credit available, eligible charges),
tax = (subtotal - credits) x rate rounded half up once, total = subtotal - credits + tax exactly.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from .lifecycle import Reason, State, Subscription
from .metering import Span
from .prices import PriceList, Unit

if TYPE_CHECKING:
    from .offers import Offer

MINOR_UNITS = {"JPY": 0, "KRW": 0}
_MICROSECOND = timedelta(microseconds=1)
_MICROS = 1_000_000


# money ---------------------------------------------------------------------------------------
def round_money(value: Fraction, currency: str = "EUR") -> Decimal:
    """Half up (away from zero) to the currency's minor unit, from an exact value."""
    places = MINOR_UNITS.get(currency.upper(), 2)
    scaled = abs(value) * 10**places
    units = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    signed = -units if value < 0 else units
    return Decimal(signed).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def exact(value: Decimal) -> Fraction:
    return Fraction(value)


# periods -------------------------------------------------------------------------------------
def start_of_day(instant: datetime) -> datetime:
    return datetime.combine(instant.date(), time(0), tzinfo=UTC)


def boundary(year: int, month: int, anchor_day: int) -> datetime:
    """00:00 UTC on the anchor day of that month, clamped to the month's last day (31 -> 28/29/30)."""
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return datetime(year, month, day, tzinfo=UTC)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def next_boundary(after: datetime, anchor_day: int) -> datetime:
    """The first period boundary strictly after ``after``."""
    candidate = boundary(after.year, after.month, anchor_day)
    if candidate <= after:
        candidate = boundary(*_next_month(after.year, after.month), anchor_day)
    return candidate


def add_months(instant: datetime, months: int, anchor_day: int) -> datetime:
    """The instant ``months`` months later on the anchor day (clamped), same time of day."""
    year, month = instant.year, instant.month
    for _ in range(months):
        year, month = _next_month(year, month)
    return boundary(year, month, anchor_day).replace(hour=instant.hour, minute=instant.minute,
                                                    second=instant.second, microsecond=instant.microsecond)


def anchor_day_for(billing_cycle: str, signed_up: datetime) -> int:
    """Pay-as-you-go: the sign-up day (anniversary). Azure plan (``calendar``): the 1st."""
    return 1 if billing_cycle == "calendar" else signed_up.day


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive: 00:00 on the invoice date

    @property
    def invoice_date(self) -> date:
        """The day after the period's last day."""
        return self.end.date()

    def due_date(self, payment_term_days: int) -> date:
        return self.invoice_date + timedelta(days=payment_term_days)


def first_period(signed_up: datetime, anchor_day: int) -> Period:
    start = start_of_day(signed_up)
    return Period(start, next_boundary(start, anchor_day))


def period_containing(current: Period, anchor_day: int, instant: datetime) -> Period:
    """Walk forward from ``current`` to the period that holds ``instant``."""
    period = current
    while instant >= period.end:
        period = Period(period.end, next_boundary(period.end, anchor_day))
    return period


# rating --------------------------------------------------------------------------------------
@dataclass
class RatedLine:
    """One invoice line. Usage is summed as an exact integer (quantity x microseconds, or months x 10^6);
    quantity and amount are derived from it once, so rating stays exact and fast."""

    subscription_id: str
    resource_id: str
    meter: str
    unit: Unit
    unit_price: Decimal
    start: datetime
    end: datetime
    usage: int = 0  # quantity x microseconds (per started month: 1_000_000 each)

    def add(self, start: datetime, end: datetime, usage: int) -> None:
        if start < self.start:
            self.start = start
        if end > self.end:
            self.end = end
        self.usage += usage

    @property
    def quantity_exact(self) -> Fraction:
        return Fraction(self.usage, _MICROS * self.unit.denominator())

    @property
    def amount_exact(self) -> Fraction:
        return self.quantity_exact * exact(self.unit_price)

    @property
    def quantity(self) -> Decimal:
        """To 6 decimals, half up (display only; amounts never use it)."""
        den = self.unit.denominator()  # usage / (10^6 x den) x 10^6 = usage / den
        return Decimal((self.usage * 2 + den) // (den * 2)).scaleb(-6)

    def amount(self, currency: str) -> Decimal:
        """Rounded once, half up, in integers: usage x price / (10^6 x unit denominator)."""
        price_num, price_den = self.unit_price.as_integer_ratio()
        places = MINOR_UNITS.get(currency.upper(), 2)
        num = abs(self.usage * price_num) * 10**places
        den = _MICROS * self.unit.denominator() * price_den
        units = (num * 2 + den) // (den * 2)
        return Decimal(-units if self.usage * price_num < 0 else units).scaleb(-places)


def month_steps(span: Span, start: datetime, end: datetime, *, through_end: bool = False) -> list[tuple[datetime, datetime]]:
    """Monthly charges of a span: each month that starts inside [start, end) while the span is open.

    The first month is charged once the span has started, even when it ended at the same instant (a
    plan bought and cancelled at once has started its month). ``through_end`` also counts a month that
    starts exactly at ``end``: an estimate "up to now" includes a plan bought now."""
    steps: list[tuple[datetime, datetime]] = []
    index = 0
    if span.end is not None and span.end < span.start:  # resumed for a later month, ended before it began
        return steps
    while True:
        month_start = add_months(span.start, index, span.start.day)
        if month_start > end or (month_start == end and not through_end):
            return steps
        if index > 0 and span.end is not None and month_start >= span.end:
            return steps
        if month_start >= start:
            steps.append((month_start, add_months(span.start, index + 1, span.start.day)))
        index += 1


def needs_payment_method(offer: Offer) -> bool:
    """Signing up needs a payment method unless the offer starts on credit (lifecycle.md §2, create)."""
    return not offer.credit_amount


def paid_through(span: Span) -> datetime:
    """Until when a closed monthly span's charges cover: the end of its last charged month (the months
    ``month_steps`` charges it for). A span that never began covers nothing beyond its start."""
    charged = month_steps(span, span.start, max(span.start, span.end or span.start), through_end=True)
    return charged[-1][1] if charged else span.start


def rate(spans: Iterable[Span], start: datetime, end: datetime, prices: PriceList, currency: str, *,
         through_end: bool = False) -> list[RatedLine]:
    """One line per (resource, meter, unit price) for the usage of ``spans`` inside [start, end)
    (``through_end``: monthly steps that start at ``end`` count too, for estimates up to now)."""
    lines: dict[tuple[str, str, str, Decimal], RatedLine] = {}

    def line(span: Span, unit: Unit, price: Decimal, lo: datetime, hi: datetime) -> RatedLine:
        key = (span.subscription_id, span.resource_id, span.meter, price)
        if key not in lines:
            lines[key] = RatedLine(span.subscription_id, span.resource_id, span.meter, unit, price, lo, hi)
        return lines[key]

    for span in spans:
        unit = prices.unit(span.meter)
        if unit is Unit.MONTH_STEP:
            for lo, hi in month_steps(span, start, end, through_end=through_end):
                price = prices.price_at(span.meter, currency, lo)
                line(span, unit, price, lo, hi).add(lo, hi, _MICROS)
            continue
        clipped = span.clipped(start, end)
        if clipped is None:
            continue
        for lo, hi, price in prices.pieces(span.meter, currency, *clipped):
            line(span, unit, price, lo, hi).add(lo, hi, span.quantity * ((hi - lo) // _MICROSECOND))
    return sorted(lines.values(), key=lambda item: (item.subscription_id, item.resource_id.lower(), item.meter, item.start))


def accrued(spans: Iterable[Span], start: datetime, end: datetime, prices: PriceList, currency: str) -> Fraction:
    """The exact, unrounded charge of ``spans`` inside [start, end)."""
    return sum((item.amount_exact for item in rate(spans, start, end, prices, currency)), Fraction(0))


def charged(spans: Iterable[Span], start: datetime, end: datetime, prices: PriceList, currency: str, *,
            through_end: bool = False) -> Decimal:
    """What an invoice for [start, end) would charge: the sum of rounded lines (``through_end``: see ``rate``)."""
    lines = rate(spans, start, end, prices, currency, through_end=through_end)
    return sum((item.amount(currency) for item in lines), Decimal("0.00"))


def burn_rate(open_spans: Iterable[Span], prices: PriceList, currency: str, at: datetime) -> Fraction:
    """Charge per second of the spans open at ``at`` (monthly steps excluded: they are one-off)."""
    total = Fraction(0)
    for span in open_spans:
        unit = prices.unit(span.meter)
        if unit is not Unit.MONTH_STEP:
            total += exact(prices.price_at(span.meter, currency, at)) * span.quantity / unit.denominator()
    return total


def warning_reserve(credit_amount: Decimal, warning_ratio: Decimal) -> Fraction:
    """The credit still left when ``warning_ratio`` of it is used: at or below it, a credit is nearly used."""
    return exact(credit_amount) * (1 - exact(warning_ratio))


def credit_nearly_used(left: Fraction, credit_amount: Decimal, warning_ratio: Decimal) -> bool:
    return left <= warning_reserve(credit_amount, warning_ratio)


def exhaustion_instant(now: datetime, left: Fraction, per_second: Fraction) -> datetime | None:
    """When ``left`` runs out at ``per_second``, rounded up to the whole second; None if it never does."""
    if left <= 0:
        return now
    if per_second <= 0:
        return None
    needed = left / per_second
    whole = -(-needed.numerator // needed.denominator)
    if whole > _NEVER_SECONDS:  # beyond any credit's validity (and beyond what datetime can hold)
        return None
    return now + timedelta(seconds=whole)


_NEVER_SECONDS = 100 * 366 * 86400


# invoices ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    credits: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


def totals(line_amounts: Iterable[Decimal], *, credit_available: Decimal, credit_eligible: Decimal,
           vat_rate: Decimal, currency: str) -> Totals:
    subtotal = sum(line_amounts, Decimal("0.00"))
    credits = max(Decimal("0.00"), min(credit_available, credit_eligible, subtotal))
    taxable = subtotal - credits
    tax = round_money(exact(taxable) * exact(vat_rate), currency)
    return Totals(subtotal, credits, vat_rate, tax, taxable + tax)


@dataclass(frozen=True)
class DailyUsage:
    day: date
    meter: str
    amount: Decimal


def daily(spans: list[Span], start: datetime, end: datetime, prices: PriceList, currency: str) -> list[DailyUsage]:
    """Charges per UTC day and meter (the estimate's chart): the usage rows of [start, end) added up per
    day and meter, so the days add up to the lines' amounts, each rounded once as on the invoice."""
    totals: dict[tuple[date, str], Decimal] = {}
    for row in usage_rows(spans, [(start, end)], start, end, prices, currency):
        key = (row.day, row.line.meter)
        totals[key] = totals.get(key, Decimal("0.00")) + row.amount
    return [DailyUsage(day, meter, amount) for (day, meter), amount in sorted(totals.items())]


@dataclass(frozen=True)
class UsageRow:
    """One day's usage of one invoice line (resource, meter, unit price) inside one billing window."""

    day: date
    line: RatedLine  # the day's exact usage; its ``start``/``end`` bound it
    amount: Decimal


def _cut_points(window_start: datetime, window_end: datetime, start: datetime) -> list[datetime]:
    points = {window_start, window_end}
    midnight = start_of_day(window_start) + timedelta(days=1)
    while midnight < window_end:
        points.add(midnight)
        midnight += timedelta(days=1)
    if window_start < start < window_end:
        points.add(start)
    return sorted(points)


def usage_rows(spans: list[Span], windows: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime,
               prices: PriceList, currency: str) -> list[UsageRow]:
    """Usage per UTC day and invoice line inside [start, end), each row inside one billing window.

    Rounding (the usage CSV's rule): a row's amount is the line's exact running total from its window's
    start to the row's end, rounded half up once, minus the same rounded running total at the row's
    start. The rows of a window therefore add up to ``round(exact line total)``: the invoice line's
    amount, to the cent, and no row is more than one minor unit away from its own exact value.
    """
    rows: list[UsageRow] = []
    for window_start, window_end in sorted(windows):
        hi = min(window_end, end)
        if hi <= max(window_start, start):
            continue
        running: dict[tuple[Any, ...], Fraction] = {}
        points = _cut_points(window_start, hi, start)
        for lo, piece_end in pairwise(points):
            for line in rate(spans, lo, piece_end, prices, currency):
                key = (line.subscription_id, line.resource_id, line.meter, line.unit_price)
                before = running.get(key, Fraction(0))
                running[key] = after = before + line.amount_exact
                if lo >= start:
                    rows.append(UsageRow(lo.date(), line, round_money(after, currency) - round_money(before, currency)))
    return rows


def cover(windows: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``windows`` plus the gaps of [start, end) none of them covers, as windows of their own."""
    result, cursor = [], start
    for lo, hi in sorted(windows):
        if lo > cursor and cursor < end:
            result.append((cursor, min(lo, end)))
        result.append((lo, hi))
        cursor = max(cursor, hi)
    if cursor < end:
        result.append((cursor, end))
    return result


@dataclass(frozen=True)
class CreditGrant:
    amount: Decimal
    granted_at: datetime
    expires_at: datetime
    used: Decimal = Decimal("0.00")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def left(self) -> Decimal:
        return self.amount - self.used


# Billing's records: what the billing repository stores and returns ------------------------------------------
class InvoiceStatus(StrEnum):
    DUE = "Due"
    PAID = "Paid"
    PAST_DUE = "PastDue"


@dataclass(frozen=True)
class BillingPeriod:
    """A subscription's current billing period (one row per subscription, rolled forward as invoices issue)."""

    subscription_id: str
    billing_account_id: str
    currency: str
    anchor_day: int
    period_start: datetime
    period_end: datetime
    dormant: bool
    first_period_end: datetime


@dataclass(frozen=True)
class InvoiceLine:
    line_no: int
    subscription_id: str
    resource_id: str
    meter: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    from_at: datetime
    to_at: datetime


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    invoice_number: str
    billing_account_id: str
    subscription_id: str
    period_start: datetime
    period_end: datetime
    invoice_date: date
    due_date: date
    issued_at: datetime
    currency: str
    subtotal: Decimal
    credits: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    status: InvoiceStatus
    paid_at: datetime | None = None
    lines: list[InvoiceLine] = field(default_factory=list)
    subscription_name: str | None = None  # as printed on the invoice (billing_0003; None: issued before it)


@dataclass(frozen=True)
class Credit:
    """An offer's credit on a subscription: the grant, what of it is used, and whether the spending limit holds."""

    subscription_id: str
    amount: Decimal
    used: Decimal
    granted_at: datetime
    expires_at: datetime
    limit_removed_at: datetime | None = None


@dataclass(frozen=True)
class PaymentProfile:
    """A billing account's card on file and its invoice numbering."""

    billing_account_id: str
    card_label: str = ""
    card_fails: bool = False
    invoice_sequence: int = 0

    @property
    def has_card(self) -> bool:
        return bool(self.card_label)  # an empty label: no card on file

    @property
    def declines(self) -> bool:
        """What a card payment would meet: a failing card, or none."""
        return self.card_fails or not self.has_card


@dataclass(frozen=True)
class SupportPlan:
    subscription_id: str
    plan: str
    auto_renew: bool
    started_at: datetime
    ended_at: datetime | None = None


# What a subscription's overview says about payment --------------------------------------------------------
OPEN_STATUSES = (InvoiceStatus.DUE, InvoiceStatus.PAST_DUE)  # what Settle pays
NOTICE_REASONS: frozenset[State | Reason] = frozenset({
    State.PAST_DUE, Reason.NON_PAYMENT, Reason.PAYMENT_OVERDUE_SOON, Reason.CREDIT_NEARLY_USED})


@dataclass(frozen=True)
class PaymentNotice:
    """Why a subscription is warned, past due or disabled for non-payment, and what settles it."""

    reason: State | Reason  # PastDue, NonPayment, PaymentOverdueSoon, CreditNearlyUsed
    open_total: Decimal
    currency: str
    disabled_on: date | None  # PastDue: the last day settling keeps the subscription enabled
    may_settle: bool


def notice_reason(sub: Subscription) -> State | Reason | None:
    """The payment-related reason a subscription's overview warns about, if it has one."""
    reason = sub.state_reason or sub.state
    return reason if reason in NOTICE_REASONS else None


def settle_by(due_date: date, grace_period_days: int) -> date:
    """The last day settling a past-due invoice still helps: the runner disables at 00:00 the day after."""
    return due_date + timedelta(days=grace_period_days)


def payment_notice(sub: Subscription, invoices: Iterable[Invoice], *, currency: str, grace_period_days: int,
                   account_admin: bool) -> PaymentNotice | None:
    """What the overview says about payment. Past due, disabled and settled are per billing account (a sibling's
    invoice makes this one past due, and Settle pays them all): ``invoices`` are the account's that the reader
    may see; only the Account Administrator may settle, and only what is open."""
    reason = notice_reason(sub)
    if reason is None:
        return None
    unpaid = [i for i in invoices if i.billing_account_id == sub.billing_account_id and i.status in OPEN_STATUSES]
    late = [i.due_date for i in unpaid if i.status is InvoiceStatus.PAST_DUE]
    disabled_on = settle_by(min(late), grace_period_days) if late and reason is State.PAST_DUE else None
    return PaymentNotice(reason, sum((i.total for i in unpaid), Decimal("0.00")), currency, disabled_on,
                         account_admin and reason is not Reason.CREDIT_NEARLY_USED and bool(unpaid))
