"""Set-based helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def update_each(conn: Connection, key: Column, changes: dict[Any, dict[str, Any]]) -> None:
    """New column values per key, in one executemany (every row sets the same columns)."""
    if not changes:
        return
    names = list(next(iter(changes.values())))
    conn.execute(update(key.table).where(key == bindparam("key")).values({n: bindparam(f"new_{n}") for n in names}),
                 [{"key": k, **{f"new_{n}": values[n] for n in names}} for k, values in changes.items()])


def dialect_insert(conn: Connection):
    """The dialect's INSERT with ON CONFLICT (upserts, insert-if-absent): PostgreSQL's or SQLite's."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
