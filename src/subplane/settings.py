"""One settings object, read once from flags and ``SUBPLANE_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import platformdirs

from .domain.errors import InvalidInput

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
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def simulated_clock(self) -> bool:
        return self.mode == "emulator"

    @property
    def effective_database_url(self) -> str:
        from .adapters.db.engine import sqlite_url

        return self.database_url or sqlite_url(self.data_dir)


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("subplane", appauthor=False))


def load(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Environment first, then explicit overrides (flags); ``None`` overrides are ignored."""
    env = os.environ if env is None else env
    values: dict = {
        "data_dir": Path(env.get("SUBPLANE_DATA_DIR") or default_data_dir()),
        "database_url": env.get("SUBPLANE_DATABASE_URL") or None,
        "mode": env.get("SUBPLANE_MODE", "emulator"),
        "log_level": env.get("SUBPLANE_LOG_LEVEL", "INFO"),
        "host": env.get("SUBPLANE_HOST", "127.0.0.1"),
        "port": int(env.get("SUBPLANE_PORT", "8443")),
        "runner_interval_seconds": float(env.get("SUBPLANE_RUNNER_INTERVAL", "5")),
        "offers_file": Path(env["SUBPLANE_OFFERS_FILE"]) if env.get("SUBPLANE_OFFERS_FILE") else None,
    }
    values.update({key: value for key, value in overrides.items() if value is not None})
    values["data_dir"] = Path(values["data_dir"]).expanduser()
    settings = Settings(**values)
    if settings.mode not in MODES:
        raise InvalidInput("InvalidSetting", f"mode must be one of {', '.join(MODES)}, not {settings.mode!r}")
    return settings


def with_overrides(settings: Settings, **overrides) -> Settings:
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
