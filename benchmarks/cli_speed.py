"""CLI speed (issue 14): `subplane --help` and a read-only command (`subplane subscriptions list` on a seeded data
directory) as ratios against `python -c "import typer, rich"`, the floor of any Typer + Rich command line.

Runs are interleaved (baseline, help, list, baseline, ...) and the medians compared; with ``--hyperfine`` the three
commands go to hyperfine instead (``/usr/bin/hyperfine``, its own warm-up and interleaving is per command), and its
medians are used. Target: each <= 1.5x.

    python benchmarks/cli_speed.py [--runs 15] [--hyperfine]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup_common import Result, print_results  # noqa: E402

COMMANDS = {
    "baseline": [sys.executable, "-c", "import typer, rich"],
    "help": [sys.executable, "-m", "subplane.cli.main", "--help"],
    "list": [sys.executable, "-m", "subplane.cli.main", "subscriptions", "list"],
}


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBPLANE_")}
    return {**env, "SUBPLANE_DATA_DIR": str(data_dir), "COLUMNS": "120"}


def _once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock seconds and the CPU seconds (user + system) the command used."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, usage.ru_utime + usage.ru_stime


def own_loop(env: dict[str, str], runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Medians of wall-clock and of CPU seconds per command."""
    for command in COMMANDS.values():  # warm the file cache and the bytecode
        _once(command, env)
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            wall, cpu = _once(command, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    return ({name: statistics.median(values) for name, values in walls.items()},
            {name: statistics.median(values) for name, values in cpus.items()})


def with_hyperfine(env: dict[str, str], runs: int, folder: Path) -> dict[str, float]:
    export = folder / "hyperfine.json"
    quoted = [" ".join(f"'{part}'" for part in command) for command in COMMANDS.values()]
    subprocess.run(["hyperfine", "--warmup", "2", "--runs", str(runs), "-N", "--export-json", str(export), *quoted],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    measured = json.loads(export.read_text("utf-8"))["results"]
    return {name: result["median"] for name, result in zip(COMMANDS, measured, strict=True)}


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--hyperfine", action="store_true", help="measure with hyperfine instead of the own loop")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="subplane-cli-") as temp:
        folder = Path(temp)
        env = _env(folder / "data")
        subprocess.run([sys.executable, "-m", "subplane.cli.main", "demo"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cpu: dict[str, float] | None = None
        if args.hyperfine and shutil.which("hyperfine"):
            median = with_hyperfine(env, args.runs, folder)
        else:
            median, cpu = own_loop(env, args.runs)
    base = median["baseline"]

    def detail(name: str) -> str:
        text = f"{median[name]:.3f}s vs {base:.3f}s (median of {args.runs})"
        if cpu is not None:  # what a shared machine moves least: the CPU the process itself used
            text += f"; CPU {cpu[name]:.3f}s vs {cpu['baseline']:.3f}s = {cpu[name] / cpu['baseline']:.2f}x"
        return text

    return [
        Result.check("subplane --help / import typer, rich", median["help"] / base, "<= 1.5", detail=detail("help")),
        Result.check("subplane subscriptions list / import typer, rich", median["list"] / base, "<= 1.5",
                     detail=detail("list")),
    ]


if __name__ == "__main__":
    results = main()
    print_results(results, "CLI speed (issue 14)")
    sys.exit(0 if all(r.passed is not False for r in results) else 1)
