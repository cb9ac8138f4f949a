"""The emulator page: the last API requests and the notifications Subplane sent, as a person reads them.

Shown in emulator mode only, like the /_subplane controls it mirrors, and like them only to a browser on
this machine of a loopback-only serve: the request log and every tenant's notifications are an operator's
business, not a portal user's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from .web import Portal

SHOWN = 50


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()
    app = portal.app

    @router.get("/emulator")
    def emulator(request: Request):
        session = portal.require_session(request)
        portal.require_emulator_controls(request)
        messages = app.notifications.list(limit=SHOWN, newest_first=True)
        return portal.render(request, "emulator.html", session=session,
                             requests=app.request_log.newest_first(SHOWN), messages=messages)

    return router
