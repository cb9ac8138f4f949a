"""A blob data plane that ``azure-storage-blob`` accepts with a bearer token (audience ``https://storage.azure.com/``,
or the account's own URL ``<public URL>/blob/<account>``).

Account URL: ``https://<host>:<port>/blob/<account>``. Containers: create, list. Blobs: upload (single
PUT), download (with ``x-ms-range``), properties, list, delete. Every rule (reads during retention, writes
refused while the subscription is Disabled, 404 after purge) is BlobService's; this edge speaks the
storage protocol: XML listings, ``x-ms-error-code`` and storage-style error bodies.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from email.utils import format_datetime
from xml.sax.saxutils import escape

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...adapters.blobstore import CHUNK
from ...adapters.tokens import TokenRejected
from ...domain.access import Principal, PrincipalKind
from ...domain.authority import STORAGE_AUDIENCE
from ...domain.errors import DomainError, NotFound
from ..origin import public_base

_RANGE = re.compile(r"bytes=([0-9]{1,18})-([0-9]{0,18})")  # 18 digits: past any blob, inside a 64-bit offset
_STATUS = {"ReadOnlyDisabledSubscription": 409, "StorageAccountReadOnly": 409, "SubscriptionDeleted": 404,
           "AuthorizationFailed": 403, "ResourceNotFound": 404}
_XML = "application/xml"


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    request_id = str(uuid.uuid4())
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(code)}</Code>'
            f"<Message>{escape(message)}\nRequestId:{request_id}</Message></Error>")
    return Response(body, status_code=status, media_type=_XML,
                    headers={"x-ms-error-code": code, "x-ms-request-id": request_id, **(headers or {})})


def _from_domain(error: DomainError) -> Response:
    status = _STATUS.get(error.code) or (404 if isinstance(error, NotFound) else 409 if error.code.endswith("Exists") else 400)
    code = "AccountNotFound" if error.code == "ResourceNotFound" else error.code
    return _error(status, code, error.message)


def _headers(info) -> dict[str, str]:
    return {"ETag": f'"{info.etag}"', "Last-Modified": format_datetime(info.updated_at, usegmt=True),
            "x-ms-blob-type": "BlockBlob", "x-ms-creation-time": format_datetime(info.created_at, usegmt=True),
            "Content-MD5": base64.b64encode(bytes.fromhex(info.etag)).decode() if len(info.etag) == 32 else "",
            "x-ms-server-encrypted": "true", "Accept-Ranges": "bytes"}


def _blob_xml(info) -> str:
    return (f"<Blob><Name>{escape(info.name)}</Name><Properties>"
            f"<Creation-Time>{format_datetime(info.created_at, usegmt=True)}</Creation-Time>"
            f"<Last-Modified>{format_datetime(info.updated_at, usegmt=True)}</Last-Modified>"
            f"<Etag>\"{info.etag}\"</Etag><Content-Length>{info.size}</Content-Length>"
            f"<Content-Type>{escape(info.content_type)}</Content-Type><BlobType>BlockBlob</BlobType>"
            f"<AccessTier>Hot</AccessTier><ServerEncrypted>true</ServerEncrypted></Properties></Blob>")


def install(http: FastAPI, app) -> None:
    router = APIRouter()
    tenants: set[str] = set()

    def unauthorised(code: str, message: str) -> Response:
        """401 with the challenge Azure Storage sends (space-separated, unquoted; clients split on spaces)."""
        tenant = next(iter(tenants)) if len(tenants) == 1 else "common"
        challenge = (f"Bearer authorization_uri={app.authority.authorization_uri(tenant)}/oauth2/authorize "
                     f"resource_id={STORAGE_AUDIENCE.rstrip('/')}")
        return _error(401, code, message, {"WWW-Authenticate": challenge})

    async def principal(request: Request) -> Principal | Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return unauthorised("NoAuthenticationInformation", "Server failed to authenticate the request. Please "
                                                               "refer to the information in the www-authenticate header.")
        audiences = app.authority.blob_audiences(request.path_params["account"])
        try:
            claims = app.token_keys.verify(token.strip(), audiences=audiences)
        except TokenRejected as error:
            return unauthorised("InvalidAuthenticationInfo", error.message)
        if claims.tenant_id not in tenants:
            tenants.update(t["tenant_id"] for t in await run_in_threadpool(app.identity.tenants))
            if claims.tenant_id not in tenants:
                return unauthorised("InvalidAuthenticationInfo", "The token's tenant is not known to this directory.")
        return Principal(claims.object_id, claims.name,
                         PrincipalKind.SERVICE_PRINCIPAL if claims.is_app else PrincipalKind.USER)

    async def answer(request: Request, work) -> Response:
        actor = await principal(request)
        if isinstance(actor, Response):
            return actor
        try:
            response = await work(actor)
        except DomainError as error:
            response = _from_domain(error)
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        response.headers["x-ms-version"] = request.headers.get("x-ms-version", "2025-01-05")
        return response

    @router.api_route("/blob/{account}", methods=["GET"])
    @router.api_route("/blob/{account}/", methods=["GET"])
    async def account_level(request: Request, account: str):
        async def work(actor):
            if request.query_params.get("comp") != "list":
                return _error(400, "InvalidQueryParameterValue", "Only comp=list is supported on the account.")
            names = await run_in_threadpool(lambda: app.blobs.list_containers(actor=actor, account=account))
            items = "".join(f"<Container><Name>{escape(n)}</Name><Properties><Etag>\"0x1\"</Etag>"
                            f"<Last-Modified>Thu, 01 Jan 2026 00:00:00 GMT</Last-Modified></Properties></Container>"
                            for n in names)
            endpoint = f"{escape(public_base(app, request))}/blob/{escape(account)}/"
            xml = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="{endpoint}">'
                   f"<Containers>{items}</Containers><NextMarker /></EnumerationResults>")
            return Response(xml, media_type=_XML)

        return await answer(request, work)

    @router.api_route("/blob/{account}/{container}", methods=["GET", "PUT", "HEAD", "DELETE"])
    async def container_level(request: Request, account: str, container: str):
        async def work(actor):
            if request.method == "PUT":
                await run_in_threadpool(lambda: app.blobs.create_container(actor=actor, account=account, name=container))
                return Response(status_code=201, headers={"ETag": '"0x1"'})
            if request.method == "DELETE":
                await run_in_threadpool(lambda: app.blobs.delete_container(actor=actor, account=account, name=container))
                return Response(status_code=202)
            blobs = await run_in_threadpool(lambda: app.blobs.list_blobs(actor=actor, account=account, container=container))
            if request.method == "HEAD" or request.query_params.get("comp") != "list":
                return Response(status_code=200, headers={"ETag": '"0x1"', "x-ms-has-immutability-policy": "false"})
            prefix = request.query_params.get("prefix") or ""
            items = "".join(_blob_xml(b) for b in blobs if b.name.startswith(prefix))
            xml = (f'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="{escape(container)}">'
                   f"<Blobs>{items}</Blobs><NextMarker /></EnumerationResults>")
            return Response(xml, media_type=_XML)

        return await answer(request, work)

    @router.api_route("/blob/{account}/{container}/{name:path}", methods=["GET", "HEAD", "PUT", "DELETE"])
    async def blob_level(request: Request, account: str, container: str, name: str):
        async def work(actor):
            if request.method == "PUT":
                if request.headers.get("x-ms-blob-type", "BlockBlob") != "BlockBlob" or request.query_params.get("comp"):
                    return _error(400, "UnsupportedHeader", "Only single-request block blob uploads are supported.")
                data = await request.body()
                content_type = request.headers.get("x-ms-blob-content-type") or "application/octet-stream"
                info = await run_in_threadpool(lambda: app.blobs.put(actor=actor, account=account, container=container,
                                                                     name=name, data=data, content_type=content_type))
                return Response(status_code=201, headers={**_headers(info), "x-ms-request-server-encrypted": "true"})
            if request.method == "DELETE":
                await run_in_threadpool(lambda: app.blobs.delete(actor=actor, account=account, container=container, name=name))
                return Response(status_code=202, headers={"x-ms-delete-type-permanent": "true"})
            return await _download(request, app.blobs, actor, account, container, name)

        return await answer(request, work)

    http.include_router(router)


async def _download(request: Request, blobs, actor: Principal, account: str, container: str, name: str) -> Response:
    """The blob, a range of it, or (HEAD) its headers alone; only the bytes answered are read, and a large
    answer streams in pieces (``CHUNK``), so no download holds the whole blob in memory."""
    # a range it cannot read (or one past any offset) is ignored, as HTTP says of Range: the whole blob answers
    wanted = _RANGE.fullmatch((request.headers.get("x-ms-range") or request.headers.get("range") or "").strip())
    head = request.method == "HEAD"
    start = int(wanted.group(1)) if wanted and not head else 0
    last = int(wanted.group(2)) if wanted and wanted.group(2) and not head else None
    length = 0 if head else None if last is None else max(0, last - start + 1)
    info, pieces = await run_in_threadpool(lambda: blobs.read(actor=actor, account=account, container=container,
                                                              name=name, first=start, length=length))
    headers = {**_headers(info), "Content-Type": info.content_type}
    if head:
        return Response(status_code=200, headers={**headers, "Content-Length": str(info.size)})
    if wanted is None:
        return _body(info.size, pieces, 200, headers)
    if start >= info.size:
        return _error(416, "InvalidRange", "The range specified is invalid for the current size of the resource.",
                      {"Content-Range": f"bytes */{info.size}"})
    end = min(last if last is not None else info.size - 1, info.size - 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    headers.pop("Content-MD5", None)
    return _body(max(0, end - start + 1), pieces, 206, headers)


def _body(size: int, pieces: Iterator[bytes], status: int, headers: dict[str, str]) -> Response:
    if size <= CHUNK:  # one piece: a plain answer costs less than a stream
        return Response(b"".join(pieces), status_code=status, headers=headers)
    return StreamingResponse(pieces, status_code=status, headers={**headers, "Content-Length": str(size)})
