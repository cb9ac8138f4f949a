"""access: a token that changes whenever what any principal may do changes, set by triggers (issue 14)

Every insert, update or delete of a role assignment (subscription or management-group scope), a management group,
a subscription's placement, the hierarchy settings or a billing account's admin gives ``access_version.token`` a
new random value, whoever writes (services, snapshot import, reset, raw SQL). A process keeps what a principal may
do at a subscription while the token it read stays the same. SQLite: row triggers. PostgreSQL: constraint
triggers deferred to commit, so the one row is locked only as a transaction commits (never while it still takes
other locks: no deadlock through it); TRUNCATE has a statement trigger of its own.

Revision ID: access_0001
Revises: management_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "access_0001"
down_revision = "management_0001"
branch_labels = ("access",)
depends_on = None

# table -> the UPDATE that counts ("" = any column)
WATCHED = {"role_assignments": "", "group_role_assignments": "", "management_groups": "",
           "subscription_placements": "", "billing_accounts": " OF admin_user_id"}
SQLITE_NEW = "lower(hex(randomblob(16)))"
POSTGRES_NEW = "md5(random()::text || clock_timestamp()::text)"


def upgrade() -> None:
    op.create_table(
        "access_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_version")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(f"INSERT INTO access_version (id, token) VALUES (1, {POSTGRES_NEW if postgres else SQLITE_NEW})")
    if postgres:
        op.execute(f"""CREATE FUNCTION subplane_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE access_version SET token = {POSTGRES_NEW} WHERE id = 1; RETURN NULL; END $$""")
    for table, columns in WATCHED.items():
        for operation in ("INSERT", "UPDATE", "DELETE"):
            name = f"access_{table}_{operation.lower()}"
            event = operation + (columns if operation == "UPDATE" else "")
            if postgres:
                op.execute(f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED "
                           "FOR EACH ROW EXECUTE FUNCTION subplane_access_changed()")
            else:
                op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                           f"UPDATE access_version SET token = {SQLITE_NEW} WHERE id = 1; END")
        if postgres:
            op.execute(f"CREATE TRIGGER access_{table}_truncate AFTER TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION subplane_access_changed()")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for operation in ("insert", "update", "delete", *(("truncate",) if postgres else ())):
            op.execute(f"DROP TRIGGER IF EXISTS access_{table}_{operation}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS subplane_access_changed()")
    op.drop_table("access_version")
