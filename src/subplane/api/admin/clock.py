"""``GET/POST /_subplane/clock``: the same ``ClockService.advance`` the CLI uses, in a background thread.

The caller may wait (``wait`` seconds, default 30) for the advance to finish; a longer advance goes on
in the background and ``GET`` reports ``advancing`` → ``ready`` (or ``failed`` with the reason).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from ...clock import parse_duration, require_bounded_advance
from ...domain.errors import Conflict, InvalidInput

log = logging.getLogger("subplane.clock")
POLL_SECONDS = 0.05


class ClockAdvances:
    """Runs this process's advances in a thread; status and the one-at-a-time rule live in the database
    (``ClockService``), so every process answers the same and refuses a second advance alike."""

    def __init__(self, app) -> None:
        self.app = app
        self._done = threading.Event()
        self._done.set()

    @property
    def busy(self) -> bool:
        return self.describe()["status"] == "advancing"

    def describe(self) -> dict:
        return self.app.clock_control.status()

    def requested(self, body: dict) -> tuple[timedelta | None, datetime | None]:
        """(by how much, or None; to which instant, or None): a target is measured again under the claim."""
        if "advance" in body and body["advance"]:
            return parse_duration(str(body["advance"])), None
        if body.get("to"):
            try:
                target = datetime.fromisoformat(str(body["to"]).replace("Z", "+00:00"))
                target.astimezone(UTC)  # an instant at the calendar's edge has no UTC equivalent
            except (ValueError, OverflowError):
                raise InvalidInput("InvalidInstant", f"Cannot read instant {body['to']!r}; use ISO 8601.") from None
            if target.tzinfo is None:
                raise InvalidInput("InvalidInstant", "Give the instant with a time zone, e.g. 2027-03-01T00:00:00Z.")
            now = self.app.clock_control.now()
            if target <= now:
                raise Conflict("ClockCannotMoveBackward",
                               f"The clock only moves forward: it is {now.isoformat()}, asked for {target.isoformat()}.")
            require_bounded_advance(target - now)
            return None, target
        raise InvalidInput("InvalidClockRequest", 'Send {"advance": "91d"} or {"to": "<ISO 8601 instant>"}.')

    def start(self, requested: tuple[timedelta | None, datetime | None]) -> None:
        if not self.app.clock.simulated:
            raise Conflict("ClockNotSimulated", "The clock can only be advanced in emulator mode.")
        delta, until = requested
        claim = self.app.clock_control.begin(delta, until=until)  # ClockAdvancing (409) when any process holds one
        self._done.clear()
        threading.Thread(target=self._run, args=(claim,), name="clock-advance", daemon=True).start()

    def wait(self, seconds: float) -> bool:
        """Until this process's advance is done, or (when another process advances) its status says so."""
        deadline = time.monotonic() + max(seconds, 0)
        while self.busy:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._done.wait(min(POLL_SECONDS, remaining))
        return True

    def _run(self, claim) -> None:
        try:  # messages and webhooks for what just happened exist when the status turns ready
            self.app.clock_control.run(claim, before_finish=self.app.outbox_dispatcher.run_once)
        except Exception:  # noqa: BLE001 - recorded as failed(reason) by the service, shown by GET
            log.exception("clock advance failed")
        finally:
            self._done.set()
