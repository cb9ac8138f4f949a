"""Cost Management's query (issue 16 item 3): ActualCost by day and grouped, over subscription, resource-group and
billing-account scopes, agreeing to the cent with the invoices and the usage rows; paging; refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from subplane.domain.access import OPERATOR

VERSION = "2025-03-01"


# these tests read calendar positions (November's days, a monthly budget's periods): their clock starts here
NOVEMBER_10 = datetime(2026, 11, 10, 9, tzinfo=UTC)


@pytest.fixture
def arm(arm_from):
    return arm_from(NOVEMBER_10)


def _path(scope: str) -> str:
    return f"{scope}/providers/Microsoft.CostManagement/query"


def _body(timeframe: str = "MonthToDate", *, daily: bool = True, group: list[str] | None = None,
          period: tuple[str, str] | None = None) -> dict:
    dataset: dict = {"aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}}}
    if daily:
        dataset["granularity"] = "Daily"
    if group:
        dataset["grouping"] = [{"type": "Dimension", "name": name} for name in group]
    body: dict = {"type": "ActualCost", "timeframe": timeframe, "dataset": dataset}
    if period:
        body["timePeriod"] = {"from": period[0], "to": period[1]}
    return body


def _run(arm, scope: str, body: dict, role: str = "owner") -> dict:
    answer = arm.call("POST", _path(scope), role=role, version=VERSION, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _total(result: dict) -> Decimal:
    names = [c["name"] for c in result["properties"]["columns"]]
    return sum((Decimal(str(row[names.index("totalCost")])) for row in result["properties"]["rows"]), Decimal(0))


@pytest.fixture
def billed(arm):
    """Ten days of usage on the demo's subscriptions."""
    arm.app.clock_control.advance(timedelta(days=10))
    return arm


def test_daily_cost_of_a_subscription_equals_its_usage_rows(billed):
    arm = billed
    sub = arm.subscription_id("Productie")
    result = _run(arm, f"/subscriptions/{sub}", _body("Custom", period=("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z")))
    columns = [(c["name"], c["type"]) for c in result["properties"]["columns"]]
    assert columns == [("totalCost", "Number"), ("UsageDate", "Number"), ("Currency", "String")]
    days = [row[1] for row in result["properties"]["rows"]]
    assert days == sorted(days) and len(days) == len(set(days)) >= 10 and all(20261101 <= d <= 20261130 for d in days)
    usage = arm.app.billing.usage(actor=OPERATOR, ref=sub)
    in_window = sum((Decimal(r["amount"]) for r in usage if "2026-11-01" <= r["date"] <= "2026-11-30"), Decimal(0))
    assert _total(result) == in_window > 0


def test_grouped_by_resource_group_and_meter_category_and_scoped_to_a_group(billed):
    arm = billed
    sub = arm.subscription_id("Productie")
    grouped = _run(arm, f"/subscriptions/{sub}", _body(daily=False, group=["ResourceGroupName", "MeterCategory"]))
    names = [c["name"] for c in grouped["properties"]["columns"]]
    assert names == ["totalCost", "ResourceGroupName", "MeterCategory", "Currency"]
    groups = {row[1] for row in grouped["properties"]["rows"]}
    assert groups and all(isinstance(g, str) for g in groups)
    group = sorted(groups)[0]
    scoped = _run(arm, f"/subscriptions/{sub}/resourceGroups/{group}", _body(daily=False))
    assert _total(scoped) == sum((Decimal(str(r[0])) for r in grouped["properties"]["rows"] if r[1] == group),
                                 Decimal(0))
    assert _total(scoped) <= _total(_run(arm, f"/subscriptions/{sub}", _body(daily=False)))


def test_a_billing_account_sums_its_subscriptions_and_agrees_with_the_invoices(arm):
    account = arm.demo["billingAccountId"]
    arm.app.clock_control.advance(timedelta(days=40))  # every demo subscription has had an invoice by now
    invoices = arm.app.billing.list_invoices(actor=OPERATOR)
    assert invoices
    invoice = invoices[0]
    period = (invoice.period_start.isoformat(), invoice.period_end.isoformat())
    by_sub = _run(arm, f"/subscriptions/{invoice.subscription_id}", _body("Custom", daily=False, period=period))
    assert _total(by_sub) == invoice.subtotal
    whole = _run(arm, f"/providers/Microsoft.Billing/billingAccounts/{account}",
                 _body("Custom", daily=False, group=["SubscriptionId"], period=period))
    per_sub = {row[1]: Decimal(str(row[0])) for row in whole["properties"]["rows"]}
    assert per_sub[invoice.subscription_id] == invoice.subtotal and len(per_sub) >= 2


def test_rows_page_through_next_link(billed):
    arm = billed
    sub = arm.subscription_id("Productie")
    body = _body("Custom", period=("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z"))
    first = arm.call("POST", _path(f"/subscriptions/{sub}"), version=VERSION, json=body, params={"$top": "3"}).json()
    rows, link = list(first["properties"]["rows"]), first["properties"].get("nextLink")
    while link:
        page = arm.client.post(link, json=body, headers={"Authorization": f"Bearer {arm.token()}"}).json()
        rows += page["properties"]["rows"]
        link = page["properties"].get("nextLink")
    assert len(first["properties"]["rows"]) == 3 and len(rows) >= 10
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)


@pytest.mark.parametrize("body", [
    {"type": "ActualCost", "timeframe": "Yesterday"},
    {"type": "Forecast", "timeframe": "MonthToDate"},
    {"type": "ActualCost", "timeframe": "Custom"},
    {"type": "ActualCost", "timeframe": "MonthToDate", "dataset": {"grouping": [{"type": "Dimension", "name": "Colour"}]}},
    {"type": "ActualCost", "timeframe": "MonthToDate",
     "dataset": {"aggregation": {"x": {"name": "Price", "function": "Sum"}}}},
    {"timeframe": "MonthToDate"},
])
def test_queries_the_service_cannot_answer_are_refused(arm, body):
    sub = arm.subscription_id("Productie")
    answer = arm.call("POST", _path(f"/subscriptions/{sub}"), version=VERSION, json=body)
    assert answer.status_code == 400, answer.text


def test_reading_costs_needs_read_on_the_scope(arm):
    stranger = "00000000-0000-0000-0000-0000000000ff"
    assert arm.call("POST", _path(f"/subscriptions/{stranger}"), version=VERSION, json=_body()).status_code in (403, 404)
    sub = arm.subscription_id("Productie")
    assert _run(arm, f"/subscriptions/{sub}", _body(), role="reader")["properties"]["columns"]
