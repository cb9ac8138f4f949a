"""throttle: ARM token buckets every process shares (principal, scope, kind -> tokens, updated_at)

Revision ID: throttle_0001
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "throttle_0001"
down_revision = "0004"
branch_labels = ("throttle",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_buckets",
        sa.Column("principal", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("principal", "scope", "kind", name=op.f("pk_throttle_buckets")),
    )


def downgrade() -> None:
    op.drop_table("throttle_buckets")
