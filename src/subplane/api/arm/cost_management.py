"""Microsoft.CostManagement query (``azure-mgmt-costmanagement`` ``query.usage``): ``POST /{scope}/providers/
Microsoft.CostManagement/query`` over a subscription, a resource group or a billing account, by day and grouped
by up to two dimensions, summed from the same usage rows as the usage CSV and the invoices.

Rows come in pages of 1,000 (``$top`` up to 5,000 changes it, as Cost Management's own paging does);
``properties.nextLink`` is the same POST with a ``$skiptoken``.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC
from decimal import Decimal
from typing import Any

from ...domain import cost_query as rules
from ...services.cost_query import CostScope
from ..validation import whole_number
from .routing import ArmRequest, ArmRouter, next_link
from .schemas import CostQueryBody

_AREA = "costmanagement"
_TYPE = "Microsoft.CostManagement/query"
_SCOPES = {
    "/subscriptions/{sub}": lambda p: CostScope(subscription_id=p["sub"]),
    "/subscriptions/{sub}/resourceGroups/{rg}": lambda p: CostScope(subscription_id=p["sub"], resource_group=p["rg"]),
    "/providers/Microsoft.Billing/billingAccounts/{account}": lambda p: CostScope(billing_account_id=p["account"]),
}
ROWS_PAGE, MAX_ROWS_PAGE = 1000, 5000


def _query(body: CostQueryBody) -> rules.CostQuery:
    dataset = body.dataset
    aggregation = (dataset.aggregation if dataset and dataset.aggregation else None) or {}
    period = body.timePeriod
    return rules.CostQuery(
        kind=body.type, timeframe=body.timeframe,
        start=period.from_.astimezone(UTC) if period and period.from_.tzinfo else
        (period.from_.replace(tzinfo=UTC) if period else None),
        end=period.to.astimezone(UTC) if period and period.to.tzinfo else
        (period.to.replace(tzinfo=UTC) if period else None),
        daily=bool(dataset and (dataset.granularity or "").lower() == "daily"),
        aggregations=tuple(rules.Aggregation(alias, a.name.lower()) for alias, a in aggregation.items())
        or (rules.Aggregation("Cost", "cost"),),
        groupings=tuple(g.name.lower() for g in (dataset.grouping or [] if dataset else [])))


def _cell(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def register(router: ArmRouter) -> None:
    for scope, to_scope in _SCOPES.items():
        _register(router, scope, to_scope)


def _register(router: ArmRouter, scope: str, to_scope) -> None:
    @router.route("POST", scope + "/providers/Microsoft.CostManagement/query", area=_AREA, resource_type=_TYPE,
                  body=CostQueryBody)
    def query(ctx: ArmRequest):
        table = ctx.app.cost_query.query(actor=ctx.actor, scope=to_scope(ctx.params), query=_query(ctx.model))
        size = whole_number("$top", ctx.q("$top"), default=ROWS_PAGE, maximum=MAX_ROWS_PAGE) or ROWS_PAGE
        offset = whole_number("$skiptoken", ctx.q("$skiptoken"), default=0, maximum=10**9)
        chunk = table.rows[offset: offset + size]
        properties: dict[str, Any] = {
            "columns": [{"name": name, "type": kind} for name, kind in table.columns],
            "rows": [[_cell(v) for v in row] for row in chunk]}
        if offset + size < len(table.rows):
            properties["nextLink"] = next_link(ctx, offset + size)  # $top stays
        name = str(uuid.uuid4())
        scope_id = re.split(r"/providers/Microsoft\.CostManagement/", ctx.path, flags=re.IGNORECASE)[0]
        return {"id": f"{scope_id}/providers/{_TYPE}/{name}", "name": name, "type": _TYPE, "properties": properties}
