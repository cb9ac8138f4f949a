"""core: the clock advance record every process shares (status, target, owner, heartbeat)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "clock_advance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("heartbeat_at", Instant(timezone=True), nullable=True),
        sa.Column("started_from", Instant(timezone=True), nullable=True),
        sa.Column("target", Instant(timezone=True), nullable=True),
        sa.Column("by", sa.String(length=32), nullable=True),
        sa.Column("jobs_run", sa.Integer(), nullable=False),
        sa.Column("jobs", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_advance")),
    )
    # the one row exists from the start, so a claim's row lock always has something to lock
    op.execute("INSERT INTO clock_advance (id, status, jobs_run) VALUES (1, 'ready', 0)")


def downgrade() -> None:
    op.drop_table("clock_advance")
