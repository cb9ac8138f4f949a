"""Apply Alembic migrations programmatically (on start, and in tests).

Starting a process against an up-to-date database is the common case, so ``ensure_current`` first
compares the stored revisions with the shipped ones without importing Alembic (which costs more than
the rest of start-up); any difference, or any doubt, goes through Alembic itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from ... import __version__
from ...domain.errors import Conflict

if TYPE_CHECKING:  # Alembic is imported only when a migration runs (see above)
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_LOCK = 0x5B5_0001  # an arbitrary, fixed advisory-lock key for "Subplane migrates"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several processes may start on a fresh database at once: one migrates, the others wait.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def ensure_current(engine: Engine) -> None:
    stored = stored_revisions(engine)
    if stored == shipped_heads():
        return
    newer = stored - (shipped_revisions() or stored)
    if newer:  # Alembic would answer with a traceback ("Can't locate revision"); say what happened instead
        raise Conflict("DatabaseNewerThanSubplane",
                       f"The database's schema is at revision {', '.join(sorted(newer))}, which this Subplane "
                       f"({__version__}) does not know: a newer Subplane upgraded it. Run that version, or restore a "
                       "backup taken before the upgrade.", revisions=sorted(newer))
    upgrade(engine)


def stored_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def shipped_heads() -> set[str] | None:
    """Heads read from the version files; ``None`` when a file cannot be read that simply."""
    graph = _shipped_graph()
    return None if graph is None else graph[0] - graph[1]


def shipped_revisions() -> set[str] | None:
    """Every revision the version files define; ``None`` when a file cannot be read that simply."""
    graph = _shipped_graph()
    return None if graph is None else graph[0]


def _shipped_graph() -> tuple[set[str], set[str]] | None:
    """(every revision, every revision some other one revises), read from the version files."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text("utf-8")))
        try:
            revision = eval(found["revision"], {})  # noqa: S307 - a literal from our own migration files
            down = eval(found.get("down_revision", "None"), {})  # noqa: S307
        except Exception:  # noqa: BLE001 - anything unusual: let Alembic decide
            return None
        revisions.add(revision)
        parents.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return revisions, parents


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    """Each feature area may add its own migration branch; all heads are applied together."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
