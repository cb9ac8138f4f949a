"""Start-up (issue 14): process start to the first authenticated ARM 200, as ratios against a bare uvicorn app over
TLS measured in the same run, interleaved (bare, existing, fresh, bare, ...), medians of each.

- existing: ``subplane serve`` on a data directory that holds its database, keys and certificate (any restart);
  the token was issued by an earlier process (the signing key is in the database). Target: <= 2x the bare app.
- fresh: ``subplane serve --demo`` on an empty data directory: schema, demo data, signing key and certificate
  are made, then a client takes a token with the demo service principal's secret and asks. Target: <= 4x.
- bare: a FastAPI app of one route on uvicorn, with the same TLS certificate and key, answering 200 when the
  request carries a bearer token.

    python benchmarks/startup.py [--rounds 7]

The figures are wall-clock seconds, so a loaded machine moves them; the ratios come from interleaved rounds for that
reason. Nothing here needs PostgreSQL: both servers use the data directory's SQLite database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup_common import Result, free_port, print_results  # noqa: E402

ARM_PATH = "/subscriptions?api-version=2022-12-01"
ARM_SCOPE = "https://management.azure.com/.default"
TIMEOUT = 120.0

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI, Request, Response
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

@app.get("/subscriptions")
async def subscriptions(request: Request) -> Response:
    ok = request.headers.get("authorization", "").startswith("Bearer ")
    return Response(b'{"value":[]}' if ok else b'{}', status_code=200 if ok else 401, media_type="application/json")

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), ssl_certfile=sys.argv[2], ssl_keyfile=sys.argv[3],
            log_level="info", log_config=None)
"""


def _request(port: int, context: ssl.SSLContext, method: str, path: str, *, body: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _until(ready: Callable[[], bool], process: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early ({process.returncode})")
        try:
            if ready():
                return
        except (OSError, ValueError, KeyError, http.client.HTTPException):  # not up yet, or connection.json half written
            pass
        time.sleep(0.005)
    raise TimeoutError("no authenticated 200 in time")


def _timed(args: list[str], env: dict[str, str], ready: Callable[[subprocess.Popen], Callable[[], bool]]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(ready(process), process)
        return time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serve_args(port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "subplane.cli.main", "serve", "--port", str(port), "--log-level", "info", *extra]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBPLANE_")}
    return {**env, "SUBPLANE_DATA_DIR": str(data_dir), "SUBPLANE_ARM_THROTTLE": "off"}


def _token(port: int, context: ssl.SSLContext, connection: dict) -> str | None:
    owner = connection["principals"]["owner"]
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": owner["clientId"],
                                   "client_secret": owner["clientSecret"], "scope": ARM_SCOPE})
    status, body = _request(port, context, "POST", f"/{connection['tenantId']}/oauth2/v2.0/token", body=form,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(body)["access_token"] if status == 200 else None


def _authenticated_200(port: int, context: ssl.SSLContext, token: str) -> bool:
    status, _ = _request(port, context, "GET", ARM_PATH, headers={"Authorization": f"Bearer {token}"})
    return status == 200


def prepare(folder: Path) -> tuple[Path, int, str]:
    """A data directory as any restart finds it, its port (the token's issuer names it), and a token its first
    server issued."""
    data_dir = folder / "existing"
    port = free_port()
    token: list[str] = []

    def ready(process: subprocess.Popen) -> Callable[[], bool]:
        def check() -> bool:
            connection = json.loads((data_dir / "connection.json").read_text("utf-8"))
            context = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
            issued = _token(port, context, connection)
            if issued is None:
                return False
            token.append(issued)
            return _authenticated_200(port, context, issued)
        return check

    _timed(_serve_args(port, "--demo"), _env(data_dir), ready)
    return data_dir, port, token[0]


def bare(data_dir: Path) -> float:
    port = free_port()
    tls = data_dir / "tls"
    context = ssl.create_default_context(cafile=str(tls / "ca.pem"))
    args = [sys.executable, "-c", BARE_APP, str(port), str(tls / "server.pem"), str(tls / "server-key.pem")]
    return _timed(args, _env(data_dir), lambda process: lambda: _authenticated_200(port, context, "t"))


def existing(data_dir: Path, port: int, token: str) -> float:
    context = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
    return _timed(_serve_args(port), _env(data_dir), lambda process: lambda: _authenticated_200(port, context, token))


def fresh(folder: Path) -> float:
    data_dir = Path(tempfile.mkdtemp(prefix="fresh-", dir=folder))
    port = free_port()

    def ready(process: subprocess.Popen) -> Callable[[], bool]:
        def check() -> bool:
            connection = json.loads((data_dir / "connection.json").read_text("utf-8"))
            context = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
            token = _token(port, context, connection)
            return token is not None and _authenticated_200(port, context, token)
        return check

    try:
        return _timed(_serve_args(port, "--demo"), _env(data_dir), ready)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="subplane-startup-") as temp:
        folder = Path(temp)
        data_dir, port, token = prepare(folder)
        times: dict[str, list[float]] = {"bare": [], "existing": [], "fresh": []}
        for _ in range(args.rounds):  # interleaved: a load change on a shared machine falls on all three alike
            times["bare"].append(bare(data_dir))
            times["existing"].append(existing(data_dir, port, token))
            times["fresh"].append(fresh(folder))
    median = {name: statistics.median(values) for name, values in times.items()}

    def spread(name: str) -> str:
        return f"median {median[name]:.2f}s ({min(times[name]):.2f}-{max(times[name]):.2f}), bare {median['bare']:.2f}s"

    return [
        Result.check("start-up, existing data dir: first authenticated 200 / bare", median["existing"] / median["bare"],
                     "<= 2", detail=spread("existing")),
        Result.check("start-up, fresh data dir (--demo): first authenticated 200 / bare", median["fresh"] / median["bare"],
                     "<= 4", detail=spread("fresh")),
        Result("bare uvicorn + TLS: first 200", median["bare"], unit="s", detail=f"{args.rounds} rounds"),
    ]


if __name__ == "__main__":
    results = main()
    print_results(results, "Start-up (issue 14)")
    sys.exit(0 if all(r.passed is not False for r in results) else 1)
