"""RS256 access tokens: the signing key kept in ``<data-dir>/keys/``, issuing, JWKS and strict checks.

Verification accepts exactly RS256 with our key (so ``alg: none`` and HS256 tricks fail), requires
``exp``/``iat``/``tid``/``oid`` of the types we issue, the issuer the configured authority names for the
token's tenant, an audience from the caller's accepted set, and leaves the tenant check to the caller,
which knows the directory.
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

from ..domain.authority import Authority, normalise_audience

TOKEN_LIFETIME_SECONDS = 3600
_STRING_CLAIMS = ("aud", "iss", "tid", "oid")
_OPTIONAL_STRING_CLAIMS = ("name", "idtyp", "sub", "upn", "appid")
_INSTANT_CLAIMS = ("exp", "iat", "nbf")
_CACHE_LIMIT = 4096


class TokenRejected(Exception):
    """Why a bearer token was refused; ``code`` is the ARM error code to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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

    def __init__(self, data_dir: Path, authority: Authority) -> None:
        self.authority = authority
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
        """Signature, claim types, expiry, issuer and audience; raises ``TokenRejected`` with an ARM error code."""
        cached = self._verified.get(token)
        if cached is not None and cached.expires > time.time():
            self._check_audience(cached.audience, audiences)
            return cached
        claims = self._decode(token)
        _check_types(claims)
        _check_times(claims, time.time())
        expected = self.authority.issuer(claims["tid"])
        if claims["iss"] != expected:
            raise TokenRejected("InvalidAuthenticationToken", f"The access token is from the wrong issuer "
                                                              f"'{claims['iss']}'. It must be '{expected}'.")
        result = Claims(claims["oid"], claims["tid"], claims.get("name") or claims["oid"],
                        claims.get("idtyp") == "app", claims["aud"], claims["exp"])
        self._check_audience(result.audience, audiences)
        with self._lock:
            if len(self._verified) >= _CACHE_LIMIT:
                self._verified.clear()
            self._verified[token] = result
        return result

    def _decode(self, token: str) -> dict:
        try:
            # times are checked after the claim types (``_check_times``): PyJWT would read "123" or true as numbers
            return jwt.decode(token, self.public_key, algorithms=["RS256"],
                              options={"require": ["exp", "iat", "tid", "oid", "aud", "iss"], "verify_aud": False,
                                       "verify_exp": False, "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidSignatureError:
            raise TokenRejected("InvalidAuthenticationTokenSignature",
                                "The access token has an invalid signature.") from None
        except jwt.PyJWTError as error:
            raise TokenRejected("InvalidAuthenticationToken", f"The access token is invalid: {error}.") from None
        except (ValueError, TypeError, OverflowError, RecursionError):  # a payload no token of ours has
            raise TokenRejected("InvalidAuthenticationToken", "The access token is invalid.") from None

    @staticmethod
    def _check_audience(audience: str, accepted: tuple[str, ...]) -> None:
        if normalise_audience(audience) not in {normalise_audience(a) for a in accepted}:
            raise TokenRejected("InvalidAuthenticationTokenAudience",
                                f"The access token has been obtained for wrong audience or resource '{audience}'. "
                                f"It should exactly match with one of the allowed audiences "
                                f"'{', '.join(accepted)}'.")


def _check_types(claims: dict) -> None:
    """Claims of the types we issue, before any is used: a list ``aud`` or a string ``exp`` is refused."""
    wrong = [name for name in _STRING_CLAIMS if not isinstance(claims.get(name), str) or not claims[name]]
    wrong += [name for name in _OPTIONAL_STRING_CLAIMS if name in claims and not isinstance(claims[name], str)]
    wrong += [name for name in _INSTANT_CLAIMS
              if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int))]
    if wrong:
        raise TokenRejected("InvalidAuthenticationToken",
                            f"The access token is invalid: claim(s) {', '.join(wrong)} have the wrong type.")


def _check_times(claims: dict, now: float) -> None:
    if claims["exp"] <= now:
        raise TokenRejected("ExpiredAuthenticationToken",
                            "The access token expiry UTC time is earlier than current UTC time.")
    if claims.get("nbf", 0) > now:
        raise TokenRejected("InvalidAuthenticationToken", "The access token is not valid yet (nbf).")


def storage_key_secret(data_dir: Path) -> bytes:
    """The secret storage account keys are derived from (made once, kept in the data directory)."""
    path = data_dir / "keys" / "storage-keys.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(32))
        os.chmod(path, 0o600)
    return path.read_bytes()
