"""arm: subscription aliases, billing-account role assignments, resource-group tags

Revision ID: arm_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "arm_0001"
down_revision = "0001"
branch_labels = ("arm",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "subscription_aliases",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("name_key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("billing_account_id", sa.String(length=36), nullable=False),
        sa.Column("billing_scope", sa.Text(), nullable=False),
        sa.Column("workload", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_by_kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name_key", name=op.f("pk_subscription_aliases")),
    )
    op.create_index(op.f("ix_subscription_aliases_subscription_id"), "subscription_aliases", ["subscription_id"],
                    unique=False)
    op.create_table(
        "billing_role_assignments",
        sa.Column("billing_account_id", sa.String(length=36), nullable=False),
        sa.Column("principal_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["billing_account_id"], ["billing_accounts.billing_account_id"],
                                name=op.f("fk_billing_role_assignments_billing_account_id_billing_accounts")),
        sa.PrimaryKeyConstraint("billing_account_id", "principal_id", "role", name=op.f("pk_billing_role_assignments")),
    )
    with op.batch_alter_table("resource_groups") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource_groups") as batch:
        batch.drop_column("tags")
    op.drop_table("billing_role_assignments")
    op.drop_index(op.f("ix_subscription_aliases_subscription_id"), table_name="subscription_aliases")
    op.drop_table("subscription_aliases")
