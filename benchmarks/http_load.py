"""ARM HTTP load (issue 14): Subplane against a bare FastAPI app on the same server stack, driven by wrk.

Seeds a temporary data directory (the demo data plus ``--owned`` subscriptions the demo owner principal holds),
starts a real ``subplane serve`` on it, asks for a token, and captures Subplane's answer to each request once.
``benchmarks/bare_app.py`` then serves those captured answers verbatim on the same routes, through the same
``uvicorn_options`` (uvicorn settings, TLS certificate, log handler). wrk drives both, interleaved
(bare, Subplane, bare, Subplane, ...), ``--rounds`` times ``--duration`` seconds each, after a warm-up.

    python benchmarks/http_load.py [--duration 10] [--rounds 3] [--connections 32] [--threads N]
                                   [--only subscription,token] [--json out.json]

Benchmarks (``--only`` names):
  subscription   GET /subscriptions/{id}
  subscriptions  GET /subscriptions: ONE page at the default page size (wrk cannot follow nextLink;
                 walking every page is the growth benchmark's job)
  resources      GET /subscriptions/{id}/resources (the demo's Productie subscription)
  token          POST /{tenant}/oauth2/v2.0/token, client_credentials form
  put_group      PUT /subscriptions/{id}/resourcegroups/bench-rg, the same body every time (200 after the first)

Targets (ratios of medians, same run): reads >= 0.6x the bare throughput and p99 <= 2x the bare p99;
the token endpoint >= 0.5x; the write has none yet (its figures are shown). Exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks import wrk  # noqa: E402
from benchmarks.bare_app import ROUTES, capture  # noqa: E402
from benchmarks.results import Result, all_passed, print_table, write_json  # noqa: E402
from tests.server import ServerProcess, free_port  # noqa: E402

console = Console(width=None if sys.stdout.isatty() else 220)  # a log file gets the table unwrapped
ARM_VERSION = "2022-12-01"
RESOURCES_VERSION = "2021-04-01"
TARGETS = {"read": (">= 0.6", "<= 2"), "token": (">= 0.5", None), "write": (None, None)}


@dataclass(frozen=True)
class Benchmark:
    name: str  # a key of bare_app.ROUTES
    label: str
    kind: str  # a key of TARGETS
    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: str | None = None


@dataclass
class Rounds:
    """The wrk runs of one benchmark against one server."""
    runs: list[wrk.WrkRun] = field(default_factory=list)
    wrk_cpu: list[float] = field(default_factory=list)  # wrk's CPU seconds per run
    server_cpu: list[float] = field(default_factory=list)  # the server process's CPU seconds per run

    def median(self, pick) -> float:
        return statistics.median(pick(r) for r in self.runs)

    def cores(self, duration: float) -> float:
        """The median share of a CPU the server used while wrk ran."""
        return statistics.median(self.server_cpu) / duration

    def cpu_ms_per_request(self) -> float:
        """The median CPU milliseconds the server spent per answered request: unlike a rate, this barely moves
        when other processes take CPU time from the server, so it is the steadier figure on a shared machine."""
        return statistics.median(cpu / max(run.requests, 1) * 1000 for cpu, run in zip(self.server_cpu, self.runs, strict=True))

    def span(self, pick, fmt: str = "{:,.0f}") -> str:
        values = [pick(r) for r in self.runs]
        return f"{fmt.format(min(values))}–{fmt.format(max(values))}"


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per benchmark and server")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of wrk against each server before the rounds")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None,
                        help="wrk threads (default: 1 on a machine of 2 CPUs or fewer, else 2; see the README)")
    parser.add_argument("--pin", action="store_true", help="taskset wrk to the last CPU and the servers to the others")
    parser.add_argument("--only", action="append", default=None, help=f"benchmarks to run (of {', '.join(ROUTES)})")
    parser.add_argument("--owned", type=int, default=150, help="extra subscriptions the owner principal holds")
    parser.add_argument("--log-level", default="info", help="both servers' log level (Subplane's default: info)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in the temporary data directory")
    parser.add_argument("--lockout-threshold", type=int, default=None,
                        help="SUBPLANE_LOCKOUT_THRESHOLD for the server (default: the server's own, 5)")
    parser.add_argument("--json", type=Path, default=None, help="write every figure and result here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    only = [n for part in args.only or [] for n in part.split(",") if n] or list(ROUTES)
    unknown = set(only) - set(ROUTES)
    if unknown:
        parser.error(f"unknown benchmark {', '.join(sorted(unknown))}; choose from {', '.join(ROUTES)}")
    cpus = os.cpu_count() or 1
    threads = args.threads or (1 if cpus <= 2 else 2)
    wrk_cpus, server_cpus = (str(cpus - 1), f"0-{cpus - 2}") if args.pin and cpus > 1 else (None, None)

    data_dir = Path(tempfile.mkdtemp(prefix="subplane-http-load-"))
    env = {"SUBPLANE_ARM_THROTTLE": "off", "SUBPLANE_LOG_LEVEL": args.log_level}
    if args.lockout_threshold:
        env["SUBPLANE_LOCKOUT_THRESHOLD"] = str(args.lockout_threshold)
    if args.database_url:
        env["SUBPLANE_DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("SUBPLANE_DATABASE_URL", None)  # SQLite in the data directory
    with console.status("Seeding the data directory…"):
        seed({**os.environ, **env, "SUBPLANE_DATA_DIR": str(data_dir)}, args.owned)  # what the server will read
    subplane = bare = None
    try:
        with console.status("Starting subplane serve…"):
            subplane = ServerProcess(data_dir, env=env)
        connection = json.loads((data_dir / "connection.json").read_text())
        benchmarks = [b for b in plan(subplane, connection) if b.name in only]
        captured_file = data_dir / "captured.json"
        captured = {b.name: capture_answer(subplane, b) for b in benchmarks}
        captured_file.write_text(json.dumps(captured), encoding="utf-8")
        with console.status("Starting the bare app…"):
            bare = start_bare(data_dir, captured_file, args.log_level, server_cpus)
        if server_cpus:
            subprocess.run(["taskset", "-a", "-p", "-c", server_cpus, str(subplane.process.pid)], check=True,
                           capture_output=True)
        check_replay(bare.url, subplane.ca_bundle or "", benchmarks, captured)
        console.print(f"wrk: {threads} thread(s), {args.connections} connections, {args.rounds} x {args.duration:g} s "
                      f"rounds after {args.warmup:g} s warm-up; {cpus} CPUs{' (pinned)' if wrk_cpus else ''}; "
                      f"log level {args.log_level}; {describe_page(captured)}")
        measured: dict[str, dict[str, Rounds]] = {}
        for bench in benchmarks:
            measured[bench.name] = run_rounds(bench, data_dir, {"bare": bare, "subplane": subplane}, args, threads, wrk_cpus)
    finally:
        for server in (bare, subplane):
            if server is not None:
                server.stop()
    results = [r for bench in benchmarks for r in judge(bench, measured[bench.name])]
    print_comparison(benchmarks, measured, args.duration)
    print_table(results, "ARM HTTP load: Subplane / bare FastAPI (same uvicorn, TLS and log settings)", console)
    warn_about_load(benchmarks, measured, args.duration, threads)
    if args.json:
        write_json(results, args.json, settings={"duration": args.duration, "rounds": args.rounds, "threads": threads,
                                                 "connections": args.connections, "logLevel": args.log_level, "cpus": cpus},
                   runs={name: {server: [vars(run) for run in rounds.runs] for server, rounds in per.items()}
                         for name, per in measured.items()})
    if not args.keep:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        console.print(f"Data directory kept: {data_dir}")
    return results


def seed(env: dict[str, str], owned: int) -> None:
    """The demo data, plus ``owned`` subscriptions on the demo account with the owner principal as Owner, in the
    data directory and database that ``env`` names."""
    from subplane import demo, settings
    from subplane.bootstrap import build_app
    from subplane.domain.access import OPERATOR, Role

    app = build_app(settings.load(env=env))
    try:
        demo.seed(app)
        with app.uow(read_only=True) as uow:
            owner = uow.directory.service_principal_credential("subplane-owner").principal.principal_id
        account = app.subscriptions.get(actor=OPERATOR, ref="Ontwikkeling").billing_account_id
        for n in range(owned):
            sub = app.subscriptions.create(actor=OPERATOR, display_name=f"bench-{n:05d}", billing_account_id=account,
                                           offer_id="MS-AZR-0003P")
            app.directory.assign_role(actor=OPERATOR, subscription=sub.subscription_id, principal_id=owner, role=Role.OWNER)
    finally:
        app.close()


def plan(server: ServerProcess, connection: dict) -> list[Benchmark]:
    owner = connection["principals"]["owner"]
    token_path = f"/{connection['tenantId']}/oauth2/v2.0/token"
    form = urlencode({"grant_type": "client_credentials", "client_id": owner["clientId"],
                      "client_secret": owner["clientSecret"], "scope": "https://management.azure.com/.default"})
    answer = httpx.post(server.url + token_path, content=form, verify=server.ca_bundle or False,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer.raise_for_status()
    auth = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    subs = httpx.get(f"{server.url}/subscriptions?api-version={ARM_VERSION}", headers=auth,
                     verify=server.ca_bundle or False).json()["value"]
    sub = next(s["subscriptionId"] for s in subs if s["displayName"] == "Productie")
    json_body = {**auth, "Content-Type": "application/json"}
    return [
        Benchmark("subscription", "GET /subscriptions/{id}", "read", "GET",
                  f"/subscriptions/{sub}?api-version={ARM_VERSION}", auth),
        Benchmark("subscriptions", "GET /subscriptions (one page)", "read", "GET",
                  f"/subscriptions?api-version={ARM_VERSION}", auth),
        Benchmark("resources", "GET /subscriptions/{id}/resources", "read", "GET",
                  f"/subscriptions/{sub}/resources?api-version={RESOURCES_VERSION}", auth),
        Benchmark("token", "POST /{tenant}/oauth2/v2.0/token", "token", "POST", token_path,
                  {"Content-Type": "application/x-www-form-urlencoded"}, form),
        Benchmark("put_group", "PUT /subscriptions/{id}/resourcegroups/{rg}", "write", "PUT",
                  f"/subscriptions/{sub}/resourcegroups/bench-rg?api-version={RESOURCES_VERSION}", json_body,
                  json.dumps({"location": "westeurope", "tags": {"purpose": "benchmark"}})),
    ]


def capture_answer(server: ServerProcess, bench: Benchmark) -> dict:
    """Subplane's answer to ``bench``'s request, in its steady state (a write is sent twice: the second is kept)."""
    for _ in range(2 if bench.kind == "write" else 1):
        answer = httpx.request(bench.method, server.url + bench.path, headers=bench.headers, content=bench.body,
                               verify=server.ca_bundle or False)
    if answer.status_code != 200:
        raise RuntimeError(f"{bench.label}: Subplane answered {answer.status_code}: {answer.text[:500]}")
    return capture(answer.status_code, list(answer.headers.items()), answer.content)


def describe_page(captured: dict) -> str:
    if "subscriptions" not in captured:
        return ""
    import base64

    page = json.loads(base64.b64decode(captured["subscriptions"]["body"]))
    more = "a nextLink follows" if page.get("nextLink") else "no nextLink"
    return f"GET /subscriptions answers a page of {len(page['value'])} ({more})"


@dataclass
class BareServer:
    process: subprocess.Popen
    url: str
    log: object

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()  # type: ignore[attr-defined]


def start_bare(data_dir: Path, captured: Path, log_level: str, cpus: str | None) -> BareServer:
    port = free_port()
    log = open(data_dir / "bare.log", "wb")
    args = [sys.executable, str(ROOT / "benchmarks" / "bare_app.py"), "--captured", str(captured),
            "--data-dir", str(data_dir), "--port", str(port), "--log-level", log_level]
    process = subprocess.Popen((["taskset", "-c", cpus] if cpus else []) + args, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    server = BareServer(process, f"https://127.0.0.1:{port}", log)
    context = ssl.create_default_context(cafile=str(data_dir / "tls" / "ca.pem"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"bare_app.py exited early:\n{(data_dir / 'bare.log').read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(server.url + "/_subplane/health", timeout=2, context=context):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("bare_app.py did not answer within 60 s")


def check_replay(url: str, ca: str, benchmarks: list[Benchmark], captured: dict) -> None:
    """The bare app answers each request with Subplane's status and body bytes: the two serve the same thing."""
    import base64

    for bench in benchmarks:
        answer = httpx.request(bench.method, url + bench.path, headers=bench.headers, content=bench.body, verify=ca)
        expected = captured[bench.name]
        if answer.status_code != expected["status"] or answer.content != base64.b64decode(expected["body"]):
            raise RuntimeError(f"{bench.label}: the bare app does not replay Subplane's answer ({answer.status_code})")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(pids: list[int], *, idle_cores: float = 0.05, window: float = 0.25, timeout: float = 30) -> float:
    """Wait until every process in ``pids`` is idle (less than ``idle_cores`` of a CPU over ``window`` seconds):
    a server still working off requests queued in the last run (wrk stops sending, not the server working)
    would otherwise take CPU from the next run. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = [cpu_seconds(pid) for pid in pids]
        time.sleep(window)
        if all(cpu_seconds(pid) - b < idle_cores * window for pid, b in zip(pids, before, strict=True)):
            break
    return time.monotonic() - started


def run_rounds(bench: Benchmark, data_dir: Path, servers: dict, args, threads: int, cpus: str | None) -> dict[str, Rounds]:
    script = data_dir / f"wrk-{bench.name}.lua"
    script.write_text(wrk.lua_script(bench.method, bench.headers, bench.body), encoding="utf-8")
    shape = dict(threads=threads, connections=args.connections, cpus=cpus)
    if args.warmup > 0:
        for server in servers.values():
            wrk.run(server.url + bench.path, str(script), duration=args.warmup, **shape)
    measured = {name: Rounds() for name in servers}
    for round_number in range(1, args.rounds + 1):
        for name, server in servers.items():  # bare first, then Subplane, every round
            pid = server.process.pid
            waited = settle([s.process.pid for s in servers.values()])
            if waited > 1:
                console.print(f"  [dim](waited {waited:.1f} s for the servers to finish the last run's requests)[/]")
            before = cpu_seconds(pid)
            run, wrk_cpu = wrk.run(server.url + bench.path, str(script), duration=args.duration, **shape)
            measured[name].runs.append(run)
            measured[name].wrk_cpu.append(wrk_cpu)
            measured[name].server_cpu.append(cpu_seconds(pid) - before)
            errors = f", [red]{run.errors} errors[/]" if run.errors else ""
            console.print(f"  {bench.label} round {round_number} {name:>8}: {run.requests_per_second:>8,.0f} req/s, "
                          f"p50 {run.p50_ms:6.1f} ms, p99 {run.p99_ms:6.1f} ms{errors}", highlight=False)
    return measured


def _rps(run: wrk.WrkRun) -> float:
    return run.requests_per_second


def _p50(run: wrk.WrkRun) -> float:
    return run.p50_ms


def _p99(run: wrk.WrkRun) -> float:
    return run.p99_ms


def round_ratios(measured: dict[str, Rounds], pick) -> list[float]:
    """Subplane / bare for each round's pair of runs (the two measured back to back)."""
    return [pick(s) / pick(b) for b, s in zip(measured["bare"].runs, measured["subplane"].runs, strict=True)]


def judge(bench: Benchmark, measured: dict[str, Rounds]) -> list[Result]:
    bare, sub = measured["bare"], measured["subplane"]
    silent = sum(1 for run in sub.runs + bare.runs if run.requests == 0)  # nothing answered: no latency to read
    throughput = sub.median(_rps) / bare.median(_rps)
    p99 = sub.median(_p99) / bare.median(_p99) if not silent else float("inf")
    ratios = round_ratios(measured, _rps)
    throughput_target, p99_target = TARGETS[bench.kind]
    detail = (f"{sub.median(_rps):,.0f} vs {bare.median(_rps):,.0f} req/s; rounds {min(ratios):.2f}–{max(ratios):.2f}x")
    p99_detail = f"{sub.median(_p99):.1f} vs {bare.median(_p99):.1f} ms"
    results = [Result.check(f"{bench.label}: throughput", throughput, throughput_target, detail=detail)
               if throughput_target else Result(f"{bench.label}: throughput", throughput, detail=detail),
               Result.check(f"{bench.label}: p99", p99, p99_target, detail=p99_detail)
               if p99_target else Result(f"{bench.label}: p99", p99, detail=p99_detail)]
    cpu = sub.cpu_ms_per_request() / bare.cpu_ms_per_request()
    results.append(Result(f"{bench.label}: server CPU per request", cpu,
                          detail=f"{sub.cpu_ms_per_request():.2f} vs {bare.cpu_ms_per_request():.2f} ms (steadier under load)"))
    if silent:
        results.append(Result.check(f"{bench.label}: runs without one answer", silent, "<= 0", unit="runs",
                                    detail="no request completed within the run (wrk --timeout 10 s): p99 unknown"))
    errors = sum(r.errors for r in sub.runs + bare.runs)
    if errors:
        results.append(Result.check(f"{bench.label}: failed requests", errors, "<= 0", unit="requests",
                                    detail="non-2xx/3xx answers or socket errors: the figures above are not valid"))
    return results


def print_comparison(benchmarks: list[Benchmark], measured: dict[str, dict[str, Rounds]], duration: float) -> None:
    grid = Table(title="Medians of the rounds [ranges]")
    for column in ("benchmark", "bare req/s", "Subplane req/s", "ratio", "bare p50 / p99 ms", "Subplane p50 / p99 ms",
                   "p99 ratio", "cores bare / Subplane", "CPU ms/req bare / Subplane"):
        grid.add_column(column, justify="left" if column == "benchmark" else "right")
    for bench in benchmarks:
        per = measured[bench.name]
        bare, sub = per["bare"], per["subplane"]
        ratios = round_ratios(per, _rps)
        grid.add_row(
            bench.label,
            f"{bare.median(_rps):,.0f} [{bare.span(_rps)}]", f"{sub.median(_rps):,.0f} [{sub.span(_rps)}]",
            f"{sub.median(_rps) / bare.median(_rps):.2f}x [{min(ratios):.2f}–{max(ratios):.2f}]",
            f"{bare.median(_p50):.1f} / {bare.median(_p99):.1f}", f"{sub.median(_p50):.1f} / {sub.median(_p99):.1f}",
            f"{sub.median(_p99) / bare.median(_p99):.2f}x",
            f"{bare.cores(duration):.2f} / {sub.cores(duration):.2f}",
            f"{bare.cpu_ms_per_request():.2f} / {sub.cpu_ms_per_request():.2f}")
    console.print(grid)
    console.print("[dim]server cores: CPU seconds the server process used per second of wrk (about 1.0: bound by "
                  "its one Python thread; well below: waiting, or starved by other processes)[/]")


def warn_about_load(benchmarks: list[Benchmark], measured: dict[str, dict[str, Rounds]], duration: float,
                    threads: int) -> None:
    """Is the baseline fast, and was it wrk or the server that ran out of CPU?"""
    for bench in benchmarks:
        bare = measured[bench.name]["bare"]
        wrk_load = max(bare.wrk_cpu) / (duration * threads)  # share of wrk's threads' time spent on a CPU
        server_load = bare.cores(duration)
        note = (f"{bench.label}: bare app {bare.median(_rps):,.0f} req/s using {server_load:.2f} cores; "
                f"wrk busy {wrk_load:.0%} of its {threads} thread(s)")
        if wrk_load > 0.9:
            console.print(f"[bold yellow]warning:[/] {note}: wrk is CPU-bound, so the baseline measures wrk. "
                          "Use --threads 2 or more, on a machine with CPUs to spare.")
        elif server_load < 0.8:
            console.print(f"[yellow]note:[/] {note}: the bare server got less than 0.8 of a core; other processes "
                          "share this machine, so the ratios are noisy.")
        else:
            console.print(f"[dim]{note}[/]")


if __name__ == "__main__":
    raise SystemExit(0 if all_passed(main()) else 1)
