"""What a subscription's overview says about payment (domain.billing.payment_notice) and the lifecycle reads the
portal shows (domain.lifecycle.possible / is_cancelled / earliest_delete): pure, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from subplane.domain import billing, lifecycle
from subplane.domain.billing import Invoice, InvoiceStatus
from subplane.domain.lifecycle import LifecycleAction
from subplane.domain.lifecycle import Reason as R
from subplane.domain.lifecycle import State as S

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACCOUNT, OTHER = "ba-contoso", "ba-fabrikam"


def _sub(state=S.ENABLED, reason=None, **changes):
    base = lifecycle.Subscription("00000000-0000-0000-0000-000000000001", "Productie", "t", ACCOUNT, "MS-AZR-0003P",
                                  state, reason, NOW - timedelta(days=40))
    return replace(base, **changes)


def _invoice(number: str, total: str, status: InvoiceStatus, due: date, account: str = ACCOUNT) -> Invoice:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    return Invoice(f"inv-{number}", number, account, "sub-x", start, start + timedelta(days=31), date(2026, 11, 1), due,
                   start, "EUR", Decimal(total), Decimal("0.00"), Decimal("0.21"), Decimal("0.00"), Decimal(total),
                   status)


INVOICES = [
    _invoice("1", "100.00", InvoiceStatus.PAST_DUE, date(2026, 11, 15)),
    _invoice("2", "20.50", InvoiceStatus.PAST_DUE, date(2026, 11, 10)),
    _invoice("3", "7.25", InvoiceStatus.DUE, date(2026, 12, 15)),
    _invoice("4", "999.00", InvoiceStatus.PAID, date(2026, 10, 15)),  # paid: not owed
    _invoice("5", "555.00", InvoiceStatus.PAST_DUE, date(2026, 11, 1), account=OTHER),  # another account's
]


def _notice(sub, invoices=INVOICES, *, admin=True):
    return billing.payment_notice(sub, invoices, currency="EUR", grace_period_days=30, account_admin=admin)


@pytest.mark.parametrize(("state", "reason"), [(S.ENABLED, None), (S.DISABLED, R.CANCELLED),
                                               (S.DISABLED, R.SPENDING_LIMIT_REACHED), (S.DELETED, R.DELETED_BY_OWNER)])
def test_states_without_a_payment_story_say_nothing(state, reason):
    assert billing.notice_reason(_sub(state, reason)) is None
    assert _notice(_sub(state, reason)) is None


def test_past_due_totals_the_accounts_open_invoices_and_names_the_last_day_settling_helps():
    notice = _notice(_sub(S.PAST_DUE))
    assert notice.reason is S.PAST_DUE
    assert notice.open_total == Decimal("127.75")  # 100.00 + 20.50 + 7.25: not the paid one, not the other account's
    assert notice.currency == "EUR"
    assert notice.disabled_on == date(2026, 11, 10) + timedelta(days=30)  # the earliest past-due invoice's grace
    assert notice.may_settle is True


def test_only_the_account_administrator_may_settle():
    assert _notice(_sub(S.PAST_DUE), admin=False).may_settle is False


def test_disabled_for_non_payment_says_the_balance_but_no_day():
    notice = _notice(_sub(S.DISABLED, R.NON_PAYMENT))
    assert (notice.reason, notice.open_total, notice.disabled_on, notice.may_settle) == (
        R.NON_PAYMENT, Decimal("127.75"), None, True)


def test_a_nearly_used_credit_warns_but_offers_nothing_to_settle():
    notice = _notice(_sub(S.WARNED, R.CREDIT_NEARLY_USED))
    assert notice.reason is R.CREDIT_NEARLY_USED and notice.may_settle is False and notice.disabled_on is None


def test_a_warning_about_a_coming_payment_may_be_settled_when_something_is_open():
    assert _notice(_sub(S.WARNED, R.PAYMENT_OVERDUE_SOON)).may_settle is True
    nothing_open = _notice(_sub(S.WARNED, R.PAYMENT_OVERDUE_SOON), [INVOICES[3], INVOICES[4]])
    assert nothing_open.open_total == Decimal("0.00") and nothing_open.may_settle is False


def test_past_due_with_only_due_invoices_has_no_day_yet():
    notice = _notice(_sub(S.PAST_DUE), [INVOICES[2]])
    assert notice.disabled_on is None and notice.open_total == Decimal("7.25")


def test_what_is_possible_follows_the_transition_table():
    enabled, cancelled = _sub(), _sub(S.DISABLED, R.CANCELLED, cancelled_at=NOW)
    assert lifecycle.possible(enabled, LifecycleAction.CANCEL) and not lifecycle.possible(enabled, LifecycleAction.REACTIVATE)
    assert lifecycle.possible(cancelled, LifecycleAction.REACTIVATE)
    assert not lifecycle.possible(cancelled, LifecycleAction.CANCEL)  # a rule exists, but it changes nothing
    assert set(lifecycle.USER_ACTIONS) == {LifecycleAction.CANCEL, LifecycleAction.REACTIVATE, LifecycleAction.DELETE,
                                           LifecycleAction.RENAME, LifecycleAction.SWITCH_OFFER}


def test_cancelled_and_the_earliest_delete(offers):
    offer = offers.get("MS-AZR-0003P")
    enabled, cancelled = _sub(), _sub(S.DISABLED, R.CANCELLED, cancelled_at=NOW)
    assert not lifecycle.is_cancelled(enabled) and lifecycle.is_cancelled(cancelled)
    assert lifecycle.is_cancelled(_sub(S.DELETED, R.DELETED_BY_OPERATOR))  # deleted without a cancel first
    assert lifecycle.earliest_delete(enabled, offer) is None
    assert lifecycle.earliest_delete(cancelled, offer) == NOW + timedelta(minutes=offer.delete_min_wait_minutes)
    # the checklist uses the same instant
    check = lifecycle.delete_checklist(cancelled, offer=offer, now=NOW, resource_count=0, confirm_name="Productie")[0]
    assert check.code == "DeleteTooSoon" and (check.met is (offer.delete_min_wait_minutes == 0))
