"""RS256 access tokens: signing keys every process shares, issuing, JWKS and strict checks.

The keys live in the database (``services/signing_keys.py`` loads them; this module only holds them): the
newest active key signs, every key not retired verifies and is listed in the JWKS. A process keeps them in
memory, re-reads them every ``REFRESH_SECONDS`` and whenever a token names a key it does not know (another
process may have rotated). Verification accepts exactly RS256 with one of those keys (so ``alg: none`` and
HS256 tricks fail), requires ``exp``/``iat``/``tid``/``oid`` of the types we issue, the issuer the configured
authority names for the token's tenant, an audience from the caller's accepted set, and leaves the tenant
check to the caller, which knows the directory.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..domain.authority import Authority, normalise_audience

TOKEN_LIFETIME_SECONDS = 3600
REFRESH_SECONDS = 60  # a process may sign with a rotated-away key this long, so retirement waits this much more
_STRING_CLAIMS = ("aud", "iss", "tid", "oid")
_OPTIONAL_STRING_CLAIMS = ("name", "idtyp", "sub", "upn", "appid")
_INSTANT_CLAIMS = ("exp", "iat", "nbf")
_CACHE_LIMIT = 4096
LEGACY_KEY_FILE = Path("keys") / "token-signing.pem"  # where a data directory kept its one key before the table


class TokenRejected(Exception):
    """Why a bearer token was refused; ``code`` is the ARM error code to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def key_id(private_key_pem: str) -> str:
    """The kid: a hash of the public key, so the same key always has the same id (an imported key keeps its own)."""
    public = serialization.load_pem_private_key(private_key_pem.encode("ascii"), None).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:15]).decode()


@dataclass(frozen=True)
class SigningKey:
    """A stored key as the loader hands it over: newest first, never a retired one."""

    kid: str
    private_key_pem: str
    retire_after: float | None  # epoch seconds; None while active


@dataclass(frozen=True)
class _Loaded:
    kid: str
    private_key: rsa.RSAPrivateKey
    retire_after: float | None

    def usable(self, now: float) -> bool:
        return self.retire_after is None or now < self.retire_after


@dataclass(frozen=True)
class _KeySet:
    keys: tuple[_Loaded, ...]  # newest first
    loaded_at: float

    def find(self, kid: object, now: float) -> _Loaded | None:
        return next((key for key in self.keys if key.kid == kid and key.usable(now)), None)


@dataclass(frozen=True)
class Claims:
    object_id: str
    tenant_id: str
    name: str
    is_app: bool
    audience: str
    expires: int


class TokenKeys:
    """The installation's signing keys as this process last read them."""

    def __init__(self, load: Callable[[float], list[SigningKey]], authority: Authority,
                 clock: Callable[[], float] = time.time) -> None:
        self.authority = authority
        self._load = load  # wall-clock instant -> the keys not retired at it, newest first
        self._clock = clock
        self._set: _KeySet | None = None
        self._parsed: dict[str, rsa.RSAPrivateKey] = {}
        self._verified: dict[str, Claims] = {}
        self._lock = threading.Lock()

    def refresh(self, now: float | None = None) -> _KeySet:
        now = self._clock() if now is None else now
        loaded = self._load(now)
        with self._lock:
            keys = tuple(_Loaded(key.kid, self._parse(key), key.retire_after) for key in loaded)
            self._parsed = {key.kid: key.private_key for key in keys}
            self._set = _KeySet(keys, now)
        return self._set

    def _parse(self, key: SigningKey) -> rsa.RSAPrivateKey:
        parsed = self._parsed.get(key.kid)
        if parsed is not None:
            return parsed
        loaded = serialization.load_pem_private_key(key.private_key_pem.encode("ascii"), None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"The signing key {key.kid} is not an RSA key (tokens are signed RS256).")
        return loaded

    def _current(self, now: float) -> _KeySet:
        held = self._set
        if held is None or not 0 <= now - held.loaded_at < REFRESH_SECONDS:
            return self.refresh(now)
        return held

    def _signing(self, now: float) -> _Loaded:
        return self._current(now).keys[0]

    @property
    def key_id(self) -> str:
        """The kid new tokens are signed with."""
        return self._signing(self._clock()).kid

    @property
    def _key(self) -> rsa.RSAPrivateKey:
        return self._signing(self._clock()).private_key

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def jwks(self, now: float | None = None) -> dict:
        """Every key not retired, read from the database now (a verifier that sees a new kid asks here)."""
        now = self._clock() if now is None else now
        keys = [key for key in self.refresh(now).keys if key.usable(now)]
        return {"keys": [_jwk(key.kid, key.private_key.public_key()) for key in keys]}

    def issue(self, *, issuer: str, audience: str, tenant_id: str, object_id: str, name: str, is_app: bool,
              client_id: str | None = None, lifetime: int = TOKEN_LIFETIME_SECONDS, now: float | None = None) -> str:
        issued = int(now if now is not None else self._clock())
        claims = {
            "aud": audience, "iss": issuer, "iat": issued, "nbf": issued, "exp": issued + lifetime,
            "tid": tenant_id, "oid": object_id, "sub": object_id, "name": name, "uti": uuid.uuid4().hex,
            "idtyp": "app" if is_app else "user", "ver": "2.0",
        }
        if is_app:
            claims["appid"] = client_id
        else:
            claims["upn"] = name
        signing = self._signing(issued)
        return jwt.encode(claims, signing.private_key, algorithm="RS256", headers={"kid": signing.kid})

    def verify(self, token: str, *, audiences: tuple[str, ...]) -> Claims:
        """Signature, claim types, expiry, issuer and audience; raises ``TokenRejected`` with an ARM error code."""
        now = self._clock()
        cached = self._verified.get(token)
        if cached is not None and cached.expires > now:
            self._check_audience(cached.audience, audiences)
            return cached
        claims = self._decode(token, self._verifying_key(token, now))
        _check_types(claims)
        _check_times(claims, now)
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

    def _verifying_key(self, token: str, now: float) -> rsa.RSAPublicKey:
        """The key the token's ``kid`` names, re-reading the keys once if it is unknown; else the signing key,
        so that a foreign or malformed token fails in ``jwt.decode`` with the error its flaw deserves."""
        kid = _unverified_kid(token)
        found = self._current(now).find(kid, now) if kid else None
        if kid and found is None:
            found = self.refresh(now).find(kid, now)
        return (found or self._signing(now)).private_key.public_key()

    @staticmethod
    def _decode(token: str, public_key: rsa.RSAPublicKey) -> dict:
        try:
            # times are checked after the claim types (``_check_times``): PyJWT would read "123" or true as numbers
            return jwt.decode(token, public_key, algorithms=["RS256"],
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


def _unverified_kid(token: str) -> str | None:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError, RecursionError):
        return None
    return kid if isinstance(kid, str) else None


def _jwk(kid: str, public_key: rsa.RSAPublicKey) -> dict:
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": _b64(numbers.n), "e": _b64(numbers.e)}
