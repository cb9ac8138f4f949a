"""`subplane serve --mode production` on a real process: no emulator controls, no demo; mode in health."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys

import httpx
import pytest

from tests.server import ServerProcess


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("production"), demo=False, extra_args=["--mode", "production"])
    yield server
    server.stop()


def test_production_serves_health_and_metrics_but_no_emulator_controls(production):
    with httpx.Client(base_url=production.url, verify=ssl.create_default_context(cafile=production.ca_bundle)) as http:
        health = http.get("/_subplane/health").json()
        assert health["mode"] == "production" and health["status"] == "ok"
        assert "subplane_http_requests_total" in http.get("/_subplane/metrics").text
        for method, path in [("GET", "/_subplane/clock"), ("POST", "/_subplane/clock"), ("POST", "/_subplane/reset"),
                             ("GET", "/_subplane/snapshot"), ("POST", "/_subplane/snapshot"),
                             ("GET", "/_subplane/outbox"), ("GET", "/_subplane/outbox/messages"),
                             ("GET", "/_subplane/requests"), ("GET", "/_subplane/webhooks"),
                             ("POST", "/_subplane/webhooks"), ("GET", "/_subplane/webhooks/deliveries")]:
            answer = http.request(method, path, json={"advance": "1d"} if method == "POST" else None)
            assert answer.status_code == 403, (method, path)
            assert answer.json()["error"]["code"] == "EmulatorOnly"


def test_production_logs_are_json_lines(production):
    lines = [line for line in production.log_path.read_text(errors="replace").splitlines() if line.startswith("{")]
    assert lines and all(json.loads(line)["level"] for line in lines)


def test_demo_and_reset_are_refused_in_production(tmp_path):
    env = {**os.environ, "SUBPLANE_DATA_DIR": str(tmp_path)}
    serve = subprocess.run([sys.executable, "-m", "subplane.cli.main", "serve", "--demo", "--mode", "production",
                            "--port", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert serve.returncode != 0 and "refused in production mode" in serve.stdout + serve.stderr
    for command in (["demo"], ["reset", "--demo"], ["snapshot", "export", str(tmp_path / "x.zip")]):
        result = subprocess.run([sys.executable, "-m", "subplane.cli.main", *command],
                                env={**env, "SUBPLANE_MODE": "production"}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 5 and "production mode" in result.stdout + result.stderr, command
