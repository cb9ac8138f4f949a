"""Microsoft Graph under ``<base>/graph/`` (the metadata's ``graph`` endpoint): the reads the clients make.

``directoryObjects/getByIds`` (``az role assignment list`` names principals), ``users`` and ``users/{id or
userPrincipalName}``, ``servicePrincipals`` (``$filter`` on ``appId``, ``displayName``, ``id`` or
``servicePrincipalNames/any(c:c eq '…')``, as ``az ad sp show`` asks) and ``servicePrincipals/{id}``, ``me``
for a user's token (``az ad signed-in-user show``) and ``organization``. Everything is read from the
directory service, for the caller's own tenant. Tokens must be for the Graph audience the metadata
advertises (an ARM token is refused here, and a Graph token at ARM). Every error, an unknown path included,
has Graph's shape ``{"error": {"code", "message", "innerError"}}``; the directory is read-only here, so a
write to a known collection is ``Authorization_RequestDenied``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...adapters.tokens import TokenRejected
from ...domain.access import Principal, PrincipalKind
from ...domain.errors import DomainError, Forbidden, NotFound
from ..validation import RequestRefused, read_json, read_limited

MAX_IDS = 1000  # Graph's limit for getByIds
CONTEXT = "https://graph.microsoft.com/v1.0/$metadata#"
_ODATA_TYPES = {PrincipalKind.USER: "user", PrincipalKind.SERVICE_PRINCIPAL: "servicePrincipal"}
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_COLLECTIONS = {"users", "serviceprincipals", "organization", "me", "directoryobjects"}
# $filter clauses the clients send: ``prop eq 'value'``, ``startswith(prop,'value')`` (az ad sp list
# --display-name) and ``servicePrincipalNames/any(c:c eq 'value')`` (az ad sp show)
_EQUALS = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
_STARTS = re.compile(r"^\s*startswith\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)\s*$", re.IGNORECASE)
_ANY_NAME = re.compile(r"^\s*servicePrincipalNames/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$",
                       re.IGNORECASE)
_FILTERABLE = {"users": {"id": "id", "userprincipalname": "userPrincipalName", "displayname": "displayName"},
               "serviceprincipals": {"id": "id", "appid": "appId", "displayname": "displayName"}}


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str) -> JSONResponse:
    inner = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4()),
             "client-request-id": str(uuid.uuid4())}
    return JSONResponse({"error": {"code": code, "message": message, "innerError": inner}}, status_code=status)


def _from_domain(error: DomainError) -> GraphError:
    if isinstance(error, NotFound):
        return GraphError(404, "Request_ResourceNotFound", error.message)
    if isinstance(error, Forbidden):
        return GraphError(403, "Authorization_RequestDenied", error.message)
    return GraphError(400, "BadRequest" if error.code == "DelegatedOnly" else "Request_BadRequest", error.message)


def render_user(found) -> dict:
    """A user as Graph v1.0 answers by default (properties this directory does not hold are null)."""
    return {"businessPhones": [], "displayName": found.display_name, "givenName": None, "jobTitle": None,
            "mail": None, "mobilePhone": None, "officeLocation": None, "preferredLanguage": None, "surname": None,
            "userPrincipalName": found.name, "id": found.object_id}


def render_service_principal(found) -> dict:
    """A service principal (az shows ``servicePrincipalNames[0]``, the application id, as its name)."""
    return {"id": found.object_id, "deletedDateTime": None, "accountEnabled": True, "alternativeNames": [],
            "appDisplayName": found.display_name, "appDescription": None, "appId": found.name,
            "appOwnerOrganizationId": found.tenant_id or None, "appRoleAssignmentRequired": False,
            "description": None, "displayName": found.display_name, "homepage": None, "loginUrl": None,
            "logoutUrl": None, "notes": None, "notificationEmailAddresses": [], "replyUrls": [],
            "servicePrincipalNames": [found.name], "servicePrincipalType": "Application",
            "signInAudience": "AzureADMyOrg", "tags": [], "addIns": [], "appRoles": [], "keyCredentials": [],
            "oauth2PermissionScopes": [], "passwordCredentials": []}


def render_organization(tenant: dict) -> dict:
    domain = {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": True, "isInitial": True,
              "name": tenant["domain"], "type": "Managed"}
    return {"id": tenant["tenant_id"], "deletedDateTime": None, "businessPhones": [], "city": None,
            "country": None, "countryLetterCode": None, "createdDateTime": None, "displayName": tenant["name"],
            "marketingNotificationEmails": [], "onPremisesSyncEnabled": None, "postalCode": None,
            "preferredLanguage": None, "securityComplianceNotificationMails": [],
            "securityComplianceNotificationPhones": [], "state": None, "street": None,
            "technicalNotificationMails": [], "tenantType": "AAD", "directorySizeQuota": None,
            "assignedPlans": [], "provisionedPlans": [], "verifiedDomains": [domain]}


def _render(found) -> dict:
    body = render_user(found) if found.kind is PrincipalKind.USER else render_service_principal(found)
    return {"@odata.type": f"#microsoft.graph.{_ODATA_TYPES[found.kind]}", **body}


def _selected(body: dict, select: str | None) -> dict:
    """``$select``: only the properties named (names without case), and the OData annotations."""
    if not select:
        return body
    wanted = {name.strip().lower() for name in select.split(",") if name.strip()}
    return {k: v for k, v in body.items() if k.startswith("@odata.") or k.lower() in wanted}


def _filter(collection: str, text: str | None) -> dict:
    """A ``$filter`` as the lookup the directory answers: ``{property: value}``, or ``{"prefix": {…}}``."""
    if not text:
        return {}
    if collection == "serviceprincipals" and (found := _ANY_NAME.match(text)):
        return {"appId": found.group(2).replace("''", "'")}  # a service principal's one name is its appId
    found = _EQUALS.match(text) or _STARTS.match(text)
    key = _FILTERABLE[collection].get(found.group(1).lower()) if found else None
    if found is None or key is None:
        raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter clause "
                                                          f"specified: '{text}'.")
    value = found.group(2).replace("''", "'")
    return {"prefix": {key: value}} if found.re is _STARTS else {key: value}


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
    directory = app.directory

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

    async def answer(request: Request, work) -> JSONResponse:
        try:
            actor = await principal(request)
            return JSONResponse(await run_in_threadpool(work, actor))
        except GraphError as error:
            return _error(error.status, error.code, error.message)
        except RequestRefused as error:
            return _error(400, "Request_BadRequest", error.message)
        except DomainError as error:
            mapped = _from_domain(error)
            return _error(mapped.status, mapped.code, mapped.message)

    @router.post("/graph/v1.0/directoryObjects/getByIds", include_in_schema=False)
    async def get_by_ids(request: Request):
        raw = await read_limited(request)

        def work(actor):
            ids, types = _requested_ids(read_json(raw))
            order = {object_id.lower(): n for n, object_id in enumerate(ids)}
            found = sorted((f for f in directory.directory_objects(actor, ids)
                            if types is None or _ODATA_TYPES[f.kind].lower() in types),
                           key=lambda f: order.get(f.object_id.lower(), 0))
            return {"@odata.context": CONTEXT + "directoryObjects", "value": [_render(f) for f in found]}

        return await answer(request, work)

    @router.get("/graph/v1.0/{rest:path}", include_in_schema=False)
    async def read(request: Request, rest: str):
        segments = [s for s in rest.split("/") if s]
        select = request.query_params.get("$select")
        collection = segments[0].lower() if segments else ""

        def work(actor):
            if collection == "me" and len(segments) == 1:
                return {"@odata.context": CONTEXT + "users/$entity",
                        **_selected(render_user(directory.me(actor)), select)}
            if collection == "organization" and len(segments) == 1:
                return {"@odata.context": CONTEXT + "organization",
                        "value": [_selected(render_organization(t), select) for t in directory.organization(actor)]}
            if collection in ("users", "serviceprincipals") and len(segments) in (1, 2):
                entity = "users" if collection == "users" else "servicePrincipals"
                render = render_user if collection == "users" else render_service_principal
                if len(segments) == 2:
                    found = (directory.user(actor, segments[1]) if collection == "users"
                             else directory.service_principal(actor, segments[1]))
                    return {"@odata.context": CONTEXT + f"{entity}/$entity", **_selected(render(found), select)}
                equal = _filter(collection, request.query_params.get("$filter"))
                listed = (directory.users(actor, **equal) if collection == "users"
                          else directory.service_principals(actor, **equal))
                return {"@odata.context": CONTEXT + entity, "value": [_selected(render(f), select) for f in listed]}
            raise _not_found(rest)

        return await answer(request, work)

    @router.api_route("/graph/{rest:path}", methods=_METHODS, include_in_schema=False)
    async def other(request: Request, rest: str):
        segments = [s for s in rest.split("/") if s]
        known = len(segments) >= 2 and segments[0].lower() == "v1.0" and segments[1].lower() in _COLLECTIONS
        if known and request.method not in ("GET", "HEAD", "OPTIONS"):  # a write: the directory is read-only here

            def refuse(actor):
                raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the "
                                                                     "operation.")

            return await answer(request, refuse)
        error = _not_found(rest)
        return _error(error.status, error.code, error.message)

    http.include_router(router)


def _not_found(rest: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound", f"Resource '/{rest}' does not exist or one of its queried "
                                                       "reference-property objects are not present.")
