"""parties: billing accounts' customer details and each invoice's seller, customer and VAT category

Revision ID: parties_0001
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import subplane.adapters.db.types

revision = "parties_0001"
down_revision = "0001"
branch_labels = ("parties",)
depends_on = None

Instant = subplane.adapters.db.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "billing_account_details",
        sa.Column("billing_account_id", sa.String(length=36), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("vat_id", sa.String(length=32), nullable=False),
        sa.Column("registration", sa.String(length=64), nullable=False),
        sa.Column("updated_at", Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("billing_account_id", name=op.f("pk_billing_account_details")),
    )
    op.create_table(
        "invoice_parties",
        sa.Column("invoice_id", sa.String(length=36), nullable=False),
        sa.Column("seller", sa.JSON(), nullable=False),
        sa.Column("customer", sa.JSON(), nullable=False),
        sa.Column("vat_category", sa.String(length=4), nullable=False),
        sa.Column("reverse_charge", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_parties")),
    )


def downgrade() -> None:
    op.drop_table("invoice_parties")
    op.drop_table("billing_account_details")
