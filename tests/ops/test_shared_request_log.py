"""The request log is one table every process writes, each row with the serving instance's name: two apps on
one database (own engines and data directories, standing in for two `serve` processes) read each other's
requests from /_subplane/requests, the table stays capped, and a reset through either clears it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subplane.adapters.db.coordination_tables import request_log
from subplane.api.server import create_http_app
from subplane.services.request_log import RequestLog

from .helpers import LOOPBACK

ENTRY_KEYS = {"time", "method", "path", "route", "status", "principal", "durationMs", "correlationId",
              "subscription", "instance"}


@pytest.fixture
def two(make_app, tmp_path):
    apps = [make_app(data_dir=tmp_path / name, instance_name=f"process-{name}", request_log_size=5)
            for name in ("a", "b")]
    for app in apps:  # prune after every 10 stored rows instead of 100, so the test stays short
        app.__dict__["request_log"] = RequestLog(app.uow, size=app.settings.request_log_size, instance=app.instance, prune_every=10)
    clients = [TestClient(create_http_app(app, run_jobs=False), client=LOOPBACK) for app in apps]
    yield apps, clients
    for client in clients:
        client.close()


def stored_rows(app) -> int:
    with app.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(request_log)).scalar_one()


def test_requests_served_by_one_process_are_listed_by_another_with_its_instance(two):
    (a, _), (client_a, client_b) = two
    client_a.get("/nothing/here", headers={"x-ms-correlation-request-id": "cid-from-a"})
    client_b.get("/nothing/there")
    a.request_log.store_queued()  # what A's writer thread does within milliseconds, done now
    entries = client_b.get("/_subplane/requests").json()["value"]
    assert [(e["path"], e["instance"]) for e in entries] == [("/nothing/there", "process-b"),
                                                            ("/nothing/here", "process-a")]
    from_a = entries[1]
    assert set(from_a) == ENTRY_KEYS
    assert from_a["correlationId"] == "cid-from-a" and from_a["status"] == 404 and from_a["method"] == "GET"
    assert from_a["route"] == "unmatched" and from_a["principal"] is None and from_a["durationMs"] >= 0
    assert client_b.get("/_subplane/requests?limit=1").json()["value"] == entries[:1]


def test_the_log_is_capped_by_an_occasional_delete_and_readers_get_the_newest_only(two):
    (a, b), (client_a, client_b) = two
    for number in range(8):
        (client_a if number % 2 == 0 else client_b).get(f"/request/{number}")
    a.request_log.store_queued()
    b.request_log.store_queued()
    assert stored_rows(a) == 8  # above the size of 5: no delete per request
    listed = client_a.get("/_subplane/requests?limit=100").json()["value"]
    assert [e["path"] for e in listed] == [f"/request/{n}" for n in (7, 6, 5, 4, 3)]
    for number in range(8, 40):
        (client_a if number % 2 == 0 else client_b).get(f"/request/{number}")
    a.request_log.store_queued()
    b.request_log.store_queued()
    assert stored_rows(a) <= 5 + 2 * 9  # each process deletes down to 5 after every 10 rows it stored
    listed = client_b.get("/_subplane/requests").json()["value"]
    assert [e["path"] for e in listed] == [f"/request/{n}" for n in (39, 38, 37, 36, 35)]


def test_a_reset_through_one_process_clears_the_log_for_all(two):
    (a, b), (client_a, client_b) = two
    client_a.get("/before/reset")
    a.request_log.store_queued()
    assert client_b.post("/_subplane/reset", json={}).status_code == 200
    b.request_log.store_queued()
    entries = client_a.get("/_subplane/requests").json()["value"]
    assert [(e["method"], e["path"], e["instance"]) for e in entries] == [("POST", "/_subplane/reset", "process-b")]


def test_a_purge_forgets_the_requests_that_named_the_subscription(two):
    from datetime import timedelta

    from subplane import demo
    from subplane.domain.access import OPERATOR

    (a, b), (client_a, client_b) = two
    demo.seed(a)
    sub = a.subscriptions.get(actor=OPERATOR, ref="Productie").subscription_id
    client_a.get(f"/subscriptions/{sub}/resourceGroups/rg-named-by-a-user")
    client_b.get("/some/other/path")
    a.request_log.store_queued()
    b.request_log.store_queued()
    a.subscriptions.cancel(actor=OPERATOR, ref=sub, reason="done", turn_off_resources=True)
    b.clock_control.advance(timedelta(days=91))  # past retention: the expiry job purges it
    paths = [e["path"] for e in client_a.get("/_subplane/requests").json()["value"]]
    assert a.subscriptions.get(actor=OPERATOR, ref=sub).state.value == "Deleted"
    assert paths and not any(sub in path for path in paths)
    assert "/some/other/path" in paths


def _entry(number: int) -> dict:
    from datetime import UTC, datetime

    return {"time": datetime(2026, 1, 1, tzinfo=UTC), "method": "GET", "path": f"/batched/{number}", "route": "unmatched",
            "status": 200, "principal": None, "durationMs": 1.0, "correlationId": f"cid-{number}", "subscription": None}


def test_the_writer_stores_a_full_batch_in_one_transaction_and_a_reader_still_sees_a_lingering_one(app):
    import time

    writes = []

    def counting_uow(**options):
        if not options.get("read_only"):
            writes.append(options)
        return app.uow(**options)

    log = RequestLog(counting_uow, size=50, instance="batching", linger_seconds=3600, batch_size=3)
    try:
        for number in range(3):  # a whole batch: stored at once, not after the hour-long linger
            log.add(_entry(number))
        deadline = time.monotonic() + 60  # a bound for a stalled writer, not a speed assertion
        while stored_rows(app) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stored_rows(app) == 3 and len(writes) == 1  # one INSERT transaction for the three
        log.add(_entry(3))  # lingers in the queue (an hour) ...
        assert stored_rows(app) == 3
        assert [e["path"] for e in log.newest_first()][:1] == ["/batched/3"]  # ... yet the reader sees it
        assert stored_rows(app) == 4
    finally:
        log.close()


def test_a_log_smaller_than_a_batch_stores_when_it_is_full(app):
    import time

    log = RequestLog(app.uow, size=2, instance="small", linger_seconds=3600)  # the default batch of 256 cannot fill
    try:
        log.add(_entry(0))
        log.add(_entry(1))
        deadline = time.monotonic() + 60  # a bound for a stalled writer, not a speed assertion
        while stored_rows(app) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stored_rows(app) == 2
    finally:
        log.close()
