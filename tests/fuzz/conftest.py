"""A real ``subplane serve --demo`` on the test's database (SQLite or PostgreSQL), an owner's tokens, the
routes it serves, and a fingerprint of the database to prove a refused request changed nothing."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from subplane import settings as settings_module
from subplane.api.arm import build_router
from subplane.api.server import create_http_app
from subplane.bootstrap import build_app
from subplane.services.snapshots import all_tables
from tests.server import ServerProcess

# the refusal log: every refused action is recorded in the activity log by design (services/use_case.py)
CHANGES_ON_REFUSAL = {"activity"}
# rows whose contents are hashed, not only counted: what a half-applied write would leave behind
HASHED = ("subscriptions", "resources", "resource_groups", "subscription_aliases", "role_assignments", "blobs",
          "containers", "clock", "emulator_faults", "webhook_endpoints")


def fingerprint(engine) -> dict:
    """Row counts of every table, and a hash of the rows of those a half-applied write would show in."""
    with engine.connect() as conn:
        answer = {}
        for table in all_tables(conn):
            if table.name in CHANGES_ON_REFUSAL:
                continue
            if table.name in HASHED:
                rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)).all())
                answer[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            else:
                answer[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
        return answer


@dataclass(frozen=True)
class HttpRoute:
    method: str
    pattern: str  # {param} placeholders
    kind: str  # arm | app | portal
    area: str = ""


@dataclass
class Target:
    server: ServerProcess
    client: httpx.Client
    engine: object
    tokens: dict[str, str]
    known: dict[str, list[str]]
    routes: list[HttpRoute] = field(default_factory=list)

    def fingerprint(self) -> dict:
        return fingerprint(self.engine)

    def settle(self) -> None:
        """After an emulator control that may work in the background: wait for it, undo injected faults."""
        for _ in range(600):
            status = self.client.get("/_subplane/clock").json().get("status")
            if status != "advancing":
                break
            time.sleep(0.1)
        self.client.delete("/_subplane/faults")


def _token(client: httpx.Client, tenant: str, principal: dict, scope: str) -> str:
    answer = client.post(f"/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": principal["clientId"],
        "client_secret": principal["clientSecret"], "scope": scope})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def served_routes(app) -> list[HttpRoute]:
    """Every route of the served app: the ARM route table and every FastAPI route (the portal's too), so a
    route added later is fuzzed without touching these tests."""
    routes = [HttpRoute(r.method, r.pattern, "arm", r.area) for r in build_router().routes]
    return routes + _walk(create_http_app(app, run_jobs=False).routes, "", "app")


def _walk(routes, prefix: str, kind: str) -> list[HttpRoute]:
    found = []
    for route in routes:
        methods = getattr(route, "methods", None)
        if methods:
            found += [HttpRoute(m, prefix + route.path, kind) for m in sorted(methods - {"HEAD"})]
        elif getattr(route, "original_router", None) is not None:  # FastAPI's lazily included router
            found += _walk(route.original_router.routes, prefix, kind)
        elif hasattr(getattr(route, "app", None), "routes"):  # a mounted app: the portal
            found += _walk(route.app.routes, prefix + route.path, "portal")
    return found


@pytest.fixture
def target(database, tmp_path):
    data = tmp_path / "serve"
    server = ServerProcess(data, env={"SUBPLANE_DATABASE_URL": database.url, "SUBPLANE_ARM_THROTTLE": "off",
                                      "SUBPLANE_RUNNER_INTERVAL": "3600", "SUBPLANE_LOG_LEVEL": "WARNING"})
    local = build_app(settings_module.load(env={}, database_url=database.url, data_dir=tmp_path / "local"))
    client = httpx.Client(base_url=server.url, verify=server.ca_bundle, timeout=60)
    try:
        demo = json.loads((data / "demo.json").read_text("utf-8"))
        owner = next(p for p in demo["servicePrincipals"] if p["name"] == "subplane-owner")
        tenant = demo["tenantId"]
        tokens = {"arm": _token(client, tenant, owner, "https://management.azure.com/.default"),
                  "blob": _token(client, tenant, owner, "https://storage.azure.com/.default")}
        engine = create_engine(database.url)
        yield Target(server, client, engine, tokens, _known(local), served_routes(local))
        engine.dispose()
    finally:
        client.close()
        local.close()
        server.stop()


def _known(app) -> dict[str, list[str]]:
    """Real names to put in paths, so requests reach handlers and not only the 404 of a missing parent."""
    with app.uow(read_only=True) as uow:
        subs = [s.subscription_id for s in uow.subscriptions.list()]
        groups, resources = [], []
        for sub in subs:
            groups += [g.name for g in uow.resources.list_groups(sub)]
            resources += [r.name for r in uow.resources.list(sub)]
        accounts = [r for sub in subs for r in uow.resources.list(sub) if r.type.value.endswith("storageAccounts")]
        containers = [(a, c) for a in accounts for c in uow.blobs.list_containers(a.resource_id)]
        blobs = [b.name for a, c in containers for b in uow.blobs.list_blobs(a.resource_id, c)]
        tenants = [t["tenant_id"] for t in uow.directory.list_tenants()]
    return {"sub": subs, "rg": groups or ["rg"], "name": resources or ["x"],
            "account": [a.name for a in accounts] or ["x"], "container": [c for _, c in containers] or ["c"],
            "tenant": tenants or ["common"], "blob": blobs or ["b"]}


@pytest.fixture
def arm(make_app):
    """The app in-process (TestClient over https, a 500 raises) with the demo and its tokens."""
    from subplane import demo
    from tests.api.conftest import Arm

    built = make_app(arm_throttle="off")
    demo.seed(built)
    return Arm(built)
