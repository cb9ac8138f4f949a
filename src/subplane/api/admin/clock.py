"""``GET/POST /_subplane/clock``: the same ``ClockService.advance`` the CLI uses, in a background thread.

The caller may wait (``wait`` seconds, default 30) for the advance to finish; a longer advance goes on
in the background and ``GET`` reports ``advancing`` → ``ready`` (or ``failed`` with the reason).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from ...clock import format_duration, parse_duration, require_bounded_advance
from ...domain.errors import Conflict, InvalidInput

log = logging.getLogger("subplane.clock")


class ClockAdvances:
    """At most one advance at a time per process; its status is what ``GET /_subplane/clock`` shows."""

    def __init__(self, app) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._done.set()
        self.status = "ready"
        self.reason: str | None = None
        self.last: dict | None = None

    @property
    def busy(self) -> bool:
        return not self._done.is_set()

    def describe(self) -> dict:
        return {"now": self.app.clock_control.now().isoformat(), "simulated": self.app.clock.simulated,
                "status": self.status, "reason": self.reason, "lastAdvance": self.last}

    def requested_delta(self, body: dict) -> timedelta:
        if "advance" in body and body["advance"]:
            return parse_duration(str(body["advance"]))
        if body.get("to"):
            try:
                target = datetime.fromisoformat(str(body["to"]).replace("Z", "+00:00"))
                target.astimezone(timezone.utc)  # an instant at the calendar's edge has no UTC equivalent
            except (ValueError, OverflowError):
                raise InvalidInput("InvalidInstant", f"Cannot read instant {body['to']!r}; use ISO 8601.") from None
            if target.tzinfo is None:
                raise InvalidInput("InvalidInstant", "Give the instant with a time zone, e.g. 2027-03-01T00:00:00Z.")
            now = self.app.clock_control.now()
            if target <= now:
                raise Conflict("ClockCannotMoveBackward",
                               f"The clock only moves forward: it is {now.isoformat()}, asked for {target.isoformat()}.")
            return require_bounded_advance(target - now)
        raise InvalidInput("InvalidClockRequest", 'Send {"advance": "91d"} or {"to": "<ISO 8601 instant>"}.')

    def start(self, delta: timedelta) -> None:
        if not self.app.clock.simulated:
            raise Conflict("ClockNotSimulated", "The clock can only be advanced in emulator mode.")
        with self._lock:
            if self.busy:
                raise Conflict("ClockAdvancing", "The clock is already advancing; poll GET /_subplane/clock.")
            self._done.clear()
            self.status, self.reason = "advancing", None
            self.last = {"from": self.app.clock_control.now().isoformat(), "by": format_duration(delta), "jobsRun": 0}
        threading.Thread(target=self._run, args=(delta,), name="clock-advance", daemon=True).start()

    def wait(self, seconds: float) -> bool:
        return self._done.wait(max(seconds, 0))

    def _count(self, _job) -> None:
        self.last["jobsRun"] += 1

    def _run(self, delta: timedelta) -> None:
        try:
            result = self.app.clock_control.advance(delta, on_job=self._count)
            self.last.update(to=result.now.isoformat(), jobs=[
                {"kind": j.kind, "subject": j.subject, "dueAt": j.due_at.isoformat(), "outcome": j.outcome}
                for j in result.jobs])
            self.app.outbox_dispatcher.run_once()  # messages and webhooks for what just happened
            self.status = "ready"
        except Exception as error:  # noqa: BLE001 - reported through the status
            log.exception("clock advance failed")
            self.status, self.reason = "failed", f"{type(error).__name__}: {error}"
        finally:
            self._done.set()
