"""Operability tables: rendered notifications, webhook endpoints and deliveries, outbox cursors."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from .tables import metadata
from .types import UtcDateTime

# How far each outbox consumer has read (outbox.id of the last event it handled).
outbox_cursors = Table(
    "outbox_cursors",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("outbox_id", Integer, nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("subscription_id", String(36), index=True),
    Column("language", String(8), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # stored (no SMTP configured), pending, sent, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", UtcDateTime),
    Column("last_error", Text),
    # a sender claims a pending message until lease_until (wall clock) before it sends (migration ops_0003)
    Column("lease_until", UtcDateTime),
    Column("claimed_by", String(128)),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("description", String(200)),
    Column("active", Integer, nullable=False, default=1),
    # the envelope it receives: subplane (the first format), cloudevents or eventgrid (adapters/webhook_formats.py)
    Column("format", String(16), nullable=False, default="subplane", server_default="subplane"),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("endpoint_id", String(36), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("outbox_id", Integer, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("ordering_key", String(512), nullable=False),
    Column("status", String(16), nullable=False),  # pending, delivered, failed (gave up)
    Column("attempts", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    Column("delivered_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    # the instance whose claim (next_attempt_at pushed to the lease's end) the last attempt was (ops_0003)
    Column("claimed_by", String(128)),
    UniqueConstraint("endpoint_id", "outbox_id", name="uq_webhook_deliveries_endpoint_outbox"),
    Index("ix_webhook_deliveries_status", "status", "endpoint_id", "ordering_key", "outbox_id"),
)

# Emulator fault injection (migration ops_0002): the next `remaining` calls of an ARM operation fail as
# long-running operations with this error, so clients' failure handling can be tried.
emulator_faults = Table(
    "emulator_faults",
    metadata,
    Column("fault_id", String(36), primary_key=True),
    Column("operation_key", String(256), nullable=False, index=True),  # lower-cased ARM operation
    Column("operation", String(256), nullable=False),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("remaining", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The long-running operations that failed by an injected fault; every other operation id polls Succeeded.
failed_operations = Table(
    "failed_operations",
    metadata,
    Column("operation_id", String(64), primary_key=True),
    Column("operation", String(256), nullable=False),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Secrets of this installation (the operator key, the storage-key secret, the local CA), shared by every
# process on the database. Not emulator state: snapshots and reset leave them alone (migration installation_0001;
# ``value`` is text since installation_0002, for the CA's PEM).
installation_secrets = Table(
    "installation_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Token signing keys (migration keys_0001), installation state like the secrets above. ``generation`` orders
# them and is the primary key, so of two processes making the first key at once exactly one row (generation 1)
# wins. The newest active key signs; every key not retired verifies and is in the JWKS.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("kid", String(64), nullable=False, unique=True),
    Column("private_key", Text, nullable=False),  # PKCS#8 PEM, unencrypted: the database is the trust boundary
    Column("status", String(16), nullable=False),  # active, retiring, retired
    Column("created_at", UtcDateTime, nullable=False),
    Column("retire_after", UtcDateTime),  # set when a rotation makes it retiring (wall clock)
)
