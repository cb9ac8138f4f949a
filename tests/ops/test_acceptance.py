"""The issue's acceptance, as a new user would write it (the README shows this fixture):
start Subplane with --demo, cancel with the Azure SDK, advance 91 days with one HTTP call, see the
subscription Deleted, the reminder e-mails in the outbox and the webhook events, then reset."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest

from .receiver import Receiver

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# --- the user's fixtures (README: "Use Subplane in your tests") -----------------------------------
@pytest.fixture(scope="module")
def subplane(tmp_path_factory):
    """One `subplane serve --demo` for the whole module, on a free port, with its own data directory."""
    data = tmp_path_factory.mktemp("subplane")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "subplane.cli.main", "serve", "--demo", "--port", str(port)],
                              env={**os.environ, "SUBPLANE_DATA_DIR": str(data)},
                              stdout=open(data / "serve.log", "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None and time.monotonic() < deadline, "subplane serve did not start"
        try:
            connection = json.loads((data / "connection.json").read_text())
            tls = ssl.create_default_context(cafile=connection["caBundle"])
            http = httpx.Client(base_url=connection["armEndpoint"], verify=tls, timeout=120)
            if http.get("/_subplane/health").status_code == 200:
                break
        except (OSError, ValueError, httpx.TransportError):
            pass
        time.sleep(0.2)
    yield connection, http
    http.close()
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def emulator(subplane):
    """Each test starts from the demo state; no restart needed."""
    yield subplane
    subplane[1].post("/_subplane/reset", json={"demo": True}).raise_for_status()


@contextmanager
def azure_clients(connection):
    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.subscriptions import SubscriptionClient
    from azure.mgmt.subscription import SubscriptionClient as LifecycleClient

    owner = connection["principals"]["owner"]
    credential = ClientSecretCredential(connection["tenantId"], owner["clientId"], owner["clientSecret"],
                                        authority=connection["authority"], disable_instance_discovery=True,
                                        connection_verify=connection["caBundle"])
    options = {"base_url": connection["armEndpoint"], "connection_verify": connection["caBundle"]}
    with credential, SubscriptionClient(credential, **options) as subs, LifecycleClient(credential, **options) as life:
        yield subs, life


# --- the tests --------------------------------------------------------------------------------
@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_cancel_then_91_days_later_deleted_with_reminders_and_webhooks(emulator, receiver):
    connection, http = emulator
    assert http.post("/_subplane/webhooks", json={"url": receiver.url}).status_code == 201
    with azure_clients(connection) as (subscriptions, lifecycle):
        sub = next(s.subscription_id for s in subscriptions.subscriptions.list() if s.display_name == "Productie")
        lifecycle.subscription.cancel(sub, params={"IgnoreResourceCheck": "true"})

        advanced = http.post("/_subplane/clock", json={"advance": "91d"})

        assert sub not in {s.subscription_id for s in subscriptions.subscriptions.list()}  # gone for its owner

    assert advanced.status_code == 200 and advanced.json()["status"] == "ready"
    deleted = http.get("/_subplane/outbox", params={"subscription": sub}).json()["value"][-1]
    assert deleted["type"] == "Subplane.Subscription.Deleted" and deleted["data"]["state"] == "Deleted"
    mails = http.get("/_subplane/outbox/messages", params={"subscription": sub}).json()["value"]
    assert [m["kind"] for m in mails] == ["cancellationConfirmed", "deletionReminder", "deletionReminder"]
    assert all(m["to"] == "admin@contoso.example" for m in mails)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
            a["event"]["type"].endswith("Subscription.Deleted") for a in receiver.accepted()):
        time.sleep(0.1)
    own = [a["event"]["type"].rsplit(".", 1)[-1] for a in receiver.accepted() if a["event"]["subject"].endswith(sub)]
    assert own == ["Cancelled", "DeletionReminder", "DeletionReminder", "Deleted"]


def test_the_next_test_starts_from_the_demo_again(emulator):
    connection, http = emulator
    with azure_clients(connection) as (subscriptions, _):  # the same credentials still work after the reset
        states = {s.display_name: s.state for s in subscriptions.subscriptions.list()}
    assert states == {"Productie": "Enabled", "Proefversie": "Enabled", "Ontwikkeling": "Enabled"}
    assert http.get("/_subplane/webhooks").json()["value"] == []
    assert http.get("/_subplane/outbox/messages").json()["value"] == []


def test_snapshot_export_reset_import_gives_the_same_arm_answers(emulator):
    connection, http = emulator
    with azure_clients(connection) as (subscriptions, lifecycle):
        trial = next(s.subscription_id for s in subscriptions.subscriptions.list() if s.display_name == "Proefversie")
        lifecycle.subscription.cancel(trial, params={"IgnoreResourceCheck": "true"})
        before = sorted((s.subscription_id, s.display_name, s.state) for s in subscriptions.subscriptions.list())
    snapshot = http.get("/_subplane/snapshot")
    assert snapshot.status_code == 200
    assert http.post("/_subplane/reset", json={}).status_code == 200
    assert http.get("/_subplane/outbox").json()["value"] == []

    imported = http.post("/_subplane/snapshot", content=snapshot.content,
                         headers={"Content-Type": "application/zip"})
    assert imported.status_code == 200, imported.text
    with azure_clients(connection) as (subscriptions, _):  # the restored directory accepts the same secrets
        after = sorted((s.subscription_id, s.display_name, s.state) for s in subscriptions.subscriptions.list())
    assert after == before and ("Disabled" in {state for _, _, state in after})
