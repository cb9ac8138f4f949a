"""FinOps reads the cost per day (azure-mgmt-costmanagement) and keeps budgets (azure-mgmt-consumption, az consumption
budget) against a running server (issue 16, items 3 and 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from azure.mgmt.costmanagement import CostManagementClient
from azure.mgmt.costmanagement.models import QueryAggregation, QueryDataset, QueryDefinition, QueryGrouping, QueryTimePeriod

from tests.conftest import CLOCK_START

from .test_az_cli import AZ, az  # noqa: F401  (the az fixture: a logged-in AZURE_CONFIG_DIR)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_cost_per_day_and_group_through_the_sdk(live):
    import datetime as dt

    import httpx

    sub = live.subscription_id("Productie")
    moved = httpx.post(f"{live.url}/_subplane/clock", json={"advance": "5d"}, verify=live.ca,
                       headers={"x-subplane-operator-key": live.connection.get("operatorKey", "")})
    assert moved.status_code == 200, moved.text
    client = CostManagementClient(live.credential(), base_url=live.url, connection_verify=live.ca)
    start = clock_start().replace(hour=0, minute=0, second=0)
    period = QueryTimePeriod(from_property=start, to=start + dt.timedelta(days=40))
    daily = client.query.usage(f"/subscriptions/{sub}", QueryDefinition(
        type="ActualCost", timeframe="Custom", time_period=period,
        dataset=QueryDataset(granularity="Daily", aggregation={"totalCost": QueryAggregation(name="Cost", function="Sum")})))
    names = [c.name for c in daily.properties.columns]
    assert names == ["totalCost", "UsageDate", "Currency"] and len(daily.properties.rows) >= 5
    total = sum(Decimal(str(r[0])) for r in daily.properties.rows)
    grouped = client.query.usage(f"/subscriptions/{sub}", QueryDefinition(
        type="ActualCost", timeframe="Custom", time_period=period,
        dataset=QueryDataset(aggregation={"totalCost": QueryAggregation(name="Cost", function="Sum")},
                             grouping=[QueryGrouping(type="Dimension", name="ResourceGroupName")])))
    assert sum(Decimal(str(r[0])) for r in grouped.properties.rows) == total > 0


def test_budgets_through_the_sdk(live):
    from azure.mgmt.consumption import ConsumptionManagementClient
    from azure.mgmt.consumption.models import Budget, BudgetTimePeriod, Notification

    sub = live.subscription_id("Ontwikkeling")
    client = live.client(ConsumptionManagementClient, "owner", sub)
    scope = f"/subscriptions/{sub}"
    budget = client.budgets.create_or_update(scope, "team-monthly", Budget(
        category="Cost", amount=100, time_grain="Monthly",
        time_period=BudgetTimePeriod(start_date=month_start(), end_date=month_start().replace(year=month_start().year + 1)),
        notifications={"at80": Notification(enabled=True, operator="GreaterThan", threshold=80,
                                            contact_emails=["finops@contoso.example"])}))
    assert budget.name == "team-monthly" and budget.amount == 100 and budget.current_spend.unit == "EUR"
    assert [b.name for b in client.budgets.list(scope)] == ["team-monthly"]
    assert client.budgets.get(scope, "team-monthly").notifications["at80"].threshold == 80
    client.budgets.delete(scope, "team-monthly")
    assert list(client.budgets.list(scope)) == []


@pytest.mark.skipif(AZ is None, reason="azure-cli not installed (set SUBPLANE_AZ)")
def test_az_consumption_budget(az, live):  # noqa: F811
    sub = live.subscription_id("Proefversie")
    created = az.json("consumption", "budget", "create", "--subscription", sub, "--budget-name", "cli-budget",
                      "--amount", "50", "--category", "cost", "--time-grain", "monthly",
                      "--start-date", month_start().date().isoformat(),
                      "--end-date", month_start().replace(year=month_start().year + 1).date().isoformat())
    assert created["name"] == "cli-budget" and float(created["amount"]) == 50
    assert [b["name"] for b in az.json("consumption", "budget", "list", "--subscription", sub)] == ["cli-budget"]
    az.run("consumption", "budget", "delete", "--subscription", sub, "--budget-name", "cli-budget")
    assert az.json("consumption", "budget", "list", "--subscription", sub) == []


def clock_start():
    """The suite's pinned start (SUBPLANE_TEST_CLOCK_START moves it): dates here follow it."""
    import datetime as dt

    return dt.datetime.fromisoformat(CLOCK_START.replace("Z", "+00:00"))


def month_start():
    return clock_start().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
