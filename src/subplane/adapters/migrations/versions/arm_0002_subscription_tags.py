"""arm: a subscription's tags (Microsoft.Resources/tags at a subscription scope)

Revision ID: arm_0002
Revises: arm_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "arm_0002"
down_revision = "arm_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscription_tags",
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["subscriptions.subscription_id"],
                                name=op.f("fk_subscription_tags_subscription_id_subscriptions")),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_subscription_tags")),
    )


def downgrade() -> None:
    op.drop_table("subscription_tags")
