"""Emulator controls: the simulated clock. Advancing steps from one due job to the next, so the
outcome equals real time passing: every job runs at its own due instant, in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from ..clock import SimulatedClock, require_bounded_advance
from ..domain.errors import Conflict
from ..jobs.runner import JobResult


@dataclass(frozen=True)
class AdvanceResult:
    started_at: datetime
    now: datetime
    jobs: list[JobResult]


class ClockService:
    def __init__(self, app) -> None:
        self.app = app

    def now(self) -> datetime:
        with self.app.uow(read_only=True) as uow:
            return uow.now

    def _simulated(self) -> SimulatedClock:
        if not isinstance(self.app.clock, SimulatedClock):
            raise Conflict("ClockNotSimulated", "The clock can only be advanced in emulator mode.")
        return self.app.clock

    def advance(self, delta: timedelta, *, on_job: Callable[[JobResult], None] | None = None) -> AdvanceResult:
        clock = self._simulated()
        if delta <= timedelta(0):
            raise Conflict("ClockCannotMoveBackward", "The clock only moves forward.")
        require_bounded_advance(delta)
        started = self.now()
        target = started + delta
        jobs = list(self.app.jobs.run_due(on_job=on_job))
        while True:
            with self.app.uow() as uow:
                next_due = uow.jobs.next_due_at(not_after=target)
                if next_due is None:
                    clock.set(uow.conn, target)
                    break
                clock.set(uow.conn, max(next_due, uow.now))
            jobs.extend(self.app.jobs.run_due(on_job=on_job))
        jobs.extend(self.app.jobs.run_due(on_job=on_job))
        return AdvanceResult(started, target, jobs)
