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
    mode: Annotated[str | None, typer.Option(envvar="SUBPLANE_MODE", help="emulator (simulated clock, admin "
                                             "endpoints) or production (system clock, no emulator controls).")] = None,
    log_format: Annotated[str | None, typer.Option(envvar="SUBPLANE_LOG_FORMAT", help="json (lines) or text.")] = None,
    runner_interval: Annotated[float | None, typer.Option(envvar="SUBPLANE_RUNNER_INTERVAL",
                                                          help="Seconds between due-job sweeps.")] = None,
    request_log_size: Annotated[int | None, typer.Option(envvar="SUBPLANE_REQUEST_LOG_SIZE",
                                                         help="Requests kept in the request log.")] = None,
    smtp_host: Annotated[str | None, typer.Option(envvar="SUBPLANE_SMTP_HOST", help="Send e-mail via this SMTP server.")] = None,
    smtp_port: Annotated[int | None, typer.Option(envvar="SUBPLANE_SMTP_PORT", help="SMTP port (25).")] = None,
    smtp_from: Annotated[str | None, typer.Option(envvar="SUBPLANE_SMTP_FROM", help="Sender address.")] = None,
    smtp_username: Annotated[str | None, typer.Option(envvar="SUBPLANE_SMTP_USERNAME", help="SMTP login.")] = None,
    smtp_password: Annotated[str | None, typer.Option(envvar="SUBPLANE_SMTP_PASSWORD", show_default=False,
                                                      help="SMTP password (prefer the environment variable).")] = None,
    smtp_starttls: Annotated[bool | None, typer.Option("--smtp-starttls/--no-smtp-starttls", envvar="SUBPLANE_SMTP_STARTTLS",
                                                       help="Upgrade the SMTP connection with STARTTLS.")] = None,
    webhook_retry_seconds: Annotated[float | None, typer.Option(envvar="SUBPLANE_WEBHOOK_RETRY_SECONDS",
                                                                help="First webhook retry delay; doubles each time.")] = None,
    webhook_max_attempts: Annotated[int | None, typer.Option(envvar="SUBPLANE_WEBHOOK_MAX_ATTEMPTS",
                                                             help="Attempts before a delivery is abandoned.")] = None,
) -> None:
    """Run Subplane: background jobs and the HTTP endpoints."""
    import uvicorn

    from ..api.server import create_http_app

    from .. import logs
    from .admin import open_app, serving_settings

    settings = serving_settings(
        cli, demo=demo, mode=mode, log_level=log_level.upper(), log_format=log_format,
        runner_interval_seconds=runner_interval, request_log_size=request_log_size, smtp_host=smtp_host,
        smtp_port=smtp_port, smtp_from=smtp_from, smtp_username=smtp_username, smtp_password=smtp_password,
        smtp_starttls=smtp_starttls, webhook_retry_seconds=webhook_retry_seconds, webhook_max_attempts=webhook_max_attempts)
    logs.configure(settings.log_level, settings.log_format)
    logging.getLogger(__name__).debug("starting", extra={"mode": settings.mode})
    app = open_app(cli, settings)
    if demo:
        from .operations import print_demo

        print_demo(cli, demo_data.seed(app))
    console.print(f"Subplane {app.settings.mode} mode, data in {app.settings.data_dir}, "
                  f"database {app.engine.dialect.name}")
    console.print(f"Health: http://{host}:{port}/_subplane/health")
    console.print("Try: [bold]subplane subscriptions list[/] in another terminal. Stop with Ctrl+C.")
    uvicorn.run(create_http_app(app), host=host, port=port, log_level=log_level.lower(), log_config=None,
                access_log=False)  # our middleware logs each request, with correlation id and principal
