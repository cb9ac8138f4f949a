"""Alembic environment: always run with a connection handed in by ``subplane.adapters.db.migrate``."""

from alembic import context

from subplane.adapters.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise SystemExit("Run migrations through `subplane migrate` (they need Subplane's connection).")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
