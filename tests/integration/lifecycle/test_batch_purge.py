"""Retention expiries purged as batches (issue 14): a batch leaves exactly what purging one subscription per
transaction leaves, a process killed in a batch leaves a state the runner continues from, and two runners
never purge one subscription twice."""

from __future__ import annotations

import json
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from subplane import demo
from subplane import settings as settings_module
from subplane.adapters.db.tables import metadata
from subplane.bootstrap import build_app
from subplane.domain.access import OPERATOR

from ...conftest import CLOCK_START, Database
from ..helpers import kill_when, run_due_at_once

DELETED_EVENT = "Subplane.Subscription.Deleted"
OFFERS = ("MS-AZR-0003P", "MS-AZR-0044P")  # pay-as-you-go (90 days' retention), free trial (30)


def _fill(app, rng: random.Random, count: int) -> dict[str, str]:
    """``count`` subscriptions of random shapes (offer, groups, VMs, storage with blobs, tags, a rename),
    all cancelled at one instant; {subscription id: the label it is compared by}."""
    account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    labels = {}
    for n in range(count):
        label = f"sub{n:02d}"
        sub = app.subscriptions.create(actor=OPERATOR, display_name=f"{label} shop", billing_account_id=account,
                                       offer_id=rng.choice(OFFERS)).subscription_id
        labels[sub] = label
        for g in range(rng.randint(0, 2)):
            group = f"rg-{label}-{g}"
            app.resources.create_group(actor=OPERATOR, subscription=sub, name=group, location="westeurope",
                                       tags={"team": f"{label}-{g}"} if rng.random() < 0.5 else None)
            if rng.random() < 0.6:
                app.resources.create_vm(actor=OPERATOR, subscription=sub, group=group, name=f"vm-{label}-{g}")
            if rng.random() < 0.6:
                storage = app.resources.create_storage_account(actor=OPERATOR, subscription=sub, group=group,
                                                               name=f"st{label}{g}x")
                app.blobs.create_container(actor=OPERATOR, account=storage.resource_id, name="data")
                for b in range(rng.randint(0, 2)):
                    app.blobs.put(actor=OPERATOR, account=storage.resource_id, container="data",
                                  name=f"{label}-{b}.txt", data=f"bytes of {label} {b}".encode())
        if rng.random() < 0.5:
            app.subscriptions.rename(actor=OPERATOR, ref=sub, new_name=f"{label} renamed")
    for sub in labels:
        app.subscriptions.cancel(actor=OPERATOR, ref=sub, reason=f"leaving {labels[sub]}", turn_off_resources=True)
    app.outbox_dispatcher.run_once()
    return labels


_RANDOM = [
    (re.compile(r"purged:[0-9a-f]{16}"), "purged:<pseudonym>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"[0-9a-f]{32}"), "<hex>"),
]
_SURROGATE = {"id", "span_id", "outbox_id", "correlation_id"}  # numbered or drawn per transaction, not per purge


def _left(app, labels: dict[str, str]) -> dict[str, list[str]]:
    """Per table, the sorted rows of the labelled subscriptions, every id and random token normalised."""
    found: dict[str, list[str]] = {}
    with app.engine.connect() as conn:
        for table in metadata.sorted_tables:
            owner = table.c.subject if table.name == "due_jobs" else table.c.get("subscription_id")
            if owner is None:
                continue
            rows = []
            for row in conn.execute(select(table).where(owner.in_(list(labels)))).mappings():
                text = json.dumps({k: v for k, v in row.items() if k not in _SURROGATE}, sort_keys=True, default=str)
                for sub, label in labels.items():
                    text = text.replace(sub, label).replace(f"deleted-{sub[:8]}", f"deleted-{label}")
                for pattern, token in _RANDOM:
                    text = pattern.sub(token, text)
                rows.append(text)
            found[table.name] = sorted(rows)
    return found


def _world(database_url: str, data_dir: Path, batch_size: int, seed: int, count: int):
    app = build_app(settings_module.load(env={"SUBPLANE_CLOCK_START": CLOCK_START}, database_url=database_url,
                                         data_dir=data_dir, job_batch_size=batch_size))
    demo.seed(app)
    labels = _fill(app, random.Random(seed), count)
    app.clock_control.advance(timedelta(days=91))  # every retention has ended: reminders, purges, bytes
    app.outbox_dispatcher.run_once()
    return app, labels


@pytest.mark.parametrize("seed", [1, 2])
def test_a_batch_purge_leaves_exactly_what_one_purge_per_transaction_leaves(database, tmp_path, seed):
    (tmp_path / "other").mkdir()
    other = Database(database.backend, tmp_path / "other")
    single = batched = None
    try:
        single, single_labels = _world(database.url, tmp_path / "single", 1, seed, 7)
        batched, batched_labels = _world(other.url, tmp_path / "batched", 3, seed, 7)  # batches of 3, 3 and 1
        states = {single.subscriptions.get(actor=OPERATOR, ref=s).state.value for s in single_labels}
        assert states == {"Deleted"}
        one_by_one, in_batches = _left(single, single_labels), _left(batched, batched_labels)
        assert any(one_by_one[t] for t in ("activity", "outbox", "notifications", "due_jobs"))
        assert in_batches == one_by_one
        for app, labels in ((single, single_labels), (batched, batched_labels)):
            assert [s for s in labels if (app.settings.data_dir / "blobs" / s).exists()] == []
    finally:
        for app in (single, batched):
            if app is not None:
                app.close()
        other.drop()


def _expiring(app, count: int) -> list[str]:
    """``count`` free trials, each with storage holding a blob, cancelled; the clock past their deletion."""
    account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
    ids = []
    for n in range(count):
        sub = app.subscriptions.create(actor=OPERATOR, display_name=f"crash-{n}", billing_account_id=account,
                                       offer_id="MS-AZR-0044P").subscription_id
        app.resources.create_group(actor=OPERATOR, subscription=sub, name="rg", location="westeurope")
        storage = app.resources.create_storage_account(actor=OPERATOR, subscription=sub, group="rg",
                                                       name=f"stcrash{n:03d}")
        app.blobs.create_container(actor=OPERATOR, account=storage.resource_id, name="data")
        app.blobs.put(actor=OPERATOR, account=storage.resource_id, container="data", name="b", data=b"x" * 10)
        app.subscriptions.cancel(actor=OPERATOR, ref=sub, reason="crash", turn_off_resources=True)
        ids.append(sub)
    with app.uow() as uow:
        app.clock.set(uow.conn, uow.now + timedelta(days=31))
    return ids


def _purged_once(app, ids: list[str]) -> None:
    with app.uow(read_only=True) as uow:
        for sub_id in ids:
            assert uow.subscriptions.get(sub_id).state.value == "Deleted"
            assert uow.resources.list(sub_id) == []
            assert uow.activity.count(subscription_id=sub_id, action="expireRetention") == 1
            assert [e["type"] for e in uow.outbox.list(subscription_id=sub_id)].count(DELETED_EVENT) == 1
    blobs = app.settings.data_dir / "blobs"
    assert [s for s in ids if (blobs / s).exists()] == []


@pytest.mark.parametrize("where", ["mid_batch", "after_commit"])
def test_killed_in_a_batch_the_runner_continues_where_it_stopped(demo_app, database, tmp_path, where):
    ids = _expiring(demo_app, 7)
    blobs = demo_app.settings.data_dir / "blobs"
    assert all((blobs / s).exists() for s in ids)
    kill_when(Path(__file__).with_name("crash_purge.py"), [str(demo_app.settings.data_dir), database.url, where],
              b"stalled")

    with demo_app.uow(read_only=True) as uow:
        states = {s: uow.subscriptions.get(s).state.value for s in ids}
        held = {s: len(uow.resources.list(s)) for s in ids}
    deleted = [s for s in ids if states[s] == "Deleted"]
    kept = [s for s in ids if states[s] == "Disabled"]
    assert len(deleted) == (3 if where == "mid_batch" else 6) and len(kept) == len(ids) - len(deleted)
    assert all(held[s] == 0 for s in deleted) and all(held[s] == 1 for s in kept)  # nothing half purged
    assert all((blobs / s).exists() for s in kept)
    if where == "after_commit":
        assert any((blobs / s).exists() for s in deleted)  # committed, bytes left for the purge_files jobs

    demo_app.jobs.run_due()
    _purged_once(demo_app, ids)
    assert demo_app.jobs.run_due() == []


def test_two_runners_never_purge_the_same_subscription_twice(demo_app, make_app):
    ids = _expiring(demo_app, 16)
    results = run_due_at_once([make_app(instance_name=f"runner-{n}", job_batch_size=3) for n in range(2)])
    processed = [r.job_id for batch in results.values() for r in batch]
    assert len(processed) == len(set(processed)), "a job was processed twice"
    purges = [r.subject for batch in results.values() for r in batch if r.kind == "retention_expiry"]
    assert sorted(purges) == sorted(ids)
    _purged_once(demo_app, ids)


def test_a_failing_purge_in_a_batch_is_retried_alone_and_the_others_go_through(demo_app, make_app, monkeypatch):
    ids = _expiring(demo_app, 5)
    poisoned = ids[2]
    runner = make_app(job_batch_size=10)
    original = runner.transitions.purge_many

    def failing(uow, decisions):
        if any(d.before.subscription_id == poisoned for d in decisions):
            raise RuntimeError("this subscription cannot be purged")
        return original(uow, decisions)

    monkeypatch.setattr(runner.transitions, "purge_many", failing)
    results = runner.jobs.run_due()
    outcomes = {r.subject: r.outcome for r in results if r.kind == "retention_expiry"}
    assert outcomes == {**{s: "done" for s in ids}, poisoned: "failed"}
    _purged_once(demo_app, [s for s in ids if s != poisoned])
    with demo_app.uow(read_only=True) as uow:
        assert uow.subscriptions.get(poisoned).state.value == "Disabled"
        job, = [j for j in uow.jobs.list(subject=poisoned) if j["kind"] == "retention_expiry"]
        assert (job["status"], job["attempts"]) == ("pending", 1)  # retried later, alone
