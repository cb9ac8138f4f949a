"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC instants on every backend (SQLite stores naive text; we restore tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    # Month end writes and reads hundreds of thousands of instants, most of them period boundaries that
    # repeat; converting each distinct instant once halves the cost. Equal aware instants convert alike.
    def bind_processor(self, dialect):
        return lru_cache(maxsize=8192)(super().bind_processor(dialect))

    def result_processor(self, dialect, coltype):
        return lru_cache(maxsize=8192)(super().result_processor(dialect, coltype))

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
