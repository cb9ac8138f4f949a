"""An in-process portal client: the real HTTP app (FastAPI TestClient over HTTPS, so Secure cookies
flow) on a test's App, with helpers to sign in and to post forms with the session's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from subplane.api.server import create_http_app
from subplane.demo import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class PortalClient:
    def __init__(self, app, *, language: str = "en") -> None:
        self.app = app
        self.http = TestClient(create_http_app(app, run_jobs=False), base_url="https://testserver",
                               client=("127.0.0.1", 50000))  # a browser on this machine
        self.language = language
        self.csrf: str | None = None

    @property
    def portal(self):
        """The portal's state object (its session store's clock, the throttle), for tests that steer time."""
        mount = next(r for r in self.http.app.routes if getattr(r, "path", "") == "/portal")
        return mount.app.state.portal

    def headers(self) -> dict:
        return {"Accept-Language": self.language}

    def get(self, path: str, **kwargs):
        return self.http.get("/portal" + path, headers={**self.headers(), **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return self.http.post("/portal" + path, data=form, headers=self.headers(), **kwargs)

    def sign_in(self, user: str, password: str = DEMO_PASSWORD):
        page = self.get("/signin")
        token = CSRF.search(page.text).group(1)
        answer = self.http.post("/portal/signin", headers=self.headers(), data={
            "upn": f"{user}@contoso.example" if "@" not in user else user, "password": password,
            "csrf_token": token, "next": "/portal/subscriptions"})
        found = CSRF.search(answer.text)
        self.csrf = found.group(1) if found else None
        return answer

    def subscription_id(self, name: str) -> str:
        from subplane.domain.access import OPERATOR

        return next(s.subscription_id for s in self.app.subscriptions.list(actor=OPERATOR) if s.display_name == name)
