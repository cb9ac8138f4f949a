"""Subplane's blob data plane against Azurite, the official Azure Storage emulator (issue 14).

Both servers run on loopback over TLS with the same certificate (Subplane's local CA issues it), and both
are driven by the SAME ``azure-storage-blob`` calls with a bearer token, through one pooled HTTPS session
per server and a thread pool for the small operations, as a real client would. Rounds are interleaved (the
server that goes first alternates), each operation's figure is the median over the rounds, and the ratio is
Subplane's rate over Azurite's (above 1: Subplane is faster).

Operations: upload 1,000 x 1 KB (new blobs), download 1 KB (the same blobs, repeated), fill 5,000 small
blobs, list those 5,000 (every page), upload 64 MiB (one call), download 64 MiB (one call, as the SDK
reads it: a first GET, then ranged GETs).
Targets: every operation >= 1.0x Azurite; the small uploads (upload 1 KB, fill) >= 1.5x.

Azurite comes from npm at the version the committed lock file pins:
``npm ci --prefix benchmarks/azurite`` (the benchmark runs it when ``node_modules`` is missing).
Subplane is a real ``subplane serve --demo`` (tests/server.py): SQLite in a fresh data directory and the
default file blob store, or what ``SUBPLANE_BLOB_STORE`` / ``SUBPLANE_DATABASE_URL`` say. Azurite keeps its
data on disk (its default) in a fresh folder.

    python benchmarks/blob_vs_azurite.py [--rounds 3] [--threads 16] [--small 1000] [--fill 5000] [--big-mib 64]

Exits 1 when a target is missed. Figures depend on the machine and its load: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.server import ServerProcess, free_port  # noqa: E402

AZURITE_DIR = Path(__file__).resolve().parent / "azurite"
AZURITE_ACCOUNT = "devstoreaccount1"
SMALL_UPLOADS = ("upload 1 KB", "fill small blobs")


@dataclass
class Target:
    """One server as the benchmark sees it: an account URL, a credential and a CA bundle."""

    name: str
    account_url: str
    credential: object
    ca: str

    def service(self, pool: int):
        import requests
        from azure.core.pipeline.transport import RequestsTransport
        from azure.storage.blob import BlobServiceClient

        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=pool, pool_maxsize=pool)
        session.mount("https://", adapter)
        transport = RequestsTransport(session=session, session_owner=False, connection_verify=self.ca)
        return BlobServiceClient(self.account_url, credential=self.credential, transport=transport)


class UnsignedStorageToken:
    """A token Azurite's ``--oauth basic`` accepts: it checks issuer, audience and lifetime, not a signature."""

    def __init__(self) -> None:
        now = int(time.time())
        claims = {"aud": "https://storage.azure.com", "iss": f"https://sts.windows.net/{uuid.uuid4()}/",
                  "nbf": now - 60, "iat": now - 60, "exp": now + 6 * 3600, "oid": str(uuid.uuid4()),
                  "tid": str(uuid.uuid4()), "appid": str(uuid.uuid4())}
        part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
        self.token = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{part({'s': 'unsigned'})}"
        self.expires_on = claims["exp"]

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, self.expires_on)


# starting and stopping the two servers --------------------------------------------------------------------
def azurite_binary() -> Path:
    binary = AZURITE_DIR / "node_modules" / ".bin" / "azurite-blob"
    if not binary.exists():
        print("installing Azurite from benchmarks/azurite/package-lock.json (npm ci) ...", flush=True)
        subprocess.run(["npm", "ci", "--prefix", str(AZURITE_DIR), "--no-audit", "--no-fund"], check=True)
    return binary


def start_azurite(folder: Path, cert: Path, key: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = open(folder / "azurite.log", "wb")
    process = subprocess.Popen(
        [str(azurite_binary()), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--cert", str(cert),
         "--key", str(key), "--oauth", "basic", "--location", str(folder / "data"), "--silent",
         "--disableTelemetry", "--skipApiVersionCheck"],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azurite exited early:\n{(folder / 'azurite.log').read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("azurite did not start listening within 60 s")


def subplane_target(server: ServerProcess) -> Target:
    from azure.identity import ClientSecretCredential

    connection = json.loads((server.data_dir / "connection.json").read_text("utf-8"))
    owner = connection["principals"]["owner"]
    credential = ClientSecretCredential(connection["tenantId"], owner["clientId"], owner["clientSecret"],
                                        authority=connection["authority"], disable_instance_discovery=True,
                                        connection_verify=connection["caBundle"])
    return Target("subplane", f"{connection['armEndpoint']}/blob/contosodata", credential, connection["caBundle"])


# the operations: each returns operations (or bytes) per second --------------------------------------------
def _pooled(threads: int, items: list, call: Callable) -> float:
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        for _ in pool.map(call, items):
            pass
        return len(items) / (time.perf_counter() - started)


class Workload:
    def __init__(self, target: Target, threads: int, small: int, fill: int, big: bytes) -> None:
        self.target, self.threads, self.small, self.fill, self.big = target, threads, small, fill, big
        self.service = target.service(threads)
        self.kilobyte = os.urandom(1024)
        self.tiny = b"x" * 64

    def container(self, label: str):
        container = self.service.get_container_client(f"{label}-{uuid.uuid4().hex[:10]}")
        container.create_container()
        return container

    def warm_up(self) -> None:
        """A token, TLS sessions for every pooled connection and the server's first requests, outside the figures."""
        container = self.container("warm")
        names = [f"w{i}" for i in range(self.threads * 2)]
        _pooled(self.threads, names, lambda n: container.upload_blob(n, self.kilobyte, overwrite=True))
        _pooled(self.threads, names, lambda n: container.download_blob(n).readall())

    def round(self) -> dict[str, float]:
        figures: dict[str, float] = {}
        up = self.container("up")
        names = [f"blob-{i:05d}.bin" for i in range(self.small)]
        figures["upload 1 KB"] = _pooled(self.threads, names, lambda n: up.upload_blob(n, self.kilobyte))

        def download(name: str) -> None:
            assert up.download_blob(name).readall() == self.kilobyte

        figures["download 1 KB"] = _pooled(self.threads, names, download)

        filled = self.container("fill")
        many = [f"logs/{i // 100:03d}/entry-{i:05d}.txt" for i in range(self.fill)]
        figures["fill small blobs"] = _pooled(self.threads, many, lambda n: filled.upload_blob(n, self.tiny))

        listings = []
        for _ in range(3):
            started = time.perf_counter()
            count = sum(1 for _ in filled.list_blobs())
            listings.append(time.perf_counter() - started)
            assert count == self.fill, (self.target.name, count)
        figures["list small blobs"] = self.fill / statistics.median(listings)  # blobs listed per second

        big = self.container("big")
        started = time.perf_counter()
        big.upload_blob("big.bin", self.big)
        figures["upload big"] = len(self.big) / (time.perf_counter() - started) / 2**20  # MiB/s
        started = time.perf_counter()
        got = big.download_blob("big.bin").readall()
        figures["download big"] = len(got) / (time.perf_counter() - started) / 2**20
        assert got == self.big, f"{self.target.name}: the big blob came back changed"
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=16, help="client threads for the small operations")
    parser.add_argument("--small", type=int, default=1000, help="1 KB blobs uploaded and downloaded per round")
    parser.add_argument("--fill", type=int, default=5000, help="small blobs filled and listed per round")
    parser.add_argument("--big-mib", type=int, default=64)
    parser.add_argument("--keep", action="store_true", help="keep the data folders (printed) for a look afterwards")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="blob-vs-azurite-"))
    server = ServerProcess(folder / "subplane")  # as a user starts it: `serve --demo`, default settings
    azurite = None
    try:
        tls = server.data_dir / "tls"
        azurite, port = start_azurite(folder, tls / "server.pem", tls / "server-key.pem")
        big = os.urandom(args.big_mib * 2**20)
        loads = {
            "subplane": Workload(subplane_target(server), args.threads, args.small, args.fill, big),
            "azurite": Workload(Target("azurite", f"https://127.0.0.1:{port}/{AZURITE_ACCOUNT}", UnsignedStorageToken(),
                                       str(tls / "ca.pem")), args.threads, args.small, args.fill, big),
        }
        for load in loads.values():
            load.warm_up()
        results: dict[str, list[dict[str, float]]] = {name: [] for name in loads}
        for number in range(args.rounds):
            order = list(loads) if number % 2 == 0 else list(reversed(loads))
            for name in order:
                results[name].append(loads[name].round())
                print(f"round {number + 1}/{args.rounds} {name}: "
                      + ", ".join(f"{k} {v:,.1f}" for k, v in results[name][-1].items()), flush=True)
        return report(results, args)
    finally:
        server.stop()
        if azurite is not None:
            azurite.terminate()
            try:
                azurite.wait(timeout=10)
            except subprocess.TimeoutExpired:
                azurite.kill()
        if args.keep:
            print(f"data kept in {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def report(results: dict[str, list[dict[str, float]]], args) -> int:
    units = {"upload 1 KB": "ops/s", "download 1 KB": "ops/s", "fill small blobs": "ops/s",
             "list small blobs": "blobs/s", "upload big": "MiB/s", "download big": "MiB/s"}
    labels = {"upload 1 KB": f"upload {args.small:,} x 1 KB", "download 1 KB": "download 1 KB",
              "fill small blobs": f"fill {args.fill:,} small blobs", "list small blobs": f"list {args.fill:,} blobs",
              "upload big": f"upload {args.big_mib} MiB", "download big": f"download {args.big_mib} MiB"}
    print(f"\nBlob vs Azurite: medians of {args.rounds} interleaved rounds, {args.threads} client threads "
          "for the small operations")
    print(f"{'operation':<26}{'Subplane':>18}{'Azurite':>19}  {'ratio (range)':<18} target  result")
    failed = False
    for key, unit in units.items():
        ours = [r[key] for r in results["subplane"]]
        theirs = [r[key] for r in results["azurite"]]
        ratio = statistics.median(ours) / statistics.median(theirs)
        spread = f"({min(a / b for a, b in zip(ours, theirs, strict=True)):.2f}-" \
                 f"{max(a / b for a, b in zip(ours, theirs, strict=True)):.2f})"
        target = 1.5 if key in SMALL_UPLOADS else 1.0
        ok = ratio >= target
        failed |= not ok
        print(f"{labels[key]:<26}{statistics.median(ours):>10,.1f} {unit:<8}{statistics.median(theirs):>10,.1f} "
              f"{unit:<8} {ratio:>5.2f}x {spread:<11} >={target:.1f}x  {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
