"""Sign-in, sign-out and the language switcher."""

from __future__ import annotations

import time
from typing import Literal, TypedDict

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from ..domain.errors import Forbidden
from . import i18n
from .auth import PRESESSION_COOKIE, SESSION_COOKIE
from .labels import N_
from .web import PREFIX, Portal, redirect, safe_next


class CookieFlags(TypedDict):
    httponly: bool
    secure: bool
    samesite: Literal["lax", "strict", "none"]
    path: str


COOKIE_FLAGS: CookieFlags = {"httponly": True, "secure": True, "samesite": "lax", "path": PREFIX}


def routes(portal: Portal) -> APIRouter:
    router = APIRouter()

    def signin_page(request: Request, *, next_: str, error: str | None = None, upn: str = "", status_code: int = 200):
        presession = request.cookies.get(PRESESSION_COOKIE) or portal.signin_tokens.new_presession()
        response = portal.render(request, "signin.html", session=None, status_code=status_code, error=error,
                                 upn=upn, next=safe_next(next_), csrf_token=portal.signin_tokens.issue(presession))
        response.set_cookie(PRESESSION_COOKIE, presession, max_age=3600, **COOKIE_FLAGS)
        return response

    @router.get("/signin")
    def signin_form(request: Request, next: str = ""):
        if portal.session(request) is not None:
            return RedirectResponse(safe_next(next), status_code=303)
        return signin_page(request, next_=next)

    @router.post("/signin")
    def signin(request: Request, upn: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
               next: str = Form("")):
        if not portal.signin_tokens.valid(csrf_token, request.cookies.get(PRESESSION_COOKIE)):
            return signin_page(request, next_=next, upn=upn, status_code=403,
                               error=N_("Your sign-in form expired. Please try again."))
        try:
            principal = portal.services.directory.authenticate_user(upn.strip(), password)
        except Forbidden as refusal:
            if refusal.code == "UserLocked":
                return signin_page(request, next_=next, upn=upn, status_code=429,
                                   error=N_("Too many failed sign-ins for this user. Try again in 15 minutes."))
            time.sleep(portal.throttle.delay(refusal.params.get("failures", 1)))
            return signin_page(request, next_=next, upn=upn, status_code=401,
                               error=N_("The user name or password is incorrect."))
        session = portal.sessions.create(principal, principal.name, portal.services.directory.display_name(principal.name))
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, session.token, max_age=int(portal.config.absolute_timeout_seconds),
                            **COOKIE_FLAGS)
        response.delete_cookie(PRESESSION_COOKIE, path=PREFIX)
        return response

    @router.post("/signout")
    def signout(request: Request, csrf_token: str = Form("")):
        session = portal.require_session(request)
        portal.check_csrf(session, csrf_token)
        portal.sessions.end(session.token)
        response = redirect("/signin")
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    @router.get("/language")
    def language(request: Request, to: str = "", next: str = ""):
        response = RedirectResponse(safe_next(next), status_code=303)
        chosen = i18n.supported(to)
        if chosen:
            response.set_cookie(i18n.LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, secure=True,
                                samesite="lax", path=PREFIX)
        return response

    @router.get("/")
    def home(request: Request):
        portal.require_session(request)
        return redirect("/subscriptions")

    return router
