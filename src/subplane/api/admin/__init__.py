"""Operability on the HTTP app: request middleware, metrics, and the emulator controls under /_subplane."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ...services.request_log import RequestLog
from .clock import ClockAdvances
from .metrics import CONTENT_TYPE, Metrics
from .middleware import RequestMiddleware
from .routes import EmulatorOnly, OperatorRefused, admin_router, error_response


@dataclass
class Operability:
    metrics: Metrics
    request_log: RequestLog
    advances: ClockAdvances


def install(http: FastAPI, app) -> Operability:
    ops = Operability(Metrics(app), app.request_log, ClockAdvances(app))
    http.add_middleware(RequestMiddleware, request_log=ops.request_log, metrics=ops.metrics)

    @http.exception_handler(EmulatorOnly)
    async def emulator_only(request: Request, _: EmulatorOnly) -> JSONResponse:
        return JSONResponse(status_code=403, content={"error": {
            "code": "EmulatorOnly",
            "message": f"{request.method} {request.url.path} is an emulator control; this Subplane runs in "
                       "production mode (start it with --mode emulator to use it)."}})

    @http.exception_handler(OperatorRefused)
    async def operator_refused(_: Request, refused: OperatorRefused) -> JSONResponse:
        answer = error_response(refused.error)
        answer.headers["WWW-Authenticate"] = 'Bearer realm="subplane-operator"'
        return answer

    @http.get("/_subplane/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(ops.metrics.render(), media_type=CONTENT_TYPE)

    http.include_router(admin_router(app, advances=ops.advances, request_log=ops.request_log))
    http.state.operability = ops
    return ops
