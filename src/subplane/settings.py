"""One settings object, read once from flags and ``SUBPLANE_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from .domain.errors import Conflict, InvalidInput

MODES = ("emulator", "production")
BLOB_STORES = ("file", "database", "s3")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    mode: str = "emulator"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8443
    runner_interval_seconds: float = 5.0
    # jobs of one kind the runner handles in one transaction (retention expiry, purged bytes; issue 14)
    job_batch_size: int = 500
    # threads a lane of request work (ARM reads, ARM writes, tokens) runs on; see api/lanes.py (issue 14)
    request_threads: int = 2
    offers_file: Path | None = None
    # overrides merged over the shipped price list and VAT data (services/billing.load_price_list)
    prices_file: Path | None = None
    tax_file: Path | None = None
    # where a new or reset simulated clock starts (emulator mode); None: the wall clock's now
    clock_start: datetime | None = None
    # recorded on the work a process claims (jobs, mails, deliveries); default host:pid
    instance_name: str | None = None
    # the zone people read instants in (portal, messages); stored instants and billing days stay UTC
    display_timezone: str = "Europe/Amsterdam"
    # operability (issue 6): logs, request log, e-mail, webhooks
    log_format: str = "json"
    request_log_size: int = 200
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "subplane@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False
    webhook_retry_seconds: float = 2.0
    webhook_max_attempts: int = 10
    # FastAPI's own OpenTelemetry spans, metrics and logs, for providers an operator configured (issue 14: off,
    # the check alone read the environment on every request)
    opentelemetry: bool = False
    # ARM API (issue 3): api-version policy (strict|lenient), throttle spec (default|off|reads=250:25,...), page size
    api_version_policy: str = "strict"
    arm_throttle: str = "default"
    arm_page_size: int = 100
    # tokens and sign-in (issue 10): the public base URL(s) clients use (the first is the issuer's),
    # the proxies whose X-Forwarded-Host/Proto count, and the lockout after failed password checks
    public_urls: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    lockout_threshold: int = 5
    lockout_window_seconds: float = 15 * 60
    lockout_seconds: float = 15 * 60
    # where blob bytes live (docs/configuration.md): file (<data-dir>/blobs, one host), database, s3
    blob_store: str = "file"
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_region: str | None = None
    # who invoices (issue 15): the operator of the cloud, printed on every invoice and in its UBL document
    seller_name: str = "Subplane Cloud B.V."
    seller_street: str = "Keizersgracht 1"
    seller_postal_code: str = "1015 AA"
    seller_city: str = "Amsterdam"
    seller_country: str = "NL"
    seller_vat_id: str = "NL000000000B01"
    seller_registration: str = "KvK 00000000"
    seller_iban: str = "NL00BANK0000000000"

    @property
    def public_base_urls(self) -> tuple[str, ...]:
        """The configured public URLs, else what ``serve`` binds (both loopback names on loopback)."""
        if self.public_urls:
            return self.public_urls
        primary = default_public_url(self.host, self.port)
        loopback = f"https://localhost:{self.port}"
        return (primary, loopback) if primary == default_public_url("127.0.0.1", self.port) else (primary,)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)

    @property
    def emulator(self) -> bool:
        return self.mode == "emulator"

    @property
    def simulated_clock(self) -> bool:
        return self.emulator

    @property
    def listens_on_loopback(self) -> bool:
        """Only callers on this machine reach ``serve``: it binds loopback and nothing says it is published
        further (a trusted proxy, or a public URL beyond loopback, means remote callers arrive through a
        local peer); the emulator controls then need no key."""
        published = self.trusted_proxies or any(not is_loopback(urllib.parse.urlsplit(url).hostname)
                                                for url in self.public_urls)
        return is_loopback(self.host) and not published

    def require_emulator(self, what: str) -> None:
        """Refuse an emulator control (demo data, reset, snapshots, faults) in production mode."""
        if not self.emulator:
            raise Conflict("EmulatorOnly", f"{what} is an emulator control; this Subplane runs in production mode.")

    @property
    def effective_database_url(self) -> str:
        from .adapters.db.engine import sqlite_url

        return self.database_url or sqlite_url(self.data_dir)


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 (also IPv4-mapped) or ``localhost``; names and wildcards (0.0.0.0, ::) are not."""
    if address == "localhost":
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip("[]"))
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def default_public_url(host: str, port: int) -> str:
    """The address a client on this machine reaches ``serve`` at (a wildcard bind is shown as loopback)."""
    shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0", "::", "localhost") else host
    return f"https://{shown}:{port}"


def parse_public_urls(raw: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``https://arm.example,https://10.0.0.5:8443`` (or a list) -> normalised base URLs, no trailing slash."""
    urls = []
    for item in _items(raw):
        try:
            parsed = urllib.parse.urlsplit(item)
            valid = parsed.scheme in ("https", "http") and parsed.hostname and not (parsed.query or parsed.fragment)
            parsed.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            valid = False
        if not valid:
            raise InvalidInput("InvalidSetting", f"public URL {item!r} must be an absolute http(s) URL without "
                                                 "query or fragment, e.g. https://subplane.example.")
        urls.append(f"{parsed.scheme}://{parsed.netloc.lower()}{parsed.path.rstrip('/')}")
    return tuple(dict.fromkeys(urls))


def parse_trusted_proxies(raw: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Client addresses or networks (``10.0.0.0/8``, ``127.0.0.1``) whose X-Forwarded-* headers are believed."""
    networks = []
    for item in _items(raw):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise InvalidInput("InvalidSetting", f"trusted proxy {item!r} is not an IP address or network.") from None
    return tuple(networks)


def _items(raw: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """A comma-separated setting (or a list of them) as its non-empty items."""
    parts = ",".join(raw) if isinstance(raw, (list, tuple)) else raw or ""
    return [part.strip() for part in parts.split(",") if part.strip()]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("subplane", appauthor=False))


def load(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Environment first, then explicit overrides (flags); ``None`` overrides are ignored."""
    env = os.environ if env is None else env
    def number(name: str, default: str, kind=int):
        raw = env.get(name, default)
        try:
            return kind(raw)
        except ValueError:
            raise InvalidInput("InvalidSetting", f"{name} must be a number, not {raw!r}.") from None

    values: dict = {
        "data_dir": Path(env.get("SUBPLANE_DATA_DIR") or default_data_dir()),
        "database_url": env.get("SUBPLANE_DATABASE_URL") or None,
        "mode": env.get("SUBPLANE_MODE", "emulator"),
        "log_level": env.get("SUBPLANE_LOG_LEVEL", "INFO"),
        "host": env.get("SUBPLANE_HOST", "127.0.0.1"),
        "port": number("SUBPLANE_PORT", "8443"),
        "runner_interval_seconds": number("SUBPLANE_RUNNER_INTERVAL", "5", float),
        "job_batch_size": number("SUBPLANE_JOB_BATCH_SIZE", "500"),
        "request_threads": number("SUBPLANE_REQUEST_THREADS", "2"),
        "offers_file": Path(env["SUBPLANE_OFFERS_FILE"]) if env.get("SUBPLANE_OFFERS_FILE") else None,
        "prices_file": Path(env["SUBPLANE_PRICES_FILE"]) if env.get("SUBPLANE_PRICES_FILE") else None,
        "tax_file": Path(env["SUBPLANE_TAX_FILE"]) if env.get("SUBPLANE_TAX_FILE") else None,
        "clock_start": _instant(env, "SUBPLANE_CLOCK_START"),
        "display_timezone": env.get("SUBPLANE_TIMEZONE", "Europe/Amsterdam"),
        "instance_name": env.get("SUBPLANE_INSTANCE_NAME") or None,
        **_ops_settings(env),
        **_arm_settings(env),
        **_sign_in_settings(env, number),
        **_blob_store_settings(env),
        **_seller_settings(env),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    values["data_dir"] = Path(values["data_dir"]).expanduser()
    values["public_urls"] = parse_public_urls(values["public_urls"])
    values["trusted_proxies"] = parse_trusted_proxies(values["trusted_proxies"])
    settings = Settings(**values)
    try:
        _ = settings.zone  # resolved now, so a zone the system does not know fails at start
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("InvalidSetting", f"time zone {settings.display_timezone!r} is not an IANA zone "
                                             "such as Europe/Amsterdam or UTC.") from None
    if settings.mode not in MODES:
        raise InvalidInput("InvalidSetting", f"mode must be one of {', '.join(MODES)}, not {settings.mode!r}")
    if settings.job_batch_size < 1:
        raise InvalidInput("InvalidSetting", "SUBPLANE_JOB_BATCH_SIZE must be at least 1.")
    if settings.request_threads < 1:
        raise InvalidInput("InvalidSetting", "SUBPLANE_REQUEST_THREADS must be at least 1.")
    if settings.lockout_threshold < 1 or settings.lockout_window_seconds <= 0 or settings.lockout_seconds <= 0:
        raise InvalidInput("InvalidSetting", "the lockout threshold, window and duration must be positive.")
    _check_blob_store(settings)
    return settings


def _blob_store_settings(env: Mapping[str, str]) -> dict:
    prefix = env.get("SUBPLANE_S3_PREFIX", "").strip("/")
    return {
        "blob_store": env.get("SUBPLANE_BLOB_STORE", "file").lower(),
        "s3_endpoint": env.get("SUBPLANE_S3_ENDPOINT") or None,
        "s3_bucket": env.get("SUBPLANE_S3_BUCKET") or None,
        "s3_prefix": f"{prefix}/" if prefix else "",
        "s3_region": env.get("SUBPLANE_S3_REGION") or None,
    }


def _check_blob_store(settings: Settings) -> None:
    if settings.blob_store not in BLOB_STORES:
        raise InvalidInput("InvalidSetting", f"SUBPLANE_BLOB_STORE must be one of {', '.join(BLOB_STORES)}, "
                                             f"not {settings.blob_store!r}.")
    if settings.blob_store == "s3" and not settings.s3_bucket:
        raise InvalidInput("InvalidSetting", "SUBPLANE_BLOB_STORE=s3 needs SUBPLANE_S3_BUCKET.")


def _instant(env: Mapping[str, str], name: str) -> datetime | None:
    from .clock import parse_instant

    raw = env.get(name)
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except InvalidInput as error:
        raise InvalidInput("InvalidSetting", f"{name}: {error.message}") from None


def _arm_settings(env: Mapping[str, str]) -> dict:
    policy = env.get("SUBPLANE_API_VERSION_POLICY", "strict").lower()
    if policy not in ("strict", "lenient"):
        raise InvalidInput("InvalidSetting", f"api-version policy must be strict or lenient, not {policy!r}")
    return {
        "api_version_policy": policy,
        "arm_throttle": env.get("SUBPLANE_ARM_THROTTLE", "default"),
        "arm_page_size": int(env.get("SUBPLANE_ARM_PAGE_SIZE", "100")),
    }


def _sign_in_settings(env: Mapping[str, str], number) -> dict:
    return {
        "public_urls": env.get("SUBPLANE_PUBLIC_URL", ""),
        "trusted_proxies": env.get("SUBPLANE_TRUSTED_PROXIES", ""),
        "lockout_threshold": number("SUBPLANE_LOCKOUT_THRESHOLD", "5"),
        "lockout_window_seconds": number("SUBPLANE_LOCKOUT_WINDOW_SECONDS", "900", float),
        "lockout_seconds": number("SUBPLANE_LOCKOUT_SECONDS", "900", float),
    }


_SELLER_FIELDS = ("name", "street", "postal_code", "city", "country", "vat_id", "registration", "iban")


def _seller_settings(env: Mapping[str, str]) -> dict:
    """SUBPLANE_SELLER_NAME, _STREET, _POSTAL_CODE, _CITY, _COUNTRY, _VAT_ID, _REGISTRATION, _IBAN."""
    return {f"seller_{field}": env[f"SUBPLANE_SELLER_{field.upper()}"] for field in _SELLER_FIELDS
            if env.get(f"SUBPLANE_SELLER_{field.upper()}")}


def _ops_settings(env: Mapping[str, str]) -> dict:
    return {
        "log_format": env.get("SUBPLANE_LOG_FORMAT", "json"),
        "request_log_size": int(env.get("SUBPLANE_REQUEST_LOG_SIZE", "200")),
        "smtp_host": env.get("SUBPLANE_SMTP_HOST") or None,
        "smtp_port": int(env.get("SUBPLANE_SMTP_PORT", "25")),
        "smtp_from": env.get("SUBPLANE_SMTP_FROM", "subplane@localhost"),
        "smtp_username": env.get("SUBPLANE_SMTP_USERNAME") or None,
        "smtp_password": env.get("SUBPLANE_SMTP_PASSWORD") or None,
        "smtp_starttls": _switched_on(env, "SUBPLANE_SMTP_STARTTLS"),
        "webhook_retry_seconds": float(env.get("SUBPLANE_WEBHOOK_RETRY_SECONDS", "2")),
        "webhook_max_attempts": int(env.get("SUBPLANE_WEBHOOK_MAX_ATTEMPTS", "10")),
        "opentelemetry": _switched_on(env, "SUBPLANE_OPENTELEMETRY"),
    }


def _switched_on(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").lower() in ("1", "true", "yes")

