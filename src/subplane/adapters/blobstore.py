"""Blob bytes on the filesystem under ``<data-dir>/blobs/<subscription>/``.

Bytes are written to a new file before the metadata commits, so a crash leaves at worst an orphan
file, never metadata without bytes. Removal is idempotent, so a purge can safely run again.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, subscription_id: str, data: bytes) -> str:
        folder = self.root / subscription_id
        folder.mkdir(parents=True, exist_ok=True)
        relative = f"{subscription_id}/{uuid.uuid4().hex}"
        temporary = self.root / (relative + ".part")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / relative)
        return relative

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink(missing_ok=True)

    def remove_subscription(self, subscription_id: str) -> None:
        """Idempotent: a folder that is already gone is fine; any other failure is raised."""
        try:
            shutil.rmtree(self.root / subscription_id)
        except FileNotFoundError:
            pass

    def subscription_bytes(self, subscription_id: str) -> int:
        folder = self.root / subscription_id
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0

    # the whole folder at once (snapshot import) -------------------------------------------------
    def staging(self, token: str) -> Path:
        """Where an import unpacks its blob files: beside the root, so moving it in is one rename."""
        return self.root.with_name(f"{self.root.name}.import-{token}")

    def swap_in(self, token: str) -> None:
        """Make the staged folder the blob root; the old root is moved aside, then removed.

        Idempotent, so running it again after a crash at any step finishes the swap: while the staged
        folder exists the swap has not happened; once it is gone only the old folder is left to remove."""
        staged, aside = self.staging(token), self.root.with_name(f"{self.root.name}.replaced-{token}")
        if staged.exists():
            if self.root.exists():
                shutil.rmtree(aside, ignore_errors=True)
                os.replace(self.root, aside)
            os.replace(staged, self.root)
            _sync_folder(self.root.parent)
        shutil.rmtree(aside, ignore_errors=True)

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
