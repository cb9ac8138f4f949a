"""FinOps reads the cost per day with azure-mgmt-costmanagement against a running server (issue 16, item 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from azure.mgmt.costmanagement import CostManagementClient
from azure.mgmt.costmanagement.models import (QueryAggregation, QueryDataset, QueryDefinition, QueryGrouping,
                                              QueryTimePeriod)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_cost_per_day_and_group_through_the_sdk(live):
    import datetime as dt

    import httpx

    sub = live.subscription_id("Productie")
    moved = httpx.post(f"{live.url}/_subplane/clock", json={"advance": "5d"}, verify=live.ca,
                       headers={"x-subplane-operator-key": live.connection.get("operatorKey", "")})
    assert moved.status_code == 200, moved.text
    client = CostManagementClient(live.credential(), base_url=live.url, connection_verify=live.ca)
    period = QueryTimePeriod(from_property=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
                             to=dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=dt.timezone.utc))
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
