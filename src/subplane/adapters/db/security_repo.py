"""Failed sign-ins per name: read, count one failure atomically, forget."""

from __future__ import annotations

from sqlalchemy import Connection, and_, case, delete, literal, or_, select

from ...domain.lockout import Attempts, FailureCount
from .bulk import dialect_insert
from .security_tables import sign_in_failures as table
from .types import UtcDateTime


class LockoutRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def attempts(self, key: str) -> Attempts | None:
        row = self.conn.execute(select(table.c.failures, table.c.window_start, table.c.locked_until)
                                .where(table.c.subject_key == key)).first()
        return Attempts(*row) if row else None

    def reserve_attempt(self, key: str, kind: str, count: FailureCount) -> Attempts | None:
        """Count this attempt as a failure before its secret is checked, unless the name is locked (then
        ``None`` and nothing changes). One INSERT ... ON CONFLICT DO UPDATE ... WHERE: concurrent attempts
        (in any process) each get their own number, so at most ``threshold`` of them are ever checked
        before the lock; a success then forgets the row. The SET expressions all read the row as it was,
        so the restart test is the same in each."""
        now = literal(count.now, UtcDateTime)
        lock_until = literal(count.lock_until, UtcDateTime)
        restart = or_(table.c.window_start <= literal(count.restart_before, UtcDateTime),
                      and_(table.c.locked_until.is_not(None), table.c.locked_until <= now))
        failures = case((restart, 1), else_=table.c.failures + 1)
        insert = dialect_insert(self.conn)
        statement = insert(table).values(
            subject_key=key, kind=kind, failures=1, window_start=count.now,
            locked_until=count.lock_until if count.threshold <= 1 else None,
        ).on_conflict_do_update(index_elements=[table.c.subject_key], set_={
            "failures": failures,
            "window_start": case((restart, now), else_=table.c.window_start),
            "locked_until": case((failures >= count.threshold, lock_until), (restart, None),
                                 else_=table.c.locked_until),
        }, where=or_(table.c.locked_until.is_(None), table.c.locked_until <= now),
        ).returning(table.c.failures, table.c.window_start, table.c.locked_until)
        row = self.conn.execute(statement).first()
        return Attempts(*row) if row else None

    def forget(self, key: str) -> None:
        self.conn.execute(delete(table).where(table.c.subject_key == key))
