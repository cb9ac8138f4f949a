"""Scale-out (issue 11): 1, 2 and 3 `subplane serve` processes on one PostgreSQL behind haproxy.

1. ARM read throughput, ``GET /subscriptions/{id}`` with a valid token, ``wrk -t2 -c32`` through haproxy,
   as a ratio to one process behind the same haproxy in the same run. The baseline is checked first:
   haproxy in front of one process must keep at least 80% of that process's direct throughput, else
   the load balancer, not Subplane, would be measured. Target: 3 processes >= 2.2x one on a machine with
   enough cores; on 2 cores every process, haproxy, PostgreSQL and wrk share them, so the ceiling is
   about what one process already uses of the machine (the report says how busy it was).
2. Delivering 10,000 outbox events (webhooks to a local receiver) with 1 and with 3 processes: the time
   until all are delivered, as a ratio, and that no event was POSTed twice.

    python benchmarks/scale_out.py [--seconds 10] [--events 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import Database  # noqa: E402
from tests.ops.receiver import Receiver  # noqa: E402
from tests.scale.cluster import Cluster  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
ENV = {"SUBPLANE_ARM_THROTTLE": "off", "SUBPLANE_LOG_LEVEL": "WARNING"}


def token(cluster: Cluster) -> str:
    owner = cluster.connection["principals"]["owner"]
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": owner["clientId"],
                                   "client_secret": owner["clientSecret"],
                                   "scope": "https://management.azure.com/.default"}).encode()
    request = urllib.request.Request(f"{cluster.url}/{cluster.connection['tenantId']}/oauth2/v2.0/token", data=form)
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=cluster.ca)) as answer:
        return json.loads(answer.read())["access_token"]


def subscription_id(cluster: Cluster, bearer: str) -> str:
    request = urllib.request.Request(f"{cluster.url}/subscriptions?api-version=2022-12-01",
                                     headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=cluster.ca)) as answer:
        return json.loads(answer.read())["value"][0]["subscriptionId"]


def wrk(url: str, bearer: str, seconds: int) -> float:
    done = subprocess.run([WRK, "-t2", "-c32", f"-d{seconds}s", "-H", f"Authorization: Bearer {bearer}", url],
                          capture_output=True, text=True, check=True)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if not found or non_2xx:
        raise SystemExit(f"wrk failed or got errors:\n{done.stdout}")
    return float(found.group(1))


def read_throughput(size: int, seconds: int, root: Path) -> tuple[float, float | None]:
    database = Database("postgres", root)
    cluster = Cluster(root / f"reads-{size}", database.url, size=size, env=ENV, close_per_request=False)
    try:
        bearer = token(cluster)
        path = f"/subscriptions/{subscription_id(cluster, bearer)}?api-version=2022-12-01"
        wrk(cluster.url + path, bearer, 2)  # warm up every process
        through = wrk(cluster.url + path, bearer, seconds)
        direct = wrk(cluster.first.url + path, bearer, seconds) if size == 1 else None
        return through, direct
    finally:
        cluster.stop()
        database.drop()


def delivery_time(size: int, events: int, root: Path) -> tuple[float, int]:
    from subplane import settings as settings_module
    from subplane.adapters.db.tables import outbox
    from subplane.bootstrap import build_app

    database = Database("postgres", root)
    receiver = Receiver()
    cluster = Cluster(root / f"deliveries-{size}", database.url, size=size, env=ENV, close_per_request=False)
    try:
        app = build_app(settings_module.load(data_dir=root / f"operator-{size}", database_url=database.url))
        app.webhooks.add(url=receiver.url)
        with app.uow() as uow:  # events as the lifecycle writes them, in bulk: the measurement is delivery
            uow.conn.execute(outbox.insert(), [{"type": "Subplane.Benchmark", "subject": f"/subscriptions/s{n % 500}",
                                                "instant": uow.now, "subscription_id": None, "data": {"n": n}}
                                               for n in range(events)])
        started = time.monotonic()
        while len(receiver.accepted()) < events and time.monotonic() - started < 900:
            time.sleep(0.25)
        took = time.monotonic() - started
        twice = sum(1 for count in Counter(r["event"]["id"] for r in receiver.accepted()).values() if count > 1)
        app.close()
        return took, twice
    finally:
        cluster.stop()
        receiver.close()
        database.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run; wrk -t2 -c32 "
          f"-d{args.seconds}s; PostgreSQL at 127.0.0.1")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        reads = {}
        for size in (1, 2, 3):
            print(f"  reads with {size} process(es)…", flush=True)
            reads[size], direct = read_throughput(size, args.seconds, root)
            print(f"    {reads[size]:.0f} req/s; load average {os.getloadavg()[0]:.1f}")
            if direct is not None:
                print(f"    baseline check: haproxy → 1 process {reads[1]:.0f} req/s, the process direct {direct:.0f} "
                      f"req/s ({reads[1] / direct:.2f} of it)")
        print("\n| processes | req/s | ratio to 1 |\n|---|---|---|")
        for size, rate in reads.items():
            print(f"| {size} | {rate:.0f} | {rate / reads[1]:.2f}x |")
        times = {}
        for size in (1, 3):
            print(f"\n  delivering {args.events} events with {size} process(es)…", flush=True)
            times[size] = delivery_time(size, args.events, root)
        print("\n| processes | seconds to deliver | ratio | POSTed twice |\n|---|---|---|---|")
        for size, (took, twice) in times.items():
            print(f"| {size} | {took:.1f} | {times[1][0] / took:.2f}x | {twice} |")


if __name__ == "__main__":
    main()
