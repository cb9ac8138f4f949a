"""Tables the ARM API added: subscription aliases and billing-account role assignments (migration arm_0001),
a subscription's tags (arm_0002)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text

from .tables import metadata
from .types import UtcDateTime

# Microsoft.Subscription/aliases: a name, unique within its tenant, for a subscription created through it.
# Deleting an alias leaves the subscription; the provisioning state is read from whether the subscription exists.
subscription_aliases = Table(
    "subscription_aliases",
    metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("name_key", String(128), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("subscription_id", String(36), nullable=False, index=True),
    Column("billing_account_id", String(36), nullable=False),
    Column("billing_scope", Text, nullable=False),
    Column("workload", String(16), nullable=False),
    Column("display_name", String(64), nullable=False),
    Column("owner_id", String(36), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("created_by_id", String(36), nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("created_by_kind", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Roles on a billing account besides its Account Administrator (e.g. "BillingAccountOwner"): data, so an
# operator or the demo seed can let a service principal create subscriptions.
billing_role_assignments = Table(
    "billing_role_assignments",
    metadata,
    Column("billing_account_id", String(36), ForeignKey("billing_accounts.billing_account_id"), primary_key=True),
    Column("principal_id", String(36), primary_key=True),
    Column("role", String(64), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# A subscription's tags (Tags_*AtScope on /subscriptions/{id}); no row: none. A purge deletes the row.
subscription_tags = Table(
    "subscription_tags",
    metadata,
    Column("subscription_id", String(36), ForeignKey("subscriptions.subscription_id"), primary_key=True),
    Column("tags", JSON, nullable=False),
)
