"""ARM-style token buckets per principal and scope: reads, writes and deletes refill separately.

Defaults follow ARM's token-bucket limits per principal per subscription (bucket 250 reads refilled at
25/s; 200 writes and 200 deletes refilled at 10/s). ``SUBPLANE_ARM_THROTTLE=off`` turns it off;
``reads=250:25,writes=200:10,deletes=200:10`` sets bucket sizes and refill rates.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

DEFAULT_SPEC = "reads=250:25,writes=200:10,deletes=200:10"


@dataclass(frozen=True)
class Limit:
    capacity: float
    refill_per_second: float


def parse_spec(spec: str | None) -> dict[str, Limit] | None:
    """``None`` means throttling is off."""
    spec = (spec or "default").strip().lower()
    if spec in ("off", "none", "0", "false"):
        return None
    if spec == "default":
        spec = DEFAULT_SPEC
    limits = parse_spec(DEFAULT_SPEC) if spec != DEFAULT_SPEC else {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kind, _, numbers = item.partition("=")
        capacity, _, rate = numbers.partition(":")
        limits[kind.strip()] = Limit(float(capacity), float(rate or capacity))
    return limits


def kind_of(method: str) -> str:
    if method in ("GET", "HEAD"):
        return "reads"
    return "deletes" if method == "DELETE" else "writes"


class Throttle:
    def __init__(self, limits: dict[str, Limit] | None, clock=time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._buckets: dict[tuple, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.limits is not None

    def take(self, key: tuple, kind: str) -> tuple[bool, int, int]:
        """(allowed, tokens remaining, seconds to wait when refused)."""
        if self.limits is None:
            return True, 0, 0
        limit = self.limits[kind]
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get((key, kind), (limit.capacity, now))
            tokens = min(limit.capacity, tokens + (now - last) * limit.refill_per_second)
            if tokens >= 1:
                self._buckets[(key, kind)] = (tokens - 1, now)
                return True, int(tokens - 1), 0
            self._buckets[(key, kind)] = (tokens, now)
        wait = max(1, math.ceil((1 - tokens) / limit.refill_per_second)) if limit.refill_per_second else 60
        return False, 0, wait
