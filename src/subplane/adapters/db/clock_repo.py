"""The shared record of the simulated clock's advance (``coordination_tables.clock_advance``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update

from .coordination_tables import clock_advance

ADVANCING, READY, FAILED = "advancing", "ready", "failed"
_ROW = clock_advance.c.id == 1


class ClockAdvanceRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def read(self, *, for_update: bool = False) -> dict | None:
        query = select(clock_advance).where(_ROW)
        if for_update and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return dict(row._mapping) if row else None

    def now(self) -> datetime:
        """What heartbeats are written and judged by: the database server's clock on PostgreSQL (every
        host agrees on it), this machine's on SQLite (one machine)."""
        if self.conn.dialect.name == "postgresql":
            return self.conn.execute(select(func.clock_timestamp())).scalar_one().astimezone(UTC)
        return datetime.now(UTC)

    def stale(self, row: dict | None, age: timedelta) -> bool:
        """An advancing row whose owner has not beaten for ``age``."""
        return bool(row and row["status"] == ADVANCING and row["heartbeat_at"] is not None
                    and row["heartbeat_at"] < self.now() - age)

    def start(self, *, owner: str, started_from: datetime, target: datetime, by: str) -> None:
        values = {"status": ADVANCING, "owner": owner, "heartbeat_at": self.now(), "started_from": started_from,
                  "target": target, "by": by, "jobs_run": 0, "jobs": None, "reason": None}
        if self.conn.execute(update(clock_advance).where(_ROW).values(**values)).rowcount == 0:
            self.conn.execute(insert(clock_advance).values(id=1, **values))

    def take_over(self, *, old_owner: str, new_owner: str) -> bool:
        return self._held_by(old_owner, {"owner": new_owner, "heartbeat_at": self.now()})

    def beat(self, *, owner: str, jobs_run: int) -> bool:
        return self._held_by(owner, {"heartbeat_at": self.now(), "jobs_run": jobs_run})

    def finish(self, *, owner: str, status: str, jobs_run: int, jobs: list[dict] | None, reason: str | None) -> bool:
        return self._held_by(owner, {"status": status, "jobs_run": jobs_run, "jobs": jobs, "reason": reason})

    def clear(self) -> None:
        """Back to "never advanced" (reset, snapshot import)."""
        self.conn.execute(update(clock_advance).where(_ROW).values(
            status=READY, owner=None, heartbeat_at=None, started_from=None, target=None, by=None, jobs_run=0,
            jobs=None, reason=None))

    def _held_by(self, owner: str, values: dict) -> bool:
        """Change the advancing row only while ``owner`` holds it (a taken-over owner changes nothing)."""
        held = update(clock_advance).where(_ROW, clock_advance.c.status == ADVANCING, clock_advance.c.owner == owner)
        return self.conn.execute(held.values(**values)).rowcount == 1
