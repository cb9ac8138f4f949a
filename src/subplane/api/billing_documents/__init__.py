"""The documents behind Microsoft.Billing's download links: ``GET /billing/documents/{token}``, no bearer token
needed (the link is the credential, signed and expiring within the hour, like a storage SAS URL)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ...domain.errors import DomainError


def install(http: FastAPI, app) -> None:
    @http.get("/billing/documents/{token}", include_in_schema=False)
    async def document(token: str):
        try:
            name, body, media_type = await run_in_threadpool(app.billing_accounts.document, token)
        except DomainError as error:
            status = 403 if error.code == "DocumentLinkExpired" else 404
            return JSONResponse({"error": {"code": error.code, "message": error.message}}, status_code=status)
        return Response(body, media_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
