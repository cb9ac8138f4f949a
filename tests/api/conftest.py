"""In-process ARM contract tests: the FastAPI app over an https TestClient with demo tokens."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from subplane.api.server import create_http_app
from subplane.services.operator_access import KEY_HEADER

BASE = "https://testserver"
SUBS_VERSION = "2022-12-01"
ACTION_VERSION = "2021-10-01"
LOOPBACK = ("127.0.0.1", 50000)  # a caller on this machine (the /_subplane controls are open to it)


class Arm:
    def __init__(self, app) -> None:
        self.app = app
        # published as https://testserver, so the emulator controls want the operator key (as behind a proxy)
        self.client = TestClient(create_http_app(app, run_jobs=False), base_url=BASE, client=LOOPBACK,
                                 headers={KEY_HEADER: app.operator.key()})
        self.demo = json.loads((app.settings.data_dir / "demo.json").read_text("utf-8"))
        self.tenant = self.demo["tenantId"]
        self._tokens: dict[str, str] = {}

    def principal(self, role: str) -> dict:
        return next(p for p in self.demo["servicePrincipals"] if p["name"] == f"subplane-{role}")

    def token(self, role: str = "owner", scope: str = "https://management.azure.com/.default") -> str:
        key = f"{role}|{scope}"
        if key not in self._tokens:
            p = self.principal(role)
            answer = self.client.post(f"/{self.tenant}/oauth2/v2.0/token", data={
                "grant_type": "client_credentials", "client_id": p["clientId"], "client_secret": p["clientSecret"],
                "scope": scope, "client_info": "1"})
            assert answer.status_code == 200, answer.text
            self._tokens[key] = answer.json()["access_token"]
        return self._tokens[key]

    def call(self, method: str, path: str, *, role: str = "owner", token: str | None = None, version: str | None = SUBS_VERSION,
             params: dict | None = None, **kwargs):
        query = dict(params or {})
        if version is not None:
            query.setdefault("api-version", version)
        headers = kwargs.pop("headers", {})
        if token is None and role:
            token = self.token(role)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.request(method, path, params=query, headers=headers, **kwargs)

    def subscription_id(self, name: str) -> str:
        with self.app.uow(read_only=True) as uow:
            return uow.subscriptions.find_by_name(name)[0].subscription_id


@pytest.fixture
def make_app(make_app):
    """Apps whose public URL is the test client's, as `serve` would be configured behind that name."""
    def factory(**overrides):
        overrides.setdefault("public_urls", BASE)
        return make_app(**overrides)

    return factory


@pytest.fixture
def arm_app(make_app):
    from subplane import demo

    built = make_app(arm_throttle="off")
    demo.seed(built)
    return built


@pytest.fixture
def arm(arm_app) -> Arm:
    return Arm(arm_app)


@pytest.fixture
def arm_from(make_app):
    """An Arm on the demo whose simulated clock starts at a given instant: for tests that read calendar positions
    (a month's days, a budget's period), so they hold whatever SUBPLANE_TEST_CLOCK_START says."""
    from subplane import demo

    def factory(start) -> Arm:
        built = make_app(arm_throttle="off", clock_start=start)
        demo.seed(built)
        return Arm(built)

    return factory
