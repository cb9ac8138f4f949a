"""Emulator controls: the simulated clock. Advancing steps from one due job to the next, so the
outcome equals real time passing: every job runs at its own due instant, in order.

One advance at a time across every process on the database: the advance is a row (status, target,
owner, heartbeat) claimed in a transaction. The owner's heartbeat thread keeps it fresh; when it goes
stale (the process died), whoever looks next (the serve loop of any process, or the next advance)
takes it over and finishes it to the stored target. Jobs are idempotent and claimed, so the finished
history equals an uninterrupted run.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..adapters.db.clock_repo import ADVANCING, FAILED, READY, ClockAdvanceRepo
from ..clock import Clock, SimulatedClock, format_duration, require_bounded_advance
from ..domain.access import Principal
from ..domain.errors import Conflict
from ..domain.jobs import JobResult
from . import access
from .hooks import DueJobs
from .unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger("subplane.clock")
HEARTBEAT_SECONDS = 1.0  # wall clock (the database's, on PostgreSQL: hosts' clocks may differ)
# thirty missed heartbeats: the owner is gone (SQLite's write lock may hold a beat up to its 30 s busy timeout)
STALE_AFTER = timedelta(seconds=30)


class AdvanceTakenOver(Exception):
    """This process's advance was declared stale and another took it over: stop stepping."""


@dataclass(frozen=True)
class AdvanceResult:
    started_at: datetime
    now: datetime
    jobs: list[JobResult]


@dataclass(frozen=True)
class AdvanceClaim:
    """An advance this caller holds: run it with ``ClockService.run``."""

    owner: str
    started_at: datetime
    target: datetime
    jobs_run: int = 0


class ClockService:
    def __init__(self, uow: UowFactory, clock: Clock, instance: str, jobs: DueJobs) -> None:
        self.uow = uow
        self.clock = clock
        self.instance = instance
        self.jobs = jobs
        self._running: set[str] = set()  # owners of the advances this process runs: never taken over here

    def now(self) -> datetime:
        with self.uow(read_only=True) as uow:
            return uow.now

    def may_advance(self, *, actor: Principal) -> bool:
        """Whether ``actor`` may move the shared clock (``domain.access.may_advance_clock``)."""
        with self.uow(read_only=True) as uow:
            return access.may_advance_clock_for(uow, actor)

    def advance_as(self, delta: timedelta, *, actor: Principal) -> AdvanceResult:
        """``advance`` for a signed-in person: refused (403 ClockAdvanceNotAllowed) to a Reader."""
        with self.uow(read_only=True) as uow:
            access.require_advance_clock(uow, actor)
        return self.advance(delta)

    def _simulated(self) -> SimulatedClock:
        if not isinstance(self.clock, SimulatedClock):
            raise Conflict("ClockNotSimulated", "The clock can only be advanced in emulator mode.")
        return self.clock

    def advance(self, delta: timedelta, *, on_job: Callable[[JobResult], None] | None = None) -> AdvanceResult:
        """Finish an advance a dead process left, then advance by ``delta`` (409 while another runs)."""
        self.resume_stale(on_job=on_job)
        return self.run(self.begin(delta), on_job=on_job)

    def begin(self, delta: timedelta | None = None, *, until: datetime | None = None) -> AdvanceClaim:
        """Claim the advance from now to now + ``delta`` (or to ``until``, measured from the clock read under
        the claim's lock); ``ClockAdvancing`` if any process holds one."""
        clock = self._simulated()
        with self.uow(read_only=True) as uow:  # refuse at once, without queueing for SQLite's write lock
            _refuse_if_advancing(ClockAdvanceRepo(uow.conn).read())
        owner = self._new_owner()
        with self.uow() as uow:
            repo = ClockAdvanceRepo(uow.conn)
            _refuse_if_advancing(repo.read(for_update=True))  # a stale one too: resume_stale finishes it first
            started = clock.now(uow.conn, for_update=True)
            delta = until - started if until is not None else delta
            if delta is None or delta <= timedelta(0):
                raise Conflict("ClockCannotMoveBackward", "The clock only moves forward: it is "
                                                          f"{started.isoformat()}.")
            require_bounded_advance(delta)
            repo.start(owner=owner, started_from=started, target=started + delta, by=format_duration(delta))
        return AdvanceClaim(owner, started, started + delta)

    def resume_stale(self, *, on_job: Callable[[JobResult], None] | None = None,
                     before_finish: Callable[[], object] | None = None) -> AdvanceResult | None:
        """Take over an advance whose owner stopped beating and finish it to its target; None if none."""
        if not self.clock.simulated:
            return None
        owner = self._new_owner()
        with self.uow() as uow:
            repo = ClockAdvanceRepo(uow.conn)
            row = repo.read(for_update=True)
            if row is None or not repo.stale(row, STALE_AFTER) or row["owner"] in self._running or \
                    not repo.take_over(old_owner=row["owner"], new_owner=owner):
                return None
        log.warning("finishing the clock advance to %s that %s left", row["target"].isoformat(), row["owner"])
        return self.run(AdvanceClaim(owner, row["started_from"], row["target"], row["jobs_run"]), on_job=on_job,
                        before_finish=before_finish)

    def run(self, claim: AdvanceClaim, *, on_job: Callable[[JobResult], None] | None = None,
            before_finish: Callable[[], object] | None = None) -> AdvanceResult:
        """Step through every due job up to the claim's target; ``before_finish`` runs before the status
        turns ready (the HTTP control dispatches the outbox there)."""
        jobs: list[JobResult] = []
        counted = [claim.jobs_run]

        def ran(job: JobResult) -> None:
            counted[0] += 1
            if on_job:
                on_job(job)

        stop, lost = threading.Event(), threading.Event()
        beating = threading.Thread(target=self._beat, args=(claim.owner, stop, lost, counted), daemon=True,
                                   name="clock-heartbeat")
        self._running.add(claim.owner)
        beating.start()
        try:
            jobs = self._step_to(claim.target, ran, lost)
            if before_finish:
                before_finish()
        except BaseException as error:  # Ctrl-C too: the row must not stay "advancing"
            self._finish(claim.owner, FAILED, counted[0], None, f"{type(error).__name__}: {error}".rstrip(": "))
            raise
        finally:
            stop.set()
            beating.join()
            self._running.discard(claim.owner)
        self._finish(claim.owner, READY, counted[0], [_job_entry(j) for j in jobs], None)
        return AdvanceResult(claim.started_at, claim.target, jobs)

    def status(self) -> dict[str, Any]:
        """What ``GET /_subplane/clock`` shows, the same from every process."""
        with self.uow(read_only=True) as uow:
            row = ClockAdvanceRepo(uow.conn).read()
            now = uow.now
        described: dict[str, Any] = {"now": now.isoformat(), "simulated": self.clock.simulated,
                     "status": row["status"] if row else READY, "reason": row["reason"] if row else None,
                     "lastAdvance": None}
        if row and row["target"] is not None:
            described["lastAdvance"] = {"from": row["started_from"].isoformat(), "by": row["by"],
                                        "target": row["target"].isoformat(), "jobsRun": row["jobs_run"],
                                        "owner": row["owner"]}
            if row["status"] == READY:
                described["lastAdvance"].update(to=row["target"].isoformat(), jobs=row["jobs"] or [])
        return described

    def require_idle(self, uow: UnitOfWork) -> None:
        """Reset and snapshot import refuse to run under a live advance (one whose owner died holds
        nothing up: they replace the whole state anyway)."""
        repo = ClockAdvanceRepo(uow.conn)
        row = repo.read(for_update=True)
        if not repo.stale(row, STALE_AFTER):
            _refuse_if_advancing(row)

    def forget(self, uow: UnitOfWork) -> None:
        ClockAdvanceRepo(uow.conn).clear()

    # ------------------------------------------------------------------------------------------
    def _step_to(self, target: datetime, on_job: Callable[[JobResult], None],
                 lost: threading.Event | None = None) -> list[JobResult]:
        clock = self._simulated()
        jobs = list(self.jobs.run_due(on_job=on_job))
        while True:
            if lost is not None and lost.is_set():
                raise AdvanceTakenOver(f"another process took over the advance to {target.isoformat()}")
            with self.uow() as uow:
                next_due = uow.jobs.next_due_at(not_after=target)
                if next_due is None:
                    if uow.now < target:
                        clock.set(uow.conn, target)
                    break
                clock.set(uow.conn, max(next_due, uow.now))
            jobs.extend(self.jobs.run_due(on_job=on_job))
        jobs.extend(self.jobs.run_due(on_job=on_job))
        return jobs

    def _beat(self, owner: str, stop: threading.Event, lost: threading.Event, counted: list[int]) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.uow() as uow:
                    if not ClockAdvanceRepo(uow.conn).beat(owner=owner, jobs_run=counted[0]):
                        lost.set()
                        return
            except Exception:  # noqa: BLE001 - a missed beat is retried; a long outage lets another take over
                log.exception("clock heartbeat failed")

    def _finish(self, owner: str, status: str, jobs_run: int, jobs: list[dict[str, Any]] | None, reason: str | None) -> None:
        with self.uow() as uow:
            if not ClockAdvanceRepo(uow.conn).finish(owner=owner, status=status, jobs_run=jobs_run, jobs=jobs,
                                                      reason=reason):
                log.warning("clock advance of %s was taken over; its outcome is the other process's", owner)

    def _new_owner(self) -> str:
        return f"{self.instance}/{uuid.uuid4().hex[:8]}"



def _refuse_if_advancing(row: dict[str, Any] | None) -> None:
    if row and row["status"] == ADVANCING:
        raise Conflict("ClockAdvancing", f"The clock is already advancing to {row['target'].isoformat()} "
                                         f"({row['owner']}); poll GET /_subplane/clock or wait for it.")


def _job_entry(job: JobResult) -> dict[str, Any]:
    return {"kind": job.kind, "subject": job.subject, "dueAt": job.due_at.isoformat(), "outcome": job.outcome}
