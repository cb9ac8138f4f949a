"""Snapshot export → reset → import restores the same answers; newer snapshots are refused."""

from __future__ import annotations

import json
import zipfile

import pytest
from fastapi.testclient import TestClient

from subplane.api.server import create_http_app
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, InvalidInput

from .helpers import LOOPBACK, cancel_production, outbox_rows, subscriptions


def answers(app, client) -> dict:
    """What services and the HTTP API say about the state."""
    subs = app.subscriptions.list(actor=OPERATOR)
    production = next(s for s in subs if s.display_name == "Productie")
    resources = sorted(r.resource_id for r in app.resources.list(actor=OPERATOR, subscription=production.subscription_id))
    blobs = {}
    for account in (r for r in app.resources.list(actor=OPERATOR, subscription=production.subscription_id)
                    if r.type.endswith("storageAccounts")):
        for item in app.blobs.list_blobs(actor=OPERATOR, account=account.resource_id, container="backups"):
            blobs[item.name] = app.blobs.get(actor=OPERATOR, account=account.resource_id, container="backups",
                                             name=item.name)[1]
    return {
        "subscriptions": subscriptions(app),
        "resources": resources,
        "blobs": blobs,
        "outbox": outbox_rows(app),
        "clock": client.get("/_subplane/clock").json()["now"],
        "outboxHttp": client.get("/_subplane/outbox").json(),
        "messagesHttp": client.get("/_subplane/outbox/messages").json(),
        "webhooks": client.get("/_subplane/webhooks").json(),
    }


@pytest.fixture
def client(demo_app):
    with TestClient(create_http_app(demo_app, run_jobs=False), client=LOOPBACK) as test_client:
        yield test_client


def test_export_reset_import_gives_the_same_answers(demo_app, client, tmp_path):
    client.post("/_subplane/webhooks", json={"url": "http://127.0.0.1:9/hook", "secret": "s3cret"})
    cancel_production(demo_app)
    before = answers(demo_app, client)
    assert before["blobs"], "the demo has blobs; the snapshot must carry their bytes"

    exported = client.get("/_subplane/snapshot")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    assert client.post("/_subplane/reset", json={}).json()["status"] == "reset"
    assert demo_app.subscriptions.list(actor=OPERATOR) == []
    assert client.get("/_subplane/outbox").json()["value"] == []

    imported = client.post("/_subplane/snapshot", content=exported.content)
    assert imported.status_code == 200, imported.text
    assert answers(demo_app, client) == before

    # ids keep counting after an import (PostgreSQL sequences follow the imported rows)
    demo_app.subscriptions.reactivate(actor=OPERATOR, ref="Productie")
    assert outbox_rows(demo_app)[-1][0] == before["outbox"][-1][0] + 1


def test_cli_path_round_trips_through_a_file(demo_app, tmp_path):
    path = tmp_path / "state.zip"
    manifest = demo_app.snapshots.export(path)
    assert manifest["tables"]["subscriptions"] == 3 and manifest["blobFiles"] == 3
    demo_app.snapshots.reset()
    assert subscriptions(demo_app) == []
    demo_app.snapshots.import_(path)
    assert len(subscriptions(demo_app)) == 3


def rewrite_manifest(source, target, **changes) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.namelist():
            content = old.read(item)
            if item == "manifest.json":
                content = json.dumps({**json.loads(content), **changes}).encode()
            new.writestr(item, content)


@pytest.mark.parametrize("changes", [{"subplaneVersion": "99.0.0"}, {"formatVersion": 2},
                                     {"schemaRevisions": ["ops_0001", "future_0007"]}])
def test_a_snapshot_from_a_newer_subplane_is_refused(demo_app, tmp_path, changes):
    good, newer = tmp_path / "good.zip", tmp_path / "newer.zip"
    demo_app.snapshots.export(good)
    rewrite_manifest(good, newer, **changes)
    before = subscriptions(demo_app)
    with pytest.raises(Conflict) as refused:
        demo_app.snapshots.import_(newer)
    assert refused.value.code == "SnapshotTooNew"
    assert "Upgrade Subplane" in refused.value.message
    assert subscriptions(demo_app) == before  # nothing was touched


def test_not_a_snapshot_is_a_clear_error(app, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InvalidInput) as refused:
        app.snapshots.import_(junk)
    assert refused.value.code == "InvalidSnapshot"


def test_reset_to_demo_without_restart(demo_app, client):
    cancel_production(demo_app)
    answer = client.post("/_subplane/reset", json={"demo": True})
    assert answer.status_code == 200
    assert answer.json()["demo"]["servicePrincipals"]
    assert sorted(s[2] for s in subscriptions(demo_app)) == ["Enabled"] * 3


def test_reset_to_demo_keeps_identities_so_credentials_stay_valid(demo_app):
    import json

    before = json.loads((demo_app.settings.data_dir / "demo.json").read_text())
    old_ids = {s[0] for s in subscriptions(demo_app)}
    seeded = demo_app.snapshots.reset(demo=True)
    assert seeded["tenantId"] == before["tenantId"]
    assert seeded["servicePrincipals"] == before["servicePrincipals"]
    assert {s[0] for s in subscriptions(demo_app)}.isdisjoint(old_ids)
    assert demo_app.snapshots.reset() is None
    with demo_app.uow(read_only=True) as uow:
        assert uow.directory.find_billing_account_by_name("Contoso") is None
