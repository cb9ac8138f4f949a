"""Every blob store (files, database, S3 on a real S3 API server) behind the same services: bytes read
back, replaced and deleted bytes go, purge removes them, snapshots and reset carry them, a failed write
leaves none, and processes with separate data directories on one database share them.
Each case runs on SQLite and PostgreSQL."""

from __future__ import annotations

import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from subplane import demo
from subplane.adapters.blobstore import CHUNK
from subplane.adapters.db.tables import blobs, due_jobs
from subplane.domain.access import OPERATOR
from subplane.domain.errors import Conflict, InvalidInput, NotFound
from subplane.services.file_removal import PURGE_FILES, REMOVE_FILES

from ..helpers import storage_account

BIG = bytes(range(256)) * (10 * 1024 + 3)  # 2.5 MiB and a bit: three chunks in the database store


def stored(app) -> dict[str, bytes]:
    """Every blob the store holds, by key, read through the store itself."""
    with app.uow(read_only=True) as uow:
        return {key: app.blobstore.read(uow.conn, key) for key in app.blobstore.keys(uow.conn)}


def named_keys(app) -> set[str]:
    with app.uow(read_only=True) as uow:
        return set(uow.conn.execute(select(blobs.c.storage_path)).scalars())


def job_kinds(app) -> set[str]:
    with app.uow(read_only=True) as uow:
        return set(uow.conn.execute(select(due_jobs.c.kind)).scalars())


def put(app, account: str, name: str, data: bytes):
    return app.blobs.put(actor=OPERATOR, account=account, container="backups", name=name, data=data)


def get(app, account: str, name: str) -> bytes:
    return app.blobs.get(actor=OPERATOR, account=account, container="backups", name=name)[1]


@pytest.fixture
def seeded(store_app):
    demo.seed(store_app)
    return store_app


def test_blobs_upload_download_list_replace_and_delete_on_every_store(seeded):
    account = storage_account(seeded, "Productie").resource_id
    first = put(seeded, account, "big.bin", BIG)
    assert get(seeded, account, "big.bin") == BIG
    assert "big.bin" in [b.name for b in seeded.blobs.list_blobs(actor=OPERATOR, account=account, container="backups")]
    assert stored(seeded)[first.storage_path] == BIG

    second = put(seeded, account, "big.bin", b"smaller now")
    assert get(seeded, account, "big.bin") == b"smaller now"
    assert first.storage_path not in stored(seeded)  # the replaced bytes are gone

    seeded.blobs.delete(actor=OPERATOR, account=account, container="backups", name="big.bin")
    assert second.storage_path not in stored(seeded)
    assert set(stored(seeded)) == named_keys(seeded)  # no orphans: every stored blob is named by metadata
    assert (REMOVE_FILES in job_kinds(seeded)) is not seeded.blobstore.transactional


def test_a_deleted_container_takes_its_blobs_bytes_and_capacity_on_every_store(seeded):
    account = storage_account(seeded, "Productie")
    seeded.blobs.create_container(actor=OPERATOR, account=account.resource_id, name="scratch")
    kept = [seeded.blobs.put(actor=OPERATOR, account=account.resource_id, container="scratch", name=n, data=BIG)
            for n in ("one.bin", "two.bin")]
    seeded.blobs.delete_container(actor=OPERATOR, account=account.resource_id, name="scratch")
    assert "scratch" not in seeded.blobs.list_containers(actor=OPERATOR, account=account.resource_id)
    assert not {info.storage_path for info in kept} & set(stored(seeded))  # their bytes are gone
    assert set(stored(seeded)) == named_keys(seeded)
    with seeded.uow(read_only=True) as uow:
        backups = sum(b.size for b in uow.blobs.list_blobs(account.resource_id, "backups"))
        assert uow.billing.stored_bytes_of(account.resource_id.lower()) == backups
        capacity = [s for s in uow.billing.open_spans(account.subscription_id) if s.resource_id == account.resource_id]
    assert [span.quantity for span in capacity] == [backups]  # the meter follows the bytes that are left
    with pytest.raises(NotFound):
        seeded.blobs.delete_container(actor=OPERATOR, account=account.resource_id, name="scratch")


def test_an_empty_blob_is_stored_and_read_back(seeded):
    account = storage_account(seeded, "Productie").resource_id
    put(seeded, account, "empty.txt", b"")
    assert get(seeded, account, "empty.txt") == b""


def every_file_under(app) -> set[str]:
    """Every file the file store's folder holds, received ones too (``keys`` leaves those out); empty elsewhere."""
    if app.settings.blob_store != "file" or not app.blobstore.root.exists():
        return set()
    return {p.relative_to(app.blobstore.root).as_posix() for p in app.blobstore.root.rglob("*") if p.is_file()}


def test_a_write_that_rolls_back_leaves_no_bytes(seeded, monkeypatch):
    account = storage_account(seeded, "Productie").resource_id
    before, files_before = stored(seeded), every_file_under(seeded)

    def fail(uow, account):
        raise RuntimeError("the transaction fails after the bytes were written")

    monkeypatch.setattr(seeded.billing.metering, "sync_stored_bytes", fail)
    with pytest.raises(RuntimeError):
        put(seeded, account, "doomed.txt", b"never committed")
    assert stored(seeded) == before
    assert every_file_under(seeded) == files_before  # nothing left under incoming/ either


def test_a_refused_upload_leaves_no_bytes_even_received_ones(seeded):
    account = storage_account(seeded, "Productie").resource_id
    before, files_before = stored(seeded), every_file_under(seeded)
    seeded.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="weg", turn_off_resources=True)
    with pytest.raises(Conflict):
        put(seeded, account, "refused.txt", b"the subscription is read-only")
    assert stored(seeded) == before
    assert every_file_under(seeded) == files_before


@pytest.mark.parametrize("first, length", [(0, 10), (CHUNK - 3, 7), (CHUNK, CHUNK), (2 * CHUNK + 5, None), (0, None),
                                           (len(BIG) - 1, 5), (len(BIG), 4), (7, 0)])
def test_a_range_reads_just_its_bytes_in_pieces_on_every_store(seeded, first, length):
    account = storage_account(seeded, "Productie").resource_id
    put(seeded, account, "big.bin", BIG)
    info, pieces = seeded.blobs.read(actor=OPERATOR, account=account, container="backups", name="big.bin",
                                     first=first, length=length)
    got = list(pieces)
    assert info.size == len(BIG)
    assert b"".join(got) == BIG[first:None if length is None else first + length]
    assert all(0 < len(piece) <= CHUNK for piece in got)


def test_purge_removes_every_byte_on_every_store(seeded):
    account = storage_account(seeded, "Productie")
    production = account.subscription_id
    kept = {k: v for k, v in stored(seeded).items() if not k.startswith(production)}
    assert any(k.startswith(production) for k in stored(seeded))
    seeded.subscriptions.cancel(actor=OPERATOR, ref="Productie", reason="weg", turn_off_resources=True)
    seeded.clock_control.advance(timedelta(days=90))
    assert stored(seeded) == kept  # Productie's bytes are gone, the others' untouched
    assert (PURGE_FILES in job_kinds(seeded)) is not seeded.blobstore.transactional


def test_snapshot_round_trip_and_reset_on_every_store(seeded, tmp_path):
    account = storage_account(seeded, "Productie").resource_id
    put(seeded, account, "big.bin", BIG)
    at_export = stored(seeded)
    path = tmp_path / "state.zip"
    assert seeded.snapshots.export(path)["blobFiles"] == len(at_export)
    with zipfile.ZipFile(path) as archive:
        assert "tables/blob_chunks.jsonl" not in archive.namelist()  # bytes travel as blobs/<key> files

    put(seeded, account, "after.txt", b"written after the export")
    seeded.blobs.delete(actor=OPERATOR, account=account, container="backups", name="leesmij.txt")
    seeded.snapshots.import_(path)
    assert stored(seeded) == at_export
    assert get(seeded, account, "big.bin") == BIG
    assert seeded.blobstore.leftovers() == []

    seeded.snapshots.reset()
    assert stored(seeded) == {}
    seeded.snapshots.import_(path)
    assert stored(seeded) == at_export


def with_damaged_last_blob(source, target) -> None:
    """A copy whose last blob file fails its CRC check when read: found only while the import stages
    blobs, after the earlier ones were staged and every table was refilled."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as new:
        names = old.namelist()
        blobs_first = sorted(names, key=lambda name: name.startswith("blobs/"))
        for name in blobs_first:
            new.writestr(name, old.read(name))
    with zipfile.ZipFile(target) as archive:
        last = archive.getinfo(blobs_first[-1])
    raw = bytearray(target.read_bytes())
    offset = last.header_offset + 30 + len(last.filename.encode()) + len(last.extra)
    raw[offset] ^= 0xFF
    target.write_bytes(bytes(raw))


def test_a_refused_import_changes_no_blob_on_every_store(seeded, tmp_path):
    account = storage_account(seeded, "Productie").resource_id
    path, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    put(seeded, account, "second.txt", b"so that a blob is staged before the damaged one")
    seeded.snapshots.export(path)
    put(seeded, account, "after.txt", b"written after the export")
    before, subscriptions = stored(seeded), seeded.subscriptions.list(actor=OPERATOR)
    with_damaged_last_blob(path, bad)
    with pytest.raises(InvalidInput) as refused:
        seeded.snapshots.import_(bad)
    assert refused.value.code == "InvalidSnapshot" and "cannot be read" in refused.value.message
    assert stored(seeded) == before
    assert seeded.subscriptions.list(actor=OPERATOR) == subscriptions
    assert seeded.blobstore.leftovers() == []


def test_a_crash_between_import_commit_and_swap_is_finished_on_the_next_start(seeded, make_app, blob_store_settings,
                                                                              tmp_path, monkeypatch):
    path = tmp_path / "state.zip"
    seeded.snapshots.export(path)
    at_export = stored(seeded)
    put(seeded, storage_account(seeded, "Productie").resource_id, "after.txt", b"written after the export")

    def crash(_token):
        raise KeyboardInterrupt("the process dies")

    monkeypatch.setattr(seeded.blobstore, "swap_in", crash)
    with pytest.raises(KeyboardInterrupt):
        seeded.snapshots.import_(path)
    monkeypatch.undo()
    seeded.snapshots.recover()  # what the next start does
    assert stored(seeded) == at_export


def test_a_snapshot_moves_to_another_store(seeded, make_app, blob_store_settings, tmp_path):
    account = storage_account(seeded, "Productie").resource_id
    put(seeded, account, "big.bin", BIG)
    path = tmp_path / "state.zip"
    seeded.snapshots.export(path)
    at_export = stored(seeded)
    other = "file" if seeded.settings.blob_store != "file" else "database"
    moved = make_app(data_dir=tmp_path / "moved", **blob_store_settings(other))  # the same database
    moved.snapshots.import_(path)
    assert stored(moved) == at_export
    assert get(moved, account, "big.bin") == BIG


@pytest.mark.parametrize("store", ["database", "s3"])
def test_two_processes_with_their_own_data_directories_share_the_bytes(make_app, blob_store_settings, tmp_path, store):
    shared = blob_store_settings(store)
    a = make_app(data_dir=tmp_path / "host-a", **shared)
    demo.seed(a)
    b = make_app(data_dir=tmp_path / "host-b", **shared)
    account = storage_account(a, "Productie").resource_id
    put(a, account, "from-a.bin", BIG)
    assert get(b, account, "from-a.bin") == BIG
    put(b, account, "from-b.txt", b"written through B")
    assert get(a, account, "from-b.txt") == b"written through B"
    b.blobs.delete(actor=OPERATOR, account=account, container="backups", name="from-a.bin")
    assert set(stored(a)) == set(stored(b)) == named_keys(a)


@pytest.mark.parametrize("dies_at", ["marker", "staged"])
def test_an_s3_swap_that_died_halfway_is_finished_by_recovery(make_app, blob_store_settings, tmp_path, monkeypatch,
                                                               dies_at):
    app = make_app(**blob_store_settings("s3"))
    demo.seed(app)
    path = tmp_path / "state.zip"
    app.snapshots.export(path)
    at_export = stored(app)
    put(app, storage_account(app, "Productie").resource_id, "after.txt", b"written after the export")
    client = app.blobstore.client
    original = client.delete_object if dies_at == "marker" else client.delete_objects

    def die(**kwargs):
        if dies_at == "marker" or "/import-" in kwargs["Delete"]["Objects"][0]["Key"]:
            raise KeyboardInterrupt("the process dies")
        return original(**kwargs)

    monkeypatch.setattr(client, "delete_object" if dies_at == "marker" else "delete_objects", die)
    with pytest.raises(KeyboardInterrupt):
        app.snapshots.import_(path)
    monkeypatch.undo()
    assert app.blobstore.leftovers()  # the staged objects are still there …
    app.snapshots.recover()
    assert stored(app) == at_export  # … and recovery finished the swap from where it stopped
    assert app.blobstore.leftovers() == []


@pytest.mark.parametrize("env, fragment", [
    ({"SUBPLANE_BLOB_STORE": "ftp"}, "must be one of file, database, s3"),
    ({"SUBPLANE_BLOB_STORE": "s3"}, "needs SUBPLANE_S3_BUCKET"),
])
def test_a_bad_blob_store_setting_is_refused_with_its_reason(tmp_path, env, fragment):
    from subplane import settings

    with pytest.raises(InvalidInput) as refused:
        settings.load(env={"SUBPLANE_DATA_DIR": str(tmp_path), **env})
    assert refused.value.code == "InvalidSetting" and fragment in refused.value.message


def test_an_s3_bucket_that_cannot_be_reached_stops_the_start(make_app, s3_endpoint, tmp_path):
    with pytest.raises(InvalidInput) as refused:
        make_app(blob_store="s3", s3_endpoint=s3_endpoint, s3_bucket="no-such-bucket", s3_region="us-east-1")
    assert refused.value.code == "InvalidSetting" and "no-such-bucket" in refused.value.message


def test_the_s3_prefix_is_normalised_and_kept_to(blob_store_settings, make_app):
    from subplane import settings

    assert settings.load(env={"SUBPLANE_S3_PREFIX": "/team-a/"}).s3_prefix == "team-a/"
    app = make_app(**blob_store_settings("s3"))
    demo.seed(app)
    names = [item["Key"] for item in app.blobstore.client.list_objects_v2(Bucket=app.blobstore.bucket)["Contents"]]
    assert names and all(name.startswith("team-a/blobs/") for name in names)
