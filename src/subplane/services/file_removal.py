"""Blob bytes around the transaction that names them, for every blob store.

A transactional store (the database) writes and deletes bytes in the caller's unit of work, so
metadata and bytes commit together and nothing is left for later. Files and S3 objects cannot join a
transaction: bytes are written before the commit (and removed again if the unit of work rolls back),
and a use case that deletes blobs removes their bytes right after its commit and schedules, in the
same transaction, a due job that removes them again: if the process dies between the commit and the
removal, the runner finishes it. Removing bytes that are already gone is fine, so the job is harmless
when the immediate removal worked.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import Connection

from ..adapters.blobstore import BlobStore, Received
from .unit_of_work import UnitOfWork

REMOVE_FILES = "remove_files"
PURGE_FILES = "purge_files"


def keep_bytes(store: BlobStore, uow: UnitOfWork, received: Received, subscription_id: str) -> str:
    """Keep bytes the store received before this unit of work; returns the key its metadata keeps."""
    key = store.keep(uow.conn, received, subscription_id)
    if not store.transactional:
        uow.after_rollback(lambda: store.remove(None, [key]))
    return key


def remove_after_commit(store: BlobStore, uow: UnitOfWork, paths: Iterable[str]) -> None:
    paths = [p for p in paths if p]
    if not paths:
        return
    if store.transactional:
        store.remove(uow.conn, paths)
        return
    uow.jobs.schedule(kind=REMOVE_FILES, subject=str(uuid.uuid4()), due_at=uow.now, payload={"paths": paths})
    uow.after_commit(lambda: remove_files(store, paths))


def purge_after_commit(store: BlobStore, uow: UnitOfWork, subscription_id: str) -> None:
    """Every byte of a purged subscription; call it before its blob metadata is deleted."""
    if store.transactional:
        store.remove_subscription(uow.conn, subscription_id)
        return
    uow.jobs.schedule(kind=PURGE_FILES, subject=subscription_id, due_at=uow.now)
    uow.after_commit(lambda: store.remove_subscription(None, subscription_id))


def remove_files(blobstore: BlobStore, paths: Iterable[str], conn: Connection | None = None) -> None:
    blobstore.remove(conn, paths)
