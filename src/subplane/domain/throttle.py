"""ARM-style token buckets per principal and scope: reads, writes and deletes refill separately.

Defaults follow ARM's token-bucket limits per principal per subscription (bucket 250 reads refilled at
25/s; 200 writes and 200 deletes refilled at 10/s). ``SUBPLANE_ARM_THROTTLE=off`` turns it off;
``reads=250:25,writes=200:10,deletes=200:10`` sets bucket sizes and refill rates.

The rule: a bucket starts full; it gains ``refill`` tokens per second of wall-clock time up to its size;
a request takes one token when at least one is there and is refused (taking nothing) otherwise. The
shared buckets compute the same rule in SQL (``adapters/db/throttle_repo.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import InvalidInput

DEFAULT_SPEC = "reads=250:25,writes=200:10,deletes=200:10"


@dataclass(frozen=True)
class Limit:
    capacity: float
    refill_per_second: float


@dataclass(frozen=True)
class Taken:
    allowed: bool
    remaining: int  # whole tokens left after this request
    retry_after: int  # seconds to wait when refused


def parse_spec(spec: str | None) -> dict[str, Limit] | None:
    """``None`` means throttling is off."""
    spec = (spec or "default").strip().lower()
    if spec in ("off", "none", "0", "false"):
        return None
    if spec == "default":
        spec = DEFAULT_SPEC
    limits = (parse_spec(DEFAULT_SPEC) or {}) if spec != DEFAULT_SPEC else {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kind, _, numbers = item.partition("=")
        capacity, _, rate = numbers.partition(":")
        limits[kind.strip()] = _limit(item, capacity, rate or capacity)
    return limits


def _limit(item: str, capacity: str, rate: str) -> Limit:
    try:
        limit = Limit(float(capacity), float(rate))
    except ValueError:
        limit = None
    if limit is None or not (limit.capacity >= 1 and limit.refill_per_second >= 0):
        raise InvalidInput("InvalidSetting", f"ARM throttle {item!r}: expected kind=size:refill with a size of at "
                                             "least 1 and a refill per second of 0 or more (e.g. reads=250:25), or off")
    return limit


def kind_of(method: str) -> str:
    if method in ("GET", "HEAD"):
        return "reads"
    return "deletes" if method == "DELETE" else "writes"


def available(limit: Limit, tokens: float, elapsed_seconds: float) -> float:
    """Tokens in a bucket that held ``tokens`` ``elapsed_seconds`` ago (a clock that stepped back adds none)."""
    return min(limit.capacity, tokens + max(0.0, elapsed_seconds) * limit.refill_per_second)


def allowed(remaining_after: float) -> Taken:
    return Taken(True, int(remaining_after), 0)


def refused(limit: Limit, tokens: float) -> Taken:
    wait = max(1, math.ceil((1 - tokens) / limit.refill_per_second)) if limit.refill_per_second else 60
    return Taken(False, 0, wait)
