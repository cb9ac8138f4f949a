"""Secrets of the installation (the operator key, the portal's signing secret), kept in the database so
every process on it uses the same one: the first process to ask makes it (insert-if-absent), the others
read what it stored. Not emulator state: snapshots and reset leave them alone."""

from __future__ import annotations

from typing import Callable

from ..adapters.db.ops_repo import SecretRepo


class InstallationSecrets:
    def __init__(self, app) -> None:
        self.app = app

    def stored(self, name: str) -> str | None:
        with self.app.uow(read_only=True) as uow:
            return SecretRepo(uow.conn).secret(name)

    def kept(self, name: str, make: Callable[[], str]) -> str:
        """The secret called ``name``; made with ``make`` and stored if no process has stored one yet."""
        existing = self.stored(name)
        if existing is not None:
            return existing
        with self.app.uow() as uow:
            return SecretRepo(uow.conn).keep_first_secret(name, make(), uow.now)
