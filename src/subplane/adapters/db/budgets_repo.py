"""Budgets and their fired notifications (budgets_tables)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, delete, insert, select

from ...domain.budgets import Budget, BudgetNotification
from .budgets_tables import budget_alerts, budgets
from .bulk import dialect_insert


def _key(budget_id: str) -> str:
    return budget_id.lower()


def _from_row(row) -> Budget:
    return Budget(row.scope, row.name, row.subscription_id, row.resource_group, Decimal(row.amount), row.time_grain,
                  row.start_date, row.end_date,
                  tuple(BudgetNotification(n["name"], n["enabled"], n["operator"], Decimal(n["threshold"]),
                                           tuple(n["contactEmails"])) for n in row.notifications))


class BudgetRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def find(self, budget_id: str) -> Budget | None:
        row = self.conn.execute(select(budgets).where(budgets.c.budget_key == _key(budget_id))).first()
        return _from_row(row) if row else None

    def in_scope(self, scope: str) -> list[Budget]:
        """The budgets at ``scope`` (a subscription's list holds its resource groups' budgets too, as Azure's)."""
        prefix = scope.lower().rstrip("/")
        rows = self.conn.execute(select(budgets).where(budgets.c.budget_key.startswith(prefix + "/", autoescape=True))
                                 .order_by(budgets.c.budget_key)).all()
        return [_from_row(r) for r in rows]

    def save(self, budget: Budget, *, now: datetime) -> bool:
        """Insert or replace; True when it is new."""
        key = _key(budget.resource_id)
        existed = self.conn.execute(delete(budgets).where(budgets.c.budget_key == key)).rowcount > 0
        self.conn.execute(insert(budgets).values(
            budget_key=key, subscription_id=budget.subscription_id, scope=budget.scope,
            resource_group=budget.resource_group, name=budget.name, amount=str(budget.amount),
            time_grain=budget.time_grain, start_date=budget.start, end_date=budget.end, updated_at=now,
            notifications=[{"name": n.name, "enabled": n.enabled, "operator": n.operator, "threshold": str(n.threshold),
                            "contactEmails": list(n.contact_emails)} for n in budget.notifications]))
        return not existed

    def delete(self, budget_id: str) -> bool:
        self.conn.execute(delete(budget_alerts).where(budget_alerts.c.budget_key == _key(budget_id)))
        return self.conn.execute(delete(budgets).where(budgets.c.budget_key == _key(budget_id))).rowcount > 0

    def fired(self, budget_id: str, period_start: datetime) -> set[str]:
        return set(self.conn.execute(select(budget_alerts.c.notification).where(
            budget_alerts.c.budget_key == _key(budget_id), budget_alerts.c.period_start == period_start)).scalars())

    def record_fired(self, budget_id: str, period_start: datetime, notification: str, *, now: datetime,
                     spent: Decimal) -> bool:
        """Once per (budget, period, notification): False when another run recorded it first."""
        statement = dialect_insert(self.conn)(budget_alerts).values(
            budget_key=_key(budget_id), period_start=period_start, notification=notification, fired_at=now,
            spent=str(spent)).on_conflict_do_nothing().returning(budget_alerts.c.notification)
        return self.conn.execute(statement).first() is not None  # rowcount is not reliable here on PostgreSQL

    def purge(self, subscription_id: str) -> None:
        keys = select(budgets.c.budget_key).where(budgets.c.subscription_id == subscription_id)
        self.conn.execute(delete(budget_alerts).where(budget_alerts.c.budget_key.in_(keys)))
        self.conn.execute(delete(budgets).where(budgets.c.subscription_id == subscription_id))
