"""Runs every due job in deadline order, one transaction per job, idempotently.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so runners on several processes or machines
never process the same job; on SQLite the write lock taken at BEGIN serialises them instead.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from ..adapters.blobstore import BlobStore
from ..adapters.db.jobs_repo import DueJob
from ..domain.jobs import JobResult
from ..services.billing import BillingService
from ..services.budgets import BudgetService
from ..services.file_removal import PURGE_FILES, REMOVE_FILES, remove_files
from ..services.forgetting import FreedPages
from ..services.subscriptions import SCHEDULED_CANCEL, SubscriptionService
from ..services.transitions import DELETION_REMINDER, RETENTION_EXPIRY
from ..services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger("subplane.jobs")
MAX_ATTEMPTS = 5


class Runner:
    def __init__(self, uow: UowFactory, instance: str, freed_pages: FreedPages,
                 handlers: dict[str, Callable[[UnitOfWork, DueJob], object]]) -> None:
        """``handlers``: what runs each kind of job (the composition root gathers them from the services)."""
        self.uow = uow
        self.instance = instance
        self.freed_pages = freed_pages
        self.handlers = handlers

    def run_due(self, *, limit: int | None = None, on_job: Callable[[JobResult], None] | None = None) -> list[JobResult]:
        """Process due jobs until none is left (or ``limit`` is reached)."""
        results: list[JobResult] = []
        with self.freed_pages.batched():  # purges among these jobs: pages reclaimed once, at the end
            while limit is None or len(results) < limit:
                result = self.run_one()
                if result is None:
                    break
                results.append(result)
                if on_job:
                    on_job(result)
        return results

    def run_one(self) -> JobResult | None:
        failure: tuple[DueJob, str, datetime] | None = None
        try:
            with self.uow() as uow:
                job = uow.jobs.claim_next(uow.now)
                if job is None:
                    return None
                try:
                    self.handlers[job.kind](uow, job)
                    outcome = "done"
                except Exception:  # noqa: BLE001 - a failing job must not stop the others
                    failure = (job, traceback.format_exc(limit=5), uow.now)
                    raise
                uow.jobs.mark_done(job.job_id, now=uow.now, worker=self.instance)
                return JobResult(job.job_id, job.kind, job.subject, job.due_at, uow.now, outcome)
        except Exception:
            if failure is None:
                raise
        job, error, now = failure
        log.error("job %s (%s %s) failed: %s", job.job_id, job.kind, job.subject, error.splitlines()[-1])
        with self.uow() as uow:
            give_up = job.attempts + 1 >= MAX_ATTEMPTS
            uow.jobs.mark_failed_attempt(job.job_id, error=error, retry_at=now + timedelta(minutes=2 ** job.attempts),
                                         give_up=give_up)
        return JobResult(job.job_id, job.kind, job.subject, job.due_at, now, "failed")


def handlers(subscriptions: SubscriptionService, billing: BillingService, budgets: BudgetService,
             blobstore: BlobStore) -> dict[str, Callable[[UnitOfWork, DueJob], object]]:
    """What runs each kind of due job."""
    return {
        RETENTION_EXPIRY: lambda uow, job: subscriptions.expire_retention(uow, job.subject),
        SCHEDULED_CANCEL: lambda uow, job: subscriptions.run_scheduled_cancel(uow, job.subject, job.payload),
        DELETION_REMINDER: lambda uow, job: subscriptions.send_deletion_reminder(
            uow, job.subject, int(job.payload.get("daysBefore", 0))
        ),
        PURGE_FILES: lambda uow, job: blobstore.remove_subscription(uow.conn, job.subject),
        REMOVE_FILES: lambda uow, job: remove_files(blobstore, job.payload.get("paths", []), uow.conn),
        **billing.job_handlers(),
        **budgets.handlers(),
    }
