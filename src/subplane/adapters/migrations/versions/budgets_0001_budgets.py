"""budgets: Microsoft.Consumption budgets and the notifications they fired per period

Revision ID: budgets_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "budgets_0001"
down_revision = "0001"
branch_labels = ("budgets",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("budget_key", sa.String(length=400), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("resource_group", sa.String(length=90), nullable=True),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("time_grain", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("notifications", sa.JSON(), nullable=False),
        sa.Column("updated_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("budget_key", name=op.f("pk_budgets")),
    )
    op.create_index(op.f("ix_budgets_subscription_id"), "budgets", ["subscription_id"])
    op.create_table(
        "budget_alerts",
        sa.Column("budget_key", sa.String(length=400), nullable=False),
        sa.Column("period_start", Instant(timezone=True), nullable=False),
        sa.Column("notification", sa.String(length=64), nullable=False),
        sa.Column("fired_at", Instant(timezone=True), nullable=False),
        sa.Column("spent", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("budget_key", "period_start", "notification", name=op.f("pk_budget_alerts")),
    )


def downgrade() -> None:
    op.drop_table("budget_alerts")
    op.drop_table("budgets")
