"""Engines per backend: SQLite (WAL, immediate write transactions) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'subplane.db'}"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, echo=echo, pool_pre_ping=True, future=True)


def _sqlite_engine(url: str, echo: bool) -> Engine:
    # 20 pooled connections: the blob data plane's clients send 16 requests at once, and a connection
    # opened past the pool (and closed again when returned) costs its pragmas on every request (issue 14)
    engine = create_engine(url, echo=echo, pool_size=20, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (pysqlite's default is wrong).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and rewritten rows are overwritten with zeros, so a purge leaves no copy in free space.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A server-sized page cache and memory-mapped reads: set-based updates touch thousands of rows.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the lock up front, so two writers never deadlock upgrading a read lock.
        mode = "DEFERRED" if conn.get_execution_options().get("read_only") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def reclaim_freed_pages(engine: Engine) -> None:
    """After a purge's commit: SQLite copies the WAL into the database file and truncates it, so no
    older version of a purged page stays on disk (``secure_delete`` zeroed what the purge freed).
    PostgreSQL needs nothing here: dead row versions are invisible to every reader and to pg_dump,
    and autovacuum reclaims them."""
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()  # the driver's own connection: no transaction is open around the pragma
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    finally:
        connection.close()
