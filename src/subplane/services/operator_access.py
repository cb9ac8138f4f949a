"""Who may use the emulator's controls: ``/_subplane`` and the portal's clock and Emulator page.

They are friction-free for a request from this machine to a ``serve`` that listens on loopback only
(no other machine can reach it). When ``serve`` listens on any other address, every caller, this
machine included (a reverse proxy on this machine makes remote callers look local), presents the
operator key: a random key made once per installation and kept in the database, so every process on
that database accepts the same one. ``serve`` prints it and writes it to ``connection.json``.

The client address is the socket's peer as the server saw it. Forwarded headers never widen access.
A loopback-bound ``serve`` behind a reverse proxy sees every remote caller as a loopback peer, so a
configured trusted proxy or a public URL beyond loopback counts as "listens beyond loopback"
(``Settings.listens_on_loopback``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ..adapters.db.ops_repo import SecretRepo
from ..domain.errors import Unauthenticated
from ..settings import Settings, is_loopback
from .installation_secrets import InstallationSecrets
from .unit_of_work import UowFactory

OPERATOR_KEY = "operatorKey"
KEY_HEADER = "x-subplane-operator-key"
KEY_PREFIX = "spk_"


class OperatorAccess:
    def __init__(self, uow: UowFactory, settings: Settings, installation: InstallationSecrets) -> None:
        self.uow = uow
        self.settings = settings
        self.installation = installation

    def key(self) -> str:
        """The installation's operator key; the first process to ask makes it, the others read the same one."""
        return self.installation.shared(OPERATOR_KEY, lambda: KEY_PREFIX + secrets.token_urlsafe(32))

    def open_to(self, client_host: str | None) -> bool:
        """True when this caller needs no credential: loopback client of a loopback-only ``serve``."""
        return self.settings.listens_on_loopback and is_loopback(client_host)

    def require(self, client_host: str | None, credential: str | None) -> None:
        """Refuse (401) a caller who needs the operator key and does not present the right one."""
        if self.open_to(client_host):
            return
        if not credential:
            raise Unauthenticated(
                "OperatorCredentialRequired",
                "This Subplane listens on a non-loopback address, so its emulator controls need the operator key: "
                f"send 'Authorization: Bearer <key>' or '{KEY_HEADER}: <key>' (the key is printed by `subplane "
                "serve` and stored as operatorKey in connection.json).")
        with self.uow(read_only=True) as uow:
            stored = SecretRepo(uow.conn).secret(OPERATOR_KEY)
        if stored is None or not hmac.compare_digest(_digest(credential), _digest(stored)):
            raise Unauthenticated("InvalidOperatorCredential", "The operator key is not this installation's.")


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def presented_key(authorization: str | None, key_header: str | None) -> str | None:
    """The operator key from ``x-subplane-operator-key`` or an ``Authorization: Bearer`` header."""
    if key_header and key_header.strip():
        return key_header.strip()
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None
