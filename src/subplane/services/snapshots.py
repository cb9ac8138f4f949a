"""Emulator state as one versioned file, and reset without a restart.

A snapshot is a zip: ``manifest.json`` (format, format version, Subplane version, schema revisions),
``tables/<name>.jsonl`` for every table in the shared SQLAlchemy ``metadata`` (tables that feature
areas add in ``adapters/db/*_tables.py`` are included automatically) and ``blobs/<key>`` for the bytes
of every stored blob, whichever store holds them (the database store's ``blob_chunks`` rows travel as
these files, not as a table), so a snapshot moves between stores.

Import is all or nothing. The whole archive is checked first (``adapters/snapshot_archive.py``) and a
snapshot from a newer Subplane is refused; then, under one lock, every table is emptied and refilled
in one transaction, which also stages the blob bytes with the store (``BlobStore.stage``: a folder
beside the blob root, an S3 prefix, or rows of that same transaction) and records the staging as
pending (a ``counters`` row). Only after commit does the store swap the staged blobs in. A crash
between commit and swap leaves that row, and the next start or import finishes the swap
(``recover``); a crash before commit leaves only staged bytes, which the next import or start
removes. A refused import changes nothing.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, delete, func, insert, inspect, select, text
from sqlalchemy.exc import DataError, IntegrityError

from .. import __version__
from ..adapters import snapshot_archive as archives
from ..adapters.blobstore import BlobStore
from ..adapters.db import migrate
from ..adapters.db.tables import counters, metadata
from ..clock import Clock, SimulatedClock
from ..domain.errors import Conflict
from ..settings import Settings
from .admin import ClockService
from .request_log import RequestLog
from .snapshot_recovery import PENDING_SWAP, recovery_pending
from .unit_of_work import UowFactory

FORMAT = "subplane-snapshot"
FORMAT_VERSION = 1
DEMO_DIRECTORY = ("tenants", "users", "service_principals", "billing_accounts")
BATCH = 1000
NOT_STATE = ("installation_secrets", "signing_keys")  # the installation's keys and secrets: no snapshot or reset moves them
BYTES_TABLES = ("blob_chunks",)  # state, emptied with the rest, but carried as blobs/<key> files
DERIVED_TABLES = ("blob_account_bytes",)  # emptied with the rest; the triggers that keep it refill it on import
_IMPORT_LOCK = 0x5B5_0002  # PostgreSQL advisory-lock key for "a snapshot import or its recovery runs"


def all_tables(conn: Connection) -> list[Table]:
    """Every table of emulator state, of every feature area, that exists in this database, parents before children."""
    from ..adapters import db

    for module in pkgutil.iter_modules(db.__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"{db.__name__}.{module.name}")
    existing = set(inspect(conn).get_table_names())
    return [table for table in metadata.sorted_tables if table.name in existing and table.name not in NOT_STATE]


def carried_tables(tables: list[Table]) -> list[Table]:
    """The tables a snapshot carries as table files."""
    return [table for table in tables if table.name not in BYTES_TABLES + DERIVED_TABLES]


def known_revisions() -> set[str]:
    """Every schema revision this Subplane ships; a snapshot naming another one comes from a newer Subplane."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


class SnapshotService:
    max_bytes = archives.MAX_UNCOMPRESSED_BYTES  # what an import unpacks at most

    def __init__(self, uow: UowFactory, settings: Settings, engine: Engine, blobstore: BlobStore, clock: Clock,
                 clock_control: ClockService, request_log: RequestLog, reseed: Callable[[], dict[str, Any]]) -> None:
        """``reseed``: the demo's seeding, run again by a reset that keeps the demo directory."""
        self.uow = uow
        self.settings = settings
        self.engine = engine
        self.blobstore = blobstore
        self.clock = clock
        self.clock_control = clock_control
        self.request_log = request_log
        self.reseed = reseed

    # export ------------------------------------------------------------------------------------
    def export(self, path: Path) -> dict[str, Any]:
        self.settings.require_emulator("Snapshot export")
        self.recover()  # the blob files that go with the tables
        counts: dict[str, int] = {}
        manifest: dict[str, Any] = {"format": FORMAT, "formatVersion": FORMAT_VERSION, "subplaneVersion": __version__,
                                    "schemaRevisions": sorted(migrate.current_revisions(self.engine)), "tables": counts}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
                self.uow(read_only=True) as uow:
            manifest["exportedAt"] = uow.now.isoformat()
            for table in carried_tables(all_tables(uow.conn)):
                rows = uow.conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                archive.writestr(f"{archives.TABLES}{table.name}.jsonl", archives.table_lines(rows))
                counts[table.name] = len(rows)
            manifest["blobFiles"] = self._export_blobs(uow.conn, archive)
            archive.writestr(archives.MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        return manifest

    def _export_blobs(self, conn: Connection, archive: zipfile.ZipFile) -> int:
        store, count = self.blobstore, 0
        for key in store.keys(conn):
            with archive.open(archives.BLOBS + key, "w", force_zip64=True) as member:
                for piece in store.pieces(conn, key):
                    member.write(piece)
            count += 1
        return count

    # import ------------------------------------------------------------------------------------
    def check_compatible(self, manifest: dict[str, Any]) -> None:
        theirs = str(manifest.get("subplaneVersion", "0"))
        revisions = manifest.get("schemaRevisions", [])
        unknown = set(map(str, revisions if isinstance(revisions, list) else [revisions])) - known_revisions()
        try:
            their_format = int(manifest.get("formatVersion", 0))
        except (TypeError, ValueError):
            raise archives.refused("The manifest's formatVersion is not a number.") from None
        if version_key(theirs) > version_key(__version__) or their_format > FORMAT_VERSION or unknown:
            raise Conflict(
                "SnapshotTooNew",
                f"This snapshot was written by Subplane {theirs} (snapshot format {manifest.get('formatVersion')}"
                f"{', schema ' + ', '.join(sorted(unknown)) if unknown else ''}); this is Subplane {__version__}, "
                f"which reads snapshot format {FORMAT_VERSION} and older. Upgrade Subplane to import it.",
            )

    def import_(self, path: Path) -> dict[str, Any]:
        self.settings.require_emulator("Snapshot import")
        with archives.open_archive(Path(path)) as archive:
            manifest = archives.read_manifest(archive, FORMAT)
            self.check_compatible(manifest)
            with self.uow(read_only=True) as uow:
                tables = all_tables(uow.conn)
            members = archives.check_members(archive, {t.name for t in carried_tables(tables)},
                                             max_bytes=self.max_bytes)
            self._check_rows(archive, carried_tables(tables), members, manifest)
            token = secrets.randbits(62)
            try:
                self._replace_tables(archive, tables, members, token)
            except BaseException:
                self.blobstore.discard_staged(str(token))
                raise
        self.recover()  # the rename that makes the staged blob folder the blob root
        return manifest

    def _check_rows(self, archive: zipfile.ZipFile, tables: list[Table], members: archives.Members, manifest: dict[str, Any]) -> None:
        """Read every table file once without writing, so a bad last line refuses before anything changes."""
        listed = manifest.get("tables")
        expected: dict[str, Any] = listed if isinstance(listed, dict) else {}
        by_name = {table.name: table for table in tables}
        if unknown := set(expected) - set(by_name):
            raise archives.refused(f"The manifest names tables this Subplane does not have: {', '.join(sorted(unknown))}.")
        for name, table in by_name.items():
            member = members.tables.get(name)
            count = sum(1 for _ in archives.rows(archive, member, table, self.engine.dialect)) if member else 0
            if isinstance(expected.get(name), int) and expected[name] != count:
                raise archives.refused(f"The manifest promises {expected[name]} rows of {name}; the snapshot has {count}.")

    def _replace_tables(self, archive: zipfile.ZipFile, tables: list[Table], members: archives.Members, token: int) -> None:
        store = self.blobstore
        try:
            with self.uow() as uow:
                self.clock_control.require_idle(uow)
                self.clock_control.forget(uow)
                self._take_import_lock(uow.conn)
                self._finish_pending_swap(uow.conn)
                for leftover in store.leftovers():  # no other import runs: we hold the lock
                    store.discard(leftover)
                self._wipe(uow.conn, tables)
                for table in tables:
                    if table.name in members.tables:
                        self._insert(uow.conn, table, archives.rows(archive, members.tables[table.name], table,
                                                                    uow.conn.dialect))
                self._fix_sequences(uow.conn, tables)
                store.stage(uow.conn, str(token), archives.blob_contents(archive, members.blobs))
                uow.conn.execute(delete(counters).where(counters.c.name == PENDING_SWAP))
                uow.conn.execute(insert(counters).values(name=PENDING_SWAP, value=token))
        except (IntegrityError, DataError) as error:
            reason = str(getattr(error, "orig", error)).splitlines()[0]
            raise archives.refused(f"The snapshot's rows break a rule of this database: {reason}") from None

    @staticmethod
    def _insert(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)

    def _fix_sequences(self, conn: Connection, tables: list[Table]) -> None:
        if conn.engine.dialect.name != "postgresql":
            return
        for table in tables:
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and isinstance(keys[0].type, Integer) and keys[0].autoincrement in (True, "auto"):
                highest = conn.execute(select(func.max(keys[0]))).scalar()
                sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                        {"t": table.name, "c": keys[0].name}).scalar()
                if sequence:
                    conn.execute(text("SELECT setval(:s, :v, :called)"),
                                 {"s": sequence, "v": highest or 1, "called": highest is not None})

    # after a crash -----------------------------------------------------------------------------
    def recover(self) -> None:
        """Finish the blob-folder rename of an import that committed, and remove what unfinished imports
        left. Called on every start (``bootstrap.build_app``), before exports and imports; costs one read
        when there is nothing to do."""
        if not recovery_pending(self.uow, self.blobstore):
            return
        with self.uow() as uow:
            self._take_import_lock(uow.conn)
            self._finish_pending_swap(uow.conn)
            for leftover in self.blobstore.leftovers():
                self.blobstore.discard(leftover)

    def _finish_pending_swap(self, conn: Connection) -> None:
        token = self._pending_swap(conn)
        if token is not None:
            self.blobstore.swap_in(str(token))
            conn.execute(delete(counters).where(counters.c.name == PENDING_SWAP))

    @staticmethod
    def _pending_swap(conn: Connection) -> int | None:
        return conn.execute(select(counters.c.value).where(counters.c.name == PENDING_SWAP)).scalar()

    @staticmethod
    def _take_import_lock(conn: Connection) -> None:
        """One import (or recovery) at a time across processes. SQLite's write transaction is the lock already."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})

    # reset -------------------------------------------------------------------------------------
    def reset(self, *, demo: bool = False, at: datetime | None = None) -> dict[str, Any] | None:
        """Empty every table and the blob store; the clock restarts at ``at``, else at the configured
        clock start, else at the wall clock's now.

        With ``demo`` the directory (tenants, users, service principals and their secrets, billing
        accounts) is kept and the demo is seeded again, so credentials and ``connection.json`` stay valid.
        """
        self.settings.require_emulator("Reset")
        clock = self.clock
        if not isinstance(clock, SimulatedClock):  # emulator mode runs the simulated clock; this is its reset
            raise Conflict("ClockNotSimulated", "Reset restarts the simulated clock; this server runs on the wall clock.")
        self.recover()
        with self.uow() as uow:
            self.clock_control.require_idle(uow)
            self.clock_control.forget(uow)
            tables = all_tables(uow.conn)
            self._wipe(uow.conn, [t for t in tables if not (demo and t.name in DEMO_DIRECTORY)])
            self.request_log.clear(uow)  # not world state (a snapshot does not carry it), but a reset forgets it
            clock.initialise(uow.conn, at)
        self.blobstore.clear()
        if not demo:  # demo.json stays: importing a snapshot brings its identities back, and their secrets
            return None
        return self.reseed()

    @staticmethod
    def _wipe(conn: Connection, tables: list[Table]) -> None:
        for table in reversed(tables):
            conn.execute(delete(table))
