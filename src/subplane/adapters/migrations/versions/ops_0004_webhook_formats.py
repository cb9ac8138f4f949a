"""ops: each webhook endpoint chooses its envelope (subplane, cloudevents, eventgrid)

Revision ID: ops_0004
Revises: ops_0003
"""
from alembic import op
import sqlalchemy as sa

revision = "ops_0004"
down_revision = "ops_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("format", sa.String(length=16), nullable=False, server_default="subplane"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("format")
