"""The emulator page: the last API requests and the notifications Subplane sent, as a person reads them.

Shown in emulator mode only, like the /_subplane controls it mirrors, and like them only to a browser on
this machine of a loopback-only serve: the request log and every tenant's notifications are an operator's
business, not a portal user's.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request

from .web import Portal

if TYPE_CHECKING:
    from ..services.request_log import RequestLog

SHOWN = 50
# What a browser fetches by itself along with a page: not requests anyone made, so not shown.
ASSET_PATHS = ("/favicon.ico", "/portal/static/", "/robots.txt")


def _is_asset(path: str) -> bool:
    return path.startswith(ASSET_PATHS)


def _requests(request_log: RequestLog) -> list[dict]:
    """The newest requests people and clients made, each with its time as an instant to format."""
    shown = []
    for entry in request_log.newest_first():
        if _is_asset(entry.get("path") or ""):
            continue
        shown.append({**entry, "at": datetime.fromisoformat(entry["time"])})
        if len(shown) == SHOWN:
            break
    return shown


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    services = portal.services

    @router.get("/emulator")
    def emulator(request: Request):
        session = portal.require_session(request)
        portal.require_emulator_controls(request)
        messages = services.notifications.list(limit=SHOWN, newest_first=True)
        return portal.render(request, "emulator.html", session=session,
                             requests=_requests(services.request_log), messages=messages)

    return router
