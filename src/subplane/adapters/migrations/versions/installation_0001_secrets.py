"""installation: secrets shared by every process on the database (the operator key)

Revision ID: installation_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "installation_0001"
down_revision = "0001"
branch_labels = ("installation",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "installation_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_secrets")),
    )


def downgrade() -> None:
    op.drop_table("installation_secrets")
