"""listing: an index for finding a resource by name, whatever its case (issue 14)

The blob data plane finds a storage account by the name in its URL (``lower(name) = lower(:name)``), as does
resolving a resource named without its id. ``ix_resources_name`` holds the names as written, which that
comparison cannot use, so every blob request read the whole resources table. ``ix_resources_name_lower``
holds the lower-cased names. Both backends; no data changes.

Revision ID: listing_0002
Revises: listing_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "listing_0002"
down_revision = "listing_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_resources_name_lower", "resources", [sa.text("lower(name)")])


def downgrade() -> None:
    op.drop_index("ix_resources_name_lower", table_name="resources")
