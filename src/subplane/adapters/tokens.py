"""RS256 access tokens: the signing key kept in ``<data-dir>/keys/``, issuing, JWKS and strict checks.

Verification accepts exactly RS256 with our key (so ``alg: none`` and HS256 tricks fail), requires
``exp``/``iat``/``tid``/``oid``, checks the audience against the caller's accepted set, and leaves the
tenant check to the caller, which knows the directory.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ARM_AUDIENCES = ("https://management.azure.com/", "https://management.core.windows.net/")
STORAGE_AUDIENCE = "https://storage.azure.com/"
TOKEN_LIFETIME_SECONDS = 3600
_CACHE_LIMIT = 4096


class TokenRejected(Exception):
    """Why a bearer token was refused; ``code`` is the ARM error code to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def audience_for_scope(scope: str) -> str:
    """``https://management.core.windows.net//.default`` -> ``https://management.core.windows.net/``."""
    first = (scope or "").split()[0] if scope and scope.split() else ""
    resource = first[: -len(".default")] if first.endswith("/.default") else first
    resource = resource.rstrip("/")
    return resource + "/" if resource else ""


def normalise_audience(audience: str) -> str:
    return audience.rstrip("/").lower() + "/"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class Claims:
    object_id: str
    tenant_id: str
    name: str
    is_app: bool
    audience: str
    expires: int


class TokenKeys:
    """The process's signing key, loaded from (or first written to) the data directory."""

    def __init__(self, data_dir: Path) -> None:
        folder = data_dir / "keys"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "token-signing.pem"
        if path.exists():
            self._key = serialization.load_pem_private_key(path.read_bytes(), None)
        else:
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            path.write_bytes(self._key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
            os.chmod(path, 0o600)
        self.public_key = self._key.public_key()
        der = self.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        self.key_id = base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:15]).decode()
        self._verified: dict[str, Claims] = {}
        self._lock = threading.Lock()

    def jwks(self) -> dict:
        numbers = self.public_key.public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.key_id,
                          "n": _b64(numbers.n), "e": _b64(numbers.e)}]}

    def issue(self, *, issuer: str, audience: str, tenant_id: str, object_id: str, name: str, is_app: bool,
              client_id: str | None = None, lifetime: int = TOKEN_LIFETIME_SECONDS, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "aud": audience, "iss": issuer, "iat": issued, "nbf": issued, "exp": issued + lifetime,
            "tid": tenant_id, "oid": object_id, "sub": object_id, "name": name, "uti": uuid.uuid4().hex,
            "idtyp": "app" if is_app else "user", "ver": "2.0",
        }
        if is_app:
            claims["appid"] = client_id
        else:
            claims["upn"] = name
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def verify(self, token: str, *, audiences: tuple[str, ...]) -> Claims:
        """Signature, expiry and audience; raises ``TokenRejected`` with an ARM error code."""
        cached = self._verified.get(token)
        if cached is not None and cached.expires > time.time():
            self._check_audience(cached.audience, audiences)
            return cached
        claims = self._decode(token)
        if not str(claims["iss"]).endswith(f"/{claims['tid']}/v2.0"):
            raise TokenRejected("InvalidAuthenticationTokenIssuer", "The access token is from the wrong issuer.")
        result = Claims(claims["oid"], claims["tid"], claims.get("name") or claims["oid"],
                        claims.get("idtyp") == "app", claims["aud"], int(claims["exp"]))
        self._check_audience(result.audience, audiences)
        with self._lock:
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = result
        return result

    def _decode(self, token: str) -> dict:
        try:
            return jwt.decode(token, self.public_key, algorithms=["RS256"],
                              options={"require": ["exp", "iat", "tid", "oid", "aud", "iss"], "verify_aud": False})
        except jwt.ExpiredSignatureError:
            raise TokenRejected("ExpiredAuthenticationToken",
                                "The access token expiry UTC time is earlier than current UTC time.") from None
        except jwt.InvalidSignatureError:
            raise TokenRejected("InvalidAuthenticationTokenSignature",
                                "The access token has an invalid signature.") from None
        except jwt.PyJWTError as error:
            raise TokenRejected("InvalidAuthenticationToken", f"The access token is invalid: {error}.") from None

    @staticmethod
    def _check_audience(audience: str, accepted: tuple[str, ...]) -> None:
        if normalise_audience(audience) not in {normalise_audience(a) for a in accepted}:
            raise TokenRejected("InvalidAuthenticationTokenAudience",
                                f"The access token has been obtained for wrong audience or resource '{audience}'. "
                                f"It should exactly match with one of the allowed audiences "
                                f"'{', '.join(accepted)}'.")


def storage_key_secret(data_dir: Path) -> bytes:
    """The secret storage account keys are derived from (made once, kept in the data directory)."""
    path = data_dir / "keys" / "storage-keys.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(32))
        os.chmod(path, 0o600)
    return path.read_bytes()
