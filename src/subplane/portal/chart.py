"""A server-rendered SVG chart of daily cost, stacked by meter. No JavaScript, readable without colour:
every bar has a <title>, and the page shows the same figures as a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Colour-blind-safe palette (Okabe–Ito), each with enough contrast against white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#996100", "#56B4E9", "#000000")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 56, 28, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    meters: list[tuple[str, str]]  # (meter's name, colour)
    y_labels: list[tuple[float, str]]  # (y, label)
    x_labels: list[tuple[float, str]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM


def daily_chart(daily: list[tuple[date, str, Decimal]], *, money, day, short_day, meter_name) -> Chart | None:
    """Stacked bars per day; ``money``, ``day``, ``short_day`` (the axis only, where a long date does not fit)
    and ``meter_name`` word labels in the page's language."""
    if not daily:
        return None
    days = sorted({d for d, _, _ in daily})
    meters = sorted({m for _, m, _ in daily})
    colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(meters)}
    totals = {d: sum((a for dd, _, a in daily if dd == d), Decimal(0)) for d in days}
    top = max(totals.values()) or Decimal(1)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / len(days)
    bars = []
    for index, bar_day in enumerate(days):
        y: float = HEIGHT - BOTTOM
        for meter in meters:
            amount = sum((a for d, m, a in daily if d == bar_day and m == meter), Decimal(0))
            if amount <= 0:
                continue
            height = float(amount / top) * plot_height
            y -= height
            bars.append(Bar(LEFT + index * slot + slot * 0.15, y, slot * 0.7, height, colours[meter],
                            f"{day(bar_day)} · {meter_name(meter)}: {money(amount)}"))
    y_labels = [(HEIGHT - BOTTOM - plot_height * f, money(top * Decimal(str(f)))) for f in (0, 0.5, 1)]
    step = max(1, len(days) // 8)
    x_labels = [(LEFT + i * slot + slot / 2, short_day(d)) for i, d in enumerate(days) if i % step == 0]
    return Chart(bars, [(meter_name(m), colours[m]) for m in meters], y_labels, x_labels)
