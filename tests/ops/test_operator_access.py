"""The emulator controls need the operator key once `serve` listens beyond loopback.

The served tests bind 0.0.0.0 (not loopback) and talk to the server over 127.0.0.1 only: the rule is
decided by what serve listens on, so even a caller on this machine must send the key then (a reverse
proxy on this machine would otherwise open the controls to everyone).
"""

from __future__ import annotations

import json
import ssl

import httpx
import pytest
from fastapi.testclient import TestClient

from subplane import demo
from subplane.api.server import create_http_app
from subplane.services.operator_access import KEY_HEADER
from tests.portal.helpers import PortalClient
from tests.server import ServerProcess

from .helpers import LOOPBACK

REFUSED_WITHOUT_KEY = [
    ("GET", "/_subplane/snapshot", None),
    ("POST", "/_subplane/snapshot", b"PK\x05\x06" + b"\0" * 18),
    ("POST", "/_subplane/webhooks", {"url": "http://127.0.0.1:9/hook"}),
    ("GET", "/_subplane/webhooks", None),
    ("GET", "/_subplane/webhooks/deliveries", None),
    ("POST", "/_subplane/clock", {"advance": "30d"}),
    ("GET", "/_subplane/clock", None),
    ("POST", "/_subplane/reset", {}),
    ("POST", "/_subplane/faults", {"operation": "Microsoft.Compute/virtualMachines/start/action",
                                   "code": "AllocationFailed"}),
    ("DELETE", "/_subplane/faults", None),
    ("GET", "/_subplane/outbox", None),
    ("GET", "/_subplane/outbox/messages", None),
    ("GET", "/_subplane/requests", None),
]


@pytest.fixture(scope="module")
def exposed(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("exposed"), extra_args=["--host", "0.0.0.0"])
    yield server
    server.stop()


@pytest.fixture
def http(exposed):
    with httpx.Client(base_url=exposed.url, verify=ssl.create_default_context(cafile=exposed.ca_bundle)) as client:
        yield client


def operator_key(server) -> str:
    return json.loads((server.data_dir / "connection.json").read_text("utf-8"))["operatorKey"]


def send(http, method: str, path: str, body, headers: dict | None = None):
    if isinstance(body, bytes):
        return http.request(method, path, content=body, headers=headers)
    return http.request(method, path, json=body, headers=headers)


def state(http, key: str) -> dict:
    """What the refused calls would have changed, read with the key."""
    authorised = {"Authorization": f"Bearer {key}"}
    return {"clock": http.get("/_subplane/clock", headers=authorised).json()["now"],
            "webhooks": http.get("/_subplane/webhooks", headers=authorised).json(),
            "faults": http.get("/_subplane/faults", headers=authorised).json(),
            "outbox": len(http.get("/_subplane/outbox", headers=authorised).json()["value"])}


def test_the_key_is_printed_and_written_to_connection_json(exposed):
    key = operator_key(exposed)
    assert key.startswith("spk_") and len(key) > 40
    assert key in exposed.log_path.read_text(errors="replace")


@pytest.mark.parametrize("method, path, body", REFUSED_WITHOUT_KEY, ids=[f"{m} {p}" for m, p, _ in REFUSED_WITHOUT_KEY])
def test_without_the_key_every_control_answers_401_and_does_nothing(exposed, http, method, path, body):
    before = state(http, operator_key(exposed))
    answer = send(http, method, path, body)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "OperatorCredentialRequired"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert operator_key(exposed) not in answer.text
    for wrong in ({"Authorization": "Bearer spk_not-the-key"}, {KEY_HEADER: "spk_not-the-key"},
                  {"X-Forwarded-For": "127.0.0.1"}):
        refused = send(http, method, path, body, headers=wrong)
        assert refused.status_code == 401, (wrong, refused.text)
    assert state(http, operator_key(exposed)) == before


def test_with_the_key_the_controls_work(exposed, http):
    key = operator_key(exposed)
    bearer, header = {"Authorization": f"Bearer {key}"}, {KEY_HEADER: key}
    before = http.get("/_subplane/clock", headers=bearer).json()["now"]
    added = http.post("/_subplane/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=bearer)
    assert added.status_code == 201, added.text
    assert [w["id"] for w in http.get("/_subplane/webhooks", headers=header).json()["value"]] == [added.json()["id"]]
    advanced = http.post("/_subplane/clock", json={"advance": "1d"}, headers=header)
    assert advanced.status_code == 200 and advanced.json()["now"] > before
    fault = http.post("/_subplane/faults", headers=bearer, json={
        "operation": "Microsoft.Compute/virtualMachines/start/action", "code": "AllocationFailed"})
    assert fault.status_code == 201, fault.text
    assert http.delete("/_subplane/faults", headers=header).status_code == 204
    snapshot = http.get("/_subplane/snapshot", headers=bearer)
    assert snapshot.status_code == 200 and snapshot.headers["content-type"] == "application/zip"
    assert http.post("/_subplane/snapshot", content=snapshot.content, headers=header).status_code == 200
    assert http.post("/_subplane/reset", json={"demo": True}, headers=bearer).json()["status"] == "reset"


def test_health_stays_open(http):
    assert http.get("/_subplane/health").status_code == 200


# in process, on SQLite and PostgreSQL ------------------------------------------------------------
def test_every_process_on_one_database_accepts_the_same_key(make_app, tmp_path):
    first = make_app(host="0.0.0.0")
    second = make_app(host="0.0.0.0", data_dir=tmp_path / "second")  # another process, its own data dir
    key = first.operator.key()
    assert second.operator.key() == key
    second.operator.require("10.1.2.3", key)  # accepted: no exception


def test_the_key_survives_reset_and_stays_out_of_snapshots(make_app, tmp_path):
    import zipfile

    app = make_app(host="0.0.0.0")
    demo.seed(app)
    key = app.operator.key()
    app.snapshots.export(tmp_path / "state.zip")
    with zipfile.ZipFile(tmp_path / "state.zip") as archive:
        assert not [n for n in archive.namelist() if "installation_secrets" in n]
        assert key.encode() not in b"".join(archive.read(n) for n in archive.namelist())
    app.snapshots.reset()
    app.snapshots.import_(tmp_path / "state.zip")
    assert app.operator.key() == key


def test_a_loopback_serve_answers_a_local_caller_without_key_but_not_a_remote_one(make_app):
    app = make_app()  # listens on 127.0.0.1
    demo.seed(app)
    http = create_http_app(app, run_jobs=False)
    with TestClient(http, client=LOOPBACK) as local:
        assert local.get("/_subplane/webhooks").status_code == 200
    with TestClient(http, client=("192.0.2.10", 50000)) as remote:  # e.g. through a proxy that kept the address
        answer = remote.get("/_subplane/webhooks", headers={"X-Forwarded-For": "127.0.0.1"})
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "OperatorCredentialRequired"
        assert remote.get("/_subplane/webhooks", headers={KEY_HEADER: app.operator.key()}).status_code == 200


def test_the_portal_offers_no_emulator_controls_when_serve_listens_beyond_loopback(make_app):
    app = make_app(host="0.0.0.0")
    demo.seed(app)
    before = app.clock_control.now()
    portal = PortalClient(app)
    portal.sign_in("admin")
    page = portal.get("/subscriptions")
    assert page.status_code == 200 and "/clock/advance" not in page.text and "/portal/emulator" not in page.text
    refused = portal.post("/clock/advance", {"duration": "30d", "next": "/portal/subscriptions"})
    assert refused.status_code == 403
    assert app.clock_control.now() == before
    assert portal.get("/emulator").status_code == 403


@pytest.mark.parametrize("published", [{"trusted_proxies": ("127.0.0.1",)},
                                       {"public_urls": ("https://arm.example.net",)}])
def test_a_loopback_serve_behind_a_proxy_needs_the_key_even_from_a_loopback_peer(make_app, published):
    """haproxy on this machine forwards remote callers from 127.0.0.1: the peer says nothing then."""
    app = make_app(**published)
    demo.seed(app)
    with TestClient(create_http_app(app, run_jobs=False), client=LOOPBACK) as local:
        answer = local.get("/_subplane/webhooks")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "OperatorCredentialRequired"
        assert local.get("/_subplane/webhooks", headers={KEY_HEADER: app.operator.key()}).status_code == 200
