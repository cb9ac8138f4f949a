"""Engines per backend: SQLite (WAL, immediate write transactions) by default, PostgreSQL by URL."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

# How long a SQLite writer waits for the write lock, in the driver and in the write gate alike.
BUSY_TIMEOUT_SECONDS = 30


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'subplane.db'}"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, echo=echo, pool_pre_ping=True, future=True)
    if engine.dialect.name == "postgresql":
        # Many rows inserted at once go as multi-row INSERT statements (SQLAlchemy's "insertmanyvalues", as its
        # psycopg2 dialect does by default), not one statement per row: the blobs table's statement triggers
        # then run once per batch, and a snapshot import inserts in fewer round trips.
        engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _sqlite_engine(url: str, echo: bool) -> Engine:
    # 20 pooled connections: the blob data plane's clients send 16 requests at once, and a connection
    # opened past the pool (and closed again when returned) costs its pragmas on every request (issue 14)
    engine = create_engine(url, echo=echo, pool_size=20, connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

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
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
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


class WriteGate:
    """SQLite's writers of one process, queued in Python ahead of ``BEGIN IMMEDIATE``.

    SQLite lets one writer in at a time, and a writer that finds the lock taken polls: its busy handler sleeps
    1, 2, 5, 10 ... up to 100 ms between tries, so sixteen concurrent writers spend most of their time asleep
    while the lock stands free. A lock here wakes the next writer the moment the last one commits. Writers in
    other processes still meet at SQLite's lock; a writer that waits here past the busy timeout goes on to
    SQLite's lock, whose error the callers already handle. A write nested in a write on the same thread is not
    held here (it fails at SQLite's lock, as it did before the gate), and the writer may leave from another
    thread than the one it entered on.
    """

    def __init__(self, wait_seconds: float = BUSY_TIMEOUT_SECONDS) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # the thread that entered
        self._wait_seconds = wait_seconds

    def enter(self) -> bool:
        """Wait for the writer before to finish; False when this thread already holds the gate or the wait ran
        out (the caller goes on ungated)."""
        if self._holder == threading.get_ident():
            return False
        if not self._lock.acquire(timeout=self._wait_seconds):
            return False
        self._holder = threading.get_ident()
        return True

    def leave(self) -> None:
        self._holder = None
        self._lock.release()


def write_gate_for(engine: Engine) -> WriteGate | None:
    """SQLite's engines queue their writers; PostgreSQL's writers run side by side and lock rows, not the file."""
    return WriteGate() if engine.dialect.name == "sqlite" else None


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
