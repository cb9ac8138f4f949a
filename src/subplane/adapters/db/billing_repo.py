"""Billing storage: spans, periods, credits, invoices, payments, profiles, support plans. Set-based where it counts."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from operator import attrgetter

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from ...domain.billing import BillingPeriod, Credit, Invoice, InvoiceLine, InvoiceStatus, PaymentProfile, SupportPlan
from ...domain.errors import NotFound
from ...domain.metering import Meter, Span
from .billing_tables import (
    billing_credits,
    billing_invoice_lines,
    billing_invoices,
    billing_payments,
    billing_periods,
    billing_profiles,
    billing_spans,
    support_plans,
)
from .blob_tables import blob_account_bytes
from .tables import billing_accounts, blobs

# A blob put runs these (a storage account's capacity span closes and opens): built once (issue 14).
_OPEN_SPANS = select(billing_spans).where(billing_spans.c.subscription_id == bindparam("subscription_id"),
                                          billing_spans.c.ended_at.is_(None))
_CLOSE_SPAN = update(billing_spans).where(billing_spans.c.span_id == bindparam("closing_span")).values(
    ended_at=bindparam("closed_at"))
_ACCOUNT_BYTES = select(blob_account_bytes.c.bytes).where(blob_account_bytes.c.account_key == bindparam("account_key"))

DEFAULT_CARD = "Visa **** 4242"  # every account starts with the emulator's test card on file


def _invoice(row, lines: list[InvoiceLine] | None = None) -> Invoice:
    return Invoice(**{**row._mapping, "status": InvoiceStatus(row.status)}, lines=lines or [])


def _span(row) -> Span:
    return Span(row.subscription_id, row.resource_id, row.meter, row.quantity, row.started_at, row.ended_at, row.span_id)


class BillingRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # spans -----------------------------------------------------------------------------------
    def open_spans(self, subscription_id: str) -> list[Span]:
        rows = self.conn.execute(_OPEN_SPANS, {"subscription_id": subscription_id}).all()
        return [_span(r) for r in rows]

    def open(self, subscription_id: str, meters: Iterable[Meter], now: datetime,
             starts: dict[tuple[str, str], datetime] | None = None) -> None:
        """Open a span per meter at ``now`` (or at ``starts[(resource id, meter)]``)."""
        starts = starts or {}
        rows = [dict(subscription_id=subscription_id, resource_id=m.resource_id, meter=m.meter, quantity=m.quantity,
                     started_at=starts.get((m.resource_id, m.meter), now), ended_at=None) for m in meters]
        if rows:
            self.conn.execute(insert(billing_spans), rows)

    def last_closed(self, subscription_id: str, resource_id: str, meter: str) -> Span | None:
        row = self.conn.execute(select(billing_spans).where(
            billing_spans.c.subscription_id == subscription_id, billing_spans.c.resource_id == resource_id,
            billing_spans.c.meter == meter, billing_spans.c.ended_at.is_not(None))
            .order_by(billing_spans.c.started_at.desc(), billing_spans.c.span_id.desc()).limit(1)).first()
        return _span(row) if row else None

    def close(self, span_ids: Iterable[int], now: datetime) -> None:
        closing = [{"closing_span": span_id, "closed_at": now} for span_id in span_ids]
        if closing:
            self.conn.execute(_CLOSE_SPAN, closing)

    def close_all(self, subscription_id: str, now: datetime) -> int:
        """Billing stops: every open span of the subscription ends at ``now``, in one statement."""
        return self.conn.execute(update(billing_spans).where(
            billing_spans.c.subscription_id == subscription_id, billing_spans.c.ended_at.is_(None),
        ).values(ended_at=now)).rowcount

    def spans_between(self, start: datetime, end: datetime, subscription_ids: list[str] | None = None, *,
                      through_end: bool = False) -> list[Span]:
        """Spans touching [start, end) (``through_end``: [start, end]), for some subscriptions or all.
        A span that ends at ``start`` is included: it adds no time, but a monthly step it started counts."""
        query = select(billing_spans).where(
            billing_spans.c.started_at <= end if through_end else billing_spans.c.started_at < end,
            or_(billing_spans.c.ended_at.is_(None), billing_spans.c.ended_at >= start),
        )
        if subscription_ids is not None:
            if len(subscription_ids) == 1:
                query = query.where(billing_spans.c.subscription_id == subscription_ids[0])
            else:
                query = query.where(billing_spans.c.subscription_id.in_(subscription_ids))
        return [_span(r) for r in self.conn.execute(query.order_by(billing_spans.c.span_id)).all()]

    def delete_spans(self, subscription_ids: builtins.list[str]) -> int:
        ids = list(subscription_ids)
        return self.conn.execute(delete(billing_spans).where(billing_spans.c.subscription_id.in_(ids))).rowcount

    def stored_bytes(self, subscription_id: str) -> dict[str, int]:
        """Bytes stored per storage account (lower-cased resource id)."""
        rows = self.conn.execute(select(blobs.c.account_key, func.sum(blobs.c.size)).where(
            blobs.c.subscription_id == subscription_id).group_by(blobs.c.account_key)).all()
        return {key: int(total or 0) for key, total in rows}

    def stored_bytes_of(self, account_key: str) -> int:
        """Bytes stored in one storage account (its lower-cased resource id): one row, kept by triggers on blobs."""
        stored = self.conn.execute(_ACCOUNT_BYTES, {"account_key": account_key}).scalar()
        return int(stored or 0)

    # periods ---------------------------------------------------------------------------------
    def add_period(self, row: BillingPeriod) -> None:
        self.conn.execute(insert(billing_periods).values(**row.__dict__))

    def get_period(self, subscription_id: str) -> BillingPeriod:
        row = self.conn.execute(select(billing_periods).where(billing_periods.c.subscription_id == subscription_id)).first()
        if row is None:
            raise NotFound("BillingPeriodNotFound", f"Subscription {subscription_id} has no billing period.",
                           subscription_id=subscription_id)
        return BillingPeriod(**row._mapping)

    def periods_of(self, subscription_ids: builtins.list[str]) -> dict[str, BillingPeriod]:
        """The billing period of each of these subscriptions that has one."""
        rows = self.conn.execute(select(billing_periods).where(billing_periods.c.subscription_id.in_(list(subscription_ids))))
        return {row.subscription_id: BillingPeriod(**row._mapping) for row in rows}

    def due_periods(self, now: datetime) -> list[BillingPeriod]:
        rows = self.conn.execute(select(billing_periods).where(
            billing_periods.c.dormant.is_(False), billing_periods.c.period_end <= now)).all()
        return [BillingPeriod(**r._mapping) for r in rows]

    def save_periods(self, rows: Iterable[BillingPeriod]) -> None:
        """One executemany for any number of rows."""
        params = [{**{f"v_{k}": v for k, v in row.__dict__.items() if k != "subscription_id"}, "key": row.subscription_id}
                  for row in rows]
        if params:
            columns = [c.name for c in billing_periods.columns if c.name != "subscription_id"]
            self.conn.execute(update(billing_periods).where(billing_periods.c.subscription_id == bindparam("key"))
                              .values({c: bindparam(f"v_{c}") for c in columns}), params)

    # credits ---------------------------------------------------------------------------------
    def add_credit(self, subscription_id: str, amount: Decimal, granted_at: datetime, expires_at: datetime) -> None:
        self.conn.execute(insert(billing_credits).values(subscription_id=subscription_id, amount=amount,
                                                         used=Decimal("0.00"), granted_at=granted_at, expires_at=expires_at))

    def credits_for(self, subscription_ids: list[str]) -> dict[str, Credit]:
        if not subscription_ids:
            return {}
        rows = self.conn.execute(select(billing_credits).where(billing_credits.c.subscription_id.in_(subscription_ids))).all()
        return {r.subscription_id: Credit(**r._mapping) for r in rows}

    def grant_credit(self, subscription_id: str, amount: Decimal, granted_at: datetime, expires_at: datetime) -> None:
        """A renewing credit's new grant replaces the previous one (whose use is on the invoices)."""
        self.conn.execute(update(billing_credits).where(billing_credits.c.subscription_id == subscription_id)
                          .values(amount=amount, used=Decimal("0.00"), granted_at=granted_at, expires_at=expires_at))

    def remove_spending_limit(self, subscription_id: str, now: datetime) -> None:
        self.conn.execute(update(billing_credits).where(billing_credits.c.subscription_id == subscription_id)
                          .values(limit_removed_at=now))

    def use_credit(self, subscription_id: str, used: Decimal) -> None:
        self.conn.execute(update(billing_credits).where(billing_credits.c.subscription_id == subscription_id).values(used=used))

    # profiles --------------------------------------------------------------------------------
    def profile(self, billing_account_id: str) -> PaymentProfile:
        """The account's profile; an account never given one reads as no card and no invoices yet (nothing is written)."""
        row = self.conn.execute(select(billing_profiles).where(
            billing_profiles.c.billing_account_id == billing_account_id)).first()
        return PaymentProfile(**row._mapping) if row else PaymentProfile(billing_account_id, card_label=DEFAULT_CARD)

    def ensure_profile(self, billing_account_id: str) -> None:
        self.take_invoice_numbers({billing_account_id: 0})

    def set_card(self, billing_account_id: str, *, label: str, fails: bool) -> None:
        self.ensure_profile(billing_account_id)
        self.conn.execute(update(billing_profiles).where(billing_profiles.c.billing_account_id == billing_account_id)
                          .values(card_label=label, card_fails=fails))

    def take_invoice_numbers(self, counts: dict[str, int]) -> dict[str, int]:
        """Reserve ``count`` consecutive numbers per account (set-based); return the first of each."""
        ids = sorted(counts)
        current: dict[str, int] = {}
        for i in range(0, len(ids), 5000):
            current.update(self.conn.execute(select(billing_profiles.c.billing_account_id, billing_profiles.c.invoice_sequence)
                                             .where(billing_profiles.c.billing_account_id.in_(ids[i:i + 5000]))).all())
        missing = [a for a in ids if a not in current]
        if missing:
            self.conn.execute(insert(billing_profiles), [dict(billing_account_id=a, card_label=DEFAULT_CARD,
                                                              card_fails=False, invoice_sequence=0) for a in missing])
            current.update({a: 0 for a in missing})
        self.conn.execute(update(billing_profiles).where(billing_profiles.c.billing_account_id == bindparam("key"))
                          .values(invoice_sequence=bindparam("seq")),
                          [{"key": a, "seq": current[a] + counts[a]} for a in ids])
        return {a: current[a] + 1 for a in ids}

    def countries(self, billing_account_ids: list[str]) -> dict[str, str]:
        result: dict[str, str] = {}
        for i in range(0, len(billing_account_ids), 5000):
            result.update(self.conn.execute(select(billing_accounts.c.billing_account_id, billing_accounts.c.country).where(
                billing_accounts.c.billing_account_id.in_(billing_account_ids[i:i + 5000]))).all())
        return result

    # invoices --------------------------------------------------------------------------------
    def add_invoices(self, invoices: list[Invoice]) -> None:
        if not invoices:
            return
        head_names = [f.name for f in fields(Invoice) if f.name != "lines"]
        line_names = [f.name for f in fields(InvoiceLine)]
        head_of, line_of = attrgetter(*head_names), attrgetter(*line_names)
        self._insert_many(billing_invoices, head_names, [head_of(inv) for inv in invoices])
        self._insert_many(billing_invoice_lines, ["invoice_id", *line_names],
                          [(inv.invoice_id, *line_of(line)) for inv in invoices for line in inv.lines])

    def _insert_many(self, table, names: list[str], rows: list[tuple]) -> None:
        """Bulk insert through the driver's executemany, each column's bind processing mapped over the
        column at once (month end inserts hundreds of thousands of lines; per-row overhead adds up)."""
        if not rows:
            return
        dialect = self.conn.dialect
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
        columns = [col if process is None else [None if v is None else process(v) for v in col]
                   for process, col in zip(processors, zip(*rows, strict=True), strict=True)]
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(marker for _ in names)})"
        self.conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))

    def issued_periods(self, subscription_ids: list[str], period_starts: set[datetime]) -> set[tuple[str, datetime]]:
        if not subscription_ids:
            return set()
        rows = self.conn.execute(select(billing_invoices.c.subscription_id, billing_invoices.c.period_start).where(
            billing_invoices.c.period_start.in_(sorted(period_starts)))).all()
        wanted = set(subscription_ids)
        return {(s, p) for s, p in rows if s in wanted}

    def list_invoices(self, *, billing_account_ids: list[str] | None = None, subscription_ids: list[str] | None = None,
                      statuses: list[InvoiceStatus] | None = None) -> list[Invoice]:
        query = select(billing_invoices).order_by(billing_invoices.c.invoice_date, billing_invoices.c.invoice_number)
        if billing_account_ids is not None:
            query = query.where(billing_invoices.c.billing_account_id.in_(billing_account_ids))
        if subscription_ids is not None:
            query = query.where(billing_invoices.c.subscription_id.in_(subscription_ids))
        if statuses:
            query = query.where(billing_invoices.c.status.in_(statuses))
        return [_invoice(r) for r in self.conn.execute(query).all()]

    def get_invoice(self, ref: str) -> Invoice:
        row = self.conn.execute(select(billing_invoices).where(
            or_(billing_invoices.c.invoice_id == ref, billing_invoices.c.invoice_number == ref))).first()
        if row is None:
            raise NotFound("InvoiceNotFound", f"No invoice has the number or id {ref!r}.", invoice=ref)
        lines = self.conn.execute(select(billing_invoice_lines).where(
            billing_invoice_lines.c.invoice_id == row.invoice_id).order_by(billing_invoice_lines.c.line_no)).all()
        return _invoice(row, lines=[
            InvoiceLine(**{k: v for k, v in line._mapping.items() if k != "invoice_id"}) for line in lines])

    def set_status(self, invoice_ids: list[str], status: InvoiceStatus, *, paid_at: datetime | None = None) -> None:
        for i in range(0, len(invoice_ids), 5000):
            self.conn.execute(update(billing_invoices).where(billing_invoices.c.invoice_id.in_(invoice_ids[i:i + 5000]))
                              .values(status=status, paid_at=paid_at))

    def add_payments(self, payments: list[tuple[str, Invoice]], *, method: str, now: datetime) -> None:
        self._insert_many(billing_payments, ["payment_id", "billing_account_id", "invoice_id", "amount", "method", "paid_at"],
                          [(pid, inv.billing_account_id, inv.invoice_id, inv.total, method, now) for pid, inv in payments])

    # support plans ---------------------------------------------------------------------------
    def support_plan(self, subscription_id: str) -> SupportPlan | None:
        row = self.conn.execute(select(support_plans).where(support_plans.c.subscription_id == subscription_id)).first()
        return SupportPlan(**row._mapping) if row else None

    def set_support_plan(self, subscription_id: str, *, plan: str | None, auto_renew: bool, now: datetime) -> None:
        current = self.support_plan(subscription_id)
        values = dict(plan=plan or (current.plan if current else ""), auto_renew=auto_renew,
                      ended_at=None if plan else now)
        if current is None:
            self.conn.execute(insert(support_plans).values(subscription_id=subscription_id, started_at=now, **values))
        else:
            if plan and plan != current.plan:
                values["started_at"] = now
            self.conn.execute(update(support_plans).where(and_(support_plans.c.subscription_id == subscription_id))
                              .values(**values))
