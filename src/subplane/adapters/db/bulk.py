"""Set-based helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, bindparam, update


def update_each(conn: Connection, key: Column, changes: dict[Any, dict[str, Any]]) -> None:
    """New column values per key, in one executemany (every row sets the same columns)."""
    if not changes:
        return
    names = list(next(iter(changes.values())))
    conn.execute(update(key.table).where(key == bindparam("key")).values({n: bindparam(f"new_{n}") for n in names}),
                 [{"key": k, **{f"new_{n}": values[n] for n in names}} for k, values in changes.items()])


def dialect_insert(conn: Connection):
    """The dialect's INSERT with ON CONFLICT (upserts, insert-if-absent): PostgreSQL's or SQLite's. Each is
    imported when its database is in use: SQLAlchemy's PostgreSQL package brings every driver's dialect
    (asyncpg's alone 40 ms), which a start on SQLite never needs (issue 14)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
