"""What every benchmark reports: named values with their targets, and one table printer for them all.

A benchmark's ``main(argv) -> list[Result]`` returns these; ``benchmarks/run_all.py`` collects them from every
benchmark and prints one summary. ``target`` is read as ``">= 0.6"`` / ``"<= 2"`` (the value compared with
the number) or ``""`` for a figure shown without a target (an absolute rate, a baseline).
"""

from __future__ import annotations

import json
import operator
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

_COMPARISONS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Result:
    name: str  # e.g. "GET /subscriptions/{id}: throughput ratio"
    value: float
    target: str = ""  # ">= 0.6", "<= 2", or "" for information only
    passed: bool | None = None  # None: no target
    unit: str = "x"
    detail: str = ""  # range, absolute figures, warnings

    @classmethod
    def check(cls, name: str, value: float, target: str, *, unit: str = "x", detail: str = "") -> Result:
        """A result whose ``passed`` is ``value`` compared with ``target`` (``">= 0.6"``)."""
        return cls(name, value, target, meets(value, target), unit, detail)


def meets(value: float, target: str) -> bool:
    symbol, _, number = target.strip().partition(" ")
    if symbol not in _COMPARISONS or not number:
        raise ValueError(f"a target reads like '>= 0.6', not {target!r}")
    return _COMPARISONS[symbol](value, float(number.rstrip("x")))


def verdict(result: Result) -> str:
    return "" if result.passed is None else ("PASS" if result.passed else "FAIL")


def table(results: Iterable[Result], title: str) -> Table:
    grid = Table(title=title)
    for column, justify in (("measure", "left"), ("value", "right"), ("target", "left"), ("", "left"), ("detail", "left")):
        grid.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in results:
        mark = {"PASS": "[green]PASS[/]", "FAIL": "[bold red]FAIL[/]", "": ""}[verdict(result)]
        grid.add_row(result.name, f"{result.value:,.2f}{result.unit}" if result.unit == "x" else f"{result.value:,.4g} {result.unit}",
                     result.target, mark, result.detail)
    return grid


def print_table(results: Iterable[Result], title: str, console: Console | None = None) -> None:
    (console or Console(width=None if sys.stdout.isatty() else 220)).print(table(results, title))  # logs: unwrapped


def all_passed(results: Iterable[Result]) -> bool:
    return all(r.passed is not False for r in results)


def write_json(results: Iterable[Result], path: Path, **extra: object) -> None:
    path.write_text(json.dumps({**extra, "results": [asdict(r) for r in results]}, indent=2) + "\n", encoding="utf-8")
