"""Pure billing rules: periods, rating, price changes, rounding, credits, VAT, support months."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subplane.domain import billing as rules
from subplane.domain.errors import InvalidInput
from subplane.domain.metering import Meter, Span, check_priced, meters_for, reconcile
from subplane.domain.prices import PriceList, Unit
from subplane.domain.resources import AllocationMethod, PowerState, Resource, ResourceType

UTC = UTC


def load(overrides=()) -> PriceList:
    data = resources.files("subplane.data")
    return PriceList.from_data(json.loads(data.joinpath("prices.json").read_text()),
                               json.loads(data.joinpath("tax.json").read_text()), list(overrides))


PRICES = load()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


SPAN_START = at(2026, 1, 5)


def span(meter="vm/Standard_B2s", start=SPAN_START, end=None, quantity=1, resource="/r/vm1", sub="s1") -> Span:
    return Span(sub, resource, meter, quantity, start, end)


# periods -------------------------------------------------------------------------------------
@pytest.mark.parametrize("signed_up, periods", [
    (at(2026, 1, 5, 14), [(at(2026, 1, 5), at(2026, 2, 5)), (at(2026, 2, 5), at(2026, 3, 5))]),
    (at(2026, 1, 31, 9), [(at(2026, 1, 31), at(2026, 2, 28)), (at(2026, 2, 28), at(2026, 3, 31)),
                          (at(2026, 3, 31), at(2026, 4, 30))]),
    (at(2028, 1, 30), [(at(2028, 1, 30), at(2028, 2, 29)), (at(2028, 2, 29), at(2028, 3, 30))]),
    (at(2026, 12, 29), [(at(2026, 12, 29), at(2027, 1, 29)), (at(2027, 1, 29), at(2027, 2, 28))]),
])
def test_anniversary_periods_clamp_to_the_month_end(signed_up, periods):
    anchor = rules.anchor_day_for("anniversary", signed_up)
    period = rules.first_period(signed_up, anchor)
    for start, end in periods:
        assert (period.start, period.end) == (start, end)
        period = rules.period_containing(period, anchor, period.end)
    first = rules.first_period(signed_up, anchor)
    assert first.invoice_date == periods[0][1].date()  # the day after the period's last day
    assert first.due_date(10) == periods[0][1].date() + timedelta(days=10)


def test_azure_plan_bills_calendar_months():
    anchor = rules.anchor_day_for("calendar", at(2026, 3, 17, 8))
    period = rules.first_period(at(2026, 3, 17, 8), anchor)
    assert (period.start, period.end) == (at(2026, 3, 17), at(2026, 4, 1))
    assert rules.period_containing(period, anchor, at(2026, 5, 3)) == rules.Period(at(2026, 5, 1), at(2026, 6, 1))


# rating --------------------------------------------------------------------------------------
def test_a_span_is_billed_to_the_second_and_split_at_period_boundaries():
    vm = span(start=at(2026, 1, 20, 10), end=at(2026, 2, 10, 10, 0, 30))
    january = rules.rate([vm], at(2026, 1, 5), at(2026, 2, 5), PRICES, "EUR")
    february = rules.rate([vm], at(2026, 2, 5), at(2026, 3, 5), PRICES, "EUR")
    assert january[0].quantity == Decimal("374.000000")  # 15 days 14 hours
    assert february[0].quantity == Decimal("130.008333")  # 5 days 10 hours and 30 seconds
    assert january[0].amount("EUR") == Decimal("15.56")  # 374 h x 0.0416
    assert february[0].amount("EUR") == Decimal("5.41")  # 130.0083 h x 0.0416 = 5.40834...
    assert (january[0].start, january[0].end) == (at(2026, 1, 20, 10), at(2026, 2, 5))


def test_a_price_change_mid_period_splits_the_line():
    cheaper = {"priceLists": [{"effectiveFrom": "2026-01-15T00:00:00Z", "EUR": {"vm/Standard_B2s": "0.0400"}}]}
    prices = load([cheaper])
    lines = rules.rate([span(start=at(2026, 1, 10))], at(2026, 1, 5), at(2026, 1, 20), prices, "EUR")
    assert [(item.unit_price, item.quantity, item.amount("EUR")) for item in lines] == [
        (Decimal("0.0416"), Decimal("120.000000"), Decimal("4.99")),
        (Decimal("0.0400"), Decimal("120.000000"), Decimal("4.80"))]


def test_storage_is_billed_per_gib_month_from_the_bytes_stored():
    stored = span(meter="storage/Standard_LRS", quantity=512 * 1024**3, start=at(2026, 1, 1))
    line, = rules.rate([stored], at(2026, 1, 1), at(2026, 1, 1) + timedelta(hours=730), PRICES, "EUR")
    assert line.unit is Unit.GB_MONTH and line.quantity == Decimal("512.000000")
    assert line.amount("EUR") == Decimal("9.73")  # 512 x 0.019


def test_support_plans_bill_each_started_month_in_full():
    plan = span(meter="support/Standard", start=at(2026, 1, 31, 12), end=at(2026, 3, 2), resource="/support")
    lines = rules.rate([plan], at(2026, 1, 1), at(2026, 4, 1), PRICES, "EUR")
    # months start Jan 31 and Feb 28 (clamped); ended on Mar 2, inside the second month: billed in full, no proration
    assert [(item.quantity, item.amount("EUR")) for item in lines] == [(Decimal("2.000000"), Decimal("186.00"))]
    assert [s for s, _ in rules.month_steps(plan, at(2026, 1, 1), at(2026, 4, 1))] == [at(2026, 1, 31, 12), at(2026, 2, 28, 12)]
    assert rules.rate([plan], at(2026, 3, 1), at(2026, 4, 1), PRICES, "EUR") == []


def test_a_plan_bought_and_ended_at_one_instant_has_started_its_month_and_is_billed_once():
    """The emulator's clock stands still between commands: buying a plan and cancelling at once is a
    zero-length span. Its month has started: billed once, in the window holding that instant."""
    instant = at(2026, 1, 10)
    plan = span(meter="support/Developer", start=instant, end=instant, resource="/support")
    before = rules.rate([plan], at(2026, 1, 1), instant, PRICES, "EUR")
    after = rules.rate([plan], instant, at(2026, 2, 1), PRICES, "EUR")
    assert before == [] and [item.amount("EUR") for item in after] == [Decimal("27.00")]
    up_to_now = rules.rate([plan], at(2026, 1, 1), instant, PRICES, "EUR", through_end=True)  # an estimate at that instant
    assert [item.amount("EUR") for item in up_to_now] == [Decimal("27.00")]


def test_rounding_is_half_up_once_per_line():
    assert rules.round_money(Fraction(5, 1000)) == Decimal("0.01")
    assert rules.round_money(Fraction(4999, 1000000)) == Decimal("0.00")
    assert rules.round_money(Fraction(-5, 1000)) == Decimal("-0.01")
    assert rules.round_money(Fraction(12345, 10), "JPY") == Decimal("1235")


def test_vat_and_credits_add_up():
    totals = rules.totals([Decimal("10.05"), Decimal("3.33")], credit_available=Decimal("5.00"),
                          credit_eligible=Decimal("13.38"), vat_rate=PRICES.vat_rate("NL"), currency="EUR")
    assert (totals.subtotal, totals.credits, totals.tax, totals.total) == (
        Decimal("13.38"), Decimal("5.00"), Decimal("1.76"), Decimal("10.14"))
    covered = rules.totals([Decimal("3.00")], credit_available=Decimal("200"), credit_eligible=Decimal("3.00"),
                           vat_rate=Decimal("0.21"), currency="EUR")
    assert covered.credits == Decimal("3.00") and covered.total == Decimal("0.00")


def test_unknown_sizes_countries_and_currencies_are_errors_not_zero():
    vm = Resource("/r/vm", "s1", "rg", ResourceType.VIRTUAL_MACHINE, "vm", "westeurope", at(2026, 1, 1),
                  vm_size="Standard_Z99", power_state=PowerState.RUNNING)
    with pytest.raises(InvalidInput) as refused:
        check_priced(vm, currency="EUR", prices=PRICES)
    assert refused.value.code == "UnknownMeter"
    with pytest.raises(InvalidInput):
        PRICES.schedule("vm/Standard_B2s", "GBP")
    with pytest.raises(InvalidInput):
        PRICES.vat_rate("XX")


def test_meters_follow_resource_state():
    vm = Resource("/r/vm", "s1", "rg", ResourceType.VIRTUAL_MACHINE, "vm", "we", at(2026, 1, 1), vm_size="Standard_B2s",
                  power_state=PowerState.DEALLOCATED)
    ip = Resource("/r/ip", "s1", "rg", ResourceType.PUBLIC_IP, "ip", "we", at(2026, 1, 1), sku="Basic",
                  allocation_method=AllocationMethod.DYNAMIC, ip_address=None)
    assert meters_for(vm, stored_bytes=0, prices=PRICES) == [] and meters_for(ip, stored_bytes=0, prices=PRICES) == []
    disk = Resource("/r/d", "s1", "rg", ResourceType.DISK, "d", "we", at(2026, 1, 1), sku="Premium_LRS", disk_size_gb=100)
    assert meters_for(disk, stored_bytes=0, prices=PRICES) == [Meter("/r/d", "disk/Premium_LRS/P10", 1)]
    changes = reconcile([span(meter="storage/Standard_LRS", quantity=10)], [Meter("/r/vm1", "storage/Standard_LRS", 20)])
    assert [s.quantity for s in changes.close] == [10] and [m.quantity for m in changes.open] == [20]


# properties ----------------------------------------------------------------------------------
METERS = ["vm/Standard_B1s", "vm/Standard_D2s_v5", "ip/Basic/Dynamic", "storage/Standard_LRS", "disk/Premium_LRS/P10",
          "support/Developer"]
BASE = at(2026, 1, 1)
offsets = st.integers(min_value=0, max_value=90 * 86400)


@st.composite
def spans_strategy(draw):
    result = []
    for index in range(draw(st.integers(1, 6))):
        start = draw(offsets)
        length = draw(st.one_of(st.none(), st.integers(1, 60 * 86400)))
        meter = draw(st.sampled_from(METERS))
        quantity = draw(st.integers(1, 5 * 1024**4)) if meter.startswith("storage") else 1
        end = None if length is None else BASE + timedelta(seconds=start + length)
        result.append(span(meter=meter, start=BASE + timedelta(seconds=start), end=end, quantity=quantity,
                           resource=f"/r/{index}"))
    return result


@settings(max_examples=150, deadline=None)
@given(spans_strategy(), offsets, offsets, offsets)
def test_billing_a_to_c_equals_a_to_b_plus_b_to_c_before_rounding(spans, x, y, z):
    a, b, c = (BASE + timedelta(seconds=s) for s in sorted((x, y, z)))
    whole = rules.accrued(spans, a, c, PRICES, "EUR")
    assert whole == rules.accrued(spans, a, b, PRICES, "EUR") + rules.accrued(spans, b, c, PRICES, "EUR")


@settings(max_examples=150, deadline=None)
@given(spans_strategy(), offsets, st.integers(0, 400), st.sampled_from(["NL", "DE", "US"]))
def test_invoice_total_is_lines_minus_credits_plus_tax_exactly(spans, cut, credit, country):
    end = BASE + timedelta(seconds=cut)
    lines = rules.rate(spans, BASE, end, PRICES, "EUR")
    amounts = [item.amount("EUR") for item in lines]
    totals = rules.totals(amounts, credit_available=Decimal(credit), credit_eligible=sum(amounts, Decimal(0)),
                          vat_rate=PRICES.vat_rate(country), currency="EUR")
    assert totals.subtotal == sum(amounts, Decimal("0.00"))
    assert totals.total == totals.subtotal - totals.credits + totals.tax
    assert Decimal(0) <= totals.credits <= min(Decimal(credit), totals.subtotal)
    assert all(a == a.quantize(Decimal("0.01")) for a in (*amounts, totals.tax, totals.total))


@settings(max_examples=150, deadline=None)
@given(spans_strategy(), offsets)
def test_nothing_after_a_cancel_instant_is_billed(spans, cancel_offset):
    cancel = BASE + timedelta(seconds=cancel_offset)
    closed = [s if s.end is not None and s.end <= cancel else Span(s.subscription_id, s.resource_id, s.meter, s.quantity,
                                                                    s.start, max(s.start, cancel))
              for s in spans if s.start <= cancel]
    far = BASE + timedelta(days=400)
    usage = [s for s in closed if PRICES.unit(s.meter) is not Unit.MONTH_STEP]
    assert rules.accrued(usage, cancel, far, PRICES, "EUR") == 0  # no time after the cancel instant is billed
    # a monthly plan is billed per started month: only a month that started at the cancel instant itself
    # (the plan was bought then) can be charged from it on, never one that starts after it
    assert rules.accrued(closed, cancel + timedelta(microseconds=1), far, PRICES, "EUR") == 0
    assert all(item.end <= cancel or item.unit is Unit.MONTH_STEP for item in rules.rate(closed, BASE, far, PRICES, "EUR"))


# usage rows (the CSV) against invoice lines ----------------------------------------------------
def test_usage_rows_add_up_to_the_invoice_line_where_rounding_each_day_does_not():
    vm = [span(meter="vm/Standard_B2s", start=at(2026, 1, 1, 2), end=at(2026, 1, 6, 6))]
    end = at(2026, 1, 7)
    invoice = rules.charged(vm, BASE, end, PRICES, "EUR")
    each_day_rounded = sum(rules.charged(vm, at(2026, 1, d), at(2026, 1, d + 1), PRICES, "EUR") for d in range(1, 7))
    assert each_day_rounded != invoice  # the old rule: each day rounded on its own drifts by a cent
    assert sum(d.amount for d in rules.daily(vm, BASE, end, PRICES, "EUR")) == invoice  # the chart's days agree
    rows = rules.usage_rows(vm, [(BASE, end)], BASE, end, PRICES, "EUR")
    assert sum(r.amount for r in rows) == invoice == Decimal("5.16")
    assert [r.day.day for r in rows] == [1, 2, 3, 4, 5, 6]


def test_usage_rows_are_cut_at_window_edges_and_never_reach_before_start():
    vm = [span(start=at(2026, 1, 1), end=at(2026, 1, 3))]
    switch = at(2026, 1, 2, 15, 30)  # a switch-day invoice ends mid-day; the next window starts there
    windows = [(BASE, switch), (switch, at(2026, 2, 2))]
    rows = rules.usage_rows(vm, windows, at(2026, 1, 2, 12), at(2026, 1, 5), PRICES, "EUR")
    assert [(r.line.start, r.line.end) for r in rows] == [(at(2026, 1, 2, 12), switch), (switch, at(2026, 1, 3))]
    assert rules.cover(windows[1:], at(2026, 1, 1), at(2026, 3, 1)) == [
        (at(2026, 1, 1), switch), windows[1], (at(2026, 2, 2), at(2026, 3, 1))]


@settings(max_examples=150, deadline=None)
@given(spans_strategy(), offsets, st.integers(1, 45 * 86400), st.integers(1, 6 * 3600))
def test_usage_rows_of_a_window_sum_to_its_invoice_subtotal_to_the_cent(spans, window_offset, length, second_cut):
    start = BASE + timedelta(seconds=window_offset)  # any instant: switch-day windows start mid-day
    end = start + timedelta(seconds=length)
    subtotal = sum((item.amount("EUR") for item in rules.rate(spans, start, end, PRICES, "EUR")), Decimal("0.00"))
    rows = rules.usage_rows(spans, [(start, end)], start, end, PRICES, "EUR")
    assert sum((r.amount for r in rows), Decimal("0.00")) == subtotal
    assert all(abs(rules.exact(r.amount) - r.line.amount_exact) < Fraction(1, 100) for r in rows)
    # a second window right after it keeps its own sum
    later = rules.usage_rows(spans, [(start, end), (end, end + timedelta(seconds=second_cut))], start,
                             end + timedelta(seconds=second_cut), PRICES, "EUR")
    assert sum((r.amount for r in later if r.line.start < end), Decimal("0.00")) == subtotal
