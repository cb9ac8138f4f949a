from datetime import timedelta

import pytest

from subplane.clock import format_duration, parse_duration
from subplane.domain.errors import InvalidInput


@pytest.mark.parametrize(("text", "expected"), [
    ("15m", timedelta(minutes=15)), ("31d", timedelta(days=31)), ("1d12h", timedelta(days=1, hours=12)),
    ("2w", timedelta(weeks=2)), ("90s", timedelta(seconds=90)), ("91D", timedelta(days=91)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "15", "-3d", "0d", "3x", "3d soon"])
def test_bad_durations_name_the_problem(text):
    with pytest.raises(InvalidInput) as refused:
        parse_duration(text)
    assert refused.value.code == "InvalidDuration"


@pytest.mark.parametrize("text", ["91d", "1d12h", "15m", "2h30m10s", "45s"])
def test_format_duration_reads_back(text):
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1969-12-31T23:59:59Z",
                                  "9500-01-01T00:00:00Z", "soon"])
def test_an_instant_past_the_calendar_or_the_clock_range_is_invalid_input_not_a_crash(text):
    from subplane.clock import parse_instant

    with pytest.raises(InvalidInput) as refused:
        parse_instant(text)
    assert refused.value.code == "InvalidInstant"
