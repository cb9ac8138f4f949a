"""billing_credits.limit_removed_at: when the Account Administrator removed a credit's spending limit

Revision ID: billing_0002
Revises: billing_0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "billing_0002"
down_revision = "billing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("billing_credits") as batch:
        batch.add_column(sa.Column("limit_removed_at", subplane.adapters.db.types.UtcDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("billing_credits") as batch:
        batch.drop_column("limit_removed_at")
