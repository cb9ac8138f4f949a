"""`subplane serve`: the job runner and the HTTP endpoints in one long-running process."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ..services import demo as demo_data
from .common import CliContext, command
from .render import console

commands = typer.Typer()


@command(commands, "serve")
def serve(
    *,
    cli: CliContext,
    host: Annotated[str, typer.Option(envvar="SUBPLANE_HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="SUBPLANE_PORT", help="Port to listen on.")] = 8443,
    demo: Annotated[bool, typer.Option("--demo", help="Seed the demo data first (idempotent).")] = False,
    log_level: Annotated[str, typer.Option(envvar="SUBPLANE_LOG_LEVEL", help="debug, info, warning, error.")] = "info",
) -> None:
    """Run Subplane: background jobs and the HTTP endpoints."""
    import uvicorn

    from ..api.server import create_http_app

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = cli.app
    if demo:
        from .operations import print_demo

        print_demo(cli, demo_data.seed(app))
    console.print(f"Subplane {app.settings.mode} mode, data in {app.settings.data_dir}, "
                  f"database {app.engine.dialect.name}")
    console.print(f"Health: http://{host}:{port}/_subplane/health")
    console.print("Try: [bold]subplane subscriptions list[/] in another terminal. Stop with Ctrl+C.")
    uvicorn.run(create_http_app(app), host=host, port=port, log_level=log_level.lower())
