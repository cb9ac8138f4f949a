"""Deleting blobs removes their bytes even when the process stops between commit and removal: files and
S3 objects through the `remove_files` due job, database rows in the deleting transaction itself."""

from __future__ import annotations

import pytest

from subplane import demo
from subplane.domain.access import OPERATOR

from ..helpers import storage_account


@pytest.fixture(params=["file", "s3"])
def demo_app(request, make_app, blob_store_settings):
    """The demo on each store whose bytes cannot join the transaction."""
    app = make_app(**blob_store_settings(request.param))
    demo.seed(app)
    return app


def _stored(app) -> set:
    with app.uow(read_only=True) as uow:
        return set(app.blobstore.keys(uow.conn))


def _lose_after_commit_removals(app, monkeypatch) -> None:
    """What a crash right after the commit looks like to the store: the immediate removal never happens."""
    monkeypatch.setattr(app.blobstore, "remove", lambda conn, keys: (_ for _ in ()).throw(OSError("process died")))


def test_a_deleted_blobs_file_is_removed_by_the_runner_when_the_immediate_removal_was_lost(demo_app, monkeypatch):
    account = storage_account(demo_app, "Productie").resource_id
    before = _stored(demo_app)
    _lose_after_commit_removals(demo_app, monkeypatch)
    demo_app.blobs.delete(actor=OPERATOR, account=account, container="backups", name="leesmij.txt")
    assert _stored(demo_app) == before  # committed, but the bytes are still stored
    monkeypatch.undo()
    ran = [job.kind for job in demo_app.jobs.run_due()]
    assert "remove_files" in ran
    assert len(_stored(demo_app)) == len(before) - 1


def test_deleting_a_storage_account_leaves_no_bytes_behind(demo_app, monkeypatch):
    account = storage_account(demo_app, "Productie")
    assert _stored(demo_app)
    _lose_after_commit_removals(demo_app, monkeypatch)
    demo_app.resources.delete(actor=OPERATOR, ref=account.resource_id)
    monkeypatch.undo()
    demo_app.jobs.run_due()
    assert _stored(demo_app) == set()


def test_the_database_store_deletes_bytes_in_the_deleting_transaction(make_app):
    app = make_app(blob_store="database")
    demo.seed(app)
    account = storage_account(app, "Productie")
    assert _stored(app)
    app.resources.delete(actor=OPERATOR, ref=account.resource_id)
    assert _stored(app) == set()
    assert [job.kind for job in app.jobs.run_due()] == []  # nothing was left for a job to do
