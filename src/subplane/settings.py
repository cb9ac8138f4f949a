"""One settings object, read once from flags and ``SUBPLANE_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from pathlib import Path
from typing import Mapping

import platformdirs

from .domain.errors import Conflict, InvalidInput

MODES = ("emulator", "production")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    mode: str = "emulator"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8443
    runner_interval_seconds: float = 5.0
    offers_file: Path | None = None
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
    # ARM API (issue 3): api-version policy (strict|lenient), throttle spec (default|off|reads=250:25,...), page size
    api_version_policy: str = "strict"
    arm_throttle: str = "default"
    arm_page_size: int = 100

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
        """``serve`` accepts connections from this machine only; the emulator controls then need no key."""
        return is_loopback(self.host)

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
    import ipaddress

    if address == "localhost":
        return True
    try:
        ip = ipaddress.ip_address((address or "").strip("[]"))
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


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
        "offers_file": Path(env["SUBPLANE_OFFERS_FILE"]) if env.get("SUBPLANE_OFFERS_FILE") else None,
        "clock_start": _instant(env, "SUBPLANE_CLOCK_START"),
        "display_timezone": env.get("SUBPLANE_TIMEZONE", "Europe/Amsterdam"),
        "instance_name": env.get("SUBPLANE_INSTANCE_NAME") or None,
        **_ops_settings(env),
        **_arm_settings(env),
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    values["data_dir"] = Path(values["data_dir"]).expanduser()
    settings = Settings(**values)
    try:
        settings.zone
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("InvalidSetting", f"time zone {settings.display_timezone!r} is not an IANA zone "
                                             "such as Europe/Amsterdam or UTC.") from None
    if settings.mode not in MODES:
        raise InvalidInput("InvalidSetting", f"mode must be one of {', '.join(MODES)}, not {settings.mode!r}")
    return settings


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


def _ops_settings(env: Mapping[str, str]) -> dict:
    return {
        "log_format": env.get("SUBPLANE_LOG_FORMAT", "json"),
        "request_log_size": int(env.get("SUBPLANE_REQUEST_LOG_SIZE", "200")),
        "smtp_host": env.get("SUBPLANE_SMTP_HOST") or None,
        "smtp_port": int(env.get("SUBPLANE_SMTP_PORT", "25")),
        "smtp_from": env.get("SUBPLANE_SMTP_FROM", "subplane@localhost"),
        "smtp_username": env.get("SUBPLANE_SMTP_USERNAME") or None,
        "smtp_password": env.get("SUBPLANE_SMTP_PASSWORD") or None,
        "smtp_starttls": env.get("SUBPLANE_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        "webhook_retry_seconds": float(env.get("SUBPLANE_WEBHOOK_RETRY_SECONDS", "2")),
        "webhook_max_attempts": int(env.get("SUBPLANE_WEBHOOK_MAX_ATTEMPTS", "10")),
    }

