"""What every portal page shares: the template environment, the request's language and session, the
CSRF check, and how a domain refusal becomes a page."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import __version__
from ..domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from ..services.portal_sessions import PortalSessions, Session
from . import i18n, labels
from .auth import SESSION_COOKIE, PortalConfig, SigninThrottle, SigninTokens, csrf_matches
from .labels import error_text, state_text

if TYPE_CHECKING:  # ``create_portal`` hands the portal its services; imported for the annotations only
    from jinja2 import Environment

    from ..domain.offers import OfferCatalogue
    from ..services.admin import ClockService
    from ..services.billing import BillingService
    from ..services.blobs import BlobService
    from ..services.directory import DirectoryService
    from ..services.notifications import NotificationService
    from ..services.operator_access import OperatorAccess
    from ..services.request_log import RequestLog
    from ..services.resources import ResourceService
    from ..services.subscriptions import SubscriptionService
    from ..settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
PREFIX = "/portal"


class SignInRequired(Exception):
    """Raised by pages that need a session; answered with a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token."""


@dataclass(frozen=True)
class PortalServices:
    """The services the portal's pages call, and the settings they read: the portal's whole reach."""

    settings: Settings
    offers: OfferCatalogue
    subscriptions: SubscriptionService
    billing: BillingService
    resources: ResourceService
    blobs: BlobService
    directory: DirectoryService
    clock_control: ClockService
    operator: OperatorAccess
    notifications: NotificationService
    request_log: RequestLog


@dataclass
class Portal:
    """What the portal's routes share: the services, the settings, the session store (in the database) and templates."""

    services: PortalServices
    config: PortalConfig
    sessions: PortalSessions
    throttle: SigninThrottle
    signin_tokens: SigninTokens

    @classmethod
    def build(cls, services: PortalServices, config: PortalConfig, sessions: PortalSessions,
              signin_secret: str) -> Portal:
        return cls(services, config, sessions, SigninThrottle(config), SigninTokens(signin_secret))

    @cached_property
    def env(self) -> Environment:
        """The template environment, made on the first page rendered: importing Jinja2 is a tenth of a
        ``serve`` start, and an ARM-only process never renders a page (docs/architecture.md, issue 14)."""
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]),
                           extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)

    # requests --------------------------------------------------------------------------------
    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(SESSION_COOKIE))

    def require_session(self, request: Request) -> Session:
        session = self.session(request)
        if session is None:
            raise SignInRequired()
        return session

    def check_csrf(self, session: Session, token: str | None) -> None:
        if not csrf_matches(session.csrf, token):
            raise CsrfRefused()

    def language(self, request: Request, session: Session | None) -> str:
        account_language = None
        chosen = request.cookies.get(i18n.LANGUAGE_COOKIE)
        accept = request.headers.get("accept-language")
        if session is not None and not i18n.supported(chosen) and not i18n.from_accept_language(accept):
            account_language = self.services.subscriptions.billing_language(actor=session.principal)
        return i18n.negotiate(chosen=chosen, accept_language=accept, account_language=account_language)

    # rendering -------------------------------------------------------------------------------
    def render(self, request: Request, template: str, *, session: Session | None, status_code: int = 200,
               **context) -> HTMLResponse:
        language = self.language(request, session)
        translations = i18n.translations(language)
        fmt = self.formatter(language)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        emulator_controls = self.emulator_controls(request)
        page = self.env.get_template(template).render(
            gettext=translations.gettext, ngettext=translations.ngettext, _=translations.gettext,
            lang=language, fmt=fmt, session=session, prefix=PREFIX, here=here,
            here_quoted=urllib.parse.quote(here, safe=""), state_text=state_text,
            clock=self._clock_now() if session is not None else None, offers=self.services.offers,
            emulator_controls=emulator_controls,
            clock_movable=session is not None and emulator_controls and self.may_move_clock(session),
            state_labels=labels.STATES, role_labels=labels.ROLES, power_labels=labels.POWER_STATES,
            type_labels=labels.RESOURCE_TYPES, invoice_statuses=labels.INVOICE_STATUSES,
            action_text=lambda code: labels.action_text(code, translations.gettext),
            refusal_text=lambda code, message: labels.refusal_text(code, message, translations.gettext),
            mode=self.services.settings.mode, version=__version__, **context,
        )
        return HTMLResponse(page, status_code=status_code, headers={"Content-Language": language,
                                                                    "Cache-Control": "no-store"})

    def formatter(self, language: str) -> i18n.Formatter:
        return i18n.Formatter(language, self.services.settings.zone)

    def emulator_controls(self, request: Request) -> bool:
        """The clock's advance and the Emulator page: emulator mode, for a browser on this machine talking
        to a loopback-only serve (services/operator_access.py); a browser cannot send the operator key."""
        return self.services.settings.simulated_clock and self.services.operator.open_to(request.client.host if request.client
                                                                               else None)

    def may_move_clock(self, session: Session) -> bool:
        return self.services.clock_control.may_advance(actor=session.principal)

    def require_emulator_controls(self, request: Request) -> None:
        if not self.services.settings.simulated_clock:
            raise NotFound("EmulatorOnly", "This page exists in emulator mode only.")
        if not self.emulator_controls(request):
            raise Forbidden("OperatorCredentialRequired",
                            "The emulator's controls are open only from this machine, when Subplane listens on "
                            "loopback; from elsewhere use /_subplane with the operator key.")

    def _clock_now(self):
        if not self.services.settings.simulated_clock:
            return None
        return self.services.clock_control.now()

    def refusal(self, request: Request, session: Session | None, error: DomainError) -> HTMLResponse:
        status = {NotFound: 404, Forbidden: 403, Conflict: 409, InvalidInput: 400}.get(type(error), 400)
        language = self.language(request, session)
        return self.render(request, "error.html", session=session, status_code=status,
                           message=error_text(error, i18n.translations(language)), code=error.code)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(PREFIX + path, status_code=303)


def safe_next(target: str | None) -> str:
    """Only redirect to a portal path, never to another site."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/subscriptions"


def signin_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{PREFIX}/signin?next={urllib.parse.quote(target, safe='')}"
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)
