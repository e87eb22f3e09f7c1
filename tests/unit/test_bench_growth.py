"""Bench j's verdict on a cycle run for a bounded time: the slope of its second half, after the
bounded caches filled early have (a fast rise in the first few hundred, then flat), and not the
average over the whole run, which would read that rise as a leak."""

from __future__ import annotations

import pytest

from tests.perf.bench_screen_switches import tail_slope


def test_a_rise_that_stops_early_is_not_growth() -> None:
    # +3 MB over the first 200 cycles (caches filling), then flat within a page's noise.
    samples = [[0, 150.0], [100, 152.0], [200, 153.0], [300, 153.1], [400, 153.0], [500, 153.1], [600, 153.1]]
    assert abs(tail_slope(samples) * 1000) < 0.5  # MB over 1,000 cycles


def test_a_steady_leak_is_its_own_slope() -> None:
    samples = [[n, 150.0 + 0.35 * n] for n in range(0, 700, 100)]  # 0.35 MB a cycle
    assert tail_slope(samples) == pytest.approx(0.35)


def test_a_run_of_one_batch_uses_its_two_samples() -> None:
    assert tail_slope([[0, 100.0], [1, 100.5]]) == pytest.approx(0.5)
    assert tail_slope([[0, 100.0]]) == 0.0  # nothing run: no slope
