"""ops: emulator fault injection (faults to inject, and the operations they failed)

Revision ID: ops_0002
Revises: ops_0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "ops_0002"
down_revision = "ops_0001"
branch_labels = None
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "emulator_faults",
        sa.Column("fault_id", sa.String(length=36), nullable=False),
        sa.Column("operation_key", sa.String(length=256), nullable=False),
        sa.Column("operation", sa.String(length=256), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fault_id", name=op.f("pk_emulator_faults")),
    )
    op.create_index(op.f("ix_emulator_faults_operation_key"), "emulator_faults", ["operation_key"], unique=False)
    op.create_table(
        "failed_operations",
        sa.Column("operation_id", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=256), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name=op.f("pk_failed_operations")),
    )


def downgrade() -> None:
    op.drop_table("failed_operations")
    op.drop_index(op.f("ix_emulator_faults_operation_key"), table_name="emulator_faults")
    op.drop_table("emulator_faults")
