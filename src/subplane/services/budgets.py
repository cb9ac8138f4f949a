"""Budgets at subscription and resource-group scope, and the due job that checks them.

Each budget has one ``budget.check`` due job: it sums the period's actual cost from billing's usage rows
(the same rows as the usage CSV, so the figure agrees with the invoices), records each notification the
cost has crossed once per period (a primary key makes a second run a no-op), emits one outbox event per
notification (which the mails and webhooks deliver), and schedules itself for the next UTC midnight. A
subscription that is not enabled is skipped, and looked at again when the budget's next period starts:
after a cancel nothing accrues, so nothing is sent (after a reactivation, checks resume with the next period).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from ..adapters.db.budgets_repo import BudgetRepo
from ..adapters.db.jobs_repo import DueJob
from ..domain import budgets as rules
from ..domain import events
from ..domain.access import SYSTEM, Action, Principal
from ..domain.budgets import Budget
from ..domain.errors import NotFound
from ..domain.lifecycle import State, ensure_writable
from ..domain.offers import OfferCatalogue
from .access import require
from .cost_query import UsageSource
from .lookup import resolve
from .unit_of_work import UnitOfWork
from .use_case import use_case

BUDGET_CHECK = "budget.check"
BUDGET_THRESHOLD_CROSSED = "Subplane.Consumption.BudgetThresholdCrossed"


@dataclass(frozen=True)
class BudgetView:
    budget: Budget
    spent: Decimal  # the current period's actual cost (0 outside the budget's time period)
    currency: str



def scope_of(subscription_id: str, resource_group: str | None) -> str:
    base = f"/subscriptions/{subscription_id.lower()}"
    return f"{base}/resourceGroups/{resource_group}" if resource_group else base


def _next_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)


class BudgetService:
    def __init__(self, uow: Callable[..., UnitOfWork], usage: UsageSource, offers: OfferCatalogue) -> None:
        self._uow = uow
        self._usage = usage
        self._offers = offers

    # reads -----------------------------------------------------------------------------------------
    def get(self, *, actor: Principal, subscription: str, resource_group: str | None, name: str) -> BudgetView:
        with self._uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            require(uow, self._offers, actor, sub, Action.READ, scope_of(sub.subscription_id, resource_group))
            budget = BudgetRepo(uow.conn).find(f"{scope_of(sub.subscription_id, resource_group)}"
                                               f"/providers/Microsoft.Consumption/budgets/{name}")
            now = uow.now
        if budget is None:
            raise NotFound("BudgetNotFound", f"The budget '{name}' was not found.", name=name)
        return self._view(budget, now)

    def list(self, *, actor: Principal, subscription: str, resource_group: str | None) -> list[BudgetView]:
        with self._uow(read_only=True) as uow:
            sub = resolve(uow, subscription)
            scope = scope_of(sub.subscription_id, resource_group)
            require(uow, self._offers, actor, sub, Action.READ, scope)
            found, now = BudgetRepo(uow.conn).in_scope(scope), uow.now
        return [self._view(b, now) for b in found if b.scope.lower() == scope.lower()]  # this scope's own

    def _view(self, budget: Budget, now: datetime) -> BudgetView:
        spent, currency = self._spent(budget, now)
        return BudgetView(budget, spent, currency)

    def _spent(self, budget: Budget, now: datetime) -> tuple[Decimal, str]:
        period = rules.period_at(budget, now)
        if period is None:
            return Decimal("0.00"), "EUR"
        rows = self._usage.usage(actor=SYSTEM, ref=budget.subscription_id, start=period[0], end=min(period[1], now))
        if budget.resource_group:
            group = f"/resourcegroups/{budget.resource_group.lower()}/"
            rows = [r for r in rows if group in r["resourceId"].lower() + "/"]
        currency = rows[0]["currency"] if rows else "EUR"
        return sum((Decimal(r["amount"]) for r in rows), Decimal("0.00")), currency

    # writes ----------------------------------------------------------------------------------------
    def put(self, *, actor: Principal, subscription: str, resource_group: str | None, name: str, category: str,
            amount: Decimal, time_grain: str, start: date, end: date | None,
            notifications: builtins.list[rules.BudgetNotification]) -> tuple[BudgetView, bool]:
        with use_case(self._uow, "createBudget", actor=actor, target=name) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            scope = scope_of(sub.subscription_id, resource_group)
            require(uow, self._offers, actor, sub, Action.WRITE, scope)
            ensure_writable(sub)
            if resource_group and uow.resources.find_group(sub.subscription_id, resource_group) is None:
                raise NotFound("ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")
            budget = rules.build(scope=scope, name=name, subscription_id=sub.subscription_id,
                                 resource_group=resource_group, category=category, amount=amount,
                                 time_grain=time_grain, start=start, end=end, notifications=notifications)
            created = BudgetRepo(uow.conn).save(budget, now=uow.now)
            # checked from the next UTC midnight on, as every later check (GET shows the spend at once)
            uow.jobs.schedule(kind=BUDGET_CHECK, subject=budget.resource_id.lower(), due_at=_next_midnight(uow.now))
            case.succeeded(target=budget.resource_id, details={"amount": str(budget.amount), "timeGrain": budget.time_grain},
                           action="createBudget" if created else "updateBudget")
            now = uow.now
        return self._view(budget, now), created

    def delete(self, *, actor: Principal, subscription: str, resource_group: str | None, name: str) -> bool:
        with use_case(self._uow, "deleteBudget", actor=actor, target=name) as case:
            uow = case.uow
            sub = case.subscription(subscription)
            scope = scope_of(sub.subscription_id, resource_group)
            require(uow, self._offers, actor, sub, Action.DELETE, scope)
            budget_id = f"{scope}/providers/Microsoft.Consumption/budgets/{name}"
            if not BudgetRepo(uow.conn).delete(budget_id):
                return False
            uow.jobs.cancel_pending(subject=budget_id.lower(), kinds=(BUDGET_CHECK,))
            case.succeeded(target=budget_id)
            return True

    # the due job -------------------------------------------------------------------------------------
    def handlers(self) -> dict[str, Callable[[UnitOfWork, DueJob], object]]:
        return {BUDGET_CHECK: self.check}

    def check(self, uow: UnitOfWork, job: DueJob) -> int:
        """Fire what the period's cost has crossed; returns how many notifications fired."""
        repo = BudgetRepo(uow.conn)
        budget = repo.find(job.subject)
        if budget is None:
            return 0
        period = rules.period_at(budget, uow.now)
        fired = 0
        sub = uow.subscriptions.get(budget.subscription_id)
        if period is not None and sub.state in (State.ENABLED, State.WARNED, State.PAST_DUE):
            spent, currency = self._spent(budget, uow.now)
            for notification in rules.due(budget, spent, repo.fired(budget.resource_id, period[0])):
                if not repo.record_fired(budget.resource_id, period[0], notification.name, now=uow.now, spent=spent):
                    continue
                fired += 1
                uow.emit(events.DomainEvent(BUDGET_THRESHOLD_CROSSED, budget.resource_id, uow.now, {
                    "budgetName": budget.name, "notification": notification.name,
                    "threshold": str(notification.threshold), "amount": str(budget.amount), "spent": str(spent),
                    "currency": currency, "periodStart": period[0].isoformat(), "periodEnd": period[1].isoformat(),
                    "contactEmails": list(notification.contact_emails), "name": sub.display_name},
                    budget.subscription_id))
        if sub.state is not State.DELETED and uow.now.date() < budget.end:
            # a subscription that accrues nothing is looked at again when the next period starts, not daily
            accruing = sub.state in (State.ENABLED, State.WARNED, State.PAST_DUE)
            later = _next_midnight(uow.now) if accruing or period is None else max(period[1], _next_midnight(uow.now))
            uow.jobs.schedule(kind=BUDGET_CHECK, subject=job.subject, due_at=later)
        return fired
