"""listing: the indexes a keyset-paged GET /subscriptions reads (issue 14)

``ix_subscriptions_display_name_id`` is the list's order, so a page reads its rows in index order from the
cursor; ``ix_role_assignments_principal_subscription`` answers "does this principal hold a role in this
subscription" with one probe per row. Both backends; no data changes.

Revision ID: listing_0001
Revises: 0001
"""
from alembic import op

revision = "listing_0001"
down_revision = "0001"
branch_labels = ("listing",)
depends_on = None


def upgrade() -> None:
    op.create_index("ix_subscriptions_display_name_id", "subscriptions", ["display_name", "subscription_id"])
    op.create_index("ix_role_assignments_principal_subscription", "role_assignments",
                    ["principal_id", "subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_role_assignments_principal_subscription", table_name="role_assignments")
    op.drop_index("ix_subscriptions_display_name_id", table_name="subscriptions")
