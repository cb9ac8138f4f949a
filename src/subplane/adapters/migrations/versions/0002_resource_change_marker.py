"""resources.changed_by: the lifecycle change (cancel, reactivation, spending limit) that last changed a resource

A 10,000-resource cancel stamps the rows it changes in the same UPDATE, so what it turned off is recorded
without reading those rows back or writing their ids into the activity log.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(sa.Column("changed_by", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("changed_by")
