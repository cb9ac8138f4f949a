"""blobs: each storage account's stored bytes, kept by triggers on blobs (issue 14)

A blob put or delete reconciles its storage account's capacity meter, whose quantity is the bytes the account
stores. Summing the account's blobs on every put cost O(blobs in the account); this table holds the sum, and
row triggers on ``blobs`` keep it, whoever writes (services, purge, reset, snapshot import, raw SQL): an insert
adds the size, a delete takes it off, an update does both. A row that reaches zero bytes is deleted, so a purged
account leaves nothing here. The upgrade fills it from the blobs already stored.

Revision ID: blobs_0002
Revises: blobs_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "blobs_0002"
down_revision = "blobs_0001"
branch_labels = None
depends_on = None

ADD_NEW = ("INSERT INTO blob_account_bytes (account_key, bytes) SELECT NEW.account_key, NEW.size WHERE NEW.size <> 0 "
           "ON CONFLICT (account_key) DO UPDATE SET bytes = blob_account_bytes.bytes + excluded.bytes")
TAKE_OLD = ("UPDATE blob_account_bytes SET bytes = bytes - OLD.size WHERE account_key = OLD.account_key; "
            "DELETE FROM blob_account_bytes WHERE account_key = OLD.account_key AND bytes = 0")


def upgrade() -> None:
    op.create_table(
        "blob_account_bytes",
        sa.Column("account_key", sa.String(length=512), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_blob_account_bytes")),
    )
    op.execute("INSERT INTO blob_account_bytes (account_key, bytes) "
               "SELECT account_key, SUM(size) FROM blobs GROUP BY account_key HAVING SUM(size) <> 0")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION subplane_blob_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN {TAKE_OLD}; END IF;
    IF TG_OP <> 'DELETE' THEN {ADD_NEW}; END IF;
    RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER blob_bytes AFTER INSERT OR UPDATE OF account_key, size OR DELETE ON blobs "
                   "FOR EACH ROW EXECUTE FUNCTION subplane_blob_bytes()")
        return
    op.execute(f"CREATE TRIGGER blob_bytes_insert AFTER INSERT ON blobs BEGIN {ADD_NEW}; END")
    op.execute(f"CREATE TRIGGER blob_bytes_update AFTER UPDATE OF account_key, size ON blobs BEGIN {TAKE_OLD}; {ADD_NEW}; END")
    op.execute(f"CREATE TRIGGER blob_bytes_delete AFTER DELETE ON blobs BEGIN {TAKE_OLD}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS blob_bytes ON blobs")
        op.execute("DROP FUNCTION IF EXISTS subplane_blob_bytes()")
    else:
        for operation in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS blob_bytes_{operation}")
    op.drop_table("blob_account_bytes")
