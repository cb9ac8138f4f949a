"""Token signing keys in the database (``signing_keys``): the first key, rotation, retirement, the listing.

Times here are the wall clock, as in the tokens: a key made retiring by a rotation still verifies until the
tokens it signed have expired (``TOKEN_LIFETIME_SECONDS`` after the rotation, plus ``REFRESH_SECONDS`` for a
process that signed with it before it re-read the keys); the first read after that marks it retired.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..adapters.db.ops_repo import RETIRING, SigningKeyRepo
from ..adapters.tokens import LEGACY_KEY_FILE, REFRESH_SECONDS, TOKEN_LIFETIME_SECONDS, SigningKey, key_id, new_private_key_pem
from .unit_of_work import UowFactory

RETIRE_AFTER = timedelta(seconds=TOKEN_LIFETIME_SECONDS + REFRESH_SECONDS)


def _wall(now: datetime | float | None) -> datetime:
    if isinstance(now, (int, float)):
        return datetime.fromtimestamp(now, UTC)
    return now or datetime.now(UTC)


class SigningKeyService:
    def __init__(self, uow: UowFactory, data_dir: Path, on_rotated: Callable[[float], object]) -> None:
        """``on_rotated(now)``: this process's token signer takes the new key at once."""
        self.uow = uow
        self.data_dir = data_dir
        self.on_rotated = on_rotated

    def usable(self, now: datetime | float | None = None) -> list[SigningKey]:
        """The keys not retired at ``now``, newest first; the first call on an empty table makes the first key."""
        now = _wall(now)
        with self.uow(read_only=True) as uow:
            rows = SigningKeyRepo(uow.conn).keys()
        if rows and not any(_due(row, now) for row in rows):
            return [_signing_key(row) for row in rows]
        with self.uow() as uow:
            repo = SigningKeyRepo(uow.conn)
            repo.retire_due(now)
            if not rows:
                pem = self._first_key_pem()
                repo.keep_first(key_id(pem), pem, now)  # of processes starting at once, one inserts; all read it
            return [_signing_key(row) for row in repo.keys()]

    def _first_key_pem(self) -> str:
        """A data directory's own key from before the table, so the tokens it signed keep working; else a new one."""
        legacy = self.data_dir / LEGACY_KEY_FILE
        return legacy.read_text("ascii") if legacy.exists() else new_private_key_pem()

    def rotate(self, now: datetime | float | None = None) -> list[dict[str, Any]]:
        """A new signing key; the one it replaces verifies until its tokens have expired, then retires.
        Returns the listing after it (the new key first)."""
        now = _wall(now)
        self.usable(now)  # the first key exists before anything is rotated away
        pem = new_private_key_pem()
        with self.uow() as uow:
            SigningKeyRepo(uow.conn).rotate(key_id(pem), pem, now, now + RETIRE_AFTER)
        self.on_rotated(now.timestamp())  # this process signs with the new key at once; others within REFRESH_SECONDS
        return self.listing(now)

    def listing(self, now: datetime | float | None = None) -> list[dict[str, Any]]:
        """Every key, retired ones too, newest first, without the private key."""
        self.usable(now)
        with self.uow(read_only=True) as uow:
            rows = SigningKeyRepo(uow.conn).keys(with_retired=True)
        return [{key: row[key] for key in ("generation", "kid", "status", "created_at", "retire_after")} for row in rows]


def _due(row: dict[str, Any], now: datetime) -> bool:
    return bool(row["status"] == RETIRING and row["retire_after"] <= now)


def _signing_key(row: dict[str, Any]) -> SigningKey:
    retire_after = row["retire_after"].timestamp() if row["retire_after"] is not None else None
    return SigningKey(row["kid"], row["private_key"], retire_after)
