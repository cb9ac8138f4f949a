"""The /_subplane endpoints in process: clock, production refusals, request log, metrics, health, logs."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from fastapi import Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from subplane import logs
from subplane.api.admin.clock import ClockAdvances
from subplane.api.admin.routes import admin_router
from subplane.api.server import create_http_app
from subplane.domain.access import OPERATOR
from subplane.services.request_log import RequestLog

from .helpers import LOOPBACK, cancel_production


@pytest.fixture
def client(demo_app):
    with TestClient(create_http_app(demo_app, run_jobs=False), client=LOOPBACK) as test_client:
        yield test_client


def metric(client, name: str, **labels) -> float:
    text = client.get("/_subplane/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_clock_advances_over_http_with_the_cli_code_path(demo_app, client):
    before = client.get("/_subplane/clock").json()
    assert before["status"] == "ready" and before["simulated"] is True
    sub_id = cancel_production(demo_app)
    answer = client.post("/_subplane/clock", json={"advance": "91d"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready"
    own_jobs = [j["kind"] for j in body["lastAdvance"]["jobs"] if j["subject"] == sub_id]
    assert own_jobs[:3] == ["deletion_reminder", "deletion_reminder", "retention_expiry"]
    assert body["now"] > before["now"] and body["lastAdvance"]["by"] == "91d"
    assert demo_app.subscriptions.get(actor=OPERATOR, ref=sub_id).state.value == "Deleted"
    kinds = [m["kind"] for m in client.get("/_subplane/outbox/messages").json()["value"]]
    assert kinds.count("deletionReminder") == 2


def test_backward_and_malformed_requests_are_refused(client):
    now = client.get("/_subplane/clock").json()["now"]
    assert client.post("/_subplane/clock", json={"to": "2001-01-01T00:00:00Z"}).json()["error"]["code"] == \
        "ClockCannotMoveBackward"
    assert client.post("/_subplane/clock", json={"advance": "soon"}).status_code == 400
    assert client.post("/_subplane/clock", json={}).status_code == 400
    assert client.get("/_subplane/clock").json()["now"] == now


def test_a_long_advance_runs_in_the_background_and_is_pollable(demo_app, client):
    cancel_production(demo_app)
    answer = client.post("/_subplane/clock", json={"advance": "400d", "wait": 0})
    assert answer.status_code in (200, 202)
    if answer.status_code == 202:
        assert answer.json()["status"] == "advancing" and answer.headers["location"] == "/_subplane/clock"
        # (a second advance meanwhile is refused with 409: tests/ops/test_shared_clock.py)
    deadline = time.monotonic() + 30
    while client.get("/_subplane/clock").json()["status"] == "advancing" and time.monotonic() < deadline:
        time.sleep(0.05)
    final = client.get("/_subplane/clock").json()
    assert final["status"] == "ready" and final["lastAdvance"]["by"] == "400d"
    assert final["lastAdvance"]["jobsRun"] >= 3


def test_a_failed_advance_reports_failed_with_the_reason(demo_app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo_app.clock_control, "_step_to", broken)  # the stepping itself fails
    answer = client.post("/_subplane/clock", json={"advance": "1d"})
    assert answer.status_code == 500
    assert answer.json()["status"] == "failed" and "disk full" in answer.json()["reason"]
    assert client.get("/_subplane/clock").json()["status"] == "failed"


def admin_routes(app) -> list[tuple[str, str]]:
    """Every route of the admin router, as mounted (enumerated from the router, so new ones are covered)."""
    request_log = RequestLog(app.uow, size=app.settings.request_log_size, instance=app.instance)
    router = admin_router(app, advances=ClockAdvances(app), request_log=request_log)
    return [(method, route.path) for route in router.routes if isinstance(route, APIRoute) for method in route.methods]


def test_production_mode_refuses_every_admin_endpoint_and_the_demo(make_app):
    from subplane import demo
    from subplane.domain.errors import Conflict

    app = make_app(mode="production")
    http = create_http_app(app, run_jobs=False)
    routes = admin_routes(app)
    assert {path for _, path in routes} >= {"/_subplane/clock", "/_subplane/reset", "/_subplane/snapshot",
                                            "/_subplane/outbox", "/_subplane/requests", "/_subplane/webhooks"}
    with TestClient(http, client=LOOPBACK) as client:
        for method, path in routes:
            answer = client.request(method, path.replace("{endpoint_id}", "x"), json={})
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"]["code"] == "EmulatorOnly"
        health = client.get("/_subplane/health").json()
        assert health["mode"] == "production" and health["status"] == "ok"
        assert client.get("/_subplane/metrics").status_code == 200
    with pytest.raises(Conflict) as refused:
        demo.seed(app)
    assert refused.value.code == "EmulatorOnly"
    with pytest.raises(Conflict):
        app.snapshots.reset(demo=True)


def test_request_log_records_method_path_status_principal_duration_and_correlation(demo_app):
    http = create_http_app(demo_app, run_jobs=False)

    @http.get("/test/whoami")
    def whoami(request: Request) -> dict:  # stands in for authentication, which stores the principal
        request.state.principal = OPERATOR
        return {}

    with TestClient(http, client=LOOPBACK) as client:
        client.get("/test/whoami", headers={"x-ms-correlation-request-id": "cid-123"})
        client.get("/nothing/here")
        client.get("/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-7?api-version=2021-04-01")
        entries = client.get("/_subplane/requests").json()["value"]
    arm, missing, mine = entries[0], entries[1], entries[2]
    assert mine["method"] == "GET" and mine["path"] == "/test/whoami" and mine["status"] == 200
    assert mine["principal"] == "operator" and mine["correlationId"] == "cid-123" and mine["durationMs"] >= 0
    assert missing["status"] == 404 and missing["principal"] is None and missing["route"] == "unmatched"
    assert arm["subscription"] == "00000000-0000-0000-0000-000000000001" and arm["status"] >= 400
    assert arm["route"] == "/subscriptions/{}/resourcegroups/{}"  # bounded label, no names in metrics
    assert "api-version" not in arm["path"]  # query strings (which may carry SAS signatures) are not kept


def test_metrics_and_health_parse_and_move_when_work_happens(demo_app, client):
    health = client.get("/_subplane/health")
    assert health.status_code == 200 and health.json()["mode"] == "emulator"
    assert client.head("/_subplane/health").status_code == 200
    requests_before = metric(client, "subplane_http_requests_total", route="/_subplane/health", status="200")
    enabled_before = metric(client, "subplane_subscriptions", state="Enabled")
    client.get("/_subplane/health")
    assert metric(client, "subplane_http_requests_total", route="/_subplane/health", status="200") == \
        requests_before + 1
    assert metric(client, "subplane_http_request_duration_seconds_count", route="/_subplane/health") >= 2

    cancel_production(demo_app)
    assert metric(client, "subplane_subscriptions", state="Enabled") == enabled_before - 1
    assert metric(client, "subplane_subscriptions", state="Disabled") >= 1
    assert metric(client, "subplane_outbox_backlog", consumer="notifications") >= 1
    assert metric(client, "subplane_due_jobs_pending") >= 3
    demo_app.outbox_dispatcher.run_once()
    assert metric(client, "subplane_outbox_backlog", consumer="notifications") == 0

    client.post("/_subplane/webhooks", json={"url": "http://127.0.0.1:9/closed"})
    demo_app.subscriptions.reactivate(actor=OPERATOR, ref="Productie")
    demo_app.outbox_dispatcher.run_once()
    assert metric(client, "subplane_webhook_delivery_failures_total") >= 1
    assert metric(client, "subplane_webhook_deliveries_pending") >= 1


def test_json_logs_carry_correlation_and_never_secrets(demo_app):
    stream = io.StringIO()
    logs.configure("INFO", "json", stream=stream)
    try:
        http = create_http_app(demo_app, run_jobs=False)

        @http.get("/test/leak")
        def leak(request: Request) -> dict:
            logging.getLogger("subplane.test").info(
                "got header %s and password=hunter2", request.headers["authorization"],
                extra={"client_secret": "abc123", "detail": {"token": "xyz"}})
            return {}

        with TestClient(http, client=LOOPBACK) as client:
            client.get("/test/leak?sig=s1gnature", headers={"authorization": "Bearer eyJhbGc.eyJzdWI.c2ln",
                                                              "x-ms-correlation-request-id": "cid-log"})
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line["logger"] == "subplane.test"][0]
    assert mine["correlationId"] == "cid-log" and mine["level"] == "info"
    request_line = [line for line in lines if line["logger"] == "subplane.http"][-1]
    assert request_line["status"] == 200 and request_line["correlationId"] == "cid-log"
    text = stream.getvalue()
    for secret in ("hunter2", "abc123", "xyz", "eyJhbGc", "s1gnature"):
        assert secret not in text


def test_the_servers_address_leads_to_the_portal(client):
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == "/portal/"
