"""Portal sign-in settings, CSRF tokens and the slowdown after failed sign-ins (the lockout itself is
``services.lockout``, shared with the token endpoint and stored in the database).

Sessions are ``services.portal_sessions``, in the database, so every ``serve`` process on it knows
them; the cookie holds only a random token. Each session has its own CSRF token, compared in constant
time on every POST. The sign-in form, which has no session yet, carries a token bound to a pre-session
cookie, signed and time-limited with the installation's secret (``SIGNIN_SECRET``, stored in the database
like the operator key), so a form fetched through one process can be posted through another.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SESSION_COOKIE = "subplane_session"
PRESESSION_COOKIE = "subplane_presession"
SIGNIN_TOKEN_MAX_AGE = 3600
SIGNIN_SECRET = "portalSigninSecret"  # its name in installation_secrets


@dataclass(frozen=True)
class PortalConfig:
    idle_timeout_seconds: float = 30 * 60
    absolute_timeout_seconds: float = 8 * 3600
    slowdown_seconds: float = 0.5  # per failure beyond the second, capped at 3 s

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PortalConfig:
        """``SUBPLANE_PORTAL_IDLE_TIMEOUT`` and ``SUBPLANE_PORTAL_SESSION_LIFETIME``, in seconds."""
        defaults = cls()
        return cls(
            idle_timeout_seconds=float(env.get("SUBPLANE_PORTAL_IDLE_TIMEOUT") or defaults.idle_timeout_seconds),
            absolute_timeout_seconds=float(env.get("SUBPLANE_PORTAL_SESSION_LIFETIME")
                                           or defaults.absolute_timeout_seconds),
        )


def csrf_matches(expected: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class SigninTokens:
    """CSRF for the sign-in form: a signed copy of the pre-session cookie's value."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="portal-signin")

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

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
