"""The schema, as SQLAlchemy Core tables. Alembic migrations in ``adapters/migrations`` create it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)

from .types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

clock = Table(
    "clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("now", UtcDateTime, nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

tenants = Table(
    "tenants",
    metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("domain", String(200), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", String(36), primary_key=True),
    Column("tenant_id", String(36), ForeignKey("tenants.tenant_id"), nullable=False),
    Column("upn_key", String(320), nullable=False, unique=True),
    Column("user_principal_name", String(320), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
)

service_principals = Table(
    "service_principals",
    metadata,
    Column("object_id", String(36), primary_key=True),
    Column("tenant_id", String(36), ForeignKey("tenants.tenant_id"), nullable=False),
    Column("name", String(200), nullable=False, unique=True),
    Column("client_id", String(36), nullable=False, unique=True),
    Column("secret_hash", String(200), nullable=False),
)

billing_accounts = Table(
    "billing_accounts",
    metadata,
    Column("billing_account_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("country", String(2), nullable=False),
    Column("language", String(8), nullable=False),
    Column("admin_user_id", String(36), ForeignKey("users.user_id"), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("display_name", String(64), nullable=False),
    Column("tenant_id", String(36), ForeignKey("tenants.tenant_id"), nullable=False),
    Column("billing_account_id", String(36), ForeignKey("billing_accounts.billing_account_id"), nullable=False),
    Column("offer_id", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("state_reason", String(32)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("state_changed_at", UtcDateTime),
    Column("cancelled_at", UtcDateTime),
    Column("deletion_date", UtcDateTime),
    Column("cancellation_reason", Text),
    Column("cancelled_by", String(320)),
    Index("ix_subscriptions_state", "state"),
    # the list's order and keyset (migration listing_0001): a page reads its rows in index order from the cursor
    Index("ix_subscriptions_display_name_id", "display_name", "subscription_id"),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("assignment_id", String(36), primary_key=True),
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("scope", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("principal_id", String(36), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    # "does the principal hold a role in this subscription": one index probe per listed row (listing_0001)
    Index("ix_role_assignments_principal_subscription", "principal_id", "subscription_id"),
)

resource_groups = Table(
    "resource_groups",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("name_key", String(90), primary_key=True),
    Column("name", String(90), nullable=False),
    Column("location", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("tags", JSON),  # ARM tags; NULL reads as none (migration arm_0001)
)

resources = Table(
    "resources",
    metadata,
    Column("id_key", String(512), primary_key=True),
    Column("resource_id", String(512), nullable=False),
    Column("subscription_id", String(36), nullable=False),
    Column("resource_group", String(90), nullable=False),
    Column("type", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("location", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sku", String(64)),
    Column("vm_size", String(64)),
    Column("power_state", String(16)),
    Column("nic_id", String(512)),
    Column("public_ip_id", String(512)),
    Column("allocation_method", String(16)),
    Column("ip_address", String(64)),
    Column("read_only", Boolean),
    Column("disk_size_gb", Integer),
    Column("properties", JSON, nullable=False),
    Column("changed_by", String(36)),  # id of the lifecycle change that last changed this row
    Index("ix_resources_subscription_type", "subscription_id", "type"),
    Index("ix_resources_name", "name"),
)
# found by name whatever its case (ResourceRepo.find_by_name): the blob data plane does so on every request
Index("ix_resources_name_lower", func.lower(resources.c.name))

blob_containers = Table(
    "blob_containers",
    metadata,
    Column("account_key", String(512), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

blobs = Table(
    "blobs",
    metadata,
    Column("account_key", String(512), primary_key=True),
    Column("container", String(63), primary_key=True),
    Column("name", String(1024), primary_key=True),
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("etag", String(64), nullable=False),
    Column("storage_path", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), index=True),
    Column("instant", UtcDateTime, nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text),
    Column("outcome", String(16), nullable=False),
    Column("code", String(64)),
    Column("message", Text),
    Column("correlation_id", String(64)),
    Column("details", JSON, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instant", UtcDateTime, nullable=False),
    Column("type", String(128), nullable=False),
    Column("subject", Text, nullable=False),
    Column("subscription_id", String(36), index=True),
    Column("data", JSON, nullable=False),
)

due_jobs = Table(
    "due_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("subject", String(512), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("dedupe_key", String(700), nullable=False, unique=True),
    Column("payload", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("done_at", UtcDateTime),
    Column("done_by", String(128)),
    Index("ix_due_jobs_status_due", "status", "due_at"),
)
