"""ARM throttle buckets every process shares: take one token in one atomic statement."""

from __future__ import annotations

from sqlalchemy import Connection, Float, func, literal, select

from ...domain.throttle import Limit
from .bulk import dialect_insert
from .coordination_tables import throttle_buckets as table


class ThrottleRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def take(self, key: tuple[str, str, str], limit: Limit, now: float) -> float | None:
        """Tokens left after taking one, or ``None`` when fewer than one is there (then nothing is taken).

        One ``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``: the row lock of the conflicting row
        orders concurrent requests of any process, and each reads the bucket as the one before left it.
        ``updated_at`` never moves back, so a host whose clock lags cannot hand out tokens twice."""
        least, greatest = (func.least, func.greatest) if self.postgres else (func.min, func.max)
        at = literal(now, Float)
        tokens = least(literal(limit.capacity, Float),
                       table.c.tokens + greatest(0.0, at - table.c.updated_at) * literal(limit.refill_per_second, Float))
        principal, scope, kind = key
        insert = dialect_insert(self.conn)
        statement = insert(table).values(
            principal=principal, scope=scope, kind=kind, tokens=limit.capacity - 1, updated_at=now,
        ).on_conflict_do_update(
            index_elements=[table.c.principal, table.c.scope, table.c.kind],
            set_={"tokens": tokens - 1, "updated_at": greatest(table.c.updated_at, at)},
            where=tokens >= 1,
        ).returning(table.c.tokens)
        return self.conn.execute(statement).scalar_one_or_none()

    def bucket(self, key: tuple[str, str, str]) -> tuple[float, float] | None:
        """(tokens, updated_at) as last stored."""
        principal, scope, kind = key
        row = self.conn.execute(select(table.c.tokens, table.c.updated_at).where(
            table.c.principal == principal, table.c.scope == scope, table.c.kind == kind)).first()
        return (row.tokens, row.updated_at) if row else None
