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
