"""Migrations from empty produce the schema the code expects, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import event

from subplane.adapters.db import migrate
from subplane.adapters.db.engine import make_engine
from subplane.adapters.db.resources_repo import ResourceRepo
from subplane.adapters.db.tables import metadata
from subplane.domain.errors import Conflict
from subplane.domain.resources import ResourceType


@pytest.fixture
def engine(database):
    """An engine on a fresh, empty database (no migration run yet)."""
    engine = make_engine(database.url)
    yield engine
    engine.dispose()


def test_migrations_from_empty_create_every_table_and_reach_all_heads(engine):
    assert migrate.current_revisions(engine) == set()
    migrate.upgrade(engine)
    assert migrate.current_revisions(engine) == migrate.head_revisions()
    tables = set(sqlalchemy.inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    migrate.upgrade(engine)  # applying again is a no-op
    assert migrate.current_revisions(engine) == migrate.head_revisions()


def test_fast_path_agrees_with_alembic(engine):
    assert migrate.shipped_heads() == migrate.head_revisions()
    assert migrate.stored_revisions(engine) == set()
    migrate.ensure_current(engine)
    assert migrate.stored_revisions(engine) == migrate.head_revisions()


def test_a_resource_is_found_by_name_through_an_index_whatever_its_case(engine):
    """The blob data plane finds its storage account by name on every request: an index answers, not a scan."""
    migrate.upgrade(engine)
    seen: list[tuple[str, object]] = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # an empty table: the planner would scan anyway
        event.listen(conn, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
        ResourceRepo(conn).find_by_name("ContosoData", ResourceType.STORAGE_ACCOUNT)
        statement, parameters = next((sql, params) for sql, params in seen if sql.lstrip().startswith("SELECT"))
        word = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = " ".join(str(column) for row in conn.exec_driver_sql(word + statement, parameters) for column in row)
    assert "ix_resources_name_lower" in plan, plan


def test_a_database_a_newer_subplane_upgraded_is_refused_with_a_clear_error(engine):
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = 'blobs_9999' "
                                     "WHERE version_num = 'blobs_0002'"))
    with pytest.raises(Conflict) as refused:
        migrate.ensure_current(engine)
    assert refused.value.code == "DatabaseNewerThanSubplane"
    assert "blobs_9999" in str(refused.value)
    assert migrate.stored_revisions(engine) >= {"blobs_9999"}  # nothing was changed
