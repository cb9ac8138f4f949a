"""Migrations from empty produce the schema the code expects, on both backends."""

from __future__ import annotations

import sqlalchemy

from subplane.adapters.db import migrate
from subplane.adapters.db.engine import make_engine
from subplane.adapters.db.tables import metadata


def test_migrations_from_empty_create_every_table_and_reach_all_heads(database):
    engine = make_engine(database.url)
    try:
        assert migrate.current_revisions(engine) == set()
        migrate.upgrade(engine)
        assert migrate.current_revisions(engine) == migrate.head_revisions()
        tables = set(sqlalchemy.inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        migrate.upgrade(engine)  # applying again is a no-op
        assert migrate.current_revisions(engine) == migrate.head_revisions()
    finally:
        engine.dispose()


def test_fast_path_agrees_with_alembic(database):
    engine = make_engine(database.url)
    try:
        assert migrate.shipped_heads() == migrate.head_revisions()
        assert migrate.stored_revisions(engine) == set()
        migrate.ensure_current(engine)
        assert migrate.stored_revisions(engine) == migrate.head_revisions()
    finally:
        engine.dispose()
