"""Budgets (issue 16 item 4): Microsoft.Consumption budgets at subscription and resource-group scope; crossing a
threshold as the clock advances mails and emits one event per threshold per period; nothing after a cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subplane.domain.access import OPERATOR
from subplane.services.budgets import BUDGET_THRESHOLD_CROSSED

from .conftest import ACTION_VERSION

VERSION = "2024-08-01"


# these tests read calendar positions (November's days, a monthly budget's periods): their clock starts here
NOVEMBER_10 = datetime(2026, 11, 10, 9, tzinfo=UTC)


@pytest.fixture
def arm(arm_from):
    return arm_from(NOVEMBER_10)


def _path(sub: str, name: str = "", group: str | None = None) -> str:
    base = f"/subscriptions/{sub}" + (f"/resourceGroups/{group}" if group else "")
    return f"{base}/providers/Microsoft.Consumption/budgets" + (f"/{name}" if name else "")


def _budget(amount: float = 100, thresholds=(50, 100), start: str = "2026-11-01T00:00:00Z", **extra) -> dict:
    return {"properties": {"category": "Cost", "amount": amount, "timeGrain": extra.pop("grain", "Monthly"),
                           "timePeriod": {"startDate": start, "endDate": "2027-11-01T00:00:00Z"},
                           "notifications": {f"at{t}": {"enabled": True, "operator": "GreaterThan", "threshold": t,
                                                        "contactEmails": ["finops@contoso.example"]}
                                             for t in thresholds}, **extra}}


def _crossings(app, sub: str, budget: str | None = None) -> list[dict]:
    with app.uow(read_only=True) as uow:
        return [r["data"] for r in uow.outbox.list(subscription_id=sub, limit=10_000)
                if r["type"] == BUDGET_THRESHOLD_CROSSED and budget in (None, r["data"]["budgetName"])]


def test_create_get_list_and_replace(arm):
    sub = arm.subscription_id("Productie")
    created = arm.call("PUT", _path(sub, "monthly"), version=VERSION, json=_budget())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["type"] == "Microsoft.Consumption/budgets" and body["properties"]["amount"] == 100
    assert set(body["properties"]["notifications"]) == {"at50", "at100"}
    assert body["properties"]["currentSpend"]["unit"] == "EUR"
    replaced = arm.call("PUT", _path(sub, "monthly"), version=VERSION, json=_budget(amount=250, thresholds=(80,)))
    assert replaced.status_code == 200 and replaced.json()["properties"]["amount"] == 250
    etag = replaced.json()["eTag"]
    assert etag != body["eTag"] and arm.call("GET", _path(sub, "monthly"), version=VERSION).json()["eTag"] == etag
    listed = arm.call("GET", _path(sub), version=VERSION).json()["value"]
    assert [b["name"] for b in listed] == ["monthly", "productie-monthly"]  # with the demo's own
    assert arm.call("GET", _path(sub, "monthly"), version=VERSION, role="reader").status_code == 200
    assert arm.call("DELETE", _path(sub, "monthly"), version=VERSION).status_code == 200
    assert arm.call("GET", _path(sub, "monthly"), version=VERSION).status_code == 404


def test_thresholds_fire_once_per_period_with_mail_and_event(arm):
    sub = arm.subscription_id("Productie")
    assert arm.call("PUT", _path(sub, "tight"), version=VERSION, json=_budget(amount=20)).status_code == 201
    arm.app.clock_control.advance(timedelta(days=2))
    first = _crossings(arm.app, sub, "tight")
    arm.app.clock_control.advance(timedelta(days=6))
    crossed = _crossings(arm.app, sub, "tight")
    assert [c["notification"] for c in crossed] == ["at50", "at100"] and len(first) <= len(crossed)
    assert all(c["periodStart"].startswith("2026-11-01") for c in crossed)
    from decimal import Decimal
    assert Decimal(crossed[1]["spent"]) > Decimal("20") > Decimal(crossed[0]["spent"]) > Decimal("10")
    arm.app.clock_control.advance(timedelta(days=5))
    assert len(_crossings(arm.app, sub, "tight")) == 2  # still November: each threshold once
    arm.app.clock_control.advance(timedelta(days=20))  # December: a new period
    december = [c for c in _crossings(arm.app, sub, "tight") if c["periodStart"].startswith("2026-12-01")]
    assert [c["notification"] for c in december] == ["at50", "at100"]
    arm.app.notifications.render_new()
    mails = [m for m in arm.app.notifications.list(subscription_id=sub)
             if m["kind"] == "budgetThresholdCrossed" and "tight" in m["subject"]]
    assert len(mails) == 4 and all("finops@contoso.example" in m["recipient"] for m in mails)
    # the demo's own budget (EUR 100 from the 1st; Productie spends about EUR 3.70 a day from the 10th) stays below 80%
    assert _crossings(arm.app, sub, "productie-monthly") == []


def test_nothing_is_sent_after_a_cancel(arm):
    sub = arm.subscription_id("Productie")
    arm.call("PUT", _path(sub, "late"), version=VERSION, json=_budget(amount=1000, thresholds=(90,)))
    cancel = arm.call("POST", f"/subscriptions/{sub}/providers/Microsoft.Subscription/cancel", version=ACTION_VERSION,
                      params={"IgnoreResourceCheck": "true"})
    assert cancel.status_code == 200
    arm.app.clock_control.advance(timedelta(days=60))
    assert _crossings(arm.app, sub) == []  # the demo's budget neither: nothing accrues after the cancel
    blocked = arm.call("PUT", _path(sub, "another"), version=VERSION, json=_budget())
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "ReadOnlyDisabledSubscription"


def test_a_resource_group_budget_counts_only_its_group(arm):
    sub = arm.subscription_id("Productie")
    with arm.app.uow(read_only=True) as uow:
        group = uow.resources.list_groups(sub)[0].name
    put = arm.call("PUT", _path(sub, "rg", group), version=VERSION, json=_budget(amount=100000))
    assert put.status_code == 201, put.text
    arm.app.clock_control.advance(timedelta(days=3))
    spent_group = arm.call("GET", _path(sub, "rg", group), version=VERSION).json()["properties"]["currentSpend"]
    usage = arm.app.billing.usage(actor=OPERATOR, ref=sub)
    from decimal import Decimal
    expected = sum((Decimal(r["amount"]) for r in usage if f"/resourcegroups/{group.lower()}/" in
                    r["resourceId"].lower() and r["date"] >= "2026-11-01"), Decimal(0))
    assert Decimal(str(spent_group["amount"])) == expected > 0
    assert arm.call("GET", _path(sub, "rg", "no-such-group"), version=VERSION).status_code == 404


@pytest.mark.parametrize("change, code", [
    ({"amount": -5}, "InvalidBudgetAmount"), ({"grain": "Weekly"}, "InvalidTimeGrain"),
    ({"start": "2026-11-15T00:00:00Z"}, "InvalidTimePeriod"), ({"thresholds": (0,)}, "InvalidNotificationThreshold"),
    ({"thresholds": (10, 20, 30, 40, 50, 60)}, "TooManyNotifications"), ({"category": "Usage"}, "InvalidBudgetCategory"),
])
def test_invalid_budgets_are_refused_and_change_nothing(arm, change, code):
    sub = arm.subscription_id("Productie")
    body = _budget(**{k: v for k, v in change.items() if k != "category"})
    if "category" in change:
        body["properties"]["category"] = change["category"]
    answer = arm.call("PUT", _path(sub, "bad"), version=VERSION, json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    assert [b["name"] for b in arm.call("GET", _path(sub), version=VERSION).json()["value"]] == ["productie-monthly"]


def test_a_reader_may_not_write_a_budget(arm):
    sub = arm.subscription_id("Productie")
    assert arm.call("PUT", _path(sub, "mine"), role="reader", version=VERSION, json=_budget()).status_code == 403
