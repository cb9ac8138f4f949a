"""Where blob bytes live: the ``BlobStore`` protocol and the default store, files under
``<data-dir>/blobs/<subscription>/``.

A store hands out a key (``<subscription>/<random hex>``) for every blob it writes; the metadata row
keeps it as ``blobs.storage_path``. Keys are the same in every store, so a snapshot carries blob bytes
as ``blobs/<key>`` files whichever store wrote them and can be imported into any other.

Stores that are not ``transactional`` (files, S3) write bytes before the metadata commits, so a crash
leaves at worst an orphan, never metadata without bytes, and remove bytes only after the commit
(``services/file_removal.py``). The database store (``blobstore_db.py``) writes and deletes rows in
the caller's transaction instead; ``conn`` is that transaction and the other stores ignore it.
Removal is idempotent everywhere, so a purge can safely run again.

An upload hands its bytes to the store in two steps: ``receive`` before the write transaction begins
(the file store writes and syncs them there, under ``incoming/`` with a ``.part`` name no reader or
``keys`` sees, so no other writer waits for the disk), and ``keep`` inside it, once the subscription is
known (the file store renames them into place). ``drop`` forgets bytes received but never kept.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 20  # bytes per piece when bytes are streamed (database rows, snapshot members)

# A blob's bytes as pieces, and the blobs of a snapshot as (key, pieces)
Pieces = Iterable[bytes]
StagedBlobs = Iterable[tuple[str, Pieces]]


class BlobStore(Protocol):
    transactional: bool  # True: writes and removals are part of the caller's transaction

    def write(self, conn, subscription_id: str, data: bytes) -> str: ...
    def receive(self, data: bytes) -> Received: ...
    def keep(self, conn, received: Received, subscription_id: str) -> str: ...
    def drop(self, received: Received) -> None: ...
    def read(self, conn, key: str) -> bytes: ...
    def pieces(self, conn, key: str) -> Iterator[bytes]: ...
    def span(self, conn, key: str, first: int, length: int) -> Iterator[bytes]:
        """``length`` bytes from offset ``first`` (inside the blob), as pieces of at most ``CHUNK`` bytes.
        Whatever must be read while ``conn``'s transaction is open is read before this returns (a file is
        opened, so a replace or delete after the commit does not cut the pieces short)."""
    def remove(self, conn, keys: Iterable[str]) -> None: ...
    def remove_subscription(self, conn, subscription_id: str) -> None: ...
    def keys(self, conn) -> Iterator[str]: ...
    def check(self) -> None: ...

    # the whole store at once (snapshot import and reset) ----------------------------------------
    def stage(self, conn, token: str, blobs: StagedBlobs) -> None:
        """Put a snapshot's blobs where ``swap_in(token)`` makes them the store's whole content."""
    def swap_in(self, token: str) -> None:
        """Idempotent: after a crash at any step, running it again finishes the swap."""
    def discard_staged(self, token: str) -> None: ...
    def leftovers(self) -> list: ...
    def discard(self, leftover) -> None: ...
    def clear(self) -> None:
        """Remove every blob (after a reset's commit)."""


@dataclass(frozen=True)
class Received:
    """Bytes an upload handed over before its transaction: in memory, or already in a file of the store."""

    size: int
    data: bytes | None = None
    path: Path | None = None

    def bytes_held(self) -> bytes:
        if self.data is None:
            raise ValueError("these bytes were received into a file")
        return self.data


def new_key(subscription_id: str) -> str:
    return f"{subscription_id}/{uuid.uuid4().hex}"


class FileBlobStore:
    transactional = False

    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self) -> None:
        """Files need nothing checked up front: the data directory exists."""

    def write(self, conn, subscription_id: str, data: bytes) -> str:
        key = new_key(subscription_id)
        target = self.root / key
        temporary = target.with_name(target.name + ".part")  # a reader never sees half a blob
        _write_durably(temporary, [data])
        os.replace(temporary, target)
        return key

    def receive(self, data: bytes) -> Received:
        """Durable under ``incoming/`` before any transaction, so the write lock never waits for the disk."""
        path = self.root / "incoming" / f"{uuid.uuid4().hex}.part"
        _write_durably(path, [data])
        return Received(len(data), path=path)

    def keep(self, conn, received: Received, subscription_id: str) -> str:
        if received.path is None:
            return self.write(conn, subscription_id, received.bytes_held())
        key = new_key(subscription_id)
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received.path, target)  # the bytes are synced already; the rename is atomic
        return key

    def drop(self, received: Received) -> None:
        if received.path is not None:
            received.path.unlink(missing_ok=True)

    def read(self, conn, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def pieces(self, conn, key: str) -> Iterator[bytes]:
        with open(self.root / key, "rb") as handle:
            while piece := handle.read(CHUNK):
                yield piece

    def span(self, conn, key: str, first: int, length: int) -> Iterator[bytes]:
        return _read_span(open(self.root / key, "rb"), first, length)

    def remove(self, conn, keys: Iterable[str]) -> None:
        for key in keys:
            (self.root / key).unlink(missing_ok=True)

    def remove_subscription(self, conn, subscription_id: str) -> None:
        """Idempotent: a folder that is already gone is fine; any other failure is raised."""
        try:
            shutil.rmtree(self.root / subscription_id)
        except FileNotFoundError:
            pass

    def subscription_bytes(self, subscription_id: str) -> int:
        folder = self.root / subscription_id
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0

    def keys(self, conn) -> Iterator[str]:
        if not self.root.exists():
            return iter(())
        return iter(sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
                           if p.is_file() and not p.name.endswith(".part")))

    # the whole folder at once (snapshot import) -------------------------------------------------
    def staging(self, token: str) -> Path:
        """Where an import unpacks its blob files: beside the root, so moving it in is one rename."""
        return self.root.with_name(f"{self.root.name}.import-{token}")

    def stage(self, conn, token: str, blobs: StagedBlobs) -> None:
        staged = self.staging(token)
        staged.mkdir(parents=True)
        for key, pieces in blobs:
            _write_durably(staged / key, pieces)  # durable before the tables that name it commit

    def swap_in(self, token: str) -> None:
        """Make the staged folder the blob root; the old root is moved aside, then removed.

        While the staged folder exists the swap has not happened; once it is gone only the old folder
        is left to remove."""
        staged, aside = self.staging(token), self.root.with_name(f"{self.root.name}.replaced-{token}")
        if staged.exists():
            if self.root.exists():
                shutil.rmtree(aside, ignore_errors=True)
                os.replace(self.root, aside)
            os.replace(staged, self.root)
            _sync_folder(self.root.parent)
        shutil.rmtree(aside, ignore_errors=True)

    def discard_staged(self, token: str) -> None:
        self.discard(self.staging(token))

    def leftovers(self) -> list[Path]:
        """Folders of imports that did not finish (staged or set aside)."""
        parent = self.root.parent
        if not parent.exists():
            return []
        return sorted(p for pattern in (f"{self.root.name}.import-*", f"{self.root.name}.replaced-*")
                      for p in parent.glob(pattern) if p.is_dir())

    @staticmethod
    def discard(folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _read_span(handle, first: int, length: int) -> Iterator[bytes]:
    with handle:
        handle.seek(first)
        left = length
        while left > 0 and (piece := handle.read(min(CHUNK, left))):
            left -= len(piece)
            yield piece


def _write_durably(target: Path, pieces: Pieces) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        for piece in pieces:
            handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (POSIX); elsewhere the rename is as durable as it gets."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
