"""A price movement chart in text: one line per bookmaker, a block character per time slot, on
one scale, with the opening, the close (the last price before kickoff) and the latest price,
and the kickoff's column marked. Small enough for an 80x24 terminal."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

BLOCKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class ChartLine:
    bookmaker_id: int
    cells: str  # one block per slot, " " before the bookmaker's first price
    opening: float
    close: float | None  # None when nothing was observed before kickoff
    latest: float


@dataclass(frozen=True, slots=True)
class Chart:
    lines: tuple[ChartLine, ...]
    start: datetime
    end: datetime
    low: float
    high: float
    kickoff_column: int | None  # the slot holding kickoff, None when it is outside the span


def price_chart(points: Iterable[tuple[int, datetime, float]], kickoff: datetime | None,
                end: datetime, width: int) -> Chart | None:
    """``points`` are (bookmaker, observed_at, price), stored on change, so a price holds until
    the next one; the chart spans the first observation to ``end`` (now, or kickoff if later)."""
    series: dict[int, list[tuple[datetime, float]]] = {}
    for bookmaker, at, price in points:
        series.setdefault(bookmaker, []).append((at, price))
    if not series or width < 1:
        return None
    for pts in series.values():
        pts.sort()
    start = min(pts[0][0] for pts in series.values())
    end = max(end, *(pts[-1][0] for pts in series.values()), *([kickoff] if kickoff else []))
    prices = [p for pts in series.values() for _, p in pts]
    low, high = min(prices), max(prices)
    span = (end - start).total_seconds() or 1.0
    slot = span / width
    lines = []
    for bookmaker in sorted(series):
        pts = series[bookmaker]
        times = [at.timestamp() for at, _ in pts]
        cells = []
        for i in range(width):
            t = start.timestamp() + (i + 1) * slot  # the price in force at the slot's end
            k = bisect_right(times, t) - 1
            cells.append(" " if k < 0 else _block(pts[k][1], low, high))
        before = [p for at, p in pts if kickoff is not None and at < kickoff]
        lines.append(ChartLine(bookmaker, "".join(cells), pts[0][1], before[-1] if before else None, pts[-1][1]))
    column = None
    if kickoff is not None and start <= kickoff <= end:
        column = min(width - 1, int((kickoff - start).total_seconds() / slot))
    return Chart(tuple(lines), start, end, low, high, column)


def _block(price: float, low: float, high: float) -> str:
    if high <= low:
        return BLOCKS[len(BLOCKS) // 2]
    return BLOCKS[min(len(BLOCKS) - 1, int((price - low) / (high - low) * len(BLOCKS)))]
