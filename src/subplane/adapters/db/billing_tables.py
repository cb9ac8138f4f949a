"""Billing tables: metering spans, billing periods, credits, invoices and their lines, payments, support plans.

Money and quantities are stored as decimal text (``Money``): exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.types import TypeDecorator

from .tables import metadata
from .types import UtcDateTime


class Money(TypeDecorator):
    """A ``Decimal`` kept as its exact text; never a float."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


billing_spans = Table(
    "billing_spans",
    metadata,
    Column("span_id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), nullable=False),
    Column("resource_id", String(512), nullable=False),
    Column("meter", String(64), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Index("ix_billing_spans_subscription_open", "subscription_id", "ended_at"),
)

billing_periods = Table(
    "billing_periods",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("billing_account_id", String(36), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("anchor_day", Integer, nullable=False),
    Column("period_start", UtcDateTime, nullable=False),
    Column("period_end", UtcDateTime, nullable=False),
    Column("dormant", Boolean, nullable=False),
    Column("first_period_end", UtcDateTime, nullable=False),
    Index("ix_billing_periods_due", "dormant", "period_end"),
)

billing_credits = Table(
    "billing_credits",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("amount", Money, nullable=False),
    Column("used", Money, nullable=False),
    Column("granted_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("limit_removed_at", UtcDateTime),  # billing_0002: the spending limit no longer applies
)

billing_profiles = Table(
    "billing_profiles",
    metadata,
    Column("billing_account_id", String(36), primary_key=True),
    Column("card_label", String(64), nullable=False),
    Column("card_fails", Boolean, nullable=False),
    Column("invoice_sequence", Integer, nullable=False),
)

billing_invoices = Table(
    "billing_invoices",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("invoice_number", String(32), nullable=False),
    Column("billing_account_id", String(36), nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("period_start", UtcDateTime, nullable=False),
    Column("period_end", UtcDateTime, nullable=False),
    Column("invoice_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("subtotal", Money, nullable=False),
    Column("credits", Money, nullable=False),
    Column("tax_rate", Money, nullable=False),
    Column("tax", Money, nullable=False),
    Column("total", Money, nullable=False),
    Column("status", String(16), nullable=False),
    Column("paid_at", UtcDateTime),
    Column("subscription_name", String(64)),  # billing_0003: the name printed on the invoice, kept with it
    UniqueConstraint("subscription_id", "period_start", name="uq_billing_invoices_subscription_period"),
    UniqueConstraint("billing_account_id", "invoice_number", name="uq_billing_invoices_account_number"),
    Index("ix_billing_invoices_account_status", "billing_account_id", "status"),
)

billing_invoice_lines = Table(
    "billing_invoice_lines",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("subscription_id", String(36), nullable=False),
    Column("resource_id", String(512), nullable=False),
    Column("meter", String(64), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("quantity", Money, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("from_at", UtcDateTime, nullable=False),
    Column("to_at", UtcDateTime, nullable=False),
)

billing_payments = Table(
    "billing_payments",
    metadata,
    Column("payment_id", String(36), primary_key=True),
    Column("billing_account_id", String(36), nullable=False, index=True),
    Column("invoice_id", String(36), nullable=False),
    Column("amount", Money, nullable=False),
    Column("method", String(32), nullable=False),
    Column("paid_at", UtcDateTime, nullable=False),
)

support_plans = Table(
    "support_plans",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("plan", String(32), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)
