"""Blob bytes live in files, and files cannot join a database transaction.

A use case that deletes blobs removes their files right after its commit, and schedules, in the same
transaction, a due job that removes them again: if the process dies between the commit and the
removal, the runner finishes it. Removing a file that is already gone is fine, so the job is harmless
when the immediate removal worked.
"""

from __future__ import annotations

import uuid
from typing import Iterable

from .unit_of_work import UnitOfWork

REMOVE_FILES = "remove_files"


def remove_after_commit(app, uow: UnitOfWork, paths: Iterable[str]) -> None:
    paths = [p for p in paths if p]
    if not paths:
        return
    uow.jobs.schedule(kind=REMOVE_FILES, subject=str(uuid.uuid4()), due_at=uow.now, payload={"paths": paths})
    uow.after_commit(lambda: remove_files(app.blobstore, paths))


def remove_files(blobstore, paths: Iterable[str]) -> None:
    for path in paths:
        blobstore.remove(path)
