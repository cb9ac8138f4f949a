"""A real `subplane serve --demo` over HTTPS on a test database (SQLite or PostgreSQL), with a raw HTTP client
(so tests can send the headers an attacker would: a forged Host, a forged token) and an in-process App on
the same database for looking at stored state and adding directory entries."""

from __future__ import annotations

import base64
import json
import ssl
import uuid
from pathlib import Path

import httpx

from subplane import settings as settings_module
from subplane.bootstrap import build_app
from subplane.demo import DEMO_PASSWORD
from tests.conftest import Database
from tests.server import ServerProcess

ARM_SCOPE = "https://management.azure.com/.default"
STORAGE_SCOPE = "https://storage.azure.com/.default"
SUBS_VERSION = "2022-12-01"
ACTION_VERSION = "2021-10-01"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Served:
    def __init__(self, backend: str, folder: Path, env: dict[str, str] | None = None,
                 public_url: str | None = None) -> None:
        self.database = Database(backend, folder)
        self.server = ServerProcess(folder / "data", extra_args=["--public-url", public_url] if public_url else [],
                                    env={"SUBPLANE_DATABASE_URL": self.database.url, "SUBPLANE_ARM_THROTTLE": "off",
                                         **(env or {})})
        self.url = self.server.url  # where the test reaches it
        self.connection = json.loads((self.server.data_dir / "connection.json").read_text("utf-8"))
        self.tenant = self.connection["tenantId"]
        self.principals = self.connection["principals"]
        self.tls = ssl.create_default_context(cafile=self.server.ca_bundle)
        self.http = self.client()
        self.app = build_app(settings_module.load(env={}, data_dir=folder / "inproc", database_url=self.database.url,
                                                  public_urls=public_url or self.url))
        self.keys = self.app.token_keys  # the server's own signing keys: the same database holds them

    def client(self) -> httpx.Client:
        """A new HTTPS client of its own (own cookies, own connection)."""
        return httpx.Client(base_url=self.url, verify=self.tls, timeout=60)

    def close(self) -> None:
        self.http.close()
        self.server.stop()
        self.app.close()
        self.database.drop()

    # tokens ----------------------------------------------------------------------------------
    def token_request(self, *, role: str = "owner", scope: str = ARM_SCOPE, headers: dict | None = None,
                      secret: str | None = None, client_id: str | None = None, tenant: str | None = None):
        principal = self.principals[role]
        return self.http.post(f"/{tenant or self.tenant}/oauth2/v2.0/token", headers=headers or {}, data={
            "grant_type": "client_credentials", "client_id": client_id or principal["clientId"],
            "client_secret": principal["clientSecret"] if secret is None else secret, "scope": scope})

    def token(self, role: str = "owner", scope: str = ARM_SCOPE, **kwargs) -> str:
        answer = self.token_request(role=role, scope=scope, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def password_grant(self, username: str, password: str = DEMO_PASSWORD, scope: str = ARM_SCOPE):
        return self.http.post(f"/{self.tenant}/oauth2/v2.0/token", data={
            "grant_type": "password", "username": username, "password": password, "scope": scope,
            "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"})

    def sign(self, claims: dict) -> str:
        """A token signed with the server's own key (what only Subplane can make), whatever its claims hold:
        signed by hand, because PyJWT refuses to encode some of the malformed claims tests need."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        header = {"alg": "RS256", "typ": "JWT", "kid": self.keys.key_id}
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
        signature = self.keys._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64(signature)}"

    # calls -----------------------------------------------------------------------------------
    def arm(self, method: str, path: str, token: str | None, *, version: str = SUBS_VERSION,
            headers: dict | None = None, **kwargs):
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        return self.http.request(method, path, params={"api-version": version}, headers=sent, **kwargs)

    def blob_list(self, token: str | None, account: str = "contosodata", headers: dict | None = None):
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), "x-ms-version": "2025-01-05",
                **(headers or {})}
        return self.http.get(f"/blob/{account}", params={"comp": "list"}, headers=sent)

    def subscription(self, name: str):
        from subplane.domain.access import OPERATOR

        return next(s for s in self.app.subscriptions.list(actor=OPERATOR) if s.display_name == name)

    # directory -------------------------------------------------------------------------------
    def new_user(self, password: str = DEMO_PASSWORD) -> str:
        upn = f"user-{uuid.uuid4().hex[:8]}@contoso.example"
        with self.app.uow() as uow:
            self.app.directory.create_user(uow, tenant_id=self.tenant, upn=upn, display_name=upn, password=password)
        return upn

    def new_client(self, secret: str, tenant: str | None = None) -> tuple[str, str]:
        """(object id, client id) of a new service principal."""
        with self.app.uow() as uow:
            return self.app.directory.create_service_principal(uow, tenant_id=tenant or self.tenant,
                                                               name=f"sp-{uuid.uuid4().hex[:8]}", secret=secret)
