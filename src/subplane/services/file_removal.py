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
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Connection

from ..adapters.blobstore import BlobStore, Received
from .unit_of_work import UnitOfWork

REMOVE_FILES = "remove_files"
PURGE_FILES = "purge_files"
REMOVAL_THREADS = 8


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


def purge_after_commit(store: BlobStore, uow: UnitOfWork, subscription_ids: list[str]) -> None:
    """Every byte of these purged subscriptions; call it before their blob metadata is deleted. Outside the
    database: one ``purge_files`` job each (the runner takes them as a batch), and removal after commit."""
    if store.transactional:
        remove_subscriptions(store, subscription_ids, uow.conn)
        return
    uow.jobs.schedule_many(kind=PURGE_FILES, subjects=subscription_ids, due_at=uow.now)
    uow.after_commit(lambda: remove_subscriptions(store, subscription_ids))


def remove_subscriptions(store: BlobStore, subscription_ids: Iterable[str], conn: Connection | None = None) -> None:
    """Every byte of each subscription (idempotent: what is gone already is fine). Files and objects are
    removed by a few threads at once: a folder's removal waits on the disk (an object's on the network),
    and a batch purge removes hundreds; the database store deletes on the caller's connection, in turn."""
    ids = list(subscription_ids)
    if store.transactional or len(ids) < 2:
        for subscription_id in ids:
            store.remove_subscription(conn, subscription_id)
        return
    with ThreadPoolExecutor(max_workers=REMOVAL_THREADS, thread_name_prefix="blob-removal") as pool:
        for _ in pool.map(lambda subscription_id: store.remove_subscription(None, subscription_id), ids):
            pass  # the first failure is raised, after every removal has been tried


def remove_files(blobstore: BlobStore, paths: Iterable[str], conn: Connection | None = None) -> None:
    blobstore.remove(conn, paths)
