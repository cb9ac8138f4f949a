"""Due jobs: stored deadlines, claimed one at a time or as a run of one kind (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL)."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, tuple_, update

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
        self.schedule_many(kind=kind, subjects=[subject], due_at=due_at, payload=payload)

    def schedule_many(self, *, kind: str, subjects: builtins.list[str], due_at: datetime,
                      payload: dict | None = None) -> None:
        """``schedule`` for each subject, in one executemany."""
        if not subjects:
            return
        insert = dialect_insert(self.conn)
        statement = insert(due_jobs).on_conflict_do_update(
            index_elements=[due_jobs.c.dedupe_key],
            set_={"status": PENDING, "attempts": 0, "last_error": None},
            where=due_jobs.c.status == CANCELLED,
        )
        self.conn.execute(statement, [dict(kind=kind, subject=subject, due_at=due_at, status=PENDING,
                                           dedupe_key=f"{kind}|{subject}|{due_at.isoformat()}",
                                           payload=payload or {}, attempts=0) for subject in subjects])

    def cancel_pending(self, *, subject: str, kinds: tuple[str, ...]) -> int:
        return self.cancel_pending_many(subjects=[subject], kinds=kinds)

    def cancel_pending_many(self, *, subjects: builtins.list[str], kinds: tuple[str, ...]) -> int:
        """Cancel pending jobs of these subjects. A job a runner holds right now is skipped, not waited
        for (waiting could deadlock with that runner); its handler finds the new state and does nothing."""
        pending = (due_jobs.c.subject.in_(list(subjects)), due_jobs.c.kind.in_(kinds), due_jobs.c.status == PENDING)
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
        return None if row is None else _job(row)

    def claim_run(self, first: DueJob, now: datetime, *, limit: int) -> list[DueJob]:
        """Up to ``limit`` more due jobs of ``first``'s kind that come straight after it in deadline order
        (none of another kind due between them), claimed like ``claim_next``: the run a batch handler takes."""
        after_first = tuple_(due_jobs.c.due_at, due_jobs.c.id) > tuple_(first.due_at, first.job_id)
        due = (due_jobs.c.status == PENDING, due_jobs.c.due_at <= now, after_first)
        other = self.conn.execute(select(due_jobs.c.due_at, due_jobs.c.id)
                                  .where(*due, due_jobs.c.kind != first.kind)
                                  .order_by(due_jobs.c.due_at, due_jobs.c.id).limit(1)).first()
        query = select(due_jobs).where(*due, due_jobs.c.kind == first.kind)
        if other is not None:
            query = query.where(tuple_(due_jobs.c.due_at, due_jobs.c.id) < tuple_(other.due_at, other.id))
        query = query.order_by(due_jobs.c.due_at, due_jobs.c.id).limit(limit)
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        return [_job(row) for row in self.conn.execute(query)]

    def claim(self, job_id: int, now: datetime) -> DueJob | None:
        """One job by id, if it is still pending and due (a batch that failed is retried job by job)."""
        query = select(due_jobs).where(due_jobs.c.id == job_id, due_jobs.c.status == PENDING, due_jobs.c.due_at <= now)
        if self.postgres:
            query = query.with_for_update(skip_locked=True)
        row = self.conn.execute(query).first()
        return None if row is None else _job(row)

    def mark_done(self, job_id: int, *, now: datetime, worker: str) -> None:
        self.mark_done_many([job_id], now=now, worker=worker)

    def mark_done_many(self, job_ids: Collection[int], *, now: datetime, worker: str) -> None:
        self.conn.execute(
            update(due_jobs).where(due_jobs.c.id.in_(list(job_ids))).values(status=DONE, done_at=now, done_by=worker)
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


def _job(row) -> DueJob:
    return DueJob(row.id, row.kind, row.subject, row.due_at, dict(row.payload or {}), row.attempts)
