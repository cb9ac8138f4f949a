"""billing_invoices.subscription_name: the subscription's name as printed on the invoice

An issued invoice is a fiscal record and keeps what it printed, also after a rename or a purge
(docs/data-retention.md). Invoices issued before this revision get the subscription's current name.

Revision ID: billing_0003
Revises: billing_0002
"""
from alembic import op
import sqlalchemy as sa

revision = "billing_0003"
down_revision = "billing_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("billing_invoices") as batch:
        batch.add_column(sa.Column("subscription_name", sa.String(64), nullable=True))
    op.execute("UPDATE billing_invoices SET subscription_name = (SELECT display_name FROM subscriptions "
               "WHERE subscriptions.subscription_id = billing_invoices.subscription_id)")


def downgrade() -> None:
    with op.batch_alter_table("billing_invoices") as batch:
        batch.drop_column("subscription_name")
