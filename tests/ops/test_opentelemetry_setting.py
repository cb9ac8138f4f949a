"""FastAPI's native OpenTelemetry (issue 14): off by default, so no request consults OpenTelemetry's global
providers (the check read the environment on every request); ``SUBPLANE_OPENTELEMETRY=1`` turns it back on for
providers an operator configured. Both the API and the mounted portal follow the one setting."""

from __future__ import annotations

import opentelemetry.trace
import pytest
from fastapi.testclient import TestClient

from subplane import settings as settings_module
from subplane.api.server import create_http_app

from .helpers import LOOPBACK


@pytest.fixture
def consulted(monkeypatch) -> list[str]:
    """Every time FastAPI asks OpenTelemetry for its global tracer provider."""
    asked: list[str] = []
    original = opentelemetry.trace.get_tracer_provider

    def counting():
        asked.append("tracer provider")
        return original()

    monkeypatch.setattr(opentelemetry.trace, "get_tracer_provider", counting)
    return asked


@pytest.mark.parametrize(("value", "on"), [(None, False), ("0", False), ("1", True), ("true", True)])
def test_the_setting_reads_on_and_off(tmp_path, value, on):
    env = {"SUBPLANE_DATA_DIR": str(tmp_path)} | ({"SUBPLANE_OPENTELEMETRY": value} if value is not None else {})
    assert settings_module.load(env=env).opentelemetry is on


@pytest.mark.parametrize("opentelemetry", [False, True])
def test_requests_consult_the_providers_only_when_it_is_on(make_app, consulted, opentelemetry):
    app = make_app(opentelemetry=opentelemetry)
    with TestClient(create_http_app(app, run_jobs=False), client=LOOPBACK) as client:
        consulted.clear()  # start-up may look once; the requests are what counts
        assert client.get("/_subplane/health").status_code == 200
        assert client.get("/portal/signin", follow_redirects=False).status_code in (200, 303)
    assert bool(consulted) is opentelemetry
