"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC instants on every backend (SQLite stores naive text; we restore tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    # Month end writes and reads hundreds of thousands of instants, most of them period boundaries that
    # repeat; converting each distinct instant once halves the cost.
    def bind_processor(self, dialect):
        return _converted_once(super().bind_processor(dialect))

    def result_processor(self, dialect, coltype):
        return _converted_once(super().result_processor(dialect, coltype))

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _converted_once(process):
    """``process`` with each distinct value converted once. The UTC offset is part of the key: Python
    calls two aware datetimes with the same tzinfo equal when only ``fold`` differs (02:30 twice on the
    night summer time ends, as psycopg returns them when the server's TimeZone has summer time), yet
    they are different instants."""
    if process is None:
        return None
    by_value = lru_cache(maxsize=8192)(lambda value, _offset: process(value))

    def convert(value):
        return by_value(value, value.utcoffset() if isinstance(value, datetime) else None)

    return convert
