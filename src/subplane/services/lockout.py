"""Every password and client-secret check goes through ``LockoutService.checked``: refused at once while
the name is locked, a failure counted (atomically, in the database, so all processes share it), a
success forgetting the failures. Time is the app's clock, simulated in emulator mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from ..adapters.db.security_repo import LockoutRepo
from ..domain.errors import DomainError, Forbidden
from ..domain.lockout import CLIENT, USER, Attempts, LockoutPolicy, subject_key
from ..settings import Settings
from .unit_of_work import UowFactory

T = TypeVar("T")

_LOCKED = {
    USER: ("UserLocked", "The account is locked, you've tried to sign in too many times with an incorrect user ID "
                         "or password."),
    CLIENT: ("ClientLocked", "The application is locked: too many requests with an incorrect client secret were "
                             "made for it. Try again later."),
}


class LockoutService:
    def __init__(self, uow: UowFactory, settings: Settings) -> None:
        self.uow = uow
        self.policy = LockoutPolicy(threshold=settings.lockout_threshold,
                                    window=timedelta(seconds=settings.lockout_window_seconds),
                                    duration=timedelta(seconds=settings.lockout_seconds))

    def checked(self, kind: str, name: str, check: Callable[[], T]) -> T:
        """``check()`` (which raises a ``DomainError`` for a wrong secret), unless ``name`` is locked.
        A refusal from ``check`` is counted and raised again with ``failures`` (the count so far) in its
        params; a lock is ``Forbidden`` ``UserLocked`` / ``ClientLocked`` with ``until``."""
        key = subject_key(kind, name)
        with self.uow() as uow:  # counted before the check: parallel guesses cannot outrun the count
            repo = LockoutRepo(uow.conn)
            reserved = repo.reserve_attempt(key, kind, self.policy.failure(uow.now))
            until = None if reserved else self.policy.locked_until(repo.attempts(key), uow.now)
        if reserved is None:
            raise _locked(kind, until)
        try:
            result = check()
        except DomainError as refusal:
            refusal.params["failures"] = reserved.failures
            raise
        with self.uow() as uow:
            LockoutRepo(uow.conn).forget(key)
        return result

    def admitted(self, kind: str, name: str, result: T) -> T:
        """``result`` for a secret already proven right (``adapters.passwords.VerifiedSecrets.known``) with no
        check run now: refused while the name is locked, as ``checked`` refuses the right secret too, and the
        failures forgotten as after any success. Nothing is counted: no guess is checked here (a wrong secret
        never matches a remembered one and goes through ``checked``), so there is nothing to outrun."""
        key = subject_key(kind, name)
        with self.uow(read_only=True) as uow:
            attempts = LockoutRepo(uow.conn).attempts(key)
            until = None if attempts is None else self.policy.locked_until(attempts, uow.now)  # no row: no clock read
        if until is not None:
            raise _locked(kind, until)
        if attempts is not None:
            with self.uow() as uow:
                LockoutRepo(uow.conn).forget(key)
        return result

    def attempts(self, kind: str, name: str) -> Attempts | None:
        with self.uow(read_only=True) as uow:
            return LockoutRepo(uow.conn).attempts(subject_key(kind, name))


def _locked(kind: str, until: datetime | None) -> Forbidden:
    code, message = _LOCKED[kind]
    return Forbidden(code, message, until=until.isoformat() if until else None)
