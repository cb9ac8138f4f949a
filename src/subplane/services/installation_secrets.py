"""Secrets of the installation, the same for every process on the database (``installation_secrets``).

The first process that needs one makes it (or imports what its data directory kept before the secret moved
into the database) and stores it with an insert-if-absent; every other process, started at the same moment
or on another host, reads the one that won. The database is the trust boundary: values are stored as they
are, like the password hashes next to them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path

from ..adapters.db.ops_repo import SecretRepo
from ..adapters.tls import LocalCa, ca_in_data_dir, new_ca
from .unit_of_work import UowFactory

STORAGE_KEY_SECRET = "storageKeySecret"
LOCAL_CA = "localCa"
LEGACY_STORAGE_SECRET_FILE = ("keys", "storage-keys.secret")


class InstallationSecrets:
    def __init__(self, uow: UowFactory, data_dir: Path) -> None:
        self.uow = uow
        self.data_dir = data_dir
        self._storage_key_secret: bytes | None = None

    def shared(self, name: str, make: Callable[[], str]) -> str:
        """The stored secret ``name``; the first process to ask stores ``make()``, the others read that one."""
        with self.uow(read_only=True) as uow:
            stored = SecretRepo(uow.conn).secret(name)
        if stored is not None:
            return stored
        candidate = make()
        with self.uow() as uow:
            return SecretRepo(uow.conn).keep_first_secret(name, candidate, uow.now)

    def storage_key_secret(self) -> bytes:
        """What storage account keys are derived from (it never changes once stored, so it is kept in memory)."""
        if self._storage_key_secret is None:
            self._storage_key_secret = base64.b64decode(self.shared(STORAGE_KEY_SECRET, self._first_storage_secret))
        return self._storage_key_secret

    def _first_storage_secret(self) -> str:
        legacy = self.data_dir.joinpath(*LEGACY_STORAGE_SECRET_FILE)
        return base64.b64encode(legacy.read_bytes() if legacy.exists() else os.urandom(32)).decode("ascii")

    def local_ca(self) -> LocalCa:
        """The local CA every process issues its server certificate from."""
        return LocalCa.from_text(self.shared(
            LOCAL_CA, lambda: (ca_in_data_dir(self.data_dir) or new_ca()).to_text()))
