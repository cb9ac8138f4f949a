"""A small case-insensitive router for ARM paths, the request context handlers get, and paging/LRO helpers.

ARM paths, provider namespaces and literal segments are case-insensitive (``/resourcegroups/`` and
``/resourceGroups/`` both arrive), so patterns compile to one ``re.IGNORECASE`` regex each; parameter
values keep the caller's spelling.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pydantic import BaseModel

from ...domain.access import Principal
from ..validation import whole_number
from .errors import ArmError
from .lro_operations import LRO_OPERATIONS, FinalLocation

if TYPE_CHECKING:  # the composition root, as the handlers see it: its typed services
    from ...bootstrap import App

_PARAM = re.compile(r"\{(\w+)\}")
# Operations finish synchronously; LRO answers still carry polling headers so clients follow ARM's protocol.
# retry-after-ms keeps the SDK's first poll short; Retry-After stays >= 1 for clients that only read it.
LRO_RETRY_AFTER = "1"
LRO_RETRY_AFTER_MS = "50"
MAX_PAGE_PARAMETER = 1_000_000_000  # $top and $skiptoken (an offset into the list): far past any real list


@dataclass
class ArmRequest:
    app: App
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]  # keys lower-cased
    principal: Principal | None
    base_url: str
    api_version: str
    page_size: int = 100
    model: Any = None  # the body, validated as the route's schema (``Route.body``)

    @property
    def actor(self) -> Principal:
        """The authenticated caller. Only anonymous routes (metadata) run without one, and they never ask."""
        if self.principal is None:
            raise ArmError(401, "AuthenticationFailed", "Authentication failed: no access token was presented.")
        return self.principal

    def q(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name.lower(), default)

    def flag(self, name: str) -> bool:
        return (self.q(name) or "").lower() == "true"



@dataclass
class ArmResponse:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ArmRequest], ArmResponse | dict | list | None]


@dataclass(frozen=True)
class Route:
    method: str
    regex: re.Pattern
    handler: Handler
    area: str
    resource_type: str
    anonymous: bool = False
    lro: str = ""  # the LRO_OPERATIONS key of a polled operation: an injected fault fails it asynchronously
    body: type[BaseModel] | None = None  # the schema of the body it reads; None: it reads none
    pattern: str = ""  # as registered, e.g. /subscriptions/{sub}/resourcegroups/{rg} (the fuzz tests fill it in)


def compile_pattern(pattern: str) -> re.Pattern:
    parts, position = [], 0
    for match in _PARAM.finditer(pattern):
        parts.append(re.escape(pattern[position:match.start()]))
        parts.append(f"(?P<{match.group(1)}>[^/]+)")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    return re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)


class ArmRouter:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(self, method: str, pattern: str, *, area: str, resource_type: str = "", anonymous: bool = False,
              lro: str = "", body: type[BaseModel] | None = None):
        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, compile_pattern(pattern), handler, area, resource_type, anonymous, lro,
                                     body, pattern))
            return handler

        return register

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        path_matched = False
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            path_matched = True
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, found.groupdict()
        if path_matched:
            raise ArmError(405, "MethodNotAllowed", f"The method '{method}' is not supported for '{path}'.")
        raise ArmError(404, "InvalidResourceType" if "/providers/" in path.lower() else "NotFound",
                       f"The resource path '{path}' is not known to this ARM endpoint.")


def page(ctx: ArmRequest, items: list[Any]) -> dict:
    """``{"value": [...], "nextLink": absolute URL with api-version}`` with ``$top`` and ``$skiptoken``."""
    top = whole_number("$top", ctx.q("$top"), default=len(items), maximum=MAX_PAGE_PARAMETER)
    items = items[:top]
    offset = whole_number("$skiptoken", ctx.q("$skiptoken"), default=0, maximum=MAX_PAGE_PARAMETER)
    chunk = items[offset: offset + ctx.page_size]
    body: dict = {"value": chunk}
    if offset + ctx.page_size < len(items):
        body["nextLink"] = next_link(ctx, offset + ctx.page_size)
    return body


def next_link(ctx: ArmRequest, skiptoken: object) -> str:
    """The request's own URL (every other query parameter kept) asking for the page at ``skiptoken``."""
    query = {k: v for k, v in ctx.query.items() if k not in ("api-version", "$skiptoken")}
    return f"{ctx.base_url}{ctx.path}?{urlencode({'api-version': ctx.api_version, **query, '$skiptoken': str(skiptoken)})}"


def lro(ctx: ArmRequest, kind: str, status: int, body: Any = None, *, subscription: str | None = None,
        operation: str | None = None) -> ArmResponse:
    """The first answer of the long-running operation ``kind`` (a key of ``LRO_OPERATIONS``) for work that is
    already done: ``status`` must be one the operation declares, and the polling headers are those its spec's
    final-state rule implies; the first poll says Succeeded (or Failed, for an ``operation`` a fault failed).

    Polling URLs live under a subscription: the request's, else ``subscription`` (e.g. one just created)."""
    facts = LRO_OPERATIONS[kind]
    if status not in facts.initial_codes:
        raise ValueError(f"{kind} declares {sorted(facts.initial_codes)}, not {status}")
    operation = operation or uuid.uuid4().hex
    subscription = ctx.params.get("sub") or subscription or "00000000-0000-0000-0000-000000000000"
    base = f"{ctx.base_url}/subscriptions/{subscription}"
    headers = {"Retry-After": LRO_RETRY_AFTER, "retry-after-ms": LRO_RETRY_AFTER_MS}
    if facts.status_monitor:
        headers["Azure-AsyncOperation"] = (f"{base}/providers/Microsoft.Resources/operationStatuses/{operation}"
                                           f"?api-version={ctx.api_version}")
    if facts.location is FinalLocation.RESULT:
        headers["Location"] = f"{base}/operationresults/{operation}?api-version={ctx.api_version}"
    elif facts.location is FinalLocation.RESOURCE:
        headers["Location"] = f"{ctx.base_url}{ctx.path}?api-version={ctx.api_version}"
    return ArmResponse(status, body, headers)
