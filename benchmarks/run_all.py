"""Run the benchmarks one after another and print one summary table of every ratio and its target.

A benchmark takes part by defining ``main(argv: list[str] | None = None) -> list[Result]`` (benchmarks/results.py):
run_all finds those by reading each ``benchmarks/*.py`` (nothing is imported to find them), calls them in turn
in this process and prefixes each result with the benchmark's name. With ``--scripts``, the other benchmark
scripts (an ``if __name__ == "__main__"`` block, exit status 0 when their targets are met) run too, each as a
subprocess whose exit status is its one result.

    python benchmarks/run_all.py [--only http_load,arm_speed] [--skip NAME] [--scripts]
                                 [--args "http_load=--duration 5 --rounds 2"] [--json all.json]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import shlex
import subprocess
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.results import Result, all_passed, print_table, write_json  # noqa: E402

NOT_BENCHMARKS = {"run_all", "bare_app"}  # scripts here that are parts of a benchmark, not benchmarks


def kind(path: Path) -> str | None:
    """``"results"`` for a ``main(argv) -> list[Result]`` benchmark, ``"script"`` for another runnable one, else None."""
    if path.stem in NOT_BENCHMARKS or path.stem.startswith("_"):
        return None
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "main" and node.args.args and node.returns is not None:
            if "Result" in ast.unparse(node.returns):
                return "results"
    runnable = any(isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body)
    return "script" if runnable else None


def discover(with_scripts: bool) -> dict[str, str]:
    found = {path.stem: kind(path) for path in sorted(HERE.glob("*.py"))}
    return {name: k for name, k in found.items() if k == "results" or (with_scripts and k == "script")}


def run_one(name: str, how: str, argv: list[str]) -> list[Result]:
    started = time.perf_counter()
    try:
        if how == "results":
            results = importlib.import_module(f"benchmarks.{name}").main(argv)
        else:
            finished = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *argv], cwd=HERE.parent)
            results = [Result(f"exit status {finished.returncode}", finished.returncode, "== 0",
                              finished.returncode == 0, unit="")]
    except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
        traceback.print_exc()
        results = [Result("crashed", 0, "", False, unit="", detail=f"{type(error).__name__}: {error}")]
    seconds = time.perf_counter() - started
    return [replace(r, name=f"{name}: {r.name}", detail=f"{r.detail} ({seconds:.0f} s)" if i == 0 else r.detail)
            for i, r in enumerate(results)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names (file names without .py)")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names")
    parser.add_argument("--scripts", action="store_true", help="also run the scripts without a Result-returning main")
    parser.add_argument("--args", action="append", default=[], metavar="NAME=ARGS", help="arguments for one benchmark")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    available = discover(args.scripts or bool(args.only))
    only = [n for n in args.only.split(",") if n] or list(available)
    skip = {n for n in args.skip.split(",") if n}
    missing = [n for n in only if n not in available]
    if missing:
        parser.error(f"no benchmark {', '.join(missing)}; there are {', '.join(discover(True))}")
    extra = {}
    for given in args.args:
        name, _, rest = given.partition("=")
        extra[name] = shlex.split(rest)
    results: list[Result] = []
    for name in only:
        if name not in skip:
            print(f"== {name} ({available[name]})", flush=True)
            results += run_one(name, available[name], extra.get(name, []))
    print_table(results, "All benchmarks (ratios are Subplane / baseline, measured in the same run)")
    if args.json:
        write_json(results, args.json)
    return 0 if all_passed(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
