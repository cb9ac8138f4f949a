"""Whether a snapshot import left work for the next start: the one read ``bootstrap.build_app`` makes on every
start, apart from ``services/snapshots.py`` so that asking builds and imports nothing else."""

from __future__ import annotations

from sqlalchemy import select

from ..adapters.blobstore import BlobStore
from ..adapters.db.tables import counters
from .unit_of_work import UowFactory

PENDING_SWAP = "snapshots.pendingBlobSwap"  # counters row: the staged blob folder an import committed


def recovery_pending(uow: UowFactory, blobstore: BlobStore) -> bool:
    """Whether ``SnapshotService.recover`` has anything to do: a committed import's blob swap, or staged leftovers."""
    with uow(read_only=True) as opened:
        pending = opened.conn.execute(select(counters.c.value).where(counters.c.name == PENDING_SWAP)).scalar()
    return pending is not None or bool(blobstore.leftovers())
