"""security: failed password and client-secret checks per name (the lockout)

Revision ID: security_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "security_0001"
down_revision = "0001"
branch_labels = ("security",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", Instant(timezone=True), nullable=False),
        sa.Column("locked_until", Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subject_key", name=op.f("pk_sign_in_failures")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_failures")
