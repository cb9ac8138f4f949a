"""State the processes of one Subplane share to work together, not the emulated world itself.

These tables live in their own ``MetaData``: snapshots and reset carry the world (``tables.metadata``),
and restoring a snapshot must not bring back, say, an advance some process was running when it was taken.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Integer, MetaData, String, Table, Text

from .tables import metadata
from .types import UtcDateTime

coordination = MetaData(naming_convention=metadata.naming_convention)

# The simulated clock's advance (migration 0004): one row. ``owner`` holds it while ``heartbeat_at``
# (wall clock) stays fresh; a stale advancing row is finished to ``target`` by whoever notices.
clock_advance = Table(
    "clock_advance",
    coordination,
    Column("id", Integer, primary_key=True),
    Column("status", String(16), nullable=False),  # advancing, ready, failed
    Column("owner", String(200)),
    Column("heartbeat_at", UtcDateTime),
    Column("started_from", UtcDateTime),
    Column("target", UtcDateTime),
    Column("by", String(32)),
    Column("jobs_run", Integer, nullable=False, default=0),
    Column("jobs", JSON),
    Column("reason", Text),
)

# ARM throttle buckets (migration throttle_0001): one row per principal, scope (subscription id or
# "tenant") and kind (reads, writes, deletes). ``updated_at`` is wall-clock epoch seconds: throttling is
# real time, whatever the simulated clock says.
throttle_buckets = Table(
    "throttle_buckets",
    coordination,
    Column("principal", String(64), primary_key=True),
    Column("scope", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
