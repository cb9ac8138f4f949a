"""Budgets (migration budgets_0001): each budget, and which notification fired in which of its periods."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, String, Table, Text

from .tables import metadata
from .types import UtcDateTime

budgets = Table(
    "budgets",
    metadata,
    Column("budget_key", String(400), primary_key=True),  # the resource id lower-cased
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("scope", Text, nullable=False),
    Column("resource_group", String(90)),
    Column("name", String(63), nullable=False),
    Column("amount", String(40), nullable=False),  # decimal text, as money is stored everywhere
    Column("time_grain", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("notifications", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

budget_alerts = Table(
    "budget_alerts",
    metadata,
    Column("budget_key", String(400), primary_key=True),
    Column("period_start", UtcDateTime, primary_key=True),
    Column("notification", String(64), primary_key=True),
    Column("fired_at", UtcDateTime, nullable=False),
    Column("spent", String(40), nullable=False),
)
