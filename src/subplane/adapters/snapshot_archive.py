"""A snapshot zip, written and read back without trusting it.

Reading checks everything before anything is changed: the member names (only ``manifest.json``,
``tables/<known table>.jsonl`` and relative paths under ``blobs/``; no absolute paths, ``..``,
symlinks, encrypted or duplicate members), the total uncompressed size, and every table row (a JSON
object whose keys are the table's columns and whose values have the column's type). Every refusal is
``InvalidSnapshot``.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary, Numeric, String, Table
from sqlalchemy.types import TypeDecorator

from ..domain.errors import InvalidInput

MANIFEST = "manifest.json"
TABLES = "tables/"
BLOBS = "blobs/"
MAX_UNCOMPRESSED_BYTES = 8 * 1024 ** 3  # a zip bomb is refused before a byte is inflated
MAX_MEMBERS = 1_000_000
MAX_BLOB_KEY = 512  # bytes: what every blob store can hold as a key (blob_chunks.blob_key, S3 keys)
_INT64 = 2 ** 63
# What a damaged or hostile member raises while it is inflated (our own disk errors are not among them).
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError)


def refused(message: str) -> InvalidInput:
    return InvalidInput("InvalidSnapshot", message)


# writing ---------------------------------------------------------------------------------------
def encode(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def table_lines(rows) -> str:
    return "\n".join(json.dumps({k: encode(v) for k, v in row._mapping.items()}, sort_keys=True) for row in rows)


# reading ---------------------------------------------------------------------------------------
def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError, OSError) as error:
        raise refused(f"{Path(path).name} is not a Subplane snapshot ({error}).") from None


def read_manifest(archive: zipfile.ZipFile, expected_format: str) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise refused("The snapshot has no manifest.json.") from None
    except (ValueError, RecursionError, *_READ_ERRORS) as error:
        raise refused(f"The snapshot's manifest.json cannot be read ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != expected_format:
        raise refused("This file is not a Subplane snapshot.")
    return manifest


@dataclass
class Members:
    """The checked members of an archive: table name → member, and the blob files with their relative paths."""

    tables: dict[str, str] = field(default_factory=dict)
    blobs: list[tuple[zipfile.ZipInfo, PurePosixPath]] = field(default_factory=list)


def check_members(archive: zipfile.ZipFile, known_tables: set[str], *,
                  max_bytes: int = MAX_UNCOMPRESSED_BYTES) -> Members:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise refused(f"The snapshot has {len(infos)} entries; at most {MAX_MEMBERS} are read.")
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise refused(f"The snapshot unpacks to {total} bytes; at most {max_bytes} are read.")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise refused("The snapshot names an entry twice.")
    members = Members()
    for info in infos:
        _check_entry(info)
        name = info.filename
        if name == MANIFEST or (info.is_dir() and name in (TABLES, BLOBS)):
            continue
        if name.startswith(TABLES) and name.endswith(".jsonl") and not info.is_dir():
            table = name[len(TABLES):-len(".jsonl")]
            if table not in known_tables:
                raise refused(f"The snapshot entry {name!r} is not a table of this Subplane.")
            members.tables[table] = name
        elif name.startswith(BLOBS):
            relative = _blob_path(name)
            if not info.is_dir():
                members.blobs.append((info, relative))
        else:
            raise refused(f"The snapshot entry {name!r} is not part of a Subplane snapshot.")
    return members


def _check_entry(info: zipfile.ZipInfo) -> None:
    if stat.S_ISLNK(info.external_attr >> 16):
        raise refused(f"The snapshot entry {info.filename!r} is a symbolic link.")
    if info.flag_bits & 0x1:
        raise refused(f"The snapshot entry {info.filename!r} is encrypted.")
    name = info.filename
    if "\\" in name or "\x00" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise refused(f"The snapshot entry {name!r} is not a relative path.")


def _blob_path(name: str) -> PurePosixPath:
    relative = name[len(BLOBS):].rstrip("/")
    parts = relative.split("/")
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise refused(f"The snapshot entry {name!r} points outside the blob folder.")
    if len(relative.encode("utf-8")) > MAX_BLOB_KEY:
        raise refused(f"The snapshot entry {name[:80]!r}… names a blob key longer than {MAX_BLOB_KEY} bytes.")
    return PurePosixPath(*parts)


def rows(archive: zipfile.ZipFile, member: str, table: Table, dialect) -> Iterator[dict]:
    """The member's rows, decoded for ``table``, one at a time; the first bad line refuses the snapshot."""
    columns = {column.name: column for column in table.columns}
    number, keys = 0, None
    try:
        with archive.open(member) as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8", newline="\n"):
                if not line.strip():
                    continue
                row = _row(json.loads(line), columns, dialect)
                if keys is None:
                    keys = row.keys()
                elif row.keys() != keys:  # one insert per batch needs the same columns in every row
                    raise refused("every row of a table names the same columns.")
                yield row
    except InvalidInput as error:
        raise refused(f"{member} line {number}: {error.message}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise refused(f"{member} line {number} is not a JSON object ({type(error).__name__}).") from None
    except _READ_ERRORS as error:
        raise refused(f"{member} cannot be read ({error}).") from None


def blob_contents(archive: zipfile.ZipFile, blobs: list[tuple[zipfile.ZipInfo, PurePosixPath]],
                  piece_size: int = 1 << 20) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Each blob file as (store key, its bytes in pieces); a member that cannot be inflated refuses the snapshot."""
    for info, relative in blobs:
        yield relative.as_posix(), _pieces(archive, info, piece_size)


def _pieces(archive: zipfile.ZipFile, info: zipfile.ZipInfo, piece_size: int) -> Iterator[bytes]:
    try:
        with archive.open(info) as source:
            while piece := source.read(piece_size):
                yield piece
    except _READ_ERRORS as error:
        raise refused(f"{info.filename} cannot be read ({error}).") from None


def _row(raw, columns: dict, dialect) -> dict:
    if not isinstance(raw, dict):
        raise refused("a row is a JSON object.")
    unknown = set(raw) - set(columns)
    if unknown:
        raise refused(f"unknown column(s) {', '.join(sorted(unknown))}.")
    return {name: _value(columns[name], value, dialect) for name, value in raw.items()}


def _value(column, value, dialect):
    if value is None:
        return None
    try:
        decoded = _decoded(column, value)
        if isinstance(column.type, TypeDecorator):  # e.g. UtcDateTime refuses a naive instant
            column.type.process_bind_param(decoded, dialect)
    except (TypeError, ValueError, ArithmeticError, binascii.Error) as error:
        raise refused(f"column {column.name} cannot hold {value!r} ({error}).") from None
    return decoded


def _decoded(column, value):
    column_type = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(column_type, JSON):
        return value
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(_text(value))
    if isinstance(column_type, Date):
        return date.fromisoformat(_text(value))
    if isinstance(column_type, Numeric):
        return _decimal(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(_text(value), validate=True)
    if isinstance(column_type, Boolean):
        if not isinstance(value, bool):
            raise TypeError("not true or false")
        return value
    if isinstance(column_type, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("not a whole number")
        if not -_INT64 <= value < _INT64:
            raise ValueError("out of range")
        return value
    if isinstance(column_type, String):
        return _string(value, column_type.length)
    raise TypeError(f"no snapshot reader for {type(column_type).__name__}")


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _decimal(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError("not a number")
    number = Decimal(str(value))
    if not number.is_finite():
        raise InvalidOperation("not a finite number")
    return number


def _string(value, length: int | None) -> str:
    text = _text(value)
    text.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    if length is not None and len(text) > length:
        raise ValueError(f"longer than {length} characters")
    return text
