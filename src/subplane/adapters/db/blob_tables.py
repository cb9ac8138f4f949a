"""Blob bytes as rows, for ``SUBPLANE_BLOB_STORE=database`` (migration branch ``blobs``).

The table is part of the emulated world (``tables.metadata``): reset and snapshot import empty it in
their own transaction, like every other table. A snapshot carries its bytes as ``blobs/<key>`` files,
not as table rows, so the format is the same whichever store wrote it (``services/snapshots.py``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, String, Table

from .tables import metadata

KEY_LENGTH = 512

blob_chunks = Table(
    "blob_chunks",
    metadata,
    Column("blob_key", String(KEY_LENGTH), primary_key=True),  # blobs.storage_path
    Column("chunk_index", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

# Each storage account's stored bytes (the sum of its blobs' sizes), kept by triggers on ``blobs``
# (migration blobs_0002): derived state, emptied with the rest but never carried by a snapshot.
blob_account_bytes = Table(
    "blob_account_bytes",
    metadata,
    Column("account_key", String(KEY_LENGTH), primary_key=True),  # blobs.account_key
    Column("bytes", BigInteger, nullable=False),
)
