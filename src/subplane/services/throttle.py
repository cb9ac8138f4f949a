"""The ARM throttle: token buckets per principal, scope and kind (rule in ``domain/throttle.py``).

``SharedBuckets`` keep them in the database, so the documented limits hold across every process on it;
``LocalBuckets`` keep them in this process's memory (see ``buckets_for`` for which one a backend gets).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ..adapters.db.throttle_repo import ThrottleRepo
from ..domain import throttle as rule
from ..domain.throttle import Limit, Taken
from .unit_of_work import UowFactory


class SharedBuckets:
    def __init__(self, uow: UowFactory, limits: dict[str, Limit], wall_clock: Callable[[], float] = time.time) -> None:
        self.uow, self.limits, self._clock = uow, limits, wall_clock

    def take(self, principal: str, scope: str, kind: str) -> Taken:
        limit, key, now = self.limits[kind], (principal, scope, kind), self._clock()
        with self.uow() as uow:
            repo = ThrottleRepo(uow.conn)
            left = repo.take(key, limit, now)
            if left is not None:
                return rule.allowed(left)
            tokens, updated_at = repo.bucket(key) or (0.0, now)
        return rule.refused(limit, rule.available(limit, tokens, now - updated_at))


class LocalBuckets:
    def __init__(self, limits: dict[str, Limit], clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self._clock = limits, clock
        self._buckets: dict[tuple[Any, ...], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, principal: str, scope: str, kind: str) -> Taken:
        limit, key, now = self.limits[kind], (principal, scope, kind), self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (limit.capacity, now))
            tokens = rule.available(limit, tokens, now - last)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return rule.allowed(tokens - 1)
        return rule.refused(limit, tokens)


def buckets_for(uow: UowFactory, spec: str, dialect: str) -> SharedBuckets | LocalBuckets | None:
    """``None`` when throttling is off (``spec``: ``Settings.arm_throttle``). PostgreSQL, where several processes
    serve one database, shares the buckets. SQLite keeps them in memory: one ``serve`` per database file, and a
    write per ARM read would put every read behind SQLite's one writer (docs/architecture.md has the measurements)."""
    limits = rule.parse_spec(spec)
    if limits is None:
        return None
    if dialect == "postgresql":
        return SharedBuckets(uow, limits)
    return LocalBuckets(limits)
