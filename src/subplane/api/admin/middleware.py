"""Per-request bookkeeping: correlation id, the shared request log, metrics, and a structured log line.

A plain ASGI middleware, so it sees the route FastAPI matched (``scope["route"]``) and the principal
that authentication stored on ``request.state`` (``scope["state"]``) once the request has run.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import UTC, datetime

from ... import logs
from ...services.request_log import RequestLog

log = logging.getLogger("subplane.http")
CORRELATION_HEADERS = (b"x-ms-correlation-request-id", b"x-correlation-id", b"x-ms-client-request-id")
SUBSCRIPTION_IN_PATH = re.compile(r"/subscriptions/([0-9A-Fa-f-]{36})")
ARM_ROOTS = ("subscriptions", "providers", "tenants")
NOT_LOGGED = ("/_subplane/requests", "/_subplane/health", "/_subplane/metrics")


def arm_template(path: str) -> str | None:
    """``/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<vm>/start`` →
    ``/subscriptions/{}/resourcegroups/{}/providers/microsoft.compute/virtualmachines/{}/start``: a bounded label
    for ARM requests, which a router of their own (not a FastAPI route template) serves."""
    parts = [part for part in path.split("/") if part]
    if not parts or parts[0].lower() not in ARM_ROOTS:
        return None
    template, index = [], 0
    while index < len(parts):
        keyword = parts[index].lower()
        template.append(keyword)
        if keyword == "providers" and index + 1 < len(parts):
            template.append(parts[index + 1].lower())
            index += 2
            continue
        if index + 1 < len(parts):
            template.append("{}")
        index += 2
    return "/" + "/".join(template)


def route_label(scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or arm_template(scope.get("path", "")) or "unmatched"


def principal_name(state) -> str | None:
    if state is None:
        return None
    value = state.get("principal") if isinstance(state, dict) else getattr(state, "principal", None)
    if value is None:
        return None
    return str(getattr(value, "name", None) or getattr(value, "principal_id", None) or value)


class RequestMiddleware:
    def __init__(self, asgi_app, *, request_log: RequestLog, metrics) -> None:
        self.app = asgi_app
        self.request_log = request_log
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        correlation = next((headers[h].decode("latin-1") for h in CORRELATION_HEADERS if h in headers), None) \
            or str(uuid.uuid4())
        state = scope.setdefault("state", {})
        if isinstance(state, dict):
            state.setdefault("correlation_id", correlation)
        path = scope.get("path", "")
        match = SUBSCRIPTION_IN_PATH.search(path)
        tokens = (logs.correlation_id.set(correlation), logs.subscription.set(match.group(1) if match else None),
                  logs.principal.set(None))
        status = {"code": 500}
        started = time.perf_counter()
        finished = False

        def finish():
            nonlocal finished
            if not finished:
                finished = True
                self._finish(scope, correlation, status["code"], time.perf_counter() - started, match)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                names = {name.lower() for name, _ in message.get("headers", [])}
                if b"x-ms-correlation-request-id" not in names:
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"], (b"x-ms-correlation-request-id", correlation.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # queued before the response ends, so the client's next request finds it in the log
                finish()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            finish()
            for var, token in zip((logs.correlation_id, logs.subscription, logs.principal), tokens, strict=True):
                var.reset(token)

    def _finish(self, scope, correlation: str, status: int, seconds: float, match) -> None:
        route = route_label(scope)
        method = scope.get("method", "")
        principal = principal_name(scope.get("state"))
        logs.principal.set(principal)
        self.metrics.observe_request(method, route, status, seconds)
        path = scope.get("path", "")
        entry = {"time": datetime.now(UTC), "method": method,
                 "path": path, "route": route, "status": status, "principal": principal,
                 "durationMs": round(seconds * 1000, 2), "correlationId": correlation,
                 "subscription": match.group(1) if match else None}
        if not path.startswith(NOT_LOGGED):
            self.request_log.add(entry)
        log.log(logging.WARNING if status >= 500 else logging.INFO, "%s %s %s", method, path, status,
                extra={"status": status, "durationMs": entry["durationMs"], "route": route})
