"""keys: token signing keys every process shares

Revision ID: keys_0001
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "keys_0001"
down_revision = "0004"
branch_labels = ("keys",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("generation", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.Column("retire_after", Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("generation", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
