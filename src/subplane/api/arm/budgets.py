"""Microsoft.Consumption budgets (``azure-mgmt-consumption`` ``budgets``, ``az consumption budget``) at subscription
and resource-group scope: create or replace (201, then 200), get with the period's current spend, list, delete."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from ...domain.budgets import Budget, BudgetNotification
from ...services.budgets import BudgetView
from .routing import ArmRequest, ArmResponse, ArmRouter, page
from .schemas import BudgetBody

_AREA = "consumption"
_TYPE = "Microsoft.Consumption/budgets"
_SCOPES = ("/subscriptions/{sub}", "/subscriptions/{sub}/resourceGroups/{rg}")


def _etag(budget: Budget) -> str:
    """The same for the same budget in every process (``hash()`` of text is salted per process), new on a change."""
    return f'"{hashlib.sha256(repr(budget).encode()).hexdigest()[:16]}"'


def render(view: BudgetView) -> dict[str, Any]:
    b = view.budget
    return {
        "id": b.resource_id, "name": b.name, "type": _TYPE, "eTag": _etag(b),
        "properties": {
            "category": "Cost", "amount": float(b.amount), "timeGrain": b.time_grain,
            "timePeriod": {"startDate": f"{b.start.isoformat()}T00:00:00Z", "endDate": f"{b.end.isoformat()}T00:00:00Z"},
            "currentSpend": {"amount": float(view.spent), "unit": view.currency},
            "notifications": {n.name: {"enabled": n.enabled, "operator": n.operator, "threshold": float(n.threshold),
                                       "contactEmails": list(n.contact_emails), "thresholdType": "Actual"}
                              for n in b.notifications},
        },
    }


def register(router: ArmRouter) -> None:
    for scope in _SCOPES:
        _register(router, scope + "/providers/Microsoft.Consumption/budgets")


def _register(router: ArmRouter, base: str) -> None:
    @router.route("GET", base, area=_AREA, resource_type=_TYPE)
    def list_budgets(ctx: ArmRequest):
        found = ctx.app.budgets.list(actor=ctx.actor, subscription=ctx.params["sub"],
                                     resource_group=ctx.params.get("rg"))
        return page(ctx, [render(v) for v in found])

    @router.route("GET", base + "/{name}", area=_AREA, resource_type=_TYPE)
    def get_budget(ctx: ArmRequest):
        return render(ctx.app.budgets.get(actor=ctx.actor, subscription=ctx.params["sub"],
                                          resource_group=ctx.params.get("rg"), name=ctx.params["name"]))

    @router.route("PUT", base + "/{name}", area=_AREA, resource_type=_TYPE, body=BudgetBody)
    def put_budget(ctx: ArmRequest):
        p = ctx.model.properties
        notifications = [BudgetNotification(name, n.enabled, n.operator, Decimal(str(n.threshold)),
                                            tuple(n.contactEmails)) for name, n in (p.notifications or {}).items()]
        view, created = ctx.app.budgets.put(
            actor=ctx.actor, subscription=ctx.params["sub"], resource_group=ctx.params.get("rg"),
            name=ctx.params["name"], category=p.category, amount=Decimal(str(p.amount)), time_grain=p.timeGrain,
            start=p.timePeriod.startDate.date(), end=p.timePeriod.endDate.date() if p.timePeriod.endDate else None,
            notifications=notifications)
        return ArmResponse(201 if created else 200, render(view))

    @router.route("DELETE", base + "/{name}", area=_AREA, resource_type=_TYPE)
    def delete_budget(ctx: ArmRequest):
        ctx.app.budgets.delete(actor=ctx.actor, subscription=ctx.params["sub"],
                               resource_group=ctx.params.get("rg"), name=ctx.params["name"])
        return ArmResponse(200)
