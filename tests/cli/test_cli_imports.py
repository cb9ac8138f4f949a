"""Issue 14: a command imports what it runs. `subplane --help` imports no command module (it lists them from
`main.COMMANDS`), so neither SQLAlchemy nor the services; a read-only command opens the database but none of
the HTTP server, the portal, the job runner, PDF rendering or token signing. Checked on the modules a real CLI
process holds when it exits."""

from __future__ import annotations

import json
import subprocess
import sys

from subplane.cli.main import COMMANDS
from tests.cli.test_cli_walkthrough import Cli

# runs the CLI as `subplane` does, then writes the names of the imported modules to stderr's last line
_PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["subplane", *sys.argv[1:]]
from subplane.cli.main import run
run()
"""

SERVER_ONLY = ("fastapi", "starlette", "uvicorn", "jinja2", "alembic", "fpdf", "prometheus_client", "jwt",
               "cryptography", "multipart", "subplane.api", "subplane.portal", "subplane.jobs", "subplane.adapters.tokens")
COMMAND_MODULES = tuple(f"subplane.cli.{entry.module}" for entry in COMMANDS.values()) + ("subplane.cli.common",)
NEEDS_THE_APP = ("sqlalchemy", "argon2", "babel", "psycopg", "subplane.bootstrap", "subplane.services", "subplane.settings",
                 "subplane.adapters.db", "subplane.demo")


def _modules(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    return _probed(_PROBE, env, *args)


def _probed(probe: str, env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    done = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(line for line in reversed(done.stderr.splitlines()) if line.startswith("MODULES "))
    return done, set(json.loads(line.removeprefix("MODULES ")))


def _imported(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_help_imports_neither_the_app_nor_the_server(tmp_path):
    done, modules = _modules({"PATH": "", "HOME": str(tmp_path), "COLUMNS": "200"}, "--help")
    assert "subscriptions" in done.stdout and "serve" in done.stdout
    assert "subplane.cli.main" in modules  # the probe saw the CLI itself
    assert _imported(modules, COMMAND_MODULES + NEEDS_THE_APP + SERVER_ONLY) == []
    assert _imported(modules, ("typer.rich_utils", "pydantic")) == []  # Click's plain help; no parameter coercion


def test_a_read_only_command_imports_the_database_but_not_the_server(database, tmp_path):
    cli = Cli(tmp_path / "data", database.url)
    cli("demo")
    done, modules = _modules(cli.env, "subscriptions", "list", "--output", "json")
    assert {s["displayName"] for s in json.loads(done.stdout)} >= {"Productie", "Ontwikkeling"}
    assert "sqlalchemy" in modules and "subplane.services.subscriptions" in modules
    assert _imported(modules, SERVER_ONLY) == []
    assert _imported(modules, ("subplane.cli.admin", "subplane.cli.resources", "subplane.cli.serve")) == []


# what `serve` does before it listens, on an existing data directory: open the app, build the HTTP app
_SERVE_PROBE = """
import json, sys
from subplane import settings
from subplane.bootstrap import build_app
from subplane.api.server import create_http_app
create_http_app(build_app(settings.load()))
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def test_the_server_start_leaves_the_template_engine_to_the_first_page(database, tmp_path):
    cli = Cli(tmp_path / "data", database.url)
    cli("demo")
    _, modules = _probed(_SERVE_PROBE, cli.env)
    assert "subplane.portal.web" in modules and "fastapi" in modules  # the portal is mounted, only its templates wait
    assert _imported(modules, ("jinja2",)) == []
    other = {"sqlite": "sqlalchemy.dialects.postgresql", "postgres": "sqlalchemy.dialects.sqlite"}[database.backend]
    assert _imported(modules, (other,)) == []  # every driver's dialect in SQLAlchemy's package for the other one
