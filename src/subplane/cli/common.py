"""Options every command takes (``--data-dir``, ``--database-url``, ``--output``) and the app they open."""

from __future__ import annotations

import difflib
import functools
import inspect
import sys
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from typer.core import TyperGroup

from ..domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from .render import emit_json, errors

if TYPE_CHECKING:  # the app, its settings and SQLAlchemy are imported when a command opens the app, not for --help
    from .. import settings as settings_module
    from ..bootstrap import App

DATABASE_FILE = "subplane.db"  # adapters.db.engine.sqlite_url: the embedded database
EXIT_CODES = {InvalidInput: 2, Forbidden: 3, NotFound: 4, Conflict: 5}


def _database_error(error: BaseException) -> bool:
    """A SQLAlchemy error; none can be raised before SQLAlchemy is imported, so its absence answers no."""
    exc = sys.modules.get("sqlalchemy.exc")
    return exc is not None and isinstance(error, exc.SQLAlchemyError)


def reported(error: BaseException) -> bool:
    """A failure outside the domain that a command reports as one line: a file, the database, a setting."""
    return isinstance(error, OSError | ValueError | ImportError) or _database_error(error)


def describe(error: Exception) -> str:
    """One line for a failure outside the domain: a file, the database, a setting."""
    if _database_error(error):
        original = getattr(error, "orig", None) or error
        first = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
        return f"database error: {first}"
    if isinstance(error, OSError) and error.filename:
        return f"{error.strerror or type(error).__name__}: {error.filename}"
    if isinstance(error, ImportError):
        return f"missing driver or module: {error.name or error}"
    return f"{type(error).__name__}: {error}"


def exit_code(error: DomainError) -> int:
    """2 bad input, 3 not allowed, 4 not found, 5 not possible in the current state, 1 anything else."""
    return next((code for kind, code in EXIT_CODES.items() if isinstance(error, kind)), 1)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


@dataclass
class CliContext:
    data_dir: Path | None
    database_url: str | None
    output: OutputFormat
    creates: bool = False  # this command may start a new database (demo, reset, snapshot import)
    _app: App | None = field(default=None, init=False)

    @property
    def json(self) -> bool:
        return self.output is OutputFormat.json

    def settings(self, **overrides) -> settings_module.Settings:
        from .. import settings as settings_module

        return settings_module.load(data_dir=self.data_dir, database_url=self.database_url, **overrides)

    @property
    def app(self) -> App:
        if self._app is None:
            settings = self.settings()
            if not self.creates:
                require_database(settings)
            from ..bootstrap import build_app

            self._app = build_app(settings)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def require_database(settings: settings_module.Settings) -> None:
    """A mistyped --data-dir must not quietly become a new, empty installation."""
    if settings.database_url is not None or (settings.data_dir / DATABASE_FILE).exists():
        return
    where = settings.data_dir
    state = "does not exist" if not where.exists() else f"holds no Subplane database ({DATABASE_FILE})"
    raise NotFound("DataDirectoryNew",
                   f"The data directory {where} {state}: it is new. Seed it with `subplane serve --demo --data-dir "
                   f"{where}` (or `subplane demo --data-dir {where}`), or point --data-dir / SUBPLANE_DATA_DIR at "
                   "the directory your server uses.", data_dir=str(where))


_COMMON = [
    inspect.Parameter(
        "data_dir", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[Path | None, typer.Option("--data-dir", envvar="SUBPLANE_DATA_DIR",
                                                       help="Where Subplane keeps its database and files.")],
    ),
    inspect.Parameter(
        "database_url", inspect.Parameter.KEYWORD_ONLY, default=None,
        annotation=Annotated[str | None, typer.Option("--database-url", envvar="SUBPLANE_DATABASE_URL",
                                                      help="SQLAlchemy URL; default: SQLite in the data directory.")],
    ),
    inspect.Parameter(
        "output", inspect.Parameter.KEYWORD_ONLY, default=OutputFormat.table,
        annotation=Annotated[OutputFormat, typer.Option("--output", "-o", help="table for people, json for scripts.")],
    ),
]

AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this user principal name or service principal name (default: the local operator)."),
]


class _Commands(TyperGroup):
    """A group whose listing shows each command's first sentence whole, wrapped to the terminal, as the root's
    does (Click's default cuts it at the width of one line)."""

    def format_commands(self, ctx, formatter) -> None:
        listed = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, found.get_short_help_str(limit=1_000)) for name, found in listed if found and not found.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def command_group(*, no_args_is_help: bool = False) -> typer.Typer:
    """A module's Typer of commands. Its help is Click's plain text: Typer's boxed Rich help costs every
    `--help` 70 ms of imports, most of `import typer, rich` again (issue 14). The group's own help is its
    line in ``main.COMMANDS``."""
    return typer.Typer(cls=_Commands, no_args_is_help=no_args_is_help, rich_markup_mode=None, add_completion=False,
                       context_settings={"max_content_width": 120})


def command(group: typer.Typer, name: str | None = None, *, creates: bool = False, **kwargs) -> Callable:
    """Register ``fn(cli, ...)`` as a command that also takes the common options. ``creates``: the command
    may open a data directory that holds no database yet (others refuse it: see ``require_database``)."""

    def decorate(fn: Callable) -> Callable:
        hints = typing.get_type_hints(fn, include_extras=True)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(fn).parameters.values()
            if p.name != "cli"
        ]

        @functools.wraps(fn)
        def wrapper(*args, data_dir=None, database_url=None, output=OutputFormat.table, **rest):
            cli = CliContext(data_dir, database_url, output, creates)
            try:
                return fn(*args, cli=cli, **rest)
            except DomainError as error:
                errors.print(f"[red]error:[/] {escape(error.message)} [dim]({error.code})[/]", highlight=False)
                if cli.json:  # scripts parse stdout: the refusal as the ARM error envelope too
                    emit_json({"error": {"code": error.code, "message": error.message}})
                raise typer.Exit(exit_code(error)) from None
            except BrokenPipeError:
                # The reader went away (`| head`): stop quietly, as Unix tools do.
                sys.stderr.close()
                raise typer.Exit(0) from None
            except Exception as error:
                if not reported(error):
                    raise
                errors.print(f"[red]error:[/] {escape(describe(error))}", highlight=False)
                raise typer.Exit(1) from None
            finally:
                cli.close()

        # typer reads the options from inspect.signature, which honours __signature__; typeshed does not declare
        # it on functions, so the one ignore below is for the stub
        wrapper.__signature__ = inspect.Signature(own + _COMMON)  # type: ignore[attr-defined]
        group.command(name, **kwargs)(wrapper)
        return fn

    return decorate


def close_names(asked: str, names: Iterable[str]) -> list[str]:
    """Names that look like ``asked`` (capitals ignored), most alike first: for "did you mean …?"."""
    by_folded = {name.casefold(): name for name in names}
    return [by_folded[n] for n in difflib.get_close_matches(asked.casefold(), list(by_folded), n=3, cutoff=0.6)]


def did_you_mean(close: list[str]) -> str:
    return f"; did you mean {' or '.join(close)}?" if close else "."


def subscription_ref(cli: CliContext, actor, ref: str) -> str:
    """What the services resolve exactly: a name unique apart from capitals becomes its id, and a name that
    matches none of the caller's subscriptions says which are close. Ids and exact names pass unchanged."""
    ref = ref.strip()
    if len(ref) == 36 and ref.count("-") == 4:
        return ref
    visible = cli.app.subscriptions.list(actor=actor)
    if any(s.display_name == ref for s in visible):
        return ref
    folded = [s for s in visible if s.display_name.casefold() == ref.casefold()]
    if len(folded) == 1:
        return folded[0].subscription_id
    if folded:
        raise InvalidInput("AmbiguousSubscriptionName", f"{len(folded)} subscriptions are called {ref!r} apart from "
                                                        "capitals; use the exact name or the subscription id.")
    close = close_names(ref, [s.display_name for s in visible])
    if close:
        raise NotFound("SubscriptionNotFound", f"No subscription has the id or name {ref!r}{did_you_mean(close)}",
                       reference=ref)
    return ref  # perhaps one the caller may not see: the service answers as it always does
