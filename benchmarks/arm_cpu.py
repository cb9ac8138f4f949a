"""CPU time per ARM request of the in-process ASGI app (issue 14): no sockets, no TLS, one request at a time.

What the server's own code costs per request, read from ``time.process_time`` (all threads of the process: the
event loop, the threadpool, the request log's writer), so a machine busy with other work inflates it less than
it does wrk's throughput. For the hot path's before/after; wrk against the served app measures the whole stack.

    python benchmarks/arm_cpu.py [DATA_DIR] [--requests 1000]

DATA_DIR (default: a new temporary one) gets the demo data on first use; SQLite unless SUBPLANE_DATABASE_URL says
otherwise; the throttle off; log lines at info, written to /dev/null.
"""
import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

parser = argparse.ArgumentParser()
parser.add_argument("data_dir", nargs="?")
parser.add_argument("--requests", type=int, default=1000)
args = parser.parse_args()
data = Path(args.data_dir or tempfile.mkdtemp(prefix="subplane-arm-cpu-"))
N = args.requests
from subplane import demo, logs  # noqa: E402
from subplane import settings as settings_module  # noqa: E402
from subplane.api.server import create_http_app  # noqa: E402
from subplane.bootstrap import build_app  # noqa: E402

BASE = "127.0.0.1:8443"
settings = settings_module.load(env={**os.environ, "SUBPLANE_DATA_DIR": str(data), "SUBPLANE_ARM_THROTTLE": "off",
                                     "SUBPLANE_PUBLIC_URL": f"https://{BASE}"})
app = build_app(settings)
seeded = demo.seed(app)
logs.configure("INFO", "json", stream=open(os.devnull, "w"))  # noqa: SIM115 - for the whole run
http = create_http_app(app, run_jobs=False)


async def call(method: str, path: str, query: str = "", body: bytes = b"", token: str | None = None,
               content_type: bytes = b"application/json") -> tuple[int, bytes]:
    headers = [(b"host", BASE.encode()), (b"user-agent", b"arm-cpu")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers += [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "https",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8443), "state": {}}
    sent = False
    answer: dict = {"body": b""}

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await http(scope, receive, send)
    return answer["status"], answer["body"]


async def main() -> None:
    owner = next(p for p in seeded["servicePrincipals"] if p["role"] == "Owner")
    form = urlencode({"grant_type": "client_credentials", "client_id": owner["clientId"],
                      "client_secret": owner["clientSecret"], "scope": "https://management.azure.com/.default"})
    status, answer = await call("POST", f"/{seeded['tenantId']}/oauth2/v2.0/token", body=form.encode(),
                                content_type=b"application/x-www-form-urlencoded")
    assert status == 200, answer
    token = json.loads(answer)["access_token"]
    status, answer = await call("GET", "/subscriptions", "api-version=2022-12-01", token=token)
    sub = next(s["subscriptionId"] for s in json.loads(answer)["value"] if s["displayName"] == "Proefversie")
    requests = {
        "GET /subscriptions/{id}": ("GET", f"/subscriptions/{sub}", "api-version=2022-12-01", b""),
        "GET /subscriptions": ("GET", "/subscriptions", "api-version=2022-12-01", b""),
        "GET .../resources": ("GET", f"/subscriptions/{sub}/resources", "api-version=2021-04-01", b""),
        "PUT resource group": ("PUT", f"/subscriptions/{sub}/resourcegroups/bench-rg", "api-version=2021-04-01",
                               b'{"location":"westeurope"}'),
    }
    for name, (method, path, query, body) in requests.items():
        for _ in range(50):  # warm-up: caches, pools, the threadpool
            status, answer = await call(method, path, query, body, token)
            assert status in (200, 201), (status, answer)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(N):
            await call(method, path, query, body, token)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"{name:24} CPU {1e6 * cpu / N:7,.0f} us/request   wall {1e6 * wall / N:7,.0f} us/request", flush=True)


asyncio.run(main())
app.request_log.close()
