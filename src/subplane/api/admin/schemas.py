"""The bodies and parameters the emulator controls take, with their bounds (see ``api/validation.py``)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field, field_validator

from ...domain.events import MAX_LIST
from ...services.faults import MAX_COUNT
from ..validation import refuse

MAX_WAIT_SECONDS = 3600.0
Limit = Annotated[int, Query(ge=1, le=MAX_LIST)]
Text = Annotated[str | None, Query(max_length=512)]


class ClockRequest(BaseModel):
    advance: str | None = Field(None, max_length=64)
    to: str | None = Field(None, max_length=64)
    wait: float = 30.0

    @field_validator("wait", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> float:
        try:
            seconds = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError, OverflowError):
            seconds = math.nan
        if not (math.isfinite(seconds) and 0 <= seconds <= MAX_WAIT_SECONDS):
            raise refuse("InvalidWait", f"wait is a number of seconds from 0 to {MAX_WAIT_SECONDS:g}, e.g. 0 to "
                                        "return at once.")
        return seconds


class ResetRequest(BaseModel):
    demo: bool = False
    at: str | None = Field(None, max_length=64)  # ISO 8601: where the reset clock starts


class WebhookRequest(BaseModel):
    url: str = Field("", max_length=2048)
    secret: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=200)
    format: str = Field("subplane", max_length=16)  # subplane | cloudevents | eventgrid


class FaultRequest(BaseModel):
    operation: str = Field("", max_length=256)
    code: str = Field("", max_length=64)
    message: str | None = Field(None, max_length=2048)
    count: int = 1

    @field_validator("count", mode="before")
    @classmethod
    def _whole(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
            raise refuse("InvalidCount", f"count must be a whole number from 1 to {MAX_COUNT}.")
        return value
