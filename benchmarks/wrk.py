"""Drive Debian's ``wrk`` (a C load generator: epoll, one event loop a thread) and read what it prints.

``lua_script`` writes the request (method, headers, body) as wrk's Lua ``wrk.*`` globals; ``run`` starts wrk with
``--latency`` and returns the parsed ``WrkRun`` plus the CPU seconds wrk itself used (to tell whether the client,
not the server, was the limit); ``parse`` reads wrk 4's text report.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
from dataclasses import dataclass, field

# wrk's units.c: latencies are printed in us/ms/s (x1000) then m/h (x60); sizes are not needed here
_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([0-9]+(?:\.[0-9]+)?)(us|ms|s|m|h)"
_PERCENTILE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)%\s+" + _TIME + r"\s*$", re.MULTILINE)
_TOTAL = re.compile(r"^\s*([0-9]+) requests in " + _TIME + ",", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([0-9]+(?:\.[0-9]+)?)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+([0-9]+)\s*$", re.MULTILINE)
_SOCKET = re.compile(r"^\s*Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)\s*$",
                     re.MULTILINE)
_SHAPE = re.compile(r"^\s*([0-9]+) threads and ([0-9]+) connections\s*$", re.MULTILINE)


@dataclass(frozen=True)
class WrkRun:
    requests_per_second: float
    latency_ms: dict[float, float]  # percentile -> milliseconds (wrk --latency prints 50, 75, 90, 99)
    requests: int
    duration_s: float
    threads: int
    connections: int
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, timeout

    @property
    def p50_ms(self) -> float:
        return self.latency_ms[50.0]

    @property
    def p99_ms(self) -> float:
        return self.latency_ms[99.0]

    @property
    def errors(self) -> int:
        """Answers that were not 2xx/3xx plus socket errors: a run with any is not a measurement of success."""
        return self.non_2xx + sum(self.socket_errors.values())


def to_ms(number: str, unit: str) -> float:
    return float(number) * _TIME_UNITS_MS[unit]


def parse(text: str) -> WrkRun:
    """wrk 4's report (run with ``--latency``). Raises ValueError when a part it needs is missing."""
    percentiles = {float(p): to_ms(n, u) for p, n, u in _PERCENTILE.findall(text)}
    total, rate, shape = _TOTAL.search(text), _RATE.search(text), _SHAPE.search(text)
    missing = [name for name, found in (("latency distribution (--latency)", 50.0 in percentiles and 99.0 in percentiles),
                                        ("'N requests in T'", total), ("Requests/sec", rate),
                                        ("'N threads and M connections'", shape)) if not found]
    if missing:
        raise ValueError(f"not a wrk --latency report: no {', '.join(missing)} in:\n{text}")
    assert total and rate and shape  # for mypy: checked just above
    non_2xx = _NON_2XX.search(text)
    socket = _SOCKET.search(text)
    return WrkRun(
        requests_per_second=float(rate.group(1)), latency_ms=percentiles, requests=int(total.group(1)),
        duration_s=to_ms(total.group(2), total.group(3)) / 1000, threads=int(shape.group(1)),
        connections=int(shape.group(2)), non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(("connect", "read", "write", "timeout"), map(int, socket.groups()), strict=True))
        if socket else {})


def lua_string(text: str) -> str:
    """``text`` as a double-quoted Lua string literal (bytes outside printable ASCII as decimal escapes)."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def lua_script(method: str, headers: dict[str, str], body: str | None = None) -> str:
    """The wrk script that sends every request as ``method`` with ``headers`` and ``body`` (the URL's path is wrk's)."""
    lines = [f"wrk.method = {lua_string(method)}"]
    lines += [f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body)}")
    return "\n".join(lines) + "\n"


def command(url: str, script: str, *, threads: int, connections: int, duration: float, timeout: float = 10,
            cpus: str | None = None, executable: str = "wrk") -> list[str]:
    args = [executable, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", f"--timeout={timeout:g}s", "--latency",
            "-s", script, url]
    return (["taskset", "-c", cpus] if cpus else []) + args


def run(url: str, script: str, *, threads: int, connections: int, duration: float, cpus: str | None = None,
        executable: str = "wrk") -> tuple[WrkRun, float]:
    """One wrk run; returns its report and the CPU seconds (user + system) wrk used."""
    if shutil.which(executable) is None:
        raise FileNotFoundError(f"{executable} is not installed (Debian: apt-get install wrk)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(command(url, script, threads=threads, connections=connections, duration=duration, cpus=cpus,
                                      executable=executable), capture_output=True, text=True, timeout=duration + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return parse(finished.stdout), cpu
