"""coordination: portal sessions and the request log, shared by every process on the database

Revision ID: coordination_0001
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "coordination_0001"
down_revision = "0004"
branch_labels = ("coordination",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "portal_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("principal", sa.JSON(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.Column("last_seen_at", Instant(timezone=True), nullable=False),
        sa.Column("expires_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_sessions")),
    )
    op.create_index(op.f("ix_portal_sessions_last_seen_at"), "portal_sessions", ["last_seen_at"])
    op.create_index(op.f("ix_portal_sessions_expires_at"), "portal_sessions", ["expires_at"])
    op.create_table(
        "request_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("instance", sa.String(length=200), nullable=False),
        sa.Column("at", Instant(timezone=True), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("principal", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("correlation_id", sa.Text(), nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_log")),
    )
    op.create_index(op.f("ix_request_log_at"), "request_log", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_request_log_at"), table_name="request_log")
    op.drop_table("request_log")
    op.drop_index(op.f("ix_portal_sessions_expires_at"), table_name="portal_sessions")
    op.drop_index(op.f("ix_portal_sessions_last_seen_at"), table_name="portal_sessions")
    op.drop_table("portal_sessions")
