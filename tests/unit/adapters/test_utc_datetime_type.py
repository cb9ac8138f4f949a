"""UtcDateTime's cached processors must never turn one instant into another."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from subplane.adapters.db.types import UtcDateTime

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# 2026-10-25 02:30 happens twice in Amsterdam: 00:30Z (fold 0) and 01:30Z (fold 1). Python calls the two
# equal (same tzinfo: fold is ignored), which is how psycopg hands them over when the server's TimeZone
# is a zone with summer time.
EARLIER = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
LATER = EARLIER + timedelta(hours=1)


def test_result_keeps_two_instants_that_share_a_wall_clock_time_apart():
    dialect = postgresql.psycopg.dialect()
    process = UtcDateTime(timezone=True).result_processor(dialect, None)
    first, second = EARLIER.astimezone(AMSTERDAM), LATER.astimezone(AMSTERDAM)
    assert first == second and (first.fold, second.fold) == (0, 1)  # the trap itself

    assert process(first) == EARLIER
    assert process(second) == LATER


@pytest.mark.parametrize("dialect", [postgresql.psycopg.dialect(), sqlite.dialect()], ids=["postgres", "sqlite"])
def test_bind_keeps_two_instants_that_share_a_wall_clock_time_apart(dialect):
    process = UtcDateTime(timezone=True).bind_processor(dialect)
    first, second = EARLIER.astimezone(AMSTERDAM), LATER.astimezone(AMSTERDAM)
    as_utc = (lambda v: v) if dialect.name == "postgresql" else (lambda v: v.replace(tzinfo=None))

    assert process(first) == as_utc(EARLIER)
    assert process(second) == as_utc(LATER)


def test_bind_still_refuses_naive_values_after_an_equal_aware_one_was_cached():
    process = UtcDateTime(timezone=True).bind_processor(sqlite.dialect())
    assert process(EARLIER) == EARLIER.replace(tzinfo=None)
    with pytest.raises(ValueError):
        process(EARLIER.replace(tzinfo=None))
