"""Sign-in security tables: failed password and client-secret checks per name (migration security_0001)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from .tables import metadata
from .types import UtcDateTime

# One row per user name or client id with recent failures (``domain.lockout``); the key is a hash of the
# kind and the name, so names typed at the sign-in form are not stored. A success deletes the row.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("subject_key", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # user | client
    Column("failures", Integer, nullable=False),
    Column("window_start", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
)
