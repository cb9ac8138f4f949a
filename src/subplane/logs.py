"""Structured logs: one JSON object per line, with correlation id, principal and subscription.

The request middleware fills the context variables; every log record picks them up. A filter masks
anything that looks like a secret (bearer tokens, JWTs, ``password=``/``secret=``/``sig=`` values)
before a record is written, so neither our code nor a library can leak one into the logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

import orjson

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
principal: ContextVar[str | None] = ContextVar("principal", default=None)
subscription: ContextVar[str | None] = ContextVar("subscription", default=None)

MASK = "***"
SECRET_KEYS = re.compile(r"(password|passwd|secret|token|authorization|api[-_]?key|sig|signature|credential)",
                         re.IGNORECASE)
SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"),  # JWT
    re.compile(r"(?i)\b(password|passwd|client_secret|secret|token|access_token|refresh_token|sig|apikey|api_key)"
               r"(\"?\s*[=:]\s*\"?)[^\s&\",;]+"),
    re.compile(r"\bwhsec_[A-Za-z0-9_-]+"),
)
# Every pattern above needs one of these words (in any case): a text without one is returned unscanned, so the
# line each request logs costs one search, not four substitutions.
SECRET_HINT = re.compile(r"(?i)bearer|basic|eyJ|passw|secret|token|sig|api_?key|whsec_")
# The line is the same JSON as ``json.dumps(entry, default=str, ensure_ascii=False)``, written by orjson (a tenth of
# the time): datetimes and dataclasses through ``str`` as before, non-string keys allowed.
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# uvicorn's ``color_message`` repeats the message with terminal colour codes: not for a JSON line.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


def redact(text: str) -> str:
    if SECRET_HINT.search(text) is None:
        return text
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + (m.group(2) if m.re.groups >= 2 else " ") + MASK)
                           if m.re.groups else MASK, text)
    return text


def redact_value(key: str, value):
    if SECRET_KEYS.search(key):
        return MASK
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(key, v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "correlationId": correlation_id.get(),
            "principal": principal.get(),
            "subscription": subscription.get(),
        }
        for key, value in record.__dict__.items():
            if key not in STANDARD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = redact_value(key, value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return _json_line(entry)


def _json_line(entry: dict) -> str:
    try:
        return orjson.dumps(entry, default=str, option=_ORJSON_OPTIONS).decode()
    except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits: the standard library's way
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{k}={v}" for k, v in (("cid", correlation_id.get()), ("principal", principal.get()),
                                                   ("subscription", subscription.get())) if v)
        line = redact(super().format(record))
        return f"{line} [{context}]" if context else line


def configure(level: str = "INFO", fmt: str = "json", stream=None) -> None:
    """Route every logger (ours, uvicorn's, SQLAlchemy's) through one handler on the root."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Alembic narrates every plugin and migration step at INFO; keep its warnings, not its chatter.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
