"""(j) A week in tmux: the TUI's memory before and after 1,000 screen switches, and after each of
the rest of an analyst's day done a thousand times (refreshes, warms, offline and back, another
process changing the store, dialogs opened and closed, hours passing).

``OddsmonApp`` on the demo's engine (the bundled simulator, every screen filled) under
``App.run_test`` at 80x24, its clock ticked after each key as the app's timer would and jumped
an hour at a time by the "hours passing" cycle; the cycles are the TUI tests' own
(``tests/tui/session.py``). The resident set size (``VmRSS``) once the first screen is up, after
a warm-up round (every screen built and filled, every cycle done twice), then after the cycles
(with the growth each and the CPU time each took); the widgets and the
Python objects the process holds are counted at both points (what a cycle keeps shows there
first), and the rendered lines of removed widgets still held (Textual's memo that kept them, 870
after 1,000 switches, 4 to 5 MB, is keyed on colours by ``oddsmon.tui.textual_fixes``). Target:
under 10 MB of growth for each (the 0.35 MB a switch measured before the footer's fix would be
350 MB) and no removed widget's lines held.

What still grows after the warm-up is Textual's and bounded, full within the first 200 to 300
switches, then flat (2026-12-07, 1,000 switches: +2.7 MB in the first 200, +0.3 MB in the other
800): each screen's ``query_one`` cache (1,024 entries, keyed by its subtree's change counter,
which every footer remake moves: the Odds screen's is full after about 230 switches), each
widget's box-model cache (16 entries, keyed by its layout counter: 1,220 -> 2,041 of at most
6,304), and the renderer's value-keyed memos (Rich's ``cached_cell_len`` and Textual's region
memos: 173 entries more over 200 switches, of 4,096 each).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from .common import Context, Row, bench_clock, settings_in

SWITCHES = 1000
CYCLES = 1000  # each of the other cycles
GROWTH_TARGET_MB = 10.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _Ticker:
    """The app's 1 s tick, advanced by the benchmark after each key."""

    def __init__(self) -> None:
        self.ticks: list[Any] = []

    def start(self, app: Any, every_s: float, tick: Any) -> None:
        self.ticks.append(tick)

    def tick(self) -> None:
        for tick in self.ticks:
            tick()


async def _drive(settings: Any, counts: dict[str, int], warm_up: int) -> dict[str, dict[str, float]]:
    """For each cycle (by name), what the process held before and after ``counts[name]`` of it."""
    from oddsmon.clock import FakeClock
    from oddsmon.engine.runtime import build_engine
    from oddsmon.tui.app import OddsmonApp

    from ..tui import session

    clock = FakeClock(bench_clock().now())  # jumped by the "hours passing" cycle
    engine = build_engine(settings, demo=True, clock=clock)
    ticker = _Ticker()
    app = OddsmonApp(engine, ticker=ticker)
    out: dict[str, dict[str, float]] = {}
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await session.settle(pilot)
            start = rss_mb()  # the first screen up, before the warm-up round
            for cycle in session.CYCLES.values():
                await session.run_cycles(pilot, ticker, clock, cycle, warm_up)
            for name, n in counts.items():
                cycle = session.CYCLES[name]
                got = out[name] = {"widgets_before": session.widgets(), "rss_start": start,
                                   "orphans_before": session.orphan_line_caches(),
                                   "objects_before": session.objects(), "rss_before": rss_mb()}
                started, cpu = time.perf_counter(), time.process_time()
                for done in range(0, n, 100):  # a long run shows its slope
                    await session.run_cycles(pilot, ticker, clock, cycle, min(100, n - done))
                    print(f"  (j) {name}: {min(done + 100, n)}: RSS {rss_mb():.1f} MB",
                          file=sys.stderr, flush=True)
                got["seconds"] = time.perf_counter() - started
                got["cpu_seconds"] = time.process_time() - cpu
                got.update(widgets_after=session.widgets(), objects_after=session.objects(),
                           orphans_after=session.orphan_line_caches(), rss_after=rss_mb())
    finally:
        await engine.aclose()
    return out


def run(ctx: Context) -> list[Row]:
    from ..tui.session import CYCLES as NAMES
    from ..tui.session import KEYS

    # A "screen switches" cycle presses every screen's key once: 1,000 switches are 125 cycles.
    per = {name: len(KEYS) if name == "screen switches" else 1 for name in NAMES}
    counts = {name: max(1, ctx.scaled(SWITCHES if per[name] > 1 else CYCLES, quick=100, tiny=1) // per[name])
              for name in NAMES}
    # At tiny size one league's day and no warm-up round: each cycle runs once, measured (its
    # code is the same).
    where = ctx.tmp / "switches"
    settings = settings_in(where, leagues=(39,), days_ahead=1) if ctx.tiny else settings_in(where)
    got = asyncio.run(_drive(settings, counts, warm_up=0 if ctx.tiny else 2))
    rows = []
    for name, g in got.items():
        n = counts[name]
        growth = g["rss_after"] - g["rss_before"]
        each = n * per[name]
        note = (f"RSS {g['rss_start']:.1f} MB before the warm-up round, "
                f"{growth * 1024 / each:+.1f} KB each after it; widgets held {g['widgets_before']:.0f} -> "
                f"{g['widgets_after']:.0f}, objects {g['objects_before']:.0f} -> {g['objects_after']:.0f}, "
                f"removed widgets' lines {g['orphans_before']:.0f} -> {g['orphans_after']:.0f}; "
                f"{g['seconds'] / each * 1000:.0f} ms each, {g['cpu_seconds'] / each * 1000:.0f} ms of CPU")
        rows.append(Row("j", f"TUI RSS after {each:,} {name} (80x24, demo)", g["rss_after"], "MB",
                        "RSS after the warm-up round", g["rss_before"],
                        target=f"< +{GROWTH_TARGET_MB:.0f} MB, no removed widget's lines",
                        met=growth < GROWTH_TARGET_MB and g["orphans_after"] <= 0,
                        runs=1, note=note))
    return rows
