"""The founding story on awkward calendar dates, on SQLite and PostgreSQL.

Sign up, run, cancel mid-period, the final invoice on the usual date, retention, reminders 7 and 1 days
before deletion, the purge; starting at month ends, on a leap day, on both European DST switches and
across New Year. What must hold on every date: billing periods tile with no gap or overlap, each invoice
lands on the day its period ends, the final one covers the cancel instant and nothing after it, deletion
comes exactly 30 or 90 days after the cancel instant, invoice numbers run on across the year, and the
portal shows the instants in Amsterdam time while storing UTC.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subplane import demo
from subplane import settings as settings_module
from subplane.bootstrap import build_app
from subplane.domain import billing as rules
from subplane.domain.access import OPERATOR
from subplane.domain.lifecycle import Reason, State
from subplane.services.subscriptions import DELETION_REMINDER, RETENTION_EXPIRY

from ...portal.helpers import PortalClient

UTC = UTC
STARTS = {
    "31-january": datetime(2026, 1, 31, 10, 0, tzinfo=UTC),
    "28-february": datetime(2026, 2, 28, 10, 0, tzinfo=UTC),
    "29-february-leap": datetime(2028, 2, 29, 10, 0, tzinfo=UTC),
    "31-march": datetime(2026, 3, 31, 10, 0, tzinfo=UTC),
    # half an hour before the switch to summer time (01:00 UTC): sign-up in CET, the cancel in CEST
    "last-sunday-of-march": datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    # half an hour before the switch back: sign-up in CEST, the cancel in CET
    "last-sunday-of-october": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    "30-november": datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
    # 23:30 UTC is already New Year's Day in Amsterdam
    "31-december": datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
}
# Pay-As-You-Go runs past one period end and is cancelled mid-period; the trial inside its 30 days
RUN_BEFORE_CANCEL = {"Productie": timedelta(days=40, hours=5, minutes=17), "Proefversie": timedelta(days=12, hours=3)}
RETENTION = {"Productie": 90, "Proefversie": 30}


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() + 1) % 7)


def amsterdam_offset(instant: datetime) -> tuple[timedelta, str]:
    """The EU rule, written out independently of zoneinfo: CEST from 01:00 UTC on the last Sunday of
    March to 01:00 UTC on the last Sunday of October, else CET."""
    summer_from = datetime.combine(_last_sunday(instant.year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    summer_until = datetime.combine(_last_sunday(instant.year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return (timedelta(hours=2), "CEST") if summer_from <= instant < summer_until else (timedelta(hours=1), "CET")


def shown_in_amsterdam(instant: datetime) -> str:
    """Day, time and zone as the English portal writes them ("1 January 2027 00:30 CET")."""
    offset, name = amsterdam_offset(instant)
    local = instant + offset
    return f"{local.day} {calendar.month_name[local.month]} {local.year} {local:%H:%M} {name}"


def expected_period_end(start: datetime, anchor_day: int) -> datetime:
    """Next month's anchor day (clamped to its length) at 00:00 UTC, written out for the test."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return datetime(year, month, min(anchor_day, calendar.monthrange(year, month)[1]), tzinfo=UTC)


def invoices_of(app, subscription_id: str | None = None):
    listed = app.billing.list_invoices(actor=OPERATOR, subscription=subscription_id)
    return sorted((app.billing.get_invoice(actor=OPERATOR, ref=i.invoice_id) for i in listed),
                  key=lambda i: (i.invoice_date, i.invoice_number))


@pytest.mark.parametrize("start", list(STARTS.values()), ids=list(STARTS))
def test_the_founding_story_holds_on_every_calendar_date(make_app, start):
    app = make_app(clock_start=start)
    demo.seed(app)
    subs = {name: app.subscriptions.get(actor=OPERATOR, ref=name) for name in RETENTION}
    assert all(s.created_at == start for s in subs.values())

    cancelled_at, ran = {}, []
    for name in sorted(RETENTION, key=RUN_BEFORE_CANCEL.get):  # the trial first, inside its 30 days
        ran += app.clock_control.advance(start + RUN_BEFORE_CANCEL[name] - app.clock_control.now()).jobs
        cancelled = app.subscriptions.cancel(actor=OPERATOR, ref=name, reason="kalender",
                                             turn_off_resources=True).subscription
        assert cancelled.cancelled_at == start + RUN_BEFORE_CANCEL[name]
        assert cancelled.deletion_date == cancelled.cancelled_at + timedelta(days=RETENTION[name])  # exactly, UTC
        cancelled_at[name] = cancelled.cancelled_at
    cancel_at = cancelled_at["Productie"]

    portal = PortalClient(app, language="en")
    portal.sign_in("admin")
    overview = portal.get(f"/subscriptions/{subs['Productie'].subscription_id}").text
    for instant in (start, cancel_at, cancel_at + timedelta(days=90)):
        assert shown_in_amsterdam(instant) in overview, (instant, re.findall(r"<dd>[^<]*(?:CET|CEST)", overview))

    ran += app.clock_control.advance(timedelta(days=95)).jobs
    for name, days in RETENTION.items():
        sid, deletion = subs[name].subscription_id, cancelled_at[name] + timedelta(days=days)
        reminders = sorted(j.due_at for j in ran if j.kind == DELETION_REMINDER and j.subject == sid)
        assert reminders == [deletion - timedelta(days=7), deletion - timedelta(days=1)], name
        expiry, = [j for j in ran if j.kind == RETENTION_EXPIRY and j.subject == sid]
        assert expiry.due_at == deletion and expiry.ran_at == deletion
        gone = app.subscriptions.get(actor=OPERATOR, ref=sid)
        assert (gone.state, gone.state_reason, gone.state_changed_at) == (State.DELETED, Reason.RETENTION_EXPIRED,
                                                                          deletion)

    productie = invoices_of(app, subs["Productie"].subscription_id)
    _assert_periods_tile(productie, signed_up=start, anchor_day=start.day, cancel_at=cancel_at)
    _assert_numbers_run_on(invoices_of(app))


def _assert_periods_tile(invoices, *, signed_up: datetime, anchor_day: int, cancel_at: datetime) -> None:
    assert invoices, "a subscription that ran 40 days has invoices"
    assert invoices[0].period_start == rules.start_of_day(signed_up)
    for earlier, later in pairwise(invoices):
        assert later.period_start == earlier.period_end  # no gap, no overlap
    for invoice in invoices:
        assert invoice.period_end == expected_period_end(invoice.period_start, anchor_day)
        assert invoice.invoice_date == invoice.period_end.date()  # issued on the usual date, never at the cancel
        assert invoice.issued_at == invoice.period_end
        assert invoice.subtotal == sum(line.amount for line in invoice.lines)
        assert all(line.to_at <= min(invoice.period_end, cancel_at) for line in invoice.lines)
    final = invoices[-1]
    assert final.period_start <= cancel_at < final.period_end  # the final invoice covers the cancel, nothing later


def _assert_numbers_run_on(invoices) -> None:
    numbers = [i.invoice_number for i in invoices]
    assert len(set(numbers)) == len(numbers)
    prefix = {n.split("-")[0] for n in numbers}
    assert len(prefix) == 1, "one billing account: one number series"
    sequence = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequence == list(range(1, len(numbers) + 1)), "numbers run on across month and year ends"
    by_date = [int(i.invoice_number.split("-")[1]) for i in invoices]
    assert by_date == sorted(by_date), "a later invoice date never has a smaller number"


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31, 23, 59, 59),
                          timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)),
       run_seconds=st.integers(min_value=1, max_value=75 * 86400))
def test_invoices_add_up_to_the_usage_until_the_cancel_instant(tmp_path_factory, start, run_seconds):
    """On any start and cancel instant: the final and earlier invoices bill, to the cent, the usage the
    usage CSV showed at the cancel instant, and the VMs' hours are the seconds they ran."""
    app = build_app(settings_module.load(env={}, data_dir=tmp_path_factory.mktemp("property"), clock_start=start))
    try:
        demo.seed(app)
        productie = app.subscriptions.get(actor=OPERATOR, ref="Productie")
        app.clock_control.advance(timedelta(seconds=run_seconds))
        used = app.billing.usage(actor=OPERATOR, ref="Productie", start=productie.created_at)
        cancelled = app.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="p",
                                             turn_off_resources=True).subscription
        app.clock_control.advance(timedelta(days=100))
        invoices = invoices_of(app, productie.subscription_id)
        assert sum((line.amount for i in invoices for line in i.lines), Decimal(0)) == \
            sum((Decimal(row["amount"]) for row in used), Decimal(0))
        assert invoices[-1].period_start <= cancelled.cancelled_at < invoices[-1].period_end
        vm_hours = sum((line.quantity for i in invoices for line in i.lines if line.meter == "vm/Standard_B2s"),
                       Decimal(0))
        assert abs(vm_hours * 3600 - run_seconds) <= Decimal("0.0036") * len(invoices)  # hours shown to 6 places
    finally:
        app.close()
