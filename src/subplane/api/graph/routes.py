"""Microsoft Graph under ``<base>/graph/`` (the metadata's ``graph`` endpoint): ``directoryObjects/getByIds``.

Tokens must be for the Graph audience the metadata advertises (an ARM token is refused here, and a Graph
token at ARM). Every error, an unknown path included, has Graph's shape ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...adapters.tokens import TokenRejected
from ...domain.access import Principal, PrincipalKind
from ..validation import RequestRefused, read_json, read_limited

MAX_IDS = 1000  # Graph's limit for getByIds
_ODATA_TYPES = {PrincipalKind.USER: "user", PrincipalKind.SERVICE_PRINCIPAL: "servicePrincipal"}
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> JSONResponse:
    inner = {"request-id": str(uuid.uuid4()), "client-request-id": str(uuid.uuid4())}
    return JSONResponse({"error": {"code": code, "message": message, "innerError": inner}}, status_code=status)


def _render(found) -> dict:
    kind = _ODATA_TYPES[found.kind]
    body = {"@odata.type": f"#microsoft.graph.{kind}", "id": found.object_id, "displayName": found.display_name}
    if found.kind is PrincipalKind.USER:
        body["userPrincipalName"] = found.name
    else:  # az shows servicePrincipalNames[0] as a service principal's name
        body.update(appId=found.name, servicePrincipalNames=[found.name])
    return body


def _requested_ids(body) -> tuple[list[str], set[str] | None]:
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list) \
            or not all(isinstance(i, str) for i in body["ids"]):
        raise GraphError(400, "Request_BadRequest", "The request body must name 'ids', a list of object ids.")
    if len(body["ids"]) > MAX_IDS:
        raise GraphError(400, "Request_BadRequest", f"At most {MAX_IDS} ids may be asked for at once.")
    types = body.get("types")
    if types is not None and (not isinstance(types, list) or not all(isinstance(t, str) for t in types)):
        raise GraphError(400, "Request_BadRequest", "'types' must be a list of directory object type names.")
    return body["ids"], None if types is None else {t.lower() for t in types}


def install(http: FastAPI, app) -> None:
    router = APIRouter()

    async def principal(request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        try:
            claims = app.token_keys.verify(token.strip(), audiences=app.authority.graph_audiences)
        except TokenRejected as error:
            raise GraphError(401, "InvalidAuthenticationToken", error.message) from None
        return Principal(claims.object_id, claims.name,
                         PrincipalKind.SERVICE_PRINCIPAL if claims.is_app else PrincipalKind.USER)

    @router.post("/graph/v1.0/directoryObjects/getByIds", include_in_schema=False)
    async def get_by_ids(request: Request):
        try:
            actor = await principal(request)
            body = read_json(await read_limited(request))
            ids, types = _requested_ids(body)
        except GraphError as error:
            return _error(error.status, error.code, error.message)
        except RequestRefused as error:
            return _error(400, "Request_BadRequest", error.message)
        found = await run_in_threadpool(app.identity.directory_objects, actor, ids)
        order = {object_id.lower(): n for n, object_id in enumerate(ids)}
        found = sorted((f for f in found if types is None or _ODATA_TYPES[f.kind].lower() in types),
                       key=lambda f: order.get(f.object_id.lower(), 0))
        return JSONResponse({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
                             "value": [_render(f) for f in found]})

    @router.api_route("/graph/{rest:path}", methods=_METHODS, include_in_schema=False)
    async def unknown(rest: str):
        return _error(404, "Request_ResourceNotFound", f"Resource '/{rest}' does not exist or one of its queried "
                                                       "reference-property objects are not present.")

    http.include_router(router)
