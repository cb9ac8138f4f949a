"""The web portal: server-rendered pages (Jinja2, htmx) mounted under ``/portal`` by ``api.server``.

It renders and asks; every change goes through the services, every rule stays in the domain.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from ..domain.errors import DomainError
from ..services.portal_sessions import PortalSessions
from . import routes_auth, routes_emulator, routes_lifecycle, routes_pages, routes_resources
from .auth import SIGNIN_SECRET, PortalConfig, SigninTokens
from .labels import N_
from .web import CsrfRefused, Portal, PortalServices, SignInRequired, signin_redirect

if TYPE_CHECKING:  # the composition root builds the app; imported for the annotation only
    from ..bootstrap import App

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'",
}


def create_portal(app: App, config: PortalConfig | None = None, *, telemetry: TelemetryConfig | None = None) -> FastAPI:
    """The portal's composition: the services its pages call, taken from the composition root, and its sessions."""
    config = config or PortalConfig.from_env(os.environ)
    services = PortalServices(
        settings=app.settings, offers=app.offers, subscriptions=app.subscriptions, billing=app.billing,
        resources=app.resources, blobs=app.blobs, directory=app.directory, clock_control=app.clock_control,
        operator=app.operator, notifications=app.notifications, request_log=app.request_log)
    sessions = PortalSessions(app.uow, idle_seconds=config.idle_timeout_seconds,
                              lifetime_seconds=config.absolute_timeout_seconds)
    portal = Portal.build(services, config, sessions,
                          signin_secret=app.installation.shared(SIGNIN_SECRET, SigninTokens.new_secret))
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, telemetry=telemetry)  # the server's, when mounted
    web.state.portal = portal
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (routes_auth, routes_pages, routes_lifecycle, routes_resources, routes_emulator):
        web.include_router(module.routes(portal))

    @web.exception_handler(SignInRequired)
    def _sign_in(request: Request, _: SignInRequired):
        return signin_redirect(request)

    @web.exception_handler(CsrfRefused)
    def _csrf(request: Request, _: CsrfRefused) -> HTMLResponse:
        session = portal.session(request)
        return portal.render(request, "error.html", session=session, status_code=403, code="CsrfTokenInvalid",
                             message=N_("This form has expired or did not come from this portal. Go back, reload "
                                        "the page and try again."))

    @web.exception_handler(DomainError)
    def _refused(request: Request, error: DomainError) -> HTMLResponse:
        return portal.refusal(request, portal.session(request), error)

    @web.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return web
