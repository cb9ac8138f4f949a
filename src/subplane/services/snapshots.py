"""Emulator state as one versioned file, and reset without a restart.

A snapshot is a zip: ``manifest.json`` (format, format version, Subplane version, schema revisions),
``tables/<name>.jsonl`` for every table in the shared SQLAlchemy ``metadata`` (tables that feature
areas add in ``adapters/db/*_tables.py`` are included automatically) and ``blobs/…`` for blob bytes.
Import replaces everything in one transaction; a snapshot from a newer Subplane is refused.
"""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
import re
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import inspect, Date, DateTime, Integer, LargeBinary, Numeric, Table, delete, func, insert, select, text
from sqlalchemy.types import TypeDecorator

from .. import __version__
from ..adapters.db import migrate
from ..adapters.db.tables import metadata
from ..domain.errors import Conflict, InvalidInput

FORMAT = "subplane-snapshot"
FORMAT_VERSION = 1
DEMO_DIRECTORY = ("tenants", "users", "service_principals", "billing_accounts")
BATCH = 1000


def all_tables(conn) -> list[Table]:
    """Every table of every feature area that exists in this database, parents before children."""
    from ..adapters import db

    for module in pkgutil.iter_modules(db.__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"{db.__name__}.{module.name}")
    existing = set(inspect(conn).get_table_names())
    return [table for table in metadata.sorted_tables if table.name in existing]


def known_revisions() -> set[str]:
    """Every schema revision this Subplane ships; a snapshot naming another one comes from a newer Subplane."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def _kind(column) -> type | None:
    column_type = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    for kind in (DateTime, Date, Numeric, LargeBinary):
        if isinstance(column_type, kind):
            return kind
    return None


def _encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoders(table: Table) -> dict:
    decode = {DateTime: datetime.fromisoformat, Date: date.fromisoformat, Numeric: Decimal,
              LargeBinary: base64.b64decode}
    return {c.name: decode[_kind(c)] for c in table.columns if _kind(c) is not None}


class SnapshotService:
    def __init__(self, app) -> None:
        self.app = app

    @property
    def blob_root(self) -> Path:
        return self.app.blobstore.root

    # export ------------------------------------------------------------------------------------
    def export(self, path: Path) -> dict:
        self.app.settings.require_emulator("Snapshot export")
        manifest = {"format": FORMAT, "formatVersion": FORMAT_VERSION, "subplaneVersion": __version__,
                    "schemaRevisions": sorted(migrate.current_revisions(self.app.engine)), "tables": {}}
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
                self.app.uow(read_only=True) as uow:
            manifest["exportedAt"] = uow.now.isoformat()
            for table in all_tables(uow.conn):
                rows = uow.conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                lines = [json.dumps({k: _encode(v) for k, v in r._mapping.items()}, sort_keys=True) for r in rows]
                archive.writestr(f"tables/{table.name}.jsonl", "\n".join(lines))
                manifest["tables"][table.name] = len(lines)
            blobs = sorted(p for p in self.blob_root.rglob("*") if p.is_file() and not p.name.endswith(".part")) \
                if self.blob_root.exists() else []
            for blob in blobs:
                archive.write(blob, "blobs/" + blob.relative_to(self.blob_root).as_posix())
            manifest["blobFiles"] = len(blobs)
            archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        return manifest

    # import ------------------------------------------------------------------------------------
    def read_manifest(self, path: Path) -> dict:
        try:
            with zipfile.ZipFile(path) as archive:
                manifest = json.loads(archive.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, FileNotFoundError) as error:
            raise InvalidInput("InvalidSnapshot", f"{Path(path).name} is not a Subplane snapshot ({error}).") from None
        if manifest.get("format") != FORMAT:
            raise InvalidInput("InvalidSnapshot", f"{path} is not a Subplane snapshot.")
        return manifest

    def check_compatible(self, manifest: dict) -> None:
        theirs = str(manifest.get("subplaneVersion", "0"))
        unknown = set(manifest.get("schemaRevisions", [])) - known_revisions()
        if (version_key(theirs) > version_key(__version__) or int(manifest.get("formatVersion", 0)) > FORMAT_VERSION
                or unknown):
            raise Conflict(
                "SnapshotTooNew",
                f"This snapshot was written by Subplane {theirs} (snapshot format {manifest.get('formatVersion')}"
                f"{', schema ' + ', '.join(sorted(unknown)) if unknown else ''}); this is Subplane {__version__}, "
                f"which reads snapshot format {FORMAT_VERSION} and older. Upgrade Subplane to import it.",
            )

    def import_(self, path: Path) -> dict:
        self.app.settings.require_emulator("Snapshot import")
        manifest = self.read_manifest(Path(path))
        self.check_compatible(manifest)
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            with self.app.uow() as uow:
                self.app.clock_control.require_idle(uow)
                self.app.clock_control.forget(uow)
                tables = all_tables(uow.conn)
                self._wipe(uow.conn, tables)
                for table in tables:
                    member = f"tables/{table.name}.jsonl"
                    if member in names:
                        self._load_rows(uow.conn, table, archive.read(member).decode("utf-8"))
                self._fix_sequences(uow.conn, tables)
            self._replace_blobs(archive, [n for n in names if n.startswith("blobs/") and not n.endswith("/")])
        return manifest

    def _load_rows(self, conn, table: Table, content: str) -> None:
        decoders = _decoders(table)
        known = set(table.columns.keys())
        rows = []
        for line in filter(None, content.splitlines()):
            raw = json.loads(line)
            rows.append({k: (decoders[k](v) if k in decoders and v is not None else v)
                         for k, v in raw.items() if k in known})
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(table), rows[start:start + BATCH])

    def _fix_sequences(self, conn, tables: list[Table]) -> None:
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

    def _replace_blobs(self, archive: zipfile.ZipFile, members: list[str]) -> None:
        shutil.rmtree(self.blob_root, ignore_errors=True)
        self.blob_root.mkdir(parents=True, exist_ok=True)
        root = self.blob_root.resolve()
        for member in members:
            target = (self.blob_root / member[len("blobs/"):]).resolve()
            if root not in target.parents:
                raise InvalidInput("InvalidSnapshot", f"Snapshot entry {member!r} points outside the blob folder.")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))

    # reset -------------------------------------------------------------------------------------
    def reset(self, *, demo: bool = False, at: datetime | None = None) -> dict | None:
        """Empty every table and the blob folder; the clock restarts at ``at``, else at the configured
        clock start, else at the wall clock's now.

        With ``demo`` the directory (tenants, users, service principals and their secrets, billing
        accounts) is kept and the demo is seeded again, so credentials and ``connection.json`` stay valid.
        """
        self.app.settings.require_emulator("Reset")
        with self.app.uow() as uow:
            self.app.clock_control.require_idle(uow)
            self.app.clock_control.forget(uow)
            tables = all_tables(uow.conn)
            self._wipe(uow.conn, [t for t in tables if not (demo and t.name in DEMO_DIRECTORY)])
            self.app.clock.initialise(uow.conn, at)
        shutil.rmtree(self.blob_root, ignore_errors=True)
        if not demo:  # demo.json stays: importing a snapshot brings its identities back, and their secrets
            return None
        from . import demo as demo_data

        return demo_data.seed(self.app)

    @staticmethod
    def _wipe(conn, tables: list[Table]) -> None:
        for table in reversed(tables):
            conn.execute(delete(table))
