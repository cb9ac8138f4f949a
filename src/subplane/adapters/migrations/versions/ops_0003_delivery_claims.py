"""ops: outbound deliveries are claimed before they are sent (lease + the instance that holds it)

Revision ID: ops_0003
Revises: ops_0002
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "ops_0003"
down_revision = "ops_0002"
branch_labels = None
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("lease_until", Instant(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("claimed_by")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("lease_until")
