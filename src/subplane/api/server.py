"""The long-running process's HTTP app: the health endpoint now; ARM and the portal mount here later."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.responses import RedirectResponse
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import text

from .. import __version__

log = logging.getLogger("subplane.server")


async def _runner_loop(app, state: dict) -> None:
    while True:
        try:
            # an advance whose process died is finished here by whichever process notices first
            await asyncio.to_thread(app.clock_control.resume_stale, before_finish=app.outbox_dispatcher.run_once)
            results = await asyncio.to_thread(app.jobs.run_due)
            state["last_run"] = time.monotonic()
            if results:
                log.info("runner processed %d job(s)", len(results))
            await asyncio.to_thread(app.outbox_dispatcher.run_once)  # after commit: messages, webhooks
        except Exception:  # noqa: BLE001 - keep the runner alive; the error is logged
            log.exception("runner iteration failed")
        await asyncio.sleep(app.settings.runner_interval_seconds)


def telemetry(enabled: bool) -> TelemetryConfig:
    """FastAPI's native OpenTelemetry, on for the providers an operator configured when ``enabled``. Off, FastAPI
    skips the check it otherwise makes on every request (OpenTelemetry's global providers, read through the
    environment: 6 % of a point read's samples under wrk)."""
    return TelemetryConfig() if enabled else TelemetryConfig(tracing=False, metrics=False, logs=False)


def create_http_app(app, *, run_jobs: bool = True) -> FastAPI:
    state: dict = {"last_run": None, "started": time.monotonic()}

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        task = asyncio.create_task(_runner_loop(app, state)) if run_jobs else None
        yield
        if task:
            task.cancel()

    otel = telemetry(app.settings.opentelemetry)
    http = FastAPI(title="Subplane", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                   telemetry=otel)
    from .admin import install as install_operability
    from .validation import install_handlers as install_validation

    install_validation(http)  # refused bodies and parameters: 400 in ARM's error shape
    install_operability(http, app)  # request log, metrics, /_subplane emulator controls (issue 6)

    from .arm import install as install_arm
    from .blob import install as install_blob
    from .graph import install as install_graph
    from .identity import install as install_identity
    from .lanes import Lane

    install_arm(http, app)  # ARM-compatible API (issue 3), first in the route list, case-insensitive paths
    install_blob(http, app)  # blob data plane under /blob/{account}
    install_identity(http, app, app.token_keys, Lane("tokens", app.settings.request_threads))  # OIDC, JWKS, tokens
    install_graph(http, app)  # the Microsoft Graph calls clients make, under /graph/
    from .billing_documents import install as install_billing_documents

    install_billing_documents(http, app)  # Microsoft.Billing's download links, under /billing/documents/

    @http.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/portal/", status_code=307)  # a browser opening the server's address

    @http.api_route("/_subplane/health", methods=["GET", "HEAD"])
    def health(response: Response) -> dict:
        database = "ok"
        try:
            with app.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - reported, not raised
            database = f"error: {type(error).__name__}"
            response.status_code = 503
        with app.uow(read_only=True) as uow:
            next_due = uow.jobs.next_due_at(not_after=uow.now)
            lag = (uow.now - next_due).total_seconds() if next_due else 0.0
            now = uow.now
        return {
            "status": "ok" if database == "ok" else "degraded",
            "version": __version__,
            "mode": app.settings.mode,
            "database": database,
            "backend": app.engine.dialect.name,
            "instance": app.instance,  # which of several processes answered (behind a load balancer)
            "now": now.isoformat(),
            "runnerLagSeconds": lag,
        }

    from ..portal import create_portal

    http.mount("/portal", create_portal(app, telemetry=otel))  # the web portal (issue 5)
    return http
