"""The ARM endpoint as one ASGI route: ids and headers, api-version, bearer token, throttle, dispatch.

It is inserted into the FastAPI app's route list (inside every middleware, so request logs and metrics
see ARM calls) and claims the paths that start with ARM's top-level segments, in any case.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from ...adapters.tokens import TokenRejected
from ...domain.access import Action, Principal, PrincipalKind
from ...domain.errors import DomainError
from ...domain.throttle import kind_of
from ..lanes import Lane
from ..origin import public_base
from ..validation import RequestRefused, is_guid, read_json, read_limited, require_storable, validate
from . import versions
from .errors import ArmError, from_domain
from .routing import ArmRequest, ArmResponse, ArmRouter, lro

log = logging.getLogger("subplane.arm")
UNTHROTTLED_REMAINING = "11999"
_WRITE_METHODS = ("PUT", "PATCH", "POST", "DELETE")
_REPEATED_SLASHES = re.compile(r"/{2,}")
ARM_PREFIXES = ("/subscriptions", "/providers/", "/tenants", "/metadata/endpoints", "/locations")


class ArmApi:
    def __init__(self, app, keys, router: ArmRouter, *, policy: str, throttle, page_size: int, reads: Lane,
                 writes: Lane) -> None:
        self.app, self.keys, self.router = app, keys, router
        self.reads, self.writes = reads, writes
        self.policy, self.throttle, self.page_size = policy, throttle, page_size
        self._tenants: set[str] = set()

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        headers = self._ids(request)
        try:
            response = await self._handle(request, headers)
        except ArmError as error:
            response = ArmResponse(error.status, error.body(), error.headers)
        except RequestRefused as error:
            response = ArmResponse(400, ArmError(400, error.code, error.message).body())
        except DomainError as error:
            mapped = from_domain(error)
            if error.code == "AuthorizationFailed" and request.scope.get("arm_route") is not None:
                mapped.message = _authorization_message(error, request)
            response = ArmResponse(mapped.status, mapped.body())
        await self._send(response, headers, request.method)(scope, receive, send)

    @staticmethod
    def _ids(request: Request) -> dict[str, str]:
        request_id = str(uuid.uuid4())
        # the request middleware's id (the client's header, else a new one): the response, the logs and the activity
        # log all carry the same
        correlation = (getattr(request.state, "correlation_id", None)
                       or request.headers.get("x-ms-correlation-request-id") or str(uuid.uuid4()))
        headers = {
            "x-ms-request-id": request_id, "x-ms-correlation-request-id": correlation,
            "x-ms-routing-request-id": f"LOCAL:{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}:{request_id}",
            "Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1",
        }
        if client_request := request.headers.get("x-ms-client-request-id"):
            headers["x-ms-client-request-id"] = client_request
        return headers

    async def _handle(self, request: Request, headers: dict[str, str]) -> ArmResponse:
        path = request.url.path
        route, params = self.router.match(request.method, path)
        request.scope["arm_route"] = (route, params)
        query = {k.lower(): v for k, v in request.query_params.items()}
        versions.check(route.area, query.get("api-version"), self.policy, route.resource_type)
        if "sub" in params and not is_guid(params["sub"]):
            raise ArmError(400, "InvalidSubscriptionId",
                           f"The provided subscription identifier '{params['sub']}' is malformed or invalid.")
        base = public_base(self.app, request)
        principal = None if route.anonymous else await self._principal(request)
        request.state.principal = principal  # the request log and metrics name who called
        raw = await read_limited(request)  # every body is bounded, read or not

        def dispatch():  # one trip to a lane's thread: the throttle's bucket is a database write
            self._throttle(request.method, principal, params, headers)
            body = read_json(raw)  # and well-formed
            model = validate(route.body, body) if route.body else None
            require_storable(body)
            ctx = ArmRequest(self.app, request.method, path, params, query, principal, base, query["api-version"],
                             self.page_size, model)
            if request.method in _WRITE_METHODS and not route.anonymous:
                failed = self._injected_failure(ctx, route)
                if failed is not None:
                    return failed
            return route.handler(ctx)

        result = await (self.writes if request.method in _WRITE_METHODS else self.reads).run(dispatch)
        if isinstance(result, ArmResponse):
            return result
        return ArmResponse(200, result)

    def _injected_failure(self, ctx: ArmRequest, route) -> ArmResponse | None:
        """An emulator fault waiting for this operation on a resource: a long-running operation (VM power
        actions, VM and group deletes) is accepted and then fails; any other call fails at once with the
        fault's error. Nothing changes. A caller who may not do the call gets the handler's own refusal."""
        if "rg" not in ctx.params:  # faults are for resources and groups, not subscriptions or the tenant
            return None
        operation = arm_action(route, ctx.method, ctx.params, ctx.path)
        if not self.app.faults.waiting(operation):
            return None
        action = Action.DELETE if ctx.method == "DELETE" else Action.WRITE
        try:
            self.app.subscriptions.authorize(actor=ctx.actor, ref=ctx.params["sub"], action=action, scope=ctx.path)
        except DomainError:
            return None
        target = ctx.path.rsplit("/", 1)[0] if ctx.method == "POST" else ctx.path  # the resource, not its action
        taken = self.app.faults.fail_next(operation, actor=ctx.actor, subscription_id=ctx.params["sub"].lower(),
                                          target=target)
        if taken is None:
            return None
        operation_id, fault = taken
        log.info("injected fault %s for %s (operation %s)", fault.code, operation, operation_id)
        if route.lro:
            return lro(ctx, route.lro, 202, operation=operation_id)
        raise ArmError(409, fault.code, fault.message)

    async def _principal(self, request: Request) -> Principal:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._unauthorised("AuthenticationFailed",
                                     "Authentication failed. The 'Authorization' header is missing.")
        try:
            claims = self.keys.verify(token.strip(), audiences=self.app.authority.arm_audiences)
        except TokenRejected as error:
            raise self._unauthorised(error.code, error.message) from None
        if claims.tenant_id not in self._tenants:
            known = {t["tenant_id"] for t in await self.reads.run(self.app.identity.tenants)}
            self._tenants = known
            if claims.tenant_id not in known:
                raise self._unauthorised("InvalidAuthenticationTokenTenant",
                                         f"The access token is from the wrong issuer. Tenant '{claims.tenant_id}' "
                                         "is not known to this directory.")
        kind = PrincipalKind.SERVICE_PRINCIPAL if claims.is_app else PrincipalKind.USER
        return Principal(claims.object_id, claims.name, kind)

    def _unauthorised(self, code: str, message: str) -> ArmError:
        """401 with the challenge ARM sends; the authorization URI is the configured authority's."""
        tenant = next(iter(self._tenants)) if len(self._tenants) == 1 else "common"
        description = "".join(c if " " <= c <= "~" and c != '"' else "'" for c in message)  # a quoted ASCII value
        challenge = (f'Bearer authorization_uri="{self.app.authority.authorization_uri(tenant)}", '
                     f'error="invalid_token", error_description="{description}"')
        return ArmError(401, code, message, headers={"WWW-Authenticate": challenge})

    def _throttle(self, method: str, principal: Principal | None, params: dict, headers: dict[str, str]) -> None:
        kind = kind_of(method)
        scope = params.get("sub")
        level = "subscription" if scope else "tenant"
        if self.throttle is None:  # clients still see the header ARM always sends
            headers[f"x-ms-ratelimit-remaining-{level}-{kind}"] = UNTHROTTLED_REMAINING
            return
        taken = self.throttle.take(principal.principal_id if principal else "anonymous", (scope or "tenant").lower(), kind)
        headers[f"x-ms-ratelimit-remaining-{level}-{kind}"] = str(taken.remaining)
        if not taken.allowed:
            raise ArmError(429, "TooManyRequests",
                           f"The request is throttled: the {kind} limit for this principal and {level} is exhausted. "
                           f"Retry after {taken.retry_after} second(s).", headers={"Retry-After": str(taken.retry_after)})

    @staticmethod
    def _send(response: ArmResponse, headers: dict[str, str], method: str) -> Response:
        merged = {**headers, **response.headers}
        if response.body is None or method == "HEAD":
            return Response(status_code=response.status, headers=merged)
        content = _encoded(response.body)
        return Response(content, status_code=response.status, headers=merged,
                        media_type="application/json; charset=utf-8")


def _encoded(body) -> bytes:
    """Compact JSON, UTF-8: orjson, about ten times the standard library's speed (issue 14); the standard library
    for what orjson refuses (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


_GENERIC_SUFFIX = {"*/read": "read", "*/write": "write", "*/delete": "delete"}


def arm_action(route, method: str, params: dict, path: str) -> str:
    """The ARM operation string for a refused call, e.g. ``Microsoft.Compute/virtualMachines/start/action``."""
    rtype = route.resource_type or ("Microsoft.Resources/subscriptions/resourceGroups" if "rg" in params
                                    else "Microsoft.Resources/subscriptions")
    if method == "POST":
        verb = params.get("action") or path.rstrip("/").rpartition("/")[2]
        return f"{rtype}/{verb}/action"
    return f"{rtype}/{'read' if method in ('GET', 'HEAD') else 'delete' if method == 'DELETE' else 'write'}"


def _authorization_message(error: DomainError, request: Request) -> str:
    action = error.params.get("action", "")
    if action in _GENERIC_SUFFIX:
        route, params = request.scope["arm_route"]
        action = arm_action(route, request.method, params, request.url.path)
    principal = error.params.get("principal", "")
    return (f"The client '{principal}' with object id '{error.params.get('principal_id', principal)}' does not have "
            f"authorization to perform action '{action}' over scope '{error.params.get('scope', '')}' or the scope "
            "is invalid. If access was recently granted, please refresh your credentials.")


class ArmRoute(BaseRoute):
    """Claims ARM's top-level paths (case-insensitively) for ``ArmApi``."""

    def __init__(self, api: ArmApi) -> None:
        self.api = api

    def matches(self, scope):
        if scope["type"] != "http":
            return Match.NONE, {}
        path = _REPEATED_SLASHES.sub("/", scope["path"])  # ARM collapses them: a base URL ending in / still works
        if path.lower().startswith(ARM_PREFIXES):
            return Match.FULL, {"path": path}
        return Match.NONE, {}

    async def handle(self, scope, receive, send) -> None:
        await self.api(scope, receive, send)

    def url_path_for(self, name, /, **path_params):  # pragma: no cover - ARM routes are not named
        from starlette.routing import NoMatchFound

        raise NoMatchFound(name, path_params)
