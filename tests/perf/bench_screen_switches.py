"""(i) A week in tmux: the TUI's memory before and after 1,000 screen switches.

``OddsmonApp`` on the demo's engine (the bundled simulator, every screen filled) under
``App.run_test`` at 80x24, its clock ticked after each key as the app's timer would: every
screen key pressed in turn, each page loaded before the next key. The resident set size
(``VmRSS``) after a warm-up round of two switches a screen (every screen built and filled), then
after 1,000 more switches; the widgets the process holds are counted at both points (a switch
that keeps something shows there first). Target: under 10 MB of growth (the 0.35 MB a switch
measured before the fix would be 350 MB).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from pathlib import Path
from typing import Any

from .common import Context, Row, bench_clock, settings_in

SWITCHES = 1000
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


async def _drive(settings: Any, switches: int) -> dict[str, float]:
    from textual.widget import Widget

    from oddsmon.engine.runtime import build_engine
    from oddsmon.tui.app import OddsmonApp
    from oddsmon.tui.screens import SCREENS

    keys = [spec.key for spec in SCREENS]

    def widgets() -> float:
        gc.collect()
        return float(sum(1 for thing in gc.get_objects() if isinstance(thing, Widget)))

    engine = build_engine(settings, demo=True, clock=bench_clock())
    ticker = _Ticker()
    app = OddsmonApp(engine, ticker=ticker)
    out: dict[str, float] = {}
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            async def switch(n: int, say_every: int = 0) -> None:
                for i in range(n):
                    await pilot.press(keys[i % len(keys)])
                    ticker.tick()
                    await pilot.pause()
                    await app.workers.wait_for_complete()
                    if say_every and (i + 1) % say_every == 0:  # a long run shows its slope
                        print(f"  (i) {i + 1} switches: RSS {rss_mb():.1f} MB", file=sys.stderr,
                              flush=True)

            await switch(2 * len(keys))
            out["widgets_before"], out["rss_before"] = widgets(), rss_mb()
            started = time.perf_counter()
            await switch(switches, say_every=100)
            out["seconds"] = time.perf_counter() - started
            out["widgets_after"], out["rss_after"] = widgets(), rss_mb()
    finally:
        await engine.aclose()
    return out


def run(ctx: Context) -> list[Row]:
    switches = ctx.scaled(SWITCHES, quick=100, tiny=12)
    settings = settings_in(ctx.tmp / "switches")
    got = asyncio.run(_drive(settings, switches))
    growth = got["rss_after"] - got["rss_before"]
    per_switch_ms = got["seconds"] / switches * 1000
    note = (f"widgets held {got['widgets_before']:.0f} -> {got['widgets_after']:.0f}; "
            f"{per_switch_ms:.0f} ms a switch, page loaded")
    return [
        Row("j", f"TUI RSS after {switches:,} screen switches (80x24, demo)", got["rss_after"], "MB",
            "RSS after the warm-up round", got["rss_before"],
            target=f"< +{GROWTH_TARGET_MB:.0f} MB", met=growth < GROWTH_TARGET_MB, runs=1, note=note),
    ]
