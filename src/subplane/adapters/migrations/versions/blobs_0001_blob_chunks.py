"""blobs: blob bytes as chunked rows, for the database blob store

Revision ID: blobs_0001
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "blobs_0001"
down_revision = "0004"
branch_labels = ("blobs",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_chunks",
        sa.Column("blob_key", sa.String(length=512), nullable=False),
        sa.Column("chunk_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("blob_key", "chunk_index", name=op.f("pk_blob_chunks")),
    )


def downgrade() -> None:
    op.drop_table("blob_chunks")
