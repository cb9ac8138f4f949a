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


def _once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def own_loop(env: dict[str, str], runs: int) -> dict[str, float]:
    for command in COMMANDS.values():  # warm the file cache and the bytecode
        _once(command, env)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(_once(command, env))
    return {name: statistics.median(values) for name, values in times.items()}


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
        if args.hyperfine and shutil.which("hyperfine"):
            median = with_hyperfine(env, args.runs, folder)
        else:
            median = own_loop(env, args.runs)
    base = median["baseline"]
    detail = f"{{:.3f}}s vs {base:.3f}s (median of {args.runs})"
    return [
        Result.check("subplane --help / import typer, rich", median["help"] / base, "<= 1.5",
                     detail=detail.format(median["help"])),
        Result.check("subplane subscriptions list / import typer, rich", median["list"] / base, "<= 1.5",
                     detail=detail.format(median["list"])),
    ]


if __name__ == "__main__":
    results = main()
    print_results(results, "CLI speed (issue 14)")
    sys.exit(0 if all(r.passed is not False for r in results) else 1)
