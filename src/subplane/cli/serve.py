"""`subplane serve`: the job runner and the HTTP endpoints in one long-running process."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..domain.errors import Conflict
from . import connection
from .common import CliContext, command, command_group
from .render import console, errors

if TYPE_CHECKING:  # uvicorn is imported only when serve runs
    import uvicorn

commands = command_group()


@command(commands, "serve", creates=True)
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
    tls_cert: Annotated[Path | None, typer.Option(envvar="SUBPLANE_TLS_CERT", help="Your own server certificate (PEM, "
                                                  "chain included); default: one issued by Subplane's local CA.")] = None,
    tls_key: Annotated[Path | None, typer.Option(envvar="SUBPLANE_TLS_KEY", help="The key of --tls-cert (PEM).")] = None,
    hostname: Annotated[list[str] | None, typer.Option("--hostname", help="Extra DNS name or IP for the local "
                                                        "certificate (repeatable).")] = None,
    api_version_policy: Annotated[str | None, typer.Option(envvar="SUBPLANE_API_VERSION_POLICY", help="strict: only "
                                                           "api-versions real clients send; lenient: any well-formed one.")] = None,
    public_url: Annotated[list[str] | None, typer.Option(
        "--public-url", envvar="SUBPLANE_PUBLIC_URL", help="Base URL clients use (repeatable or comma-separated; the "
        "first is the token issuer's). Default: https://<host>:<port> of this bind.")] = None,
    trusted_proxy: Annotated[list[str] | None, typer.Option(
        "--trusted-proxy", envvar="SUBPLANE_TRUSTED_PROXIES", help="Client IP or network whose X-Forwarded-Host/Proto "
        "are believed (repeatable or comma-separated). Default: none.")] = None,
) -> None:
    """Run Subplane: background jobs and the HTTP endpoints. Each start-up step is told on stderr as it begins."""
    from .. import logs
    from .admin import open_app, serving_settings

    settings = serving_settings(
        cli, demo=demo, mode=mode, log_level=log_level.upper(), log_format=log_format,
        runner_interval_seconds=runner_interval, request_log_size=request_log_size, smtp_host=smtp_host,
        smtp_port=smtp_port, smtp_from=smtp_from, smtp_username=smtp_username, smtp_password=smtp_password,
        smtp_starttls=smtp_starttls, webhook_retry_seconds=webhook_retry_seconds, webhook_max_attempts=webhook_max_attempts,
        api_version_policy=api_version_policy, host=host, port=port, public_urls=public_url or None,
        trusted_proxies=trusted_proxy or None)  # what serve binds also decides who needs the operator key
    logs.configure(settings.log_level, settings.log_format)
    url = settings.public_base_urls[0]
    claim = DataDirClaim.take(settings, url)  # before anything else: a second server on it is refused at once
    try:
        ensure_port_free(host, port)
        logging.getLogger(__name__).debug("starting", extra={"mode": settings.mode})
        step(f"Opening the database ({_shown_url(settings.effective_database_url)}) and bringing its schema up to date")
        app = open_app(cli, settings)
        step(f"Database ready: {app.engine.dialect.name}, {app.settings.mode} mode, data in {app.settings.data_dir}")
        if demo:
            from .. import demo as demo_data
            from .operations import print_demo

            step("Seeding the demo data (idempotent)")
            print_demo(cli, demo_data.seed(app))
        step("Loading the signing keys and the TLS certificate")
        tls = serving_tls(app, tls_cert, tls_key, tuple(hostname or ()))
        details = connection.connection_details(app.settings.data_dir, url, tls.ca, _tenant_id(app))
        details["portalUrl"] = f"{url}/portal/"  # the web portal (issue 5)
        details["pid"] = os.getpid()  # whose file it is: only this process removes it
        if app.settings.emulator:
            details["operatorKey"] = app.operator.key()
        step(f"Starting the HTTP server on {host}:{port}")
        _run_http(app, details, tls, host=host, port=port, log_level=log_level)
    finally:
        connection.remove_connection(settings.data_dir, os.getpid())
        claim.release()


def step(text: str) -> None:
    """One start-up step, as it begins: on stderr, so the start-up story never mixes with what scripts read."""
    errors.print(f"[dim]serve:[/] {escape(text)}", highlight=False)


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _run_http(app, details: dict, tls, *, host: str, port: int, log_level: str) -> None:
    import uvicorn

    from ..api.server import create_http_app

    url = details["armEndpoint"]

    def listening() -> None:  # connection.json is written only once the port answers: it names a live server
        step(f"Listening on {url}")
        console.print(f"ARM endpoint and authority: {url}  (CA: {tls.ca or 'your own certificate'})")
        console.print(f"Connection details: {connection.write_connection(app.settings.data_dir, details)}; "
                      "for the SDK: eval \"$(subplane env)\"; for az: subplane az-login")
        console.print(f"Health: {url}/_subplane/health")
        if app.settings.emulator:
            print_operator_key(app, details["operatorKey"])
        console.print(f"Portal: {url}/portal/  (open it in a browser; the demo users are in the README)")
        console.print("Try: [bold]subplane subscriptions list[/] in another terminal. Stop with Ctrl+C.")

    config = uvicorn.Config(create_http_app(app), **uvicorn_options(tls, host=host, port=port, log_level=log_level))
    # uvicorn shuts down gracefully on SIGTERM and then raises it again; exiting through Python (not the
    # default action, which kills at once) lets serve's clean-up run.
    signal.signal(signal.SIGTERM, _exit_quietly)
    _announcing_server(config, listening).run()


def uvicorn_options(tls, *, host: str, port: int, log_level: str) -> dict:
    """The keyword arguments of ``uvicorn.Config`` for serving: one place, so that benchmarks/bare_app.py serves
    its baseline on exactly the server stack, TLS and log settings Subplane runs on."""
    return dict(host=host, port=port, log_level=log_level.lower(), log_config=None,
                ssl_certfile=str(tls.cert), ssl_keyfile=str(tls.key), proxy_headers=False,  # only trusted proxies
                access_log=False,  # our middleware logs each request, with correlation id and principal
                loop=_EVENT_LOOP, http="httptools")  # C event loop and HTTP parser (issue 14)


# uvloop has no Windows build; there the standard library's loop serves
_EVENT_LOOP = "asyncio" if sys.platform == "win32" else "uvloop"


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


def _announcing_server(config: uvicorn.Config, on_listening: Callable[[], None]) -> uvicorn.Server:
    """uvicorn's server, calling ``on_listening`` once its sockets accept connections."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:
                on_listening()

    return Server(config)


class DataDirClaim:
    """``<data-dir>/serve.lock``, locked by the serving process (``flock``: the lock ends with the process,
    even a crashed one) and naming its pid and URL. Only the embedded SQLite database is claimed: processes
    sharing a PostgreSQL database each have a data directory of their own and need no claim."""

    FILE = "serve.lock"

    def __init__(self, handle) -> None:
        self._handle = handle

    @classmethod
    def take(cls, settings, url: str) -> DataDirClaim:
        if settings.database_url is not None and not settings.database_url.startswith("sqlite"):
            return cls(None)
        import fcntl

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(settings.data_dir / cls.FILE, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = _holder(handle.read())
            handle.close()
            raise Conflict("DataDirectoryInUse",
                           f"{settings.data_dir} is already served by {holder}. Stop that server, or give this one "
                           "another --data-dir.", data_dir=str(settings.data_dir)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "url": url}) + "\n")
        handle.flush()
        return cls(handle)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.truncate(0)  # the lock file stays (unlinking it would race a starting server)
            self._handle.close()
            self._handle = None


def _holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return f"process {holder['pid']} at {holder['url']}"
    except (ValueError, KeyError, TypeError):
        return "another subplane serve process"


def print_operator_key(app, key: str) -> None:
    console.print(f"Operator key (also in connection.json): {key}")
    if app.settings.listens_on_loopback:
        console.print("  The emulator controls (/_subplane) are open from this machine: serve listens on loopback.")
    else:
        console.print("  The emulator controls (/_subplane) need it: send 'Authorization: Bearer <key>' or "
                      "'x-subplane-operator-key: <key>'.")


def serving_tls(app, cert: Path | None, key: Path | None, hostnames: tuple[str, ...]):
    """The operator's certificate when given, else one from the installation's local CA (made on first start)."""
    from ..adapters.tls import TlsFiles, ensure_certificates
    from ..domain.errors import InvalidInput

    if cert or key:
        if not (cert and key):
            raise InvalidInput("InvalidTlsSettings", "--tls-cert and --tls-key go together.")
        return TlsFiles(cert, key, None)
    return ensure_certificates(app.settings.data_dir, app.installation.local_ca(), hostnames)


def _tenant_id(app) -> str | None:
    tenants = app.identity.tenants()
    return tenants[0]["tenant_id"] if len(tenants) == 1 else None


def ensure_port_free(host: str, port: int) -> None:
    """Refuse at once, before seeding or printing anything, when another process holds the port."""
    import socket

    from ..domain.errors import InvalidInput

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise InvalidInput(
                "PortInUse",
                f"Port {port} on {host} is already in use (is Subplane already running?). "
                "Stop that process, or choose another port with --port.",
            ) from None
