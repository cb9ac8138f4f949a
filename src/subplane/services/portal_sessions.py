"""Portal sessions, kept in the database so a session made through one ``serve`` process works on all of
them (several processes behind a load balancer on one database).

The cookie holds a random token; the table holds its SHA-256, so a copy of the database signs nobody in.
A session ends after ``idle_seconds`` without a request or ``lifetime_seconds`` after sign-in, whichever
comes first, timed by the wall clock (a jump of the simulated clock signs nobody out). Reading a session
is one ``SELECT``; its last-seen time is written only when it is older than ``touch_after_seconds`` (a
minute, less for short idle timeouts), so an idle timeout is honoured to within that much. Expired rows
go when they are looked up, and all of them at every sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..adapters.db.coordination_repo import PortalSessionRepo
from ..domain.access import Principal, PrincipalKind
from .unit_of_work import UowFactory

TOUCH_AFTER_SECONDS = 60.0


@dataclass
class Session:
    token: str
    principal: Principal
    upn: str
    display_name: str
    csrf: str
    created: float
    last_seen: float


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class PortalSessions:
    def __init__(self, uow: UowFactory, *, idle_seconds: float, lifetime_seconds: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.uow = uow
        self.idle_seconds = idle_seconds
        self.lifetime_seconds = lifetime_seconds
        self.clock = clock

    @property
    def touch_after_seconds(self) -> float:
        return min(TOUCH_AFTER_SECONDS, self.idle_seconds / 10)

    def create(self, principal: Principal, upn: str, display_name: str) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), principal, upn, display_name, secrets.token_urlsafe(32), now, now)
        stored_principal = {"id": principal.principal_id, "name": principal.name, "kind": principal.kind.value,
                            "upn": upn, "displayName": display_name}
        with self.uow() as uow:
            repo = PortalSessionRepo(uow.conn)
            repo.remove_expired(now=_instant(now), idle_since=_instant(now - self.idle_seconds))
            repo.add(token_hash=token_hash(session.token), principal=stored_principal, csrf=session.csrf,
                     created_at=_instant(now), expires_at=_instant(now + self.lifetime_seconds))
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token``, or ``None`` when unknown or expired (an expired one is deleted)."""
        if not token:
            return None
        key = token_hash(token)
        with self.uow(read_only=True) as uow:
            row = PortalSessionRepo(uow.conn).find(key)
        if row is None:
            return None
        now = self.clock()
        last_seen = row["last_seen_at"].timestamp()
        if now - last_seen > self.idle_seconds or now > row["expires_at"].timestamp():
            with self.uow() as uow:
                PortalSessionRepo(uow.conn).remove_expired(now=_instant(now),
                                                           idle_since=_instant(now - self.idle_seconds), token_hash=key)
            return None
        if now - last_seen > self.touch_after_seconds:
            with self.uow() as uow:
                PortalSessionRepo(uow.conn).touch(key, seen_at=_instant(now))
            last_seen = now
        return _session(token, row, last_seen)

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self.uow() as uow:
            PortalSessionRepo(uow.conn).remove(token_hash(token))


def _session(token: str, row: dict[str, Any], last_seen: float) -> Session:
    stored = row["principal"]
    principal = Principal(stored["id"], stored["name"], PrincipalKind(stored["kind"]))
    return Session(token, principal, stored["upn"], stored["displayName"], row["csrf"],
                   row["created_at"].timestamp(), last_seen)


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
