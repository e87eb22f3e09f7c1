"""The text movement chart: carry-forward between changes, one scale, close and kickoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oddsmon.domain.chart import BLOCKS, price_chart

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_each_bookmaker_on_one_scale_with_opening_close_and_latest() -> None:
    points = [(8, at(0), 2.0), (8, at(4), 3.0), (6, at(2), 2.5), (8, at(9), 2.2)]
    chart = price_chart(points, kickoff=at(8), end=at(10), width=10)
    assert chart is not None and (chart.low, chart.high) == (2.0, 3.0)
    bwin, bet365 = chart.lines
    # One slot an hour: Bet365 2.0 for 4 h, 3.0 until 9 h, then 2.2; Bwin only from 2 h.
    assert bet365.cells == BLOCKS[0] * 3 + BLOCKS[-1] * 5 + BLOCKS[1] * 2
    assert bwin.cells == " " + BLOCKS[4] * 9
    assert (bet365.opening, bet365.close, bet365.latest) == (2.0, 3.0, 2.2)
    assert chart.kickoff_column == 8


def test_no_price_no_chart_and_a_flat_series() -> None:
    assert price_chart([], kickoff=None, end=T0, width=10) is None
    chart = price_chart([(1, T0, 1.9)], kickoff=at(-1), end=at(1), width=4)
    assert chart is not None and chart.lines[0].cells == BLOCKS[4] * 4
    assert chart.lines[0].close is None and chart.kickoff_column is None
