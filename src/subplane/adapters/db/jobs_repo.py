"""Due jobs: stored deadlines, claimed one at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from .bulk import dialect_insert
from .tables import due_jobs

PENDING, DONE, CANCELLED, FAILED = "pending", "done", "cancelled", "failed"


@dataclass(frozen=True)
class DueJob:
    job_id: int
    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int


class JobRepo:
    def __init__(self, conn: Connection, *, postgres: bool) -> None:
        self.conn = conn
        self.postgres = postgres

    def schedule(self, *, kind: str, subject: str, due_at: datetime, payload: dict | None = None) -> None:
        """Idempotent: the same (kind, subject, due_at) is stored once; a cancelled one is revived."""
        key = f"{kind}|{subject}|{due_at.isoformat()}"
        insert = dialect_insert(self.conn)
        values = dict(kind=kind, subject=subject, due_at=due_at, status=PENDING, dedupe_key=key,
                      payload=payload or {}, attempts=0)
        statement = insert(due_jobs).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[due_jobs.c.dedupe_key],
            set_={"status": PENDING, "attempts": 0, "last_error": None},
            where=due_jobs.c.status == CANCELLED,
        )
        self.conn.execute(statement)

    def cancel_pending(self, *, subject: str, kinds: tuple[str, ...]) -> int:
        """Cancel pending jobs of ``subject``. A job a runner holds right now is skipped, not waited
        for (waiting could deadlock with that runner); its handler finds the new state and does nothing."""
        pending = (due_jobs.c.subject == subject, due_jobs.c.kind.in_(kinds), due_jobs.c.status == PENDING)
        query = select(due_jobs.c.id).where(*pending)
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        ids = list(self.conn.execute(query).scalars())
        if not ids:
            return 0
        return self.conn.execute(update(due_jobs).where(due_jobs.c.id.in_(ids)).values(status=CANCELLED)).rowcount

    def claim_next(self, now: datetime) -> DueJob | None:
        query = (
            select(due_jobs)
            .where(due_jobs.c.status == PENDING, due_jobs.c.due_at <= now)
            .order_by(due_jobs.c.due_at, due_jobs.c.id)
            .limit(1)
        )
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return DueJob(row.id, row.kind, row.subject, row.due_at, dict(row.payload or {}), row.attempts)

    def mark_done(self, job_id: int, *, now: datetime, worker: str) -> None:
        self.conn.execute(
            update(due_jobs).where(due_jobs.c.id == job_id).values(status=DONE, done_at=now, done_by=worker)
        )

    def mark_failed_attempt(self, job_id: int, *, error: str, retry_at: datetime, give_up: bool) -> None:
        self.conn.execute(
            update(due_jobs)
            .where(due_jobs.c.id == job_id)
            .values(attempts=due_jobs.c.attempts + 1, last_error=error[:2000], due_at=retry_at,
                    status=FAILED if give_up else PENDING)
        )

    def next_due_at(self, *, not_after: datetime | None = None) -> datetime | None:
        query = select(func.min(due_jobs.c.due_at)).where(due_jobs.c.status == PENDING)
        if not_after is not None:
            query = query.where(due_jobs.c.due_at <= not_after)
        return self.conn.execute(query).scalar_one_or_none()

    def list(self, *, subject: str | None = None, status: str | None = None) -> list[dict]:
        query = select(due_jobs).order_by(due_jobs.c.due_at, due_jobs.c.id)
        if subject is not None:
            query = query.where(due_jobs.c.subject == subject)
        if status is not None:
            query = query.where(due_jobs.c.status == status)
        return [dict(r._mapping) for r in self.conn.execute(query).all()]
