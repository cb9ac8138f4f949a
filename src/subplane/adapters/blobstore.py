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
