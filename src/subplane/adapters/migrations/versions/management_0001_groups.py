"""management: management groups, subscription placements, group-scope role assignments, hierarchy settings

Revision ID: management_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "management_0001"
down_revision = "0001"
branch_labels = ("management",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "management_groups",
        sa.Column("group_key", sa.String(length=90), nullable=False),
        sa.Column("group_id", sa.String(length=90), nullable=False),
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("display_name", sa.String(length=90), nullable=False),
        sa.Column("parent_key", sa.String(length=90), nullable=False),
        sa.Column("updated_at", Instant(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("group_key", name=op.f("pk_management_groups")),
    )
    op.create_index(op.f("ix_management_groups_tenant_id"), "management_groups", ["tenant_id"])
    op.create_index(op.f("ix_management_groups_parent_key"), "management_groups", ["parent_key"])
    op.create_table(
        "subscription_placements",
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("group_key", sa.String(length=90), nullable=False),
        sa.Column("return_key", sa.String(length=90), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_subscription_placements")),
    )
    op.create_index(op.f("ix_subscription_placements_group_key"), "subscription_placements", ["group_key"])
    op.create_table(
        "group_role_assignments",
        sa.Column("assignment_id", sa.String(length=36), nullable=False),
        sa.Column("group_key", sa.String(length=90), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("principal_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name=op.f("pk_group_role_assignments")),
    )
    op.create_index(op.f("ix_group_role_assignments_group_key"), "group_role_assignments", ["group_key"])
    op.create_index(op.f("ix_group_role_assignments_principal_id"), "group_role_assignments", ["principal_id"])
    op.create_table(
        "hierarchy_settings",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("default_group_key", sa.String(length=90), nullable=True),
        sa.Column("decommission_group_key", sa.String(length=90), nullable=True),
        sa.Column("require_authorization", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_hierarchy_settings")),
    )


def downgrade() -> None:
    for table in ("hierarchy_settings", "group_role_assignments", "subscription_placements", "management_groups"):
        op.drop_table(table)
