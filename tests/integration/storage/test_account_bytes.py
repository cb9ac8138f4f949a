"""Each storage account's stored bytes, kept by triggers on ``blobs`` (migration blobs_0002), on both backends:
whoever writes the blob rows, the kept total equals the sum of the account's blobs, and an account with no
bytes left has no row (a purged account leaves nothing behind)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, insert, inspect, select, update

from subplane.adapters.db import migrate
from subplane.adapters.db.billing_repo import BillingRepo
from subplane.adapters.db.blob_tables import blob_account_bytes
from subplane.adapters.db.engine import make_engine
from subplane.adapters.db.tables import blobs

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUB = "00000000-0000-0000-0000-00000000000a"
ACCOUNT_A = f"/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.storage/storageaccounts/a"
ACCOUNT_B = f"/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.storage/storageaccounts/b"


def _row(account: str, name: str, size: int) -> dict:
    return dict(account_key=account, container="c", name=name, subscription_id=SUB, size=size,
                content_type="application/octet-stream", etag="e", storage_path=f"p/{account[-1]}/{name}",
                created_at=NOW, updated_at=NOW)


@pytest.fixture
def engine(database):
    engine = make_engine(database.url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _kept(conn) -> dict[str, int]:
    return dict(conn.execute(select(blob_account_bytes.c.account_key, blob_account_bytes.c.bytes)).all())


def _summed(conn) -> dict[str, int]:
    rows = conn.execute(select(blobs.c.account_key, func.sum(blobs.c.size)).group_by(blobs.c.account_key)
                        .having(func.sum(blobs.c.size) != 0)).all()
    return {key: int(total) for key, total in rows}


def test_inserts_overwrites_and_deletes_keep_each_accounts_total(engine):
    with engine.begin() as conn:
        conn.execute(insert(blobs), [_row(ACCOUNT_A, "x", 1024), _row(ACCOUNT_A, "y", 10), _row(ACCOUNT_B, "z", 7)])
        assert _kept(conn) == {ACCOUNT_A: 1034, ACCOUNT_B: 7}
        conn.execute(update(blobs).where(blobs.c.name == "x").values(size=5))  # an overwrite with fewer bytes
        assert _kept(conn) == {ACCOUNT_A: 15, ACCOUNT_B: 7} == _summed(conn)
        assert BillingRepo(conn).stored_bytes_of(ACCOUNT_A) == 15
        conn.execute(delete(blobs).where(blobs.c.name == "y"))
        conn.execute(insert(blobs).values(**_row(ACCOUNT_B, "empty", 0)))  # a zero-byte blob changes nothing
        assert _kept(conn) == {ACCOUNT_A: 5, ACCOUNT_B: 7} == _summed(conn)


def test_an_account_whose_blobs_are_all_gone_has_no_row(engine):
    with engine.begin() as conn:
        conn.execute(insert(blobs), [_row(ACCOUNT_A, f"n{i}", i + 1) for i in range(50)] + [_row(ACCOUNT_B, "z", 3)])
        conn.execute(delete(blobs).where(blobs.c.subscription_id == SUB))  # the purge's one set-based DELETE
        assert _kept(conn) == {}
        assert BillingRepo(conn).stored_bytes_of(ACCOUNT_A) == 0


def test_a_rolled_back_write_leaves_the_total_as_it_was(engine):
    with engine.begin() as conn:
        conn.execute(insert(blobs).values(**_row(ACCOUNT_A, "x", 100)))
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(insert(blobs).values(**_row(ACCOUNT_A, "y", 900)))
        raise RuntimeError("the put failed after its row was written")
    with engine.connect() as conn:
        assert _kept(conn) == {ACCOUNT_A: 100}


def test_the_upgrade_fills_the_totals_of_blobs_stored_before_it(engine):
    with engine.begin() as conn:
        conn.execute(insert(blobs), [_row(ACCOUNT_A, "x", 40), _row(ACCOUNT_A, "y", 2), _row(ACCOUNT_B, "z", 0)])
    _downgrade(engine, "blobs@blobs_0001")  # back to before the table and its triggers existed ...
    with engine.connect() as conn:
        assert "blob_account_bytes" not in inspect(conn).get_table_names()
    migrate.upgrade(engine)  # ... and up again: the totals come from the stored blobs
    with engine.connect() as conn:
        assert _kept(conn) == {ACCOUNT_A: 42}


def test_many_blobs_of_one_account_in_one_statement(engine):
    """A purge or an import writes thousands of blobs of one account in one statement: one grouped change."""
    with engine.begin() as conn:
        conn.execute(insert(blobs), [_row(ACCOUNT_A, f"n{i:05d}", i % 7) for i in range(5000)])
        conn.execute(update(blobs).where(blobs.c.name < "n02500").values(size=1))
        assert _kept(conn) == _summed(conn)
        conn.execute(delete(blobs).where(blobs.c.name >= "n01000"))
        assert _kept(conn) == _summed(conn) == {ACCOUNT_A: 1000}


def _downgrade(engine, revision: str) -> None:
    from alembic import command

    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
