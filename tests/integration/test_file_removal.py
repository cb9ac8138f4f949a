"""Deleting blobs removes their bytes from disk even when the process stops between commit and removal."""

from __future__ import annotations

from subplane.domain.access import OPERATOR

from .helpers import storage_account


def _files(app) -> set:
    return {p for p in app.blobstore.root.rglob("*") if p.is_file()}


def _lose_after_commit_removals(app, monkeypatch) -> None:
    """What a crash right after the commit looks like to the files: the immediate removal never happens."""
    monkeypatch.setattr(app.blobstore, "remove", lambda relative: (_ for _ in ()).throw(OSError("process died")))


def test_a_deleted_blobs_file_is_removed_by_the_runner_when_the_immediate_removal_was_lost(demo_app, monkeypatch):
    account = storage_account(demo_app, "Productie").resource_id
    before = _files(demo_app)
    _lose_after_commit_removals(demo_app, monkeypatch)
    demo_app.blobs.delete(actor=OPERATOR, account=account, container="backups", name="leesmij.txt")
    assert _files(demo_app) == before  # committed, but the bytes are still on disk
    monkeypatch.undo()
    ran = [job.kind for job in demo_app.jobs.run_due()]
    assert "remove_files" in ran
    assert len(_files(demo_app)) == len(before) - 1


def test_deleting_a_storage_account_leaves_no_bytes_behind(demo_app, monkeypatch):
    account = storage_account(demo_app, "Productie")
    assert _files(demo_app)
    _lose_after_commit_removals(demo_app, monkeypatch)
    demo_app.resources.delete(actor=OPERATOR, ref=account.resource_id)
    monkeypatch.undo()
    demo_app.jobs.run_due()
    assert _files(demo_app) == set()
