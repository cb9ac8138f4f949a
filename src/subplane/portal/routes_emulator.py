"""The emulator page: the last API requests and the notifications Subplane sent, as a person reads them.

Shown in emulator mode only, like the /_subplane controls it mirrors: in production mode the request
log and every tenant's notifications are an operator's business, not a portal user's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..domain.errors import NotFound
from .web import Portal

SHOWN = 50


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    app = portal.app

    @router.get("/emulator")
    def emulator(request: Request):
        session = portal.require_session(request)
        if not app.settings.simulated_clock:
            raise NotFound("EmulatorOnly", "This page exists in emulator mode only.")
        messages = app.notifications.list(limit=SHOWN, newest_first=True)
        return portal.render(request, "emulator.html", session=session,
                             requests=app.request_log.newest_first(SHOWN), messages=messages)

    return router
