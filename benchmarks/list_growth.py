"""Walking every page of ``GET /subscriptions`` as the list grows (issue 14): cost per item at 1,000 and 10,000.

A service principal (the demo's ``subplane-owner``) owns N extra subscriptions, seeded straight through the
tables in batched multi-row inserts (no HTTP, so seeding 10,000 takes seconds). A real ``subplane serve``
(TLS, a real token) then answers the walk: one sequential httpx client follows ``nextLink`` from the first
page to the last, and every subscription must come back exactly once. Each size is walked ``--walks``
times after one untimed warm-up walk, the two sizes' servers running side by side and their walks
interleaved (load from elsewhere falls on both); the median walk, divided by the items it returned, is the
cost per item (the median single page is printed too). Target: per item, the 10,000 walk costs at most
1.5x the 1,000 walk (a page costs O(page size)).

    python benchmarks/list_growth.py [--sizes 1000 10000] [--walks 3] [--postgres [URL]]

``--postgres`` runs the server on PostgreSQL (default URL: the local ``test`` database), each size in a
schema of its own that is dropped afterwards. Sequential on purpose: this is the latency of one walk, and
one client waiting on each page is what a platform team's script does.
"""

from __future__ import annotations

import argparse
import json
import random
import ssl
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.arm_throttle import drop_schema, postgres_schema  # noqa: E402
from subplane import demo, settings  # noqa: E402
from subplane.adapters.db.tables import role_assignments, subscriptions  # noqa: E402
from subplane.bootstrap import build_app  # noqa: E402
from subplane.domain.access import Role  # noqa: E402
from subplane.domain.lifecycle import State  # noqa: E402
from tests.server import ServerProcess  # noqa: E402

VERSION = "2022-12-01"
TARGET = 1.5
BATCH = 1000
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def seed(data_dir: Path, database_url: str | None, count: int) -> str:
    """The demo, plus ``count`` subscriptions the owner service principal holds Owner on; its client id."""
    app = build_app(settings.load(env={}, data_dir=data_dir, database_url=database_url))
    try:
        facts = demo.seed(app)
        owner = next(p for p in facts["servicePrincipals"] if p["name"] == "subplane-owner")
        names = random.Random(count)  # the same names every run, in no particular order
        with app.uow(read_only=True) as uow:
            principal = uow.directory.find_principal(owner["clientId"])
        for start in range(0, count, BATCH):  # multi-row inserts, a transaction a batch
            subs, grants = [], []
            with app.uow() as uow:
                for _ in range(start, min(start + BATCH, count)):
                    sub_id = str(uuid.UUID(int=names.getrandbits(128)))
                    subs.append({"subscription_id": sub_id, "display_name": f"vended-{names.getrandbits(40):010x}",
                                 "tenant_id": facts["tenantId"], "billing_account_id": facts["billingAccountId"],
                                 "offer_id": "MS-AZR-0003P", "state": State.ENABLED.value, "created_at": uow.now})
                    grants.append({"assignment_id": str(uuid.UUID(int=names.getrandbits(128))),
                                   "subscription_id": sub_id, "scope": f"/subscriptions/{sub_id}",
                                   "role": Role.OWNER.value, "principal_id": principal.principal_id,
                                   "created_at": uow.now})
                uow.conn.execute(insert(subscriptions), subs)
                uow.conn.execute(insert(role_assignments), grants)
        return str(owner["clientId"])
    finally:
        app.close()


def token(server: ServerProcess, connection: dict) -> str:
    p = connection["principals"]["owner"]
    answer = httpx.post(f"{server.url}/{connection['tenantId']}/oauth2/v2.0/token", verify=server.ca_bundle,
                        data={"grant_type": "client_credentials", "client_id": p["clientId"],
                              "client_secret": p["clientSecret"], "scope": "https://management.azure.com/.default"})
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def walk(client: httpx.Client, url: str) -> tuple[float, list[str], list[float]]:
    """(seconds, subscription ids in the order given, seconds of each page) for one walk, first page to last."""
    ids: list[str] = []
    pages: list[float] = []
    link: str | None = f"{url}/subscriptions?api-version={VERSION}"
    started = time.perf_counter()
    while link:
        asked = time.perf_counter()
        answer = client.get(link)
        answer.raise_for_status()
        body = answer.json()
        pages.append(time.perf_counter() - asked)
        ids += [s["subscriptionId"] for s in body["value"]]
        link = body.get("nextLink")
    return time.perf_counter() - started, ids, pages


class Fleet:
    """One size: its data directory seeded, its own server, and a client holding the owner's token."""

    def __init__(self, size: int, database_url: str | None) -> None:
        self.size = size
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"subplane-list-{size}-"))
        started = time.perf_counter()
        seed(self.data_dir, database_url, size)
        self.seed_seconds = time.perf_counter() - started
        env = {"SUBPLANE_ARM_THROTTLE": "off", "SUBPLANE_LOG_LEVEL": "warning"}
        if database_url:
            env["SUBPLANE_DATABASE_URL"] = database_url
        self.server = ServerProcess(self.data_dir, env=env)
        connection = json.loads((self.data_dir / "connection.json").read_text())
        context = ssl.create_default_context(cafile=self.server.ca_bundle)
        self.client = httpx.Client(verify=context, timeout=600,
                                   headers={"Authorization": f"Bearer {token(self.server, connection)}"})
        _, self.ids, _ = walk(self.client, self.server.url)  # warm-up: connections, caches, the query plan
        if len(self.ids) != len(set(self.ids)) or len(self.ids) < size:
            raise SystemExit(f"walk of {size}: {len(self.ids)} items, {len(set(self.ids))} distinct (want >= {size})")
        self.walks: list[float] = []
        self.pages: list[float] = []

    def walk(self) -> None:
        elapsed, ids, pages = walk(self.client, self.server.url)
        if ids != self.ids:
            raise SystemExit(f"walk of {self.size}: the walks disagree")
        self.walks.append(elapsed)
        self.pages += pages

    def close(self) -> None:
        self.client.close()
        self.server.stop()

    def result(self) -> dict:
        median = statistics.median(self.walks)
        page_count = len(self.pages) // len(self.walks)
        return {"size": self.size, "items": len(self.ids), "pages": page_count,
                "seedSeconds": round(self.seed_seconds, 2), "walkSeconds": [round(t, 3) for t in self.walks],
                "medianWalkSeconds": round(median, 3), "msPerPage": round(median / page_count * 1000, 2),
                "medianPageMs": round(statistics.median(self.pages) * 1000, 2),
                "usPerItem": round(median / len(self.ids) * 1e6, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 10_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--walks", type=int, default=3, help="timed walks per size (the median is used)")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None, metavar="URL")
    args = parser.parse_args()
    schemas: list[str] = []
    fleets: list[Fleet] = []
    try:
        for size in args.sizes:
            database_url = None
            if args.postgres:
                schema, database_url = postgres_schema(args.postgres)
                schemas.append(schema)
            fleets.append(Fleet(size, database_url))
        for _ in range(args.walks):  # interleaved, so a burst of load elsewhere falls on both sizes alike
            for fleet in fleets:
                fleet.walk()
        results = [fleet.result() for fleet in fleets]
    finally:
        for fleet in fleets:
            fleet.close()
        for schema in schemas:
            drop_schema(args.postgres, schema)
    for result in results:
        print(f"{result['size']:>6,} owned: {result['items']:,} items in {result['pages']} pages, median walk "
              f"{result['medianWalkSeconds']:.2f}s ({result['msPerPage']:.1f} ms a page, median page "
              f"{result['medianPageMs']:.1f} ms, {result['usPerItem']:.0f} µs an item; seeded in "
              f"{result['seedSeconds']:.1f}s)")
    small, large = results
    ratio = large["usPerItem"] / small["usPerItem"]
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    backend = "postgresql" if args.postgres else "sqlite"
    print(f"per-item cost {large['size']:,} / {small['size']:,}: {ratio:.2f}x (target <= {TARGET}x) {verdict} [{backend}]")
    print(json.dumps({"backend": backend, "ratio": round(ratio, 2), "target": TARGET, "pass": ratio <= TARGET,
                      "results": results}))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
