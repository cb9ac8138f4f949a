"""State the processes of one Subplane share to work together, not the emulated world itself.

These tables live in their own ``MetaData``: snapshots and reset carry the world (``tables.metadata``),
and restoring a snapshot must not bring back, say, an advance some process was running when it was taken.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Integer, MetaData, String, Table, Text

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

# Portal sessions (migration coordination_0001), so a session made through one process works on every other.
# The key is the SHA-256 of the cookie's token: the token itself is never stored. Times are wall-clock.
portal_sessions = Table(
    "portal_sessions",
    coordination,
    Column("token_hash", String(64), primary_key=True),
    Column("principal", JSON, nullable=False),  # {"id", "name", "kind", "upn", "displayName"}
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False, index=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),  # the absolute limit: created + lifetime
)

# The last requests every process served (migration coordination_0001), newest = latest ``at`` (processes
# store their requests in batches, so ids follow storage, not request order); kept to about the configured
# size by an occasional delete, not per insert.
request_log = Table(
    "request_log",
    coordination,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("instance", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("method", Text, nullable=False),  # the client's words (method, path, correlation id): no length limit
    Column("path", Text, nullable=False),
    Column("route", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("principal", Text),
    Column("duration_ms", Float, nullable=False),
    Column("correlation_id", Text, nullable=False),
    Column("subscription_id", String(36)),
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

# What a principal may do changed (migration access_0001): one row whose ``token`` database triggers replace with
# a random one whenever a table the access rules read changes (role assignments at any scope, management groups
# and placements, billing-account admins), by whatever writes it. A process caches a principal's standing at a
# subscription under the token it read first in the same transaction (``services/access.py``).
access_version = Table(
    "access_version",
    coordination,
    Column("id", Integer, primary_key=True),
    Column("token", String(64), nullable=False),
)
