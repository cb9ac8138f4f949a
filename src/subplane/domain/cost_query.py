"""Cost Management's query over usage rows: the time frame, the day-by-day grouping and the sums.

The rows are billing's usage rows (one per UTC day, resource and meter, each rounded so the rows of an
invoice's period add up to its subtotal to the cent); a query sums them, so its totals agree with the
invoices and the usage CSV to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from .errors import InvalidInput

TIMEFRAMES = ("MonthToDate", "BillingMonthToDate", "TheLastMonth", "TheLastBillingMonth", "WeekToDate",
              "TheCurrentMonth", "Custom")
KINDS = ("Usage", "ActualCost", "AmortizedCost")  # the same here: no reservations to amortise
AMOUNT_COLUMNS = {"cost": "amount", "pretaxcost": "amount", "costusd": "amount", "pretaxcostusd": "amount",
                  "usagequantity": "quantity"}
_CATEGORIES = {"vm": "Virtual Machines", "ip": "Virtual Network", "storage": "Storage", "disk": "Storage",
               "support": "Support"}
_SERVICES = {"vm": "Virtual Machines", "ip": "Virtual Network", "storage": "Storage", "disk": "Storage",
             "support": "Support"}


def _group_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered[:-1] else ""


def _type_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return ""
    at = lowered.index("providers")
    return "/".join(parts[at + 1:at + 3])


# each dimension a query may group by, and how a usage row answers it
DIMENSIONS: dict[str, tuple[str, Callable[[Mapping[str, Any]], Any]]] = {
    "resourcegroup": ("ResourceGroup", lambda r: _group_of(r["resourceId"])),
    "resourcegroupname": ("ResourceGroupName", lambda r: _group_of(r["resourceId"])),
    "resourceid": ("ResourceId", lambda r: r["resourceId"].lower()),
    "resourcetype": ("ResourceType", lambda r: _type_of(r["resourceId"])),
    "meter": ("Meter", lambda r: r["meter"]),
    "metercategory": ("MeterCategory", lambda r: _CATEGORIES.get(r["meter"].split("/")[0], "Other")),
    "servicename": ("ServiceName", lambda r: _SERVICES.get(r["meter"].split("/")[0], "Other")),
    "subscriptionid": ("SubscriptionId", lambda r: r["subscriptionId"]),
    "chargetype": ("ChargeType", lambda r: "Usage"),
}


@dataclass(frozen=True)
class Aggregation:
    alias: str
    column: str  # a key of AMOUNT_COLUMNS


@dataclass(frozen=True)
class CostQuery:
    kind: str
    timeframe: str
    start: datetime | None  # for Custom
    end: datetime | None
    daily: bool
    aggregations: tuple[Aggregation, ...]
    groupings: tuple[str, ...]  # keys of DIMENSIONS


@dataclass(frozen=True)
class CostTable:
    columns: list[tuple[str, str]]  # (name, "Number" | "String")
    rows: list[list[Any]]


def check(query: CostQuery) -> None:
    if query.kind not in KINDS:
        raise InvalidInput("BadRequest", f"The query type '{query.kind}' is not supported; use {', '.join(KINDS)}.")
    if query.timeframe not in TIMEFRAMES:
        raise InvalidInput("BadRequest", f"The timeframe '{query.timeframe}' is not one of {', '.join(TIMEFRAMES)}.")
    if query.timeframe == "Custom" and (query.start is None or query.end is None or query.start > query.end):
        raise InvalidInput("BadRequest", "A Custom timeframe needs timePeriod.from and timePeriod.to, from <= to.")
    if len(query.groupings) > 2:
        raise InvalidInput("BadRequest", "A query may group by at most two dimensions.")
    for name in query.groupings:
        if name not in DIMENSIONS:
            raise InvalidInput("BadRequest", f"Cannot group by '{name}'; known dimensions: "
                                             f"{', '.join(label for label, _ in DIMENSIONS.values())}.")
    for aggregation in query.aggregations:
        if aggregation.column not in AMOUNT_COLUMNS:
            raise InvalidInput("BadRequest", f"Cannot aggregate '{aggregation.column}'; use Cost, PreTaxCost or "
                                             "UsageQuantity.")


def _month_start(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def window(query: CostQuery, now: datetime, billing_period: tuple[datetime, datetime] | None,
           previous_billing_period: tuple[datetime, datetime] | None) -> tuple[datetime, datetime]:
    """[start, end) of the query's time frame at ``now``; the billing ones fall back to calendar months
    where no single billing period applies (a billing account's several subscriptions)."""
    frame = query.timeframe
    if frame == "Custom":
        assert query.start is not None and query.end is not None
        return query.start, query.end  # Azure's "to" is an instant (its examples end a month at 23:59:59)
    if frame == "BillingMonthToDate" and billing_period:
        return billing_period[0], now
    if frame == "TheLastBillingMonth" and previous_billing_period:
        return previous_billing_period
    this_month = _month_start(now)
    if frame in ("TheLastMonth", "TheLastBillingMonth"):
        return _month_start(this_month - timedelta(days=1)), this_month
    if frame == "WeekToDate":
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=day.weekday()), now
    if frame == "TheCurrentMonth":
        return this_month, _month_start(this_month + timedelta(days=32))
    return this_month, now


def aggregate(rows: Iterable[Mapping[str, Any]], query: CostQuery, currency: str) -> CostTable:
    """Sum the rows per day (when daily) and per grouping, in date then group order."""
    sums: dict[tuple[Any, ...], list[Decimal]] = {}
    for row in rows:
        key = ((int(row["date"].replace("-", "")),) if query.daily else ()) + \
              tuple(DIMENSIONS[g][1](row) for g in query.groupings)
        totals = sums.setdefault(key, [Decimal(0)] * len(query.aggregations))
        for index, aggregation in enumerate(query.aggregations):
            totals[index] += Decimal(str(row[AMOUNT_COLUMNS[aggregation.column]]))
    columns = [(a.alias, "Number") for a in query.aggregations]
    columns += [("UsageDate", "Number")] if query.daily else []
    columns += [(DIMENSIONS[g][0], "String") for g in query.groupings]
    columns += [("Currency", "String")]
    table = [[*totals, *key, currency] for key, totals in sorted(sums.items())]
    return CostTable(columns, table)
