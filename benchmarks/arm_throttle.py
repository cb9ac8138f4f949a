"""What the shared ARM throttle costs: ``GET /subscriptions/{id}`` with the throttle on (one token-bucket
write per request) versus ``SUBPLANE_ARM_THROTTLE=off``, measured with ``wrk`` in the same run, per backend.

The throttled server's buckets are too big to run out (the write happens, no request is refused), so the
ratio is the price of the write alone. Each server is measured twice, alternating, and the rates averaged.

    python benchmarks/arm_throttle.py [--seconds 10] [--connections 32] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
import sqlalchemy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.arm_speed import token_for  # noqa: E402
from tests.server import ServerProcess  # noqa: E402

UNLIMITED = "reads=1000000000:1000000000"
_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")


def wrk(url: str, token: str, seconds: int, connections: int) -> float:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}", url],
                         check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw refused requests:\n{out}")
    return float(_RATE.search(out).group(1))


def target(server: ServerProcess) -> tuple[str, str]:
    connection = json.loads((server.data_dir / "connection.json").read_text())
    token = token_for(connection)
    subs = httpx.get(f"{server.url}/subscriptions?api-version=2022-12-01", verify=server.ca_bundle,
                     headers={"Authorization": f"Bearer {token}"}).json()["value"]
    return f"{server.url}/subscriptions/{subs[0]['subscriptionId']}?api-version=2022-12-01", token


def measure(backend: str, database_url: str | None, seconds: int, connections: int) -> float:
    rates: dict[str, list[float]] = {"off": [], "on": []}
    servers = {}
    try:
        for mode, spec in (("off", "off"), ("on", UNLIMITED)):
            env = {"SUBPLANE_ARM_THROTTLE": spec, "SUBPLANE_LOG_LEVEL": "warning"}
            if database_url:
                env["SUBPLANE_DATABASE_URL"] = database_url
            servers[mode] = ServerProcess(Path(tempfile.mkdtemp(prefix=f"subplane-throttle-{mode}-")), env=env)
        targets = {mode: target(server) for mode, server in servers.items()}
        for mode in ("off", "on", "off", "on"):
            rates[mode].append(wrk(*targets[mode], seconds, connections))
    finally:
        for server in servers.values():
            server.stop()
            shutil.rmtree(server.data_dir, ignore_errors=True)
    off, on = (sum(rates[m]) / len(rates[m]) for m in ("off", "on"))
    print(f"{backend}: GET subscription, {connections} connections: throttle off {off:,.0f}/s, "
          f"shared throttle on {on:,.0f}/s -> ratio {on / off:.2f}")
    return on / off


def postgres_schema(url: str) -> tuple[str, str]:
    schema = "bench_" + uuid.uuid4().hex[:8]
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return schema, f"{url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--postgres-url", help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    results = {}
    if args.backend in ("sqlite", "both"):
        results["sqlite"] = measure("sqlite", None, args.seconds, args.connections)
    if args.backend in ("postgres", "both") and args.postgres_url:
        schema, url = postgres_schema(args.postgres_url)
        try:
            results["postgres"] = measure("postgres", url, args.seconds, args.connections)
        finally:
            drop_schema(args.postgres_url, schema)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
