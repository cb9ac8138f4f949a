"""installation: secret values as text, wide enough for the local CA's certificate and key

Revision ID: installation_0002
Revises: installation_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "installation_0002"
down_revision = "installation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("installation_secrets") as batch:
        batch.alter_column("value", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("installation_secrets") as batch:
        batch.alter_column("value", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False)
