"""An invoice's parties (migration parties_0001): each billing account's customer details, and the seller and
customer as they stood when an invoice was issued, with its VAT category, so a reprint never changes."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, String, Table

from .tables import metadata
from .types import UtcDateTime

billing_account_details = Table(
    "billing_account_details",
    metadata,
    Column("billing_account_id", String(36), primary_key=True),
    Column("company_name", String(200), nullable=False),
    Column("street", String(200), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("city", String(100), nullable=False),
    Column("vat_id", String(32), nullable=False),
    Column("registration", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

invoice_parties = Table(
    "invoice_parties",
    metadata,
    Column("invoice_id", String(36), primary_key=True),
    Column("seller", JSON, nullable=False),
    Column("customer", JSON, nullable=False),
    Column("vat_category", String(4), nullable=False),
    Column("reverse_charge", Boolean, nullable=False),
)
