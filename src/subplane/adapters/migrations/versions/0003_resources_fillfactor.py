"""PostgreSQL: leave a third of each resources page free, so a cancel's updates stay on their page

A cancel updates every VM, dynamic IP and storage account of a subscription in one statement. With full
pages each updated row moves to another page and every index of the table gets a new entry; with free
space on the page PostgreSQL makes a heap-only (HOT) update and touches no index (none of the updated
columns is indexed). SQLite has no such setting.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE resources SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE resources RESET (fillfactor)")
