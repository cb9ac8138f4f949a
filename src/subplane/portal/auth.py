"""Portal sign-in state: server-side sessions, CSRF tokens and the slowdown after failed sign-ins (the
lockout itself is ``services.lockout``, shared with the token endpoint and stored in the database).

Sessions live in this process (``subplane serve`` is one process); the cookie holds only a random
token. Each session has its own CSRF token, compared in constant time on every POST. The sign-in form,
which has no session yet, carries a signed, time-limited token bound to a pre-session cookie.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..domain.access import Principal

SESSION_COOKIE = "subplane_session"
PRESESSION_COOKIE = "subplane_presession"
SIGNIN_TOKEN_MAX_AGE = 3600


@dataclass(frozen=True)
class PortalConfig:
    idle_timeout_seconds: float = 30 * 60
    absolute_timeout_seconds: float = 8 * 3600
    slowdown_seconds: float = 0.5  # per failure beyond the second, capped at 3 s

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "PortalConfig":
        """``SUBPLANE_PORTAL_IDLE_TIMEOUT`` and ``SUBPLANE_PORTAL_SESSION_LIFETIME``, in seconds."""
        defaults = cls()
        return cls(
            idle_timeout_seconds=float(env.get("SUBPLANE_PORTAL_IDLE_TIMEOUT") or defaults.idle_timeout_seconds),
            absolute_timeout_seconds=float(env.get("SUBPLANE_PORTAL_SESSION_LIFETIME")
                                           or defaults.absolute_timeout_seconds),
        )


@dataclass
class Session:
    token: str
    principal: Principal
    upn: str
    display_name: str
    csrf: str
    created: float
    last_seen: float


class SessionStore:
    def __init__(self, config: PortalConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, principal: Principal, upn: str, display_name: str) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), principal, upn, display_name, secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session for ``token`` (and touch it), or ``None`` when unknown or expired."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            expired = (now - session.last_seen > self.config.idle_timeout_seconds
                       or now - session.created > self.config.absolute_timeout_seconds)
            if expired:
                del self._sessions[token]
                return None
            session.last_seen = now
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


class SigninTokens:
    """CSRF for the sign-in form: a signed copy of the pre-session cookie's value."""

    def __init__(self, secret: str | None = None) -> None:
        self._serializer = URLSafeTimedSerializer(secret or secrets.token_urlsafe(32), salt="portal-signin")

    @staticmethod
    def new_presession() -> str:
        return secrets.token_urlsafe(24)

    def issue(self, presession: str) -> str:
        return self._serializer.dumps(presession)

    def valid(self, token: str | None, presession: str | None) -> bool:
        if not token or not presession:
            return False
        try:
            value = self._serializer.loads(token, max_age=SIGNIN_TOKEN_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return False
        return hmac.compare_digest(str(value).encode(), presession.encode())


class SigninThrottle:
    """How long to wait before answering a failed sign-in: longer the more failures the name has."""

    def __init__(self, config: PortalConfig) -> None:
        self.config = config

    def delay(self, failures: int) -> float:
        return min(3.0, max(0, failures - 2) * self.config.slowdown_seconds)
