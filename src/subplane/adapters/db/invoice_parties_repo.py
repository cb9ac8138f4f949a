"""Customer details of billing accounts, and the parties frozen on each invoice (invoice_parties_tables)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from ...domain.invoice_parties import Party, VatTreatment
from .invoice_parties_tables import billing_account_details, invoice_parties


class CustomerRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def details(self, billing_account_id: str) -> dict | None:
        row = self.conn.execute(select(billing_account_details).where(
            billing_account_details.c.billing_account_id == billing_account_id)).first()
        return dict(row._mapping) if row else None

    def save(self, billing_account_id: str, *, company_name: str, street: str, postal_code: str, city: str,
             vat_id: str, registration: str, now: datetime) -> None:
        self.conn.execute(delete(billing_account_details).where(
            billing_account_details.c.billing_account_id == billing_account_id))
        self.conn.execute(insert(billing_account_details).values(
            billing_account_id=billing_account_id, company_name=company_name, street=street, postal_code=postal_code,
            city=city, vat_id=vat_id, registration=registration, updated_at=now))


class InvoicePartiesRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_many(self, rows: list[tuple[str, Party, Party, VatTreatment]]) -> None:
        if rows:
            self.conn.execute(insert(invoice_parties), [
                {"invoice_id": invoice_id, "seller": asdict(seller), "customer": asdict(customer),
                 "vat_category": vat.category, "reverse_charge": vat.reverse_charge}
                for invoice_id, seller, customer, vat in rows])

    def of(self, invoice_id: str) -> tuple[Party, Party, str, bool] | None:
        row = self.conn.execute(select(invoice_parties).where(invoice_parties.c.invoice_id == invoice_id)).first()
        if row is None:
            return None
        return Party(**row.seller), Party(**row.customer), row.vat_category, bool(row.reverse_charge)
