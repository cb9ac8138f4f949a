"""Management groups (migration management_0001): the groups of each tenant, where each subscription sits,
role assignments at group scope, and each tenant's hierarchy settings. The tenant root group is not stored:
its id is the tenant's, and a subscription without a placement sits in it."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, String, Table

from .tables import metadata
from .types import UtcDateTime

management_groups = Table(
    "management_groups",
    metadata,
    Column("group_key", String(90), primary_key=True),  # the id lower-cased: ids are unique ignoring case
    Column("group_id", String(90), nullable=False),
    Column("tenant_id", String(36), nullable=False, index=True),
    Column("display_name", String(90), nullable=False),
    Column("parent_key", String(90), nullable=False, index=True),  # a group's key, or the tenant id (the root)
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(320), nullable=False),
)

subscription_placements = Table(
    "subscription_placements",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("group_key", String(90), nullable=False, index=True),
    # where a decommissioned (cancelled) subscription came from: it goes back there on reactivation
    Column("return_key", String(90)),
)

group_role_assignments = Table(
    "group_role_assignments",
    metadata,
    Column("assignment_id", String(36), primary_key=True),
    Column("group_key", String(90), nullable=False, index=True),
    Column("role", String(32), nullable=False),
    Column("principal_id", String(36), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

hierarchy_settings = Table(
    "hierarchy_settings",
    metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("default_group_key", String(90)),  # where new subscriptions go (the root when empty)
    Column("decommission_group_key", String(90)),  # where a cancelled subscription moves (nowhere when empty)
    Column("require_authorization", Boolean, nullable=False, default=False),
)
