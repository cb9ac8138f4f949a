"""A refused snapshot import changes nothing; a crash between its commit and the blob-folder swap is
finished on the next start. Every case runs on SQLite and PostgreSQL.

Each refusal is tried on a state that differs from the snapshot's (a cancel, a webhook, a new blob),
so an import that wrote even one table or one blob file before refusing would show in the fingerprint.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from subplane.adapters import blobstore as blobstore_module
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, InvalidInput
from subplane.services.snapshots import PENDING_SWAP, all_tables

from .helpers import cancel_production


def fingerprint(app) -> dict:
    """Every row of every table, and every blob file's bytes, plus what lies beside the blob folder."""
    with app.uow(read_only=True) as uow:
        tables = {table.name: sorted(json.dumps(dict(r._mapping), default=str, sort_keys=True)
                                     for r in uow.conn.execute(select(table)).all())
                  for table in all_tables(uow.conn)}
    root = app.blobstore.root
    blobs = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()} \
        if root.exists() else {}
    beside = sorted(p.name for p in root.parent.iterdir() if p.name.startswith(root.name))
    return {"tables": tables, "blobs": blobs, "beside": beside}


def storage_account(app) -> str:
    production = next(s for s in app.subscriptions.list(actor=OPERATOR) if s.display_name == "Productie")
    return next(r.resource_id for r in app.resources.list(actor=OPERATOR, subscription=production.subscription_id)
                if r.type.endswith("storageAccounts"))


def change_everything(app) -> None:
    """Move the state away from the snapshot's: tables and blob files both."""
    app.blobs.put(actor=OPERATOR, account=storage_account(app), container="backups", name="after-export.txt",
                  data=b"written after the export")
    app.webhooks.add(url="http://127.0.0.1:9/hook", secret="s3cret", description=None)
    cancel_production(app)


def rewrite(source: Path, target: Path, *, replace: dict[str, bytes] | None = None,
            add: list[tuple[zipfile.ZipInfo | str, bytes]] | None = None, manifest: dict | None = None) -> None:
    replace = replace or {}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            content = replace.get(name, old.read(name))
            if name == "manifest.json" and manifest:
                content = json.dumps({**json.loads(content), **manifest}).encode()
            new.writestr(name, content)
        for info, content in add or []:
            new.writestr(info, content)


def last_table(app) -> str:
    """The table an importer fills last (children after parents)."""
    with app.uow(read_only=True) as uow:
        return all_tables(uow.conn)[-1].name


def last_filled_table(app, archive: Path) -> str:
    """The last table, in import order, that has rows in the snapshot."""
    with app.uow(read_only=True) as uow:
        order = [t.name for t in all_tables(uow.conn)]
    counts = json.loads(zipfile.ZipFile(archive).read("manifest.json"))["tables"]
    return [name for name in order if counts.get(name)][-1]


@pytest.fixture
def exported(demo_app, tmp_path) -> Path:
    path = tmp_path / "good.zip"
    demo_app.snapshots.export(path)
    change_everything(demo_app)
    return path


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


BAD_MEMBERS = {
    "traversal": ("blobs/../../escape.txt", b"escaped"),
    "deep traversal": ("blobs/sub/../../../escape.txt", b"escaped"),
    "absolute path": ("/tmp/escape.txt", b"escaped"),
    "drive letter": ("C:/escape.txt", b"escaped"),
    "backslashes": ("blobs\\..\\..\\escape.txt", b"escaped"),
    "unknown prefix": ("extras/escape.txt", b"escaped"),
    "unknown table": ("tables/nope.jsonl", b'{"id": 1}'),
    "table outside tables/": ("tables/../users.jsonl", b""),
    "symlink": (symlink("blobs/escape.txt"), b"/etc/passwd"),
}


def assert_refused_and_unchanged(app, archive: Path, tmp_path: Path, error=InvalidInput, code="InvalidSnapshot"):
    before = fingerprint(app)
    with pytest.raises(error) as refused:
        app.snapshots.import_(archive)
    assert refused.value.code == code
    assert fingerprint(app) == before
    assert not list(tmp_path.rglob("escape.txt"))
    return refused.value


@pytest.mark.parametrize("member", BAD_MEMBERS.values(), ids=BAD_MEMBERS.keys())
def test_a_bad_member_name_refuses_the_whole_snapshot(demo_app, exported, tmp_path, member):
    bad = tmp_path / "bad.zip"
    rewrite(exported, bad, add=[member])
    assert_refused_and_unchanged(demo_app, bad, tmp_path)


def test_malformed_json_in_the_last_table_file_changes_nothing(demo_app, exported, tmp_path):
    member = f"tables/{last_table(demo_app)}.jsonl"
    content = zipfile.ZipFile(exported).read(member)
    bad = tmp_path / "bad.zip"
    rewrite(exported, bad, replace={member: content + b"\n{not json"})
    refusal = assert_refused_and_unchanged(demo_app, bad, tmp_path)
    assert member in refusal.message


ROW_BREAKS = {  # (table or None for the last filled one, how the row is broken)
    "unknown column": (None, lambda row: {**row, "no_such_column": 1}),
    "lone surrogate": (None, lambda row: {k: ("\ud800" if isinstance(v, str) else v) for k, v in row.items()}),
    "not an object": (None, lambda row: [row]),
    "naive instant": ("subscriptions", lambda row: {**row, "created_at": "2027-01-01T00:00:00"}),
    "not an instant": ("subscriptions", lambda row: {**row, "created_at": 17}),
    "text for a number": ("outbox", lambda row: {**row, "id": "x"}),
    "number past 64 bits": ("outbox", lambda row: {**row, "id": 2 ** 70}),
    "too long for its column": ("subscriptions", lambda row: {**row, "display_name": "x" * 65}),
}


@pytest.mark.parametrize("table, break_row", ROW_BREAKS.values(), ids=ROW_BREAKS.keys())
def test_a_row_that_does_not_fit_its_table_changes_nothing(demo_app, exported, tmp_path, table, break_row):
    table = table or last_filled_table(demo_app, exported)
    member = f"tables/{table}.jsonl"
    lines = zipfile.ZipFile(exported).read(member).decode().splitlines()
    broken = break_row(json.loads(lines[-1]))
    assert broken != json.loads(lines[-1]), "the case must change the row"
    lines[-1] = json.dumps(broken)
    bad = tmp_path / "bad.zip"
    rewrite(exported, bad, replace={member: "\n".join(lines).encode()})
    assert member in assert_refused_and_unchanged(demo_app, bad, tmp_path).message


def test_a_row_breaking_a_database_constraint_rolls_the_whole_import_back(demo_app, exported, tmp_path):
    """The rows parse, so the importer has emptied and refilled earlier tables before the database refuses."""
    table = last_filled_table(demo_app, exported)
    member = f"tables/{table}.jsonl"
    lines = zipfile.ZipFile(exported).read(member).decode().splitlines()
    counts = json.loads(zipfile.ZipFile(exported).read("manifest.json"))["tables"]
    bad = tmp_path / "bad.zip"
    rewrite(exported, bad, replace={member: "\n".join(lines + lines[-1:]).encode()},  # the same key twice
            manifest={"tables": {**counts, table: counts[table] + 1}})
    refusal = assert_refused_and_unchanged(demo_app, bad, tmp_path)
    assert "break a rule of this database" in refusal.message


def test_a_row_naming_a_missing_parent_rolls_the_whole_import_back(demo_app, exported, tmp_path):
    member = "tables/users.jsonl"
    lines = zipfile.ZipFile(exported).read(member).decode().splitlines()
    lines[-1] = json.dumps({**json.loads(lines[-1]), "tenant_id": "00000000-0000-0000-0000-000000000000"})
    bad = tmp_path / "bad.zip"
    rewrite(exported, bad, replace={member: "\n".join(lines).encode()})
    assert_refused_and_unchanged(demo_app, bad, tmp_path)


def test_a_row_count_other_than_the_manifest_promises_changes_nothing(demo_app, exported, tmp_path):
    table = last_filled_table(demo_app, exported)
    member = f"tables/{table}.jsonl"
    lines = zipfile.ZipFile(exported).read(member).decode().splitlines()
    bad = tmp_path / "bad.zip"
    rewrite(exported, bad, replace={member: "\n".join(lines[:-1]).encode()})
    assert "manifest promises" in assert_refused_and_unchanged(demo_app, bad, tmp_path).message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(demo_app, exported, tmp_path):
    bad = tmp_path / "bomb.zip"
    rewrite(exported, bad, add=[("blobs/bomb", b"\0" * (8 << 20))])
    assert bad.stat().st_size < exported.stat().st_size + (1 << 20)  # it is small on disk
    demo_app.snapshots.max_bytes = 4 << 20
    assert "unpacks to" in assert_refused_and_unchanged(demo_app, bad, tmp_path).message


@pytest.mark.parametrize("changes", [{"subplaneVersion": "99.0.0"}, {"formatVersion": 2},
                                     {"schemaRevisions": ["ops_0001", "future_0007"]}])
def test_a_newer_manifest_changes_nothing(demo_app, exported, tmp_path, changes):
    newer = tmp_path / "newer.zip"
    rewrite(exported, newer, manifest=changes)
    assert_refused_and_unchanged(demo_app, newer, tmp_path, error=Conflict, code="SnapshotTooNew")


def test_a_valid_import_still_round_trips(demo_app, tmp_path):
    path = tmp_path / "good.zip"
    demo_app.snapshots.export(path)
    at_export = fingerprint(demo_app)
    change_everything(demo_app)
    assert fingerprint(demo_app) != at_export
    demo_app.snapshots.import_(path)
    assert fingerprint(demo_app) == at_export


class Crash(Exception):
    """Stands for the process dying at this point."""


def test_a_crash_between_commit_and_blob_swap_is_finished_on_the_next_start(demo_app, make_app, tmp_path,
                                                                              monkeypatch):
    path = tmp_path / "good.zip"
    demo_app.snapshots.export(path)
    at_export = fingerprint(demo_app)
    change_everything(demo_app)

    def crash(_token):
        raise Crash()

    before_import = fingerprint(demo_app)
    monkeypatch.setattr(demo_app.blobstore, "swap_in", crash)
    with pytest.raises(Crash):
        demo_app.snapshots.import_(path)
    half = fingerprint(demo_app)
    without_counters = lambda state: {k: v for k, v in state["tables"].items() if k != "counters"}  # noqa: E731
    assert without_counters(half) == without_counters(at_export)  # the tables committed …
    assert any(PENDING_SWAP in row for row in half["tables"]["counters"])  # … with the swap still to do
    assert half["blobs"] == before_import["blobs"]  # the blob folder is still the old one
    monkeypatch.undo()

    restarted = make_app()  # the next start finishes the swap
    assert fingerprint(restarted) == at_export


def test_a_crash_halfway_through_the_swap_is_finished_on_the_next_start(demo_app, make_app, tmp_path, monkeypatch):
    path = tmp_path / "good.zip"
    demo_app.snapshots.export(path)
    at_export = fingerprint(demo_app)
    change_everything(demo_app)
    renames = []

    def replace(source, target):
        renames.append((source, target))
        if len(renames) == 2:  # the old folder is aside, the staged one not yet in place
            raise Crash()
        os.rename(source, target)

    monkeypatch.setattr(blobstore_module.os, "replace", replace)
    with pytest.raises(Crash):
        demo_app.snapshots.import_(path)
    assert not demo_app.blobstore.root.exists()
    monkeypatch.undo()

    restarted = make_app()
    assert fingerprint(restarted) == at_export


def test_what_an_import_that_died_before_commit_left_is_removed(demo_app, make_app):
    before = fingerprint(demo_app)
    leftover = demo_app.blobstore.staging("123")
    (leftover / "sub").mkdir(parents=True)
    (leftover / "sub" / "half-written").write_bytes(b"x")
    restarted = make_app()
    assert not leftover.exists()
    assert fingerprint(restarted) == before
