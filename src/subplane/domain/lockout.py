"""The lockout rule for every password and client-secret check: after ``threshold`` failures within
``window`` of the first one, the name is locked for ``duration``. While locked, every attempt is refused,
the right secret too, and is not counted; once the window or the lock has ended, the next failure counts
from one again; a success forgets the failures.

The count itself is one atomic statement in the database (``adapters/db/security_repo.py``), so
concurrent attempts in any number of processes each count exactly once; ``FailureCount`` is what that
statement needs from this rule for one failure at ``now``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

USER = "user"
CLIENT = "client"


@dataclass(frozen=True)
class Attempts:
    """The stored failures of one name."""

    failures: int
    window_start: datetime
    locked_until: datetime | None


@dataclass(frozen=True)
class FailureCount:
    now: datetime
    restart_before: datetime  # a window that started at or before this instant is over
    threshold: int
    lock_until: datetime  # set when this failure reaches the threshold


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    window: timedelta = timedelta(minutes=15)
    duration: timedelta = timedelta(minutes=15)

    def locked_until(self, attempts: Attempts | None, now: datetime) -> datetime | None:
        """When the lock on a name ends, or ``None`` when it may try now."""
        if attempts is None or attempts.locked_until is None or attempts.locked_until <= now:
            return None
        return attempts.locked_until

    def failure(self, now: datetime) -> FailureCount:
        return FailureCount(now=now, restart_before=now - self.window, threshold=self.threshold,
                            lock_until=now + self.duration)


def subject_key(kind: str, name: str) -> str:
    """The stored key for a user name or client id: case and surrounding spaces do not matter, and the name
    itself is not kept (a hash: fixed length, whatever was typed, and no personal data at rest)."""
    return hashlib.sha256(f"{kind}:{name.strip().lower()}".encode("utf-8", "surrogatepass")).hexdigest()
