"""Cost Management queries over a subscription, a resource group or a billing account: billing's usage rows,
summed by the domain (``domain/cost_query.py``), for whoever may read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..domain import cost_query as rules
from ..domain.access import Principal
from ..domain.errors import DomainError, Forbidden
from .unit_of_work import UnitOfWork


class UsageSource(Protocol):
    """Billing's usage rows of one subscription, as the usage CSV and usage details read them."""

    def usage(self, *, actor: Principal, ref: str, start: datetime | None = None,
              end: datetime | None = None) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class CostScope:
    subscription_id: str | None = None
    resource_group: str | None = None
    billing_account_id: str | None = None


class CostQueryService:
    def __init__(self, uow: Callable[..., UnitOfWork], usage: UsageSource) -> None:
        self._uow = uow
        self._usage = usage

    def query(self, *, actor: Principal, scope: CostScope, query: rules.CostQuery) -> rules.CostTable:
        rules.check(query)
        with self._uow(read_only=True) as uow:
            now = uow.now
            if scope.billing_account_id is not None:
                account = uow.directory.billing_account(scope.billing_account_id)
                subscriptions = [s.subscription_id for s in
                                 uow.subscriptions.list(billing_account_id=account.billing_account_id)]
                administered = account.admin_user_id == actor.principal_id or actor.is_privileged
            else:
                subscriptions = [scope.subscription_id or ""]
                administered = True
        start: datetime | None
        start, end = rules.window(query, now, None, None)
        if query.timeframe == "BillingMonthToDate" and scope.billing_account_id is None:
            start, end = None, now  # billing's usage starts at the subscription's own open period
        rows: list[dict[str, Any]] = []
        readable = 0
        for subscription in subscriptions:
            try:
                rows += self._usage.usage(actor=actor, ref=subscription, start=start, end=end)
                readable += 1
            except DomainError:
                if scope.billing_account_id is None:
                    raise  # one subscription: its own refusal (not found, forbidden) is the answer
        if scope.billing_account_id is not None and not administered and readable == 0:
            raise Forbidden("AuthorizationFailed", "Only the billing account's administrator or readers of its "
                                                   "subscriptions may query its costs.")
        if scope.resource_group is not None:
            group = f"/resourcegroups/{scope.resource_group.lower()}/"
            rows = [r for r in rows if group in r["resourceId"].lower() + "/"]
        currency = rows[0]["currency"] if rows else "EUR"
        return rules.aggregate(rows, query, currency)
