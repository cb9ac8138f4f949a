"""Three `subplane serve` processes on one PostgreSQL database behind Debian's haproxy (round-robin,
a new server-side connection per request), each with a data directory of its own, as on three hosts."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.server import free_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

HAPROXY_CONFIG = """\
global
    maxconn 2000
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
{connection_mode}
frontend arm
    bind 127.0.0.1:{port} ssl crt {pem}
    default_backend subplane
backend subplane
    balance roundrobin
    option httpchk GET /_subplane/health
    http-check expect status 200
{servers}
"""


class Process:
    def __init__(self, name: str, data_dir: Path, env: dict[str, str], public_url: str, *, demo: bool) -> None:
        self.name, self.data_dir, self.port = name, data_dir, free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(data_dir / "serve.log", "wb")
        self.env = {**env, "SUBPLANE_DATA_DIR": str(data_dir), "SUBPLANE_INSTANCE_NAME": name}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "subplane.cli.main", "serve", "--port", str(self.port), "--public-url", public_url,
             *(["--demo"] if demo else [])], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # this hop only: is it up?
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{(self.data_dir / 'serve.log').read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url + "/_subplane/health", timeout=2, context=context) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} never became healthy:\n{(self.data_dir / 'serve.log').read_text(errors='replace')}")

    def kill(self) -> None:
        """As a crash would: no shutdown, no cleanup."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class Cluster:
    def __init__(self, root: Path, database_url: str, *, size: int = 3, env: dict[str, str] | None = None,
                 close_per_request: bool = True) -> None:
        self.root = root
        self.close_per_request = close_per_request
        self.lb_port = free_port()
        self.url = f"https://127.0.0.1:{self.lb_port}"
        base = {**os.environ, "SUBPLANE_DATABASE_URL": database_url, "SUBPLANE_RUNNER_INTERVAL": "0.5",
                **(env or {})}
        self.processes: list[Process] = []
        self.haproxy: subprocess.Popen | None = None
        try:
            # the first migrates and seeds; the others start on the same database at once
            self.processes.append(Process("p1", root / "p1", base, self.url, demo=True))
            self.processes[0].wait_healthy()
            self.processes += [Process(f"p{n}", root / f"p{n}", base, self.url, demo=False)
                               for n in range(2, size + 1)]
            for process in self.processes[1:]:
                process.wait_healthy()
            self._start_haproxy()
        except BaseException:
            self.stop()
            raise

    @property
    def first(self) -> Process:
        return self.processes[0]

    @property
    def ca(self) -> str:
        return str(self.first.data_dir / "tls" / "ca.pem")

    @property
    def connection(self) -> dict:
        details = json.loads((self.first.data_dir / "connection.json").read_text("utf-8"))
        return {**details, "armEndpoint": self.url, "authority": self.url}

    @property
    def env(self) -> dict[str, str]:
        """For CLI subprocesses that talk to the same database."""
        return self.first.env

    def _start_haproxy(self) -> None:
        tls = self.first.data_dir / "tls"
        pem = self.root / "haproxy.pem"
        pem.write_bytes((tls / "server.pem").read_bytes() + (tls / "server-key.pem").read_bytes())
        servers = "\n".join(f"    server {p.name} 127.0.0.1:{p.port} ssl verify none check inter 500ms"
                            for p in self.processes)
        config = self.root / "haproxy.cfg"
        # Tests: a new server-side connection per request, so consecutive requests of one client surely
        # land on different processes. Benchmarks (and production): connections to the processes kept alive.
        mode = "    option http-server-close" if self.close_per_request else "    http-reuse always"
        config.write_text(HAPROXY_CONFIG.format(port=self.lb_port, pem=pem, servers=servers, connection_mode=mode))
        self.haproxy_log = open(self.root / "haproxy.log", "wb")
        self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=self.haproxy_log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        context = ssl.create_default_context(cafile=self.ca)
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/_subplane/health", timeout=2, context=context):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"haproxy did not answer:\n{(self.root / 'haproxy.log').read_text(errors='replace')}")

    def stop(self) -> None:
        if self.haproxy and self.haproxy.poll() is None:
            self.haproxy.terminate()
            self.haproxy.wait(timeout=10)
        for process in self.processes:
            process.stop()
