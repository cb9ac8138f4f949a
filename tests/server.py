"""Start a real `subplane serve` in a subprocess for end-to-end tests.

Interface used by e2e and browser tests: ``ServerProcess.url`` (scheme://host:port),
``.data_dir``, ``.ca_bundle`` (path of the CA certificate when the server speaks HTTPS, else None),
``.env`` (environment for CLI subprocesses pointed at the same data), and ``.stop()``. With ``record_to``, every
ARM answer is appended to that file (tests/conformance/recording.py) for the spec conformance check.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, data_dir: Path, *, demo: bool = True, extra_args: list[str] | None = None,
                 env: dict[str, str] | None = None, host: str = "127.0.0.1", port: int | None = None,
                 record_to: Path | None = None) -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port()
        self.env = {**os.environ, "SUBPLANE_DATA_DIR": str(data_dir), **(env or {})}
        args = [sys.executable, "-m", "subplane.cli.main", "serve", "--port", str(self.port)]
        if record_to is not None:  # every ARM answer appended to record_to, for the spec conformance check
            args[2] = "tests.conformance.recording"
            self.env["SUBPLANE_RECORD_RESPONSES"] = str(record_to)
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                                   self.env.get("PYTHONPATH")]))
        if host != "127.0.0.1":  # the local certificate names it too
            args += ["--host", host, "--hostname", host]
        if demo:
            args.append("--demo")
        args += extra_args or []
        self.log_path = data_dir / "serve.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(args, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        self.ca_bundle: str | None = None
        self.url = ""
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"subplane serve exited early:\n{self.log_path.read_text(errors='replace')}")
            for scheme in ("https", "http"):
                try:
                    context = None
                    ca = self.data_dir / "tls" / "ca.pem"
                    if scheme == "https":
                        if not ca.exists():
                            continue
                        context = ssl.create_default_context(cafile=str(ca))
                    url = f"{scheme}://{self.host}:{self.port}"
                    with urllib.request.urlopen(url + "/_subplane/health", timeout=2, context=context) as answer:
                        if answer.status == 200:
                            self.url = url
                            self.ca_bundle = str(ca) if scheme == "https" else None
                            return
                except Exception as error:  # noqa: BLE001 - keep polling until the deadline
                    last_error = error
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"subplane serve did not become healthy: {last_error}\n{self.log_path.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()
