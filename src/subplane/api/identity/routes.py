"""OIDC discovery, JWKS and ``/oauth2/v2.0/token`` answering like the real identity provider.

Grants: ``client_credentials`` (service principals), ``password`` (users) and ``refresh_token`` (a user's
token for another resource, as MSAL asks silently: ``az`` after a user login wants one for the Graph). The audience is the scope
without ``/.default``, and only audiences Subplane serves are issued (else AADSTS500011, as Entra answers
for a resource it does not know). The issuer is always the configured authority's. Password and secret
checks go through the lockout (AADSTS50053 while locked). Errors carry ``error``, ``error_description``
with an AADSTS code, and ``error_codes``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
import uuid

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from ...adapters.tokens import TOKEN_LIFETIME_SECONDS, TokenRejected
from ...domain.authority import audience_for_scope
from ...domain.errors import DomainError
from ..lanes import Lane
from ..origin import public_base

# (error, AADSTS number, HTTP status) per domain code. Entra has no lockout for client secrets; a locked
# client id gets the account-locked code with invalid_client, the status a wrong secret gets.
_AAD_ERRORS = {
    "TenantNotFound": ("invalid_request", 90002, 400),
    "ApplicationNotFound": ("unauthorized_client", 700016, 400),
    "InvalidClientSecret": ("invalid_client", 7000215, 401),
    "InvalidCredentials": ("invalid_grant", 50126, 400),
    "UserLocked": ("invalid_grant", 50053, 400),
    "ClientLocked": ("invalid_client", 50053, 401),
}
GRANTS = ("client_credentials", "password", "refresh_token")
# A user's refresh token: 24 hours, and every use returns a new one (Entra's rule is sliding too, with 90 days).
REFRESH_TOKEN_LIFETIME_SECONDS = 24 * 3600


def aad_error(error: str, number: int, description: str, status: int = 400) -> JSONResponse:
    now = dt.datetime.now(dt.UTC)
    trace = str(uuid.uuid4())
    return JSONResponse(status_code=status, content={
        "error": error,
        "error_description": f"AADSTS{number}: {description}\r\nTrace ID: {trace}\r\nTimestamp: {now:%Y-%m-%d %H:%M:%SZ}",
        "error_codes": [number], "timestamp": f"{now:%Y-%m-%d %H:%M:%SZ}", "trace_id": trace,
        "correlation_id": str(uuid.uuid4()),
    })


def _unknown_resource(resource: str, tenant: dict) -> JSONResponse:
    return aad_error("invalid_resource", 500011, f"The resource principal named {resource.rstrip('/')} was not found "
                     f"in the tenant named {tenant['name']}. This can happen if the application has not been "
                     "installed by the administrator of the tenant or consented to by any user in the tenant. You "
                     "might have sent your authentication request to the wrong tenant.")


def _client_info(oid: str, tid: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"uid": oid, "utid": tid}).encode()).rstrip(b"=").decode()


def install(http: FastAPI, app, keys, lane: Lane) -> None:
    router = APIRouter()

    def discovery(request: Request, tenant: str) -> dict:
        base = f"{public_base(app, request)}/{tenant}"
        return {
            "issuer": app.authority.issuer(tenant),
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "grant_types_supported": list(GRANTS),
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
        }

    @router.get("/{tenant}/v2.0/.well-known/openid-configuration")
    async def openid_configuration(request: Request, tenant: str):
        try:
            found = await lane.run(app.identity.tenant, tenant)
        except DomainError as error:
            return aad_error("invalid_tenant", 90002, error.message)
        return discovery(request, found["tenant_id"])

    @router.get("/{tenant}/discovery/v2.0/keys")
    async def jwks(tenant: str):
        return keys.jwks()

    @router.get("/common/userrealm/{user}")
    async def user_realm(request: Request, user: str):
        return {"ver": "1.0", "account_type": "Managed", "domain_name": user.partition("@")[2],
                "cloud_instance_name": urllib.parse.urlsplit(public_base(app, request)).hostname,
                "cloud_audience_urn": "urn:federation:MicrosoftOnline"}

    @router.post("/{tenant}/oauth2/v2.0/token")
    async def token(request: Request, tenant: str):
        form = await request.form()
        grant = form.get("grant_type", "")
        scope = str(form.get("scope", ""))
        if not scope:
            return aad_error("invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        if grant not in GRANTS:
            return aad_error("unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'.")
        audience = audience_for_scope(scope)
        client_id = str(form.get("client_id", ""))
        try:
            found = await lane.run(app.identity.tenant, tenant)
            if not app.authority.serves(audience):
                return _unknown_resource(audience or scope, found)
            if grant == "client_credentials":
                signed = await lane.run(app.identity.sign_in_client, found["tenant_id"], client_id,
                                        str(form.get("client_secret", "")))
            elif grant == "password":
                signed = await lane.run(app.identity.sign_in_user, found["tenant_id"],
                                        str(form.get("username", "")), str(form.get("password", "")))
            else:
                try:  # bound to the client it was issued to, and to the tenant in the path
                    held = keys.verify(str(form.get("refresh_token", "")),
                                       audiences=(app.authority.refresh_audience(client_id or "subplane"),))
                except TokenRejected as error:
                    number = 70008 if error.code == "ExpiredAuthenticationToken" else 9002313
                    return aad_error("invalid_grant", number, f"The refresh token is not valid: {error.message}")
                if held.tenant_id != found["tenant_id"] or held.is_app:
                    return aad_error("invalid_grant", 9002313, "The refresh token is not valid for this tenant.")
                signed = await lane.run(app.identity.refresh_user, held.tenant_id, held.object_id)
        except DomainError as error:
            error_name, number, status = _AAD_ERRORS.get(error.code, ("invalid_request", 90002, 400))
            return aad_error(error_name, number, error.message, status)
        issuer = app.authority.issuer(signed.tenant_id)
        is_app = grant == "client_credentials"
        principal = signed.principal
        access = keys.issue(issuer=issuer, audience=audience, tenant_id=signed.tenant_id,
                            object_id=principal.principal_id, name=principal.name, is_app=is_app,
                            client_id=signed.client_id)
        body = {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME_SECONDS, "ext_expires_in": TOKEN_LIFETIME_SECONDS,
                "access_token": access, "scope": scope}
        if not is_app:
            client_id = client_id or "subplane"
            user = dict(issuer=issuer, tenant_id=signed.tenant_id, object_id=principal.principal_id,
                        name=principal.name, is_app=False)
            body["id_token"] = keys.issue(audience=client_id, **user)
            body["refresh_token"] = keys.issue(audience=app.authority.refresh_audience(client_id),
                                               lifetime=REFRESH_TOKEN_LIFETIME_SECONDS, **user)
            body["client_info"] = _client_info(principal.principal_id, signed.tenant_id)
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    http.include_router(router)
