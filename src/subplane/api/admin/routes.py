"""The emulator's control endpoints under ``/_subplane``: clock, reset, snapshot, outbox, messages,
webhooks, injected faults and the request log. In production mode every one of them answers 403 ``EmulatorOnly``;
in emulator mode a caller who needs the operator key (``services/operator_access.py``) and does not send
it gets 401 ``OperatorCredentialRequired`` and nothing is done."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from ...clock import parse_instant
from ...domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from ...services.operator_access import KEY_HEADER, presented_key
from ...services.request_log import RequestLog
from ..validation import MAX_INTEGER, json_body, openapi_body
from .clock import ClockAdvances
from .schemas import ClockRequest, FaultRequest, Limit, ResetRequest, Text, WebhookRequest

STATUS = {InvalidInput: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409}


def error_response(error: DomainError) -> JSONResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 500)
    return JSONResponse({"error": {"code": error.code, "message": error.message}}, status_code=status)


class EmulatorOnly(Exception):
    """Raised by the router dependency in production mode; rendered as 403 by ``install``."""


class OperatorRefused(Exception):
    """Raised by the router dependency for a caller without the operator key; rendered as 401 by ``install``."""

    def __init__(self, error: Unauthenticated) -> None:
        super().__init__(error.message)
        self.error = error


def renders_errors(endpoint):
    @functools.wraps(endpoint)
    def wrapper(*args, **kwargs):
        try:
            return endpoint(*args, **kwargs)
        except DomainError as error:
            return error_response(error)

    return wrapper


def event_view(row: dict) -> dict:
    return {"id": row["id"], "type": row["type"], "subject": row["subject"], "time": row["instant"].isoformat(),
            "subscriptionId": row["subscription_id"], "data": row["data"]}


def message_view(row: dict) -> dict:
    return {"id": row["id"], "kind": row["kind"], "to": row["recipient"], "language": row["language"],
            "subject": row["subject"], "body": row["body"], "subscriptionId": row["subscription_id"],
            "createdAt": row["created_at"].isoformat(), "status": row["status"],
            "sentAt": row["sent_at"].isoformat() if row["sent_at"] else None, "outboxId": row["outbox_id"]}


def endpoint_view(row: dict, *, with_secret: bool = False) -> dict:
    view = {"id": row["id"], "url": row["url"], "description": row["description"], "active": bool(row.get("active", 1)),
            "format": row.get("format") or "subplane", "createdAt": row["created_at"].isoformat()}
    return {**view, "secret": row["secret"]} if with_secret else view


def delivery_view(row: dict) -> dict:
    return {"id": row["id"], "endpointId": row["endpoint_id"], "url": row["url"], "eventId": row["event_id"],
            "eventType": row["event_type"], "outboxId": row["outbox_id"], "status": row["status"],
            "attempts": row["attempts"], "lastStatusCode": row["last_status_code"], "lastError": row["last_error"],
            "nextAttemptAt": row["next_attempt_at"].isoformat(),
            "deliveredAt": row["delivered_at"].isoformat() if row["delivered_at"] else None}


def admin_router(app, *, advances: ClockAdvances, request_log: RequestLog) -> APIRouter:
    def require_emulator() -> None:
        if not app.settings.emulator:
            raise EmulatorOnly()

    def require_operator(request: Request) -> None:
        credential = presented_key(request.headers.get("authorization"), request.headers.get(KEY_HEADER))
        try:
            app.operator.require(request.client.host if request.client else None, credential)
        except Unauthenticated as error:
            raise OperatorRefused(error) from None

    router = APIRouter(prefix="/_subplane", dependencies=[Depends(require_emulator), Depends(require_operator)],
                       tags=["emulator"])

    @router.get("/clock")
    @renders_errors
    def clock_status() -> dict:
        return advances.describe()

    @router.post("/clock", openapi_extra=openapi_body(ClockRequest))
    @renders_errors
    def clock_advance(response: Response, body: ClockRequest = json_body(ClockRequest)):
        advances.start(advances.requested(body.model_dump()))
        finished = advances.wait(body.wait)
        answer = advances.describe()
        if not finished:
            response.status_code = 202
            response.headers["Location"] = "/_subplane/clock"
        elif answer["status"] == "failed":
            response.status_code = 500
        return answer

    @router.post("/reset", openapi_extra=openapi_body(ResetRequest))
    @renders_errors
    def reset(body: ResetRequest = json_body(ResetRequest)) -> dict:
        demo = app.snapshots.reset(demo=body.demo, at=parse_instant(body.at) if body.at else None)
        return {"status": "reset", "now": app.clock_control.now().isoformat(), "demo": demo}

    @router.get("/snapshot")
    @renders_errors
    def snapshot_export() -> Response:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "snapshot.zip"
            manifest = app.snapshots.export(path)
            content = path.read_bytes()
        name = f"subplane-snapshot-{manifest['exportedAt'][:10]}.zip"
        return Response(content, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @router.post("/snapshot")
    async def snapshot_import(request: Request):
        content = await request.body()
        return _import(content)

    @renders_errors
    def _import(content: bytes):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "snapshot.zip"
            path.write_bytes(content)
            manifest = app.snapshots.import_(path)
        return {"status": "imported", "manifest": manifest}

    @router.get("/outbox")
    @renders_errors
    def outbox(subscription: Text = None, after: int = Query(0, ge=0, le=MAX_INTEGER), limit: Limit = 500) -> dict:
        from ...adapters.db.ops_repo import OpsRepo

        with app.uow(read_only=True) as uow:
            rows = OpsRepo(uow.conn).outbox_list(subscription_id=subscription, after=after, limit=limit)
        return {"value": [event_view(r) for r in rows]}

    @router.get("/outbox/messages")
    @renders_errors
    def messages(subscription: Text = None, limit: Limit = 500) -> dict:
        app.notifications.render_new()  # what has been committed is visible at once, runner or not
        return {"value": [message_view(r) for r in app.notifications.list(subscription_id=subscription, limit=limit)]}

    @router.get("/requests")
    def requests(limit: Limit = 100) -> dict:
        return {"value": request_log.newest_first(limit)}

    @router.get("/webhooks")
    def webhooks() -> dict:
        return {"value": [endpoint_view(r) for r in app.webhooks.list()]}

    @router.post("/webhooks", status_code=201, openapi_extra=openapi_body(WebhookRequest))
    @renders_errors
    def add_webhook(body: WebhookRequest = json_body(WebhookRequest)):
        endpoint = app.webhooks.add(url=body.url, secret=body.secret, description=body.description, format=body.format)
        return JSONResponse(endpoint_view(endpoint, with_secret=True), status_code=201)

    @router.delete("/webhooks/{endpoint_id}", status_code=204)
    @renders_errors
    def disable_webhook(endpoint_id: str):
        app.webhooks.set_active(endpoint_id, False)
        return Response(status_code=204)

    @router.get("/webhooks/deliveries")
    def deliveries(endpoint: Text = None, limit: Limit = 200) -> dict:
        return {"value": [delivery_view(r) for r in app.webhooks.deliveries(endpoint_id=endpoint, limit=limit)]}

    @router.get("/faults")
    def faults() -> dict:
        return {"value": [fault_view(f) for f in app.faults.list()]}

    @router.post("/faults", status_code=201, openapi_extra=openapi_body(FaultRequest))
    @renders_errors
    def add_fault(body: FaultRequest = json_body(FaultRequest)):
        fault = app.faults.add(operation=body.operation, code=body.code, message=body.message, count=body.count)
        return JSONResponse(fault_view(fault), status_code=201)

    @router.delete("/faults", status_code=204)
    @renders_errors
    def clear_faults():
        app.faults.clear()
        return Response(status_code=204)

    return router


def fault_view(fault) -> dict:
    return {"id": fault.fault_id, "operation": fault.operation, "code": fault.code, "message": fault.message,
            "remaining": fault.remaining, "createdAt": fault.created_at.isoformat()}
