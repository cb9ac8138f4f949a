"""The only module that knows what time it is.

``SystemClock`` reads the wall clock. ``SimulatedClock`` keeps one stored instant in the database, so
every process on the same database shares it; it moves only when advanced, and only forward.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, select, update

from .adapters.db.bulk import dialect_insert
from .adapters.db.tables import clock as clock_table
from .domain.errors import Conflict, InvalidInput

_DURATION = re.compile(r"([0-9]{1,12})\s*(w|d|h|m|s)", re.IGNORECASE)
MAX_ADVANCE = timedelta(days=36525)  # a hundred years: far past any retention, invoice or reminder deadline
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """``15m``, ``31d``, ``1d12h``, ``90s``, ``2w`` → timedelta; anything else is a clear error."""
    cleaned = text.strip().replace(" ", "")
    parts = _DURATION.findall(cleaned)
    if not cleaned or "".join(f"{n}{u}" for n, u in parts).lower() != cleaned.lower():
        raise InvalidInput(
            "InvalidDuration", f"Cannot read duration {text!r}; use forms like 15m, 12h, 31d, 1d12h, 2w."
        )
    seconds = sum(int(n) * _UNIT_SECONDS[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise InvalidInput("InvalidDuration", f"Duration {text!r} must be positive.")
    if seconds > MAX_ADVANCE.total_seconds():
        raise too_far(text)
    return timedelta(seconds=seconds)


def too_far(asked: str) -> InvalidInput:
    return InvalidInput("InvalidDuration", f"The clock moves at most {MAX_ADVANCE.days} days (100 years) at once, "
                                           f"not {asked[:40]}.")


def require_bounded_advance(delta: timedelta) -> timedelta:
    """One rule for every way of asking the clock to move (a duration, or an instant to move to)."""
    if delta > MAX_ADVANCE:
        raise too_far(format_duration(delta))
    return delta


def format_duration(delta: timedelta) -> str:
    """The inverse of ``parse_duration`` for whole seconds: 91 days → ``91d``, 1.5 days → ``1d12h``."""
    seconds, parts = int(delta.total_seconds()), []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def utc_now() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    simulated: bool

    def now(self, conn: Connection) -> datetime: ...


class SystemClock:
    simulated = False

    def now(self, conn: Connection) -> datetime:  # noqa: ARG002 - same signature as SimulatedClock
        return utc_now()


EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant (``2028-02-29T10:00:00Z``, or a date for its midnight UTC); a bare time is UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        instant = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset past the calendar's first or last day
        raise InvalidInput("InvalidInstant",
                           f"Cannot read instant {text!r}; use ISO 8601 such as 2028-02-29T10:00:00Z.") from None
    if not EARLIEST_INSTANT <= instant <= LATEST_INSTANT:  # room for every deadline computed from it
        raise InvalidInput("InvalidInstant", f"Instant {text!r} is outside {EARLIEST_INSTANT.year}–"
                                             f"{LATEST_INSTANT.year}.")
    return instant


class SimulatedClock:
    """``start`` is where a new (or reset) clock begins; without it, at the wall clock's second."""

    simulated = True

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start

    def now(self, conn: Connection, *, for_update: bool = False) -> datetime:
        query = select(clock_table.c.now).where(clock_table.c.id == 1)
        if for_update and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        stored = conn.execute(query).scalar_one_or_none()
        if stored is None:
            self.initialise(conn)
            stored = conn.execute(query).scalar_one()
        return stored

    def initialise(self, conn: Connection, at: datetime | None = None) -> None:
        """Start the simulated clock at ``at``, else the configured start, else the wall clock's second;
        a no-op when it already runs."""
        instant = at or self.start or utc_now()
        insert = dialect_insert(conn)
        conn.execute(insert(clock_table).values(id=1, now=instant.replace(microsecond=0)).on_conflict_do_nothing())

    def set(self, conn: Connection, instant: datetime) -> datetime:
        current = self.now(conn, for_update=True)
        if instant < current:
            raise Conflict(
                "ClockCannotMoveBackward",
                f"The clock only moves forward: it is {current.isoformat()}, asked for {instant.isoformat()}.",
            )
        conn.execute(update(clock_table).where(clock_table.c.id == 1).values(now=instant))
        return instant
