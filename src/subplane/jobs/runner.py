"""Runs every due job in deadline order, one transaction per job, idempotently.

A kind with a batch handler (retention expiry, deletion reminders, the purged bytes' removal) runs as a batch: the
job due next and up to ``batch_size - 1`` more of its kind that follow it in deadline order are claimed
together and handled in one transaction, so thousands of purges due at one instant cost a few set-based
statements per batch rather than a transaction each. A batch that fails is rolled back and its jobs run
again one by one, so one failing job is retried alone and does not hold the others back.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so runners on several processes or machines
never process the same job; on SQLite the write lock taken at BEGIN serialises them instead.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from ..adapters.blobstore import BlobStore
from ..adapters.db.jobs_repo import DueJob
from ..domain.jobs import JobResult
from ..services.billing import BillingService
from ..services.budgets import BudgetService
from ..services.file_removal import PURGE_FILES, REMOVE_FILES, remove_files, remove_subscriptions
from ..services.forgetting import FreedPages
from ..services.subscriptions import SCHEDULED_CANCEL, SubscriptionService
from ..services.transitions import DELETION_REMINDER, RETENTION_EXPIRY
from ..services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger("subplane.jobs")
MAX_ATTEMPTS = 5
BATCH_SIZE = 500  # jobs per batch transaction: bounds how long one batch holds its locks

Handler = Callable[[UnitOfWork, DueJob], object]
BatchHandler = Callable[[UnitOfWork, Sequence[DueJob]], object]


class Runner:
    def __init__(self, uow: UowFactory, instance: str, freed_pages: FreedPages, handlers: dict[str, Handler],
                 batch_handlers: dict[str, BatchHandler] | None = None, *, batch_size: int = BATCH_SIZE) -> None:
        """``handlers``: what runs each kind of job (the composition root gathers them from the services);
        ``batch_handlers``: the kinds that run as batches of up to ``batch_size`` jobs."""
        self.uow = uow
        self.instance = instance
        self.freed_pages = freed_pages
        self.handlers = handlers
        self.batch_handlers = batch_handlers or {}
        self.batch_size = max(1, batch_size)

    def run_due(self, *, limit: int | None = None, on_job: Callable[[JobResult], None] | None = None) -> list[JobResult]:
        """Process due jobs until none is left (or ``limit`` is reached)."""
        results: list[JobResult] = []
        with self.freed_pages.batched():  # purges among these jobs: pages reclaimed once, at the end
            while limit is None or len(results) < limit:
                ran = self.run_next(limit=self.batch_size if limit is None else min(self.batch_size, limit - len(results)))
                if not ran:
                    break
                for result in ran:
                    results.append(result)
                    if on_job:
                        on_job(result)
        return results

    def run_one(self) -> JobResult | None:
        ran = self.run_next(limit=1)
        return ran[0] if ran else None

    def run_next(self, *, limit: int) -> list[JobResult]:
        """The job due next, with the run of its kind that follows it when the kind runs as a batch."""
        failed: list[DueJob] = []
        try:
            with self.uow() as uow:
                job = uow.jobs.claim_next(uow.now)
                if job is None:
                    return []
                batch = self.batch_handlers.get(job.kind)
                if batch is None:
                    return [self._run_claimed(uow, job)]
                jobs = [job, *uow.jobs.claim_run(job, uow.now, limit=limit - 1)]
                try:
                    batch(uow, jobs)
                except Exception:  # noqa: BLE001 - rolled back below; each job then runs on its own
                    failed = jobs
                    raise
                uow.jobs.mark_done_many([j.job_id for j in jobs], now=uow.now, worker=self.instance)
                return [JobResult(j.job_id, j.kind, j.subject, j.due_at, uow.now, "done") for j in jobs]
        except _Failed as failure:
            return [self._record_failure(failure)]
        except Exception:
            if not failed:
                raise
        log.warning("a batch of %d %s jobs failed; running them one by one", len(failed), failed[0].kind)
        return [result for j in failed if (result := self._run_alone(j.job_id)) is not None]

    def _run_alone(self, job_id: int) -> JobResult | None:
        """One job of a failed batch in its own transaction; None when another runner took it meanwhile."""
        try:
            with self.uow() as uow:
                job = uow.jobs.claim(job_id, uow.now)
                if job is None:
                    return None
                return self._run_claimed(uow, job)
        except _Failed as failure:
            return self._record_failure(failure)

    def _run_claimed(self, uow: UnitOfWork, job: DueJob) -> JobResult:
        try:
            batch = self.batch_handlers.get(job.kind)
            if batch is not None and job.kind not in self.handlers:
                batch(uow, [job])
            else:
                self.handlers[job.kind](uow, job)
        except Exception as error:  # noqa: BLE001 - a failing job must not stop the others
            raise _Failed(job, traceback.format_exc(limit=5), uow.now) from error
        uow.jobs.mark_done(job.job_id, now=uow.now, worker=self.instance)
        return JobResult(job.job_id, job.kind, job.subject, job.due_at, uow.now, "done")

    def _record_failure(self, failure: _Failed) -> JobResult:
        job, error, now = failure.job, failure.error, failure.now
        log.error("job %s (%s %s) failed: %s", job.job_id, job.kind, job.subject, error.splitlines()[-1])
        with self.uow() as uow:
            give_up = job.attempts + 1 >= MAX_ATTEMPTS
            uow.jobs.mark_failed_attempt(job.job_id, error=error, retry_at=now + timedelta(minutes=2 ** job.attempts),
                                         give_up=give_up)
        return JobResult(job.job_id, job.kind, job.subject, job.due_at, now, "failed")


class _Failed(Exception):
    """A job's handler raised: its transaction rolls back, then the failed attempt is recorded."""

    def __init__(self, job: DueJob, error: str, now: datetime) -> None:
        super().__init__(job.job_id)
        self.job, self.error, self.now = job, error, now


def handlers(subscriptions: SubscriptionService, billing: BillingService, budgets: BudgetService,
             blobstore: BlobStore) -> dict[str, Handler]:
    """What runs each kind of due job (the kinds ``batch_handlers`` names run as batches instead)."""
    return {
        SCHEDULED_CANCEL: lambda uow, job: subscriptions.run_scheduled_cancel(uow, job.subject, job.payload),
        REMOVE_FILES: lambda uow, job: remove_files(blobstore, job.payload.get("paths", []), uow.conn),
        **billing.job_handlers(),
        **budgets.handlers(),
    }


def batch_handlers(subscriptions: SubscriptionService, blobstore: BlobStore) -> dict[str, BatchHandler]:
    """The kinds that come due by the thousand at one instant: a day's cancels remind, expire and have their
    bytes removed together."""
    return {
        DELETION_REMINDER: lambda uow, jobs: [subscriptions.send_deletion_reminder(
            uow, job.subject, int(job.payload.get("daysBefore", 0))) for job in jobs],
        RETENTION_EXPIRY: lambda uow, jobs: subscriptions.expire_retentions(uow, [job.subject for job in jobs]),
        PURGE_FILES: lambda uow, jobs: remove_subscriptions(blobstore, [job.subject for job in jobs], uow.conn),
    }
