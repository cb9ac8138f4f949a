"""Blob bytes in the database: ``blob_chunks`` rows of at most ``CHUNK`` bytes each.

Every write and delete runs on the caller's connection, so the bytes commit (or roll back) with the
blob's metadata, and a purge deletes them in its own transaction: nothing is left to remove after
commit, and there is never an orphan. Reads fetch the chunks one by one as they are consumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import delete, insert, select

from .blobstore import CHUNK, Received, StagedBlobs, new_key
from .db.blob_tables import blob_chunks
from .db.tables import blobs

_BATCH = 500  # keys per DELETE … IN (…)


class DatabaseBlobStore:
    transactional = True

    def check(self) -> None:
        """The table comes with the schema (migration ``blobs_0001``)."""

    def write(self, conn, subscription_id: str, data: bytes) -> str:
        key = new_key(subscription_id)
        self._insert(conn, key, (data[i:i + CHUNK] for i in range(0, len(data), CHUNK)))
        return key

    def receive(self, data: bytes) -> Received:
        return Received(len(data), data=data)  # written in the transaction, by ``keep``

    def keep(self, conn, received: Received, subscription_id: str) -> str:
        return self.write(conn, subscription_id, received.bytes_held())

    def drop(self, received: Received) -> None:
        """Nothing was written before ``keep``."""

    def read(self, conn, key: str) -> bytes:
        return b"".join(self.pieces(conn, key))

    def pieces(self, conn, key: str) -> Iterator[bytes]:
        found = False
        streamed = conn.execution_options(yield_per=1).execute(
            select(blob_chunks.c.data).where(blob_chunks.c.blob_key == key).order_by(blob_chunks.c.chunk_index))
        for piece in streamed.scalars():
            found = True
            yield bytes(piece)
        if not found:
            raise FileNotFoundError(f"no bytes stored for blob {key}")

    def span(self, conn, key: str, first: int, length: int) -> Iterator[bytes]:
        """Only the chunks the span touches, read now (the connection's transaction ends before the answer)."""
        if length <= 0:
            return iter(())
        low, high = first // CHUNK, (first + length - 1) // CHUNK
        held = b"".join(bytes(piece) for piece in conn.execute(
            select(blob_chunks.c.data).where(blob_chunks.c.blob_key == key, blob_chunks.c.chunk_index.between(low, high))
            .order_by(blob_chunks.c.chunk_index)).scalars())
        if not held:
            raise FileNotFoundError(f"no bytes stored for blob {key}")
        start = first - low * CHUNK
        view = memoryview(held)[start:start + length]
        return (bytes(view[i:i + CHUNK]) for i in range(0, len(view), CHUNK))

    def remove(self, conn, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), _BATCH):
            conn.execute(delete(blob_chunks).where(blob_chunks.c.blob_key.in_(keys[start:start + _BATCH])))

    def remove_subscription(self, conn, subscription_id: str) -> None:
        """Deletes the bytes of the subscription's blobs: call it before their metadata rows go."""
        conn.execute(delete(blob_chunks).where(blob_chunks.c.blob_key.in_(
            select(blobs.c.storage_path).where(blobs.c.subscription_id == subscription_id))))

    def keys(self, conn) -> Iterator[str]:
        return iter(conn.execute(select(blob_chunks.c.blob_key).distinct().order_by(blob_chunks.c.blob_key))
                    .scalars().all())

    # the whole store at once: the snapshot import's own transaction has emptied the table --------
    def stage(self, conn, token: str, blobs_to_stage: StagedBlobs) -> None:
        for key, pieces in blobs_to_stage:
            self._insert(conn, key, _rechunked(pieces))

    def swap_in(self, token: str) -> None:
        """Nothing to swap: the staged rows committed with the import."""

    def discard_staged(self, token: str) -> None:
        """Nothing to discard: the staged rows rolled back with the import."""

    def leftovers(self) -> list:
        return []

    def discard(self, leftover) -> None:
        """There are never leftovers."""

    def clear(self) -> None:
        """Reset empties the table with every other table, in its transaction."""

    @staticmethod
    def _insert(conn, key: str, chunks: Iterable[bytes]) -> None:
        """One row per chunk, and one (empty) row for an empty blob, so every stored key has a row."""
        index = 0
        for piece in chunks:
            conn.execute(insert(blob_chunks).values(blob_key=key, chunk_index=index, data=piece))
            index += 1
        if index == 0:
            conn.execute(insert(blob_chunks).values(blob_key=key, chunk_index=0, data=b""))


def _rechunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Pieces of any size as chunks of ``CHUNK`` bytes (the last may be shorter)."""
    pending = bytearray()
    for piece in pieces:
        pending += piece
        while len(pending) >= CHUNK:
            yield bytes(pending[:CHUNK])
            del pending[:CHUNK]
    if pending:
        yield bytes(pending)
