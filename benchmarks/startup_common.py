"""What startup.py and cli_speed.py share: the Result they return and its table, and a free port.

``benchmarks/results.py`` (Result dataclass + one table printer for every benchmark) comes with the HTTP load
benchmarks; where it is not on this branch yet, a minimal stand-in with the same fields and meaning is used.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from results import Result, print_table  # noqa: F401 (re-exported)
except ImportError:  # results.py not merged here yet
    import operator
    from dataclasses import dataclass

    _COMPARISONS = {">=": operator.ge, "<=": operator.le}

    @dataclass(frozen=True)
    class Result:  # type: ignore[no-redef]
        name: str
        value: float
        target: str = ""
        passed: bool | None = None
        unit: str = "x"
        detail: str = ""

        @classmethod
        def check(cls, name: str, value: float, target: str, *, unit: str = "x", detail: str = "") -> Result:
            symbol, _, number = target.partition(" ")
            return cls(name, value, target, _COMPARISONS[symbol](value, float(number)), unit, detail)

    def print_table(results, title: str, console=None) -> None:  # type: ignore[no-redef]
        print(title)
        for r in results:
            mark = "" if r.passed is None else ("PASS" if r.passed else "FAIL")
            value = f"{r.value:.2f}x" if r.unit == "x" else f"{r.value:.2f} {r.unit}"
            print(f"  {r.name:<70} {value:>9}  {r.target:<6} {mark:<4}  {r.detail}")


def print_results(results, title: str) -> None:
    print_table(results, title)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
