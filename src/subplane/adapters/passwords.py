"""Password and client-secret hashing with argon2 (argon2-cffi), and the process's memory of client secrets
it has already verified (``VerifiedSecrets``: docs/architecture.md, "Performance (issue 14)")."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, candidate: str) -> bool:
    try:
        return _hasher.verify(stored_hash, candidate)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class VerifiedSecrets:
    """Which (name, secret, stored hash) triples argon2 has said yes to in this process, so a client that
    asks for a token every few seconds pays the deliberately slow hash once, not per request.

    Each entry is an HMAC-SHA256 under a key drawn at random when the process starts and never stored: the
    memory holds no secret and nothing that can be checked against a guess without that key. The stored
    hash is part of the digest, so a rotated or removed secret no longer matches any entry. Only successes
    are kept (a wrong secret always meets argon2) and at most ``limit`` of them, least recently used first out.
    Meant for generated client secrets (high entropy); user passwords are not remembered."""

    def __init__(self, limit: int = 4096, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        self._limit = limit
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, name: str, secret: str, stored_hash: str) -> bytes:
        mac = hmac.new(self._key, digestmod=hashlib.sha256)
        for part in (name, secret, stored_hash):  # length-prefixed: no two triples share a message
            raw = part.encode("utf-8", "surrogatepass")
            mac.update(len(raw).to_bytes(8, "big"))
            mac.update(raw)
        return mac.digest()

    def known(self, name: str, secret: str, stored_hash: str) -> bool:
        """True when this exact secret was verified against this exact stored hash before (no argon2 run)."""
        digest = self._digest(name, secret, stored_hash)
        with self._lock:
            if digest not in self._seen:
                return False
            self._seen.move_to_end(digest)
            return True

    def verify(self, name: str, stored_hash: str, secret: str) -> bool:
        """argon2's answer; a yes is remembered for ``known``."""
        if not verify_secret(stored_hash, secret):
            return False
        digest = self._digest(name, secret, stored_hash)
        with self._lock:
            self._seen[digest] = None
            self._seen.move_to_end(digest)
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)
        return True
