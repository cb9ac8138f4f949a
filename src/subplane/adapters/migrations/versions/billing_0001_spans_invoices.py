"""billing: metering spans, billing periods, credits, invoices, lines, payments, support plans

Revision ID: billing_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types
from subplane.adapters.db.billing_tables import Money

revision = "billing_0001"
down_revision = "0001"
branch_labels = ("billing",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "billing_spans",
        sa.Column("span_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.String(512), nullable=False),
        sa.Column("meter", sa.String(64), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("started_at", Instant(timezone=True), nullable=False),
        sa.Column("ended_at", Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("span_id", name="pk_billing_spans"),
    )
    op.create_index("ix_billing_spans_subscription_open", "billing_spans", ["subscription_id", "ended_at"])
    op.create_table(
        "billing_periods",
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("billing_account_id", sa.String(36), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("anchor_day", sa.Integer(), nullable=False),
        sa.Column("period_start", Instant(timezone=True), nullable=False),
        sa.Column("period_end", Instant(timezone=True), nullable=False),
        sa.Column("dormant", sa.Boolean(), nullable=False),
        sa.Column("first_period_end", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", name="pk_billing_periods"),
    )
    op.create_index("ix_billing_periods_due", "billing_periods", ["dormant", "period_end"])
    op.create_table(
        "billing_credits",
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("used", Money(), nullable=False),
        sa.Column("granted_at", Instant(timezone=True), nullable=False),
        sa.Column("expires_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", name="pk_billing_credits"),
    )
    op.create_table(
        "billing_profiles",
        sa.Column("billing_account_id", sa.String(36), nullable=False),
        sa.Column("card_label", sa.String(64), nullable=False),
        sa.Column("card_fails", sa.Boolean(), nullable=False),
        sa.Column("invoice_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("billing_account_id", name="pk_billing_profiles"),
    )
    op.create_table(
        "billing_invoices",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("invoice_number", sa.String(32), nullable=False),
        sa.Column("billing_account_id", sa.String(36), nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("period_start", Instant(timezone=True), nullable=False),
        sa.Column("period_end", Instant(timezone=True), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("issued_at", Instant(timezone=True), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("subtotal", Money(), nullable=False),
        sa.Column("credits", Money(), nullable=False),
        sa.Column("tax_rate", Money(), nullable=False),
        sa.Column("tax", Money(), nullable=False),
        sa.Column("total", Money(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paid_at", Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", name="pk_billing_invoices"),
        sa.UniqueConstraint("subscription_id", "period_start", name="uq_billing_invoices_subscription_period"),
        sa.UniqueConstraint("billing_account_id", "invoice_number", name="uq_billing_invoices_account_number"),
    )
    op.create_index("ix_billing_invoices_account_status", "billing_invoices", ["billing_account_id", "status"])
    op.create_table(
        "billing_invoice_lines",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.String(512), nullable=False),
        sa.Column("meter", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("quantity", Money(), nullable=False),
        sa.Column("unit_price", Money(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("from_at", Instant(timezone=True), nullable=False),
        sa.Column("to_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", "line_no", name="pk_billing_invoice_lines"),
    )
    op.create_table(
        "billing_payments",
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("billing_account_id", sa.String(36), nullable=False),
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("paid_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("payment_id", name="pk_billing_payments"),
    )
    op.create_index("ix_billing_payments_billing_account_id", "billing_payments", ["billing_account_id"])
    op.create_table(
        "support_plans",
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("started_at", Instant(timezone=True), nullable=False),
        sa.Column("ended_at", Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id", name="pk_support_plans"),
    )


def downgrade() -> None:
    for table in ("support_plans", "billing_payments", "billing_invoice_lines", "billing_invoices",
                  "billing_profiles", "billing_credits", "billing_periods", "billing_spans"):
        op.drop_table(table)
