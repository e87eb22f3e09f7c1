"""(j) A week in tmux: the TUI's memory before and after 1,000 screen switches, and after each of
the rest of an analyst's day done many times (refreshes, warms, offline and back, another
process changing the store, dialogs opened and closed, hours passing).

``OddsmonApp`` on the demo's engine (the bundled simulator, every screen filled) under
``App.run_test`` at 80x24, in a fresh process of its own (the benchmark's process holds what
the groups before it built: 1,133 MB after groups a to i), its clock ticked after each key as
the app's timer would and jumped an hour at a time by the "hours passing" cycle; the cycles are
the TUI tests' own (``tests/tui/session.py``). The resident set size (``VmRSS``) after imports,
once the first screen is up, after a warm-up round (every screen built and filled, every cycle
done twice), then every 96 switches and every 10 of each other cycle (with the CPU time each
took); the widgets and the Python objects the process holds are counted before and after each
cycle (what a cycle keeps shows there first), and the rendered lines of removed widgets still
held (Textual's memo that kept them, 870 after 1,000 switches, 4 to 5 MB, is keyed on colours by
``oddsmon.tui.textual_fixes``).

Bounded time: 1,000 screen switches, then each other cycle for 90 s (or 1,000 of it,
whichever comes first); a thousand of every cycle takes hours on 2 cores (``python -m tests.perf
--long --only j``). Whether a cycle grows is answered by its slope over the second half of its
run, after the bounded caches below have filled, projected over 1,000. Target: under 10 MB of
growth for each, measured and projected over 1,000 (the 0.35 MB a switch measured before the
footer's fix would be 350 MB), and no removed widget's lines held.

What still grows after the warm-up is Textual's and bounded, full within the first 200 to 300
switches, then flat (2026-12-07, 1,000 switches: +2.7 MB in the first 200, +0.3 MB in the other
800): each screen's ``query_one`` cache (1,024 entries, keyed by its subtree's change counter,
which every footer remake moves: the Odds screen's is full after about 230 switches), each
widget's box-model cache (16 entries, keyed by its layout counter: 1,220 -> 2,041 of at most
6,304), and the renderer's value-keyed memos (Rich's ``cached_cell_len`` and Textual's region
memos: 173 entries more over 200 switches, of 4,096 each).

Hours passing grew the demo TUI by 29 to 43 MB a simulated day (160 -> 391 MB over 8 days,
2026-12-07): the bundled simulator, the demo's API in the TUI's own process, kept every period's
prices and drift (``oddsmon.sim.data``: 55 MB of its objects over 48 hours, tracemalloc); it keeps
the latest of each fixture since, and the days after the first add 7.8, 4.6, 2.6, 0.5 and 1.8 MB:
still the simulator's (29 MB of its objects over 48 hours, against 2 MB of oddsmon's domain
objects), its caches of one entry a fixture filling as fixtures are first priced, bounded by the
demo's fixtures (flat from about the eleventh day, 2026-12-07: +19.7 MB over 590 hours, none over
the last 330).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .common import ROOT, Context, Row, bench_clock, settings_in

SWITCHES = 1000
CYCLES = 1000  # each of the other cycles, at most
BUDGET_S = 90.0  # each of the other cycles, unless --long
GROWTH_TARGET_MB = 10.0  # measured, and projected over 1,000 from the slope of a run's second half


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


@dataclass(frozen=True)
class Plan:
    """How much of one cycle a run drives: ``cycles`` of it at most, ``batch`` between two RSS
    samples, and stopping at the first sample past ``budget_s`` (None: all of them)."""

    cycles: int
    batch: int
    budget_s: float | None


async def _drive(settings: Any, plans: dict[str, Plan], warm_up: int) -> dict[str, Any]:
    """For each cycle (by name), what the process held before and after its plan, and its RSS
    after each batch (``samples``: [cycles done, MB])."""
    from oddsmon.clock import FakeClock
    from oddsmon.engine.runtime import build_engine
    from oddsmon.tui.app import OddsmonApp

    from ..tui import session

    imports = rss_mb()  # the interpreter, oddsmon, Textual and this driver: no app yet
    clock = FakeClock(bench_clock().now())  # jumped by the "hours passing" cycle
    engine = build_engine(settings, demo=True, clock=clock)
    ticker = _Ticker()
    app = OddsmonApp(engine, ticker=ticker)
    out: dict[str, Any] = {}
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await session.settle(pilot)
            start = rss_mb()  # the first screen up, before the warm-up round
            for cycle in session.CYCLES.values():
                await session.run_cycles(pilot, ticker, clock, cycle, warm_up)
            for name, plan in plans.items():
                cycle = session.CYCLES[name]
                got = out[name] = {"widgets_before": session.widgets(), "rss_start": start,
                                   "rss_imports": imports, "orphans_before": session.orphan_line_caches(),
                                   "objects_before": session.objects(), "rss_before": rss_mb()}
                samples = got["samples"] = [[0, got["rss_before"]]]
                started, cpu = time.perf_counter(), time.process_time()
                done = 0
                while done < plan.cycles and (plan.budget_s is None
                                              or time.perf_counter() - started < plan.budget_s):
                    step = min(plan.batch, plan.cycles - done)
                    await session.run_cycles(pilot, ticker, clock, cycle, step)
                    done += step
                    samples.append([done, rss_mb()])
                    print(f"  (j) {name}: {done}: RSS {samples[-1][1]:.1f} MB, "
                          f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
                got["cycles"] = done
                got["seconds"] = time.perf_counter() - started
                got["cpu_seconds"] = time.process_time() - cpu
                got.update(widgets_after=session.widgets(), objects_after=session.objects(),
                           orphans_after=session.orphan_line_caches(), rss_after=rss_mb())
    finally:
        await engine.aclose()
    return out


def child(directory: str, leagues: str, days_ahead: str, plans: str, warm_up: str) -> None:
    """The app alone in a fresh process: drives it and prints what it held, as JSON."""
    settings = settings_in(Path(directory), leagues=tuple(json.loads(leagues)), days_ahead=int(days_ahead))
    got = asyncio.run(_drive(settings, {k: Plan(**v) for k, v in json.loads(plans).items()}, int(warm_up)))
    print(json.dumps(got))


def _in_child(where: Path, leagues: tuple[int, ...], days_ahead: int, plans: dict[str, Plan],
              warm_up: int) -> dict[str, Any]:
    """``_drive`` in a process of its own, so the RSS is the app's and not what the benchmarks
    run before it in this process left. Its progress lines go to this process's stderr as they
    come; the bench clock's offset goes in the environment."""
    cmd = [sys.executable, "-m", "tests.perf.bench_screen_switches", str(where), json.dumps(list(leagues)),
           str(days_ahead), json.dumps({k: asdict(v) for k, v in plans.items()}), str(warm_up)]
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the switching process exited {proc.returncode} (its traceback is above)")
    got: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


def tail_slope(samples: list[list[float]]) -> float:
    """MB per cycle over the second half of a run (least squares over the samples taken from
    half the cycles done on): what still grows once the bounded caches filled early have."""
    half = samples[-1][0] / 2
    tail = [s for s in samples if s[0] >= half]
    if len(tail) < 2:
        tail = samples[-2:]
    xs, ys = [s[0] for s in tail], [s[1] for s in tail]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return 0.0 if spread == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread


def plans(ctx: Context, per: dict[str, int]) -> dict[str, Plan]:
    """Each cycle's plan at this run's size: the screen switches always to the thousand, the
    others to a thousand or their budget. A sample every 96 switches (12 rounds of the 8
    screens) and every 10 of the other cycles (a dialogs cycle is 8 keys): steps short enough
    for a budget to stop near its end."""
    out = {}
    for name, keys in per.items():
        units = ctx.scaled(SWITCHES if keys > 1 else CYCLES, quick=100, tiny=1)
        budget = None if keys > 1 or ctx.long or ctx.tiny else BUDGET_S / 4 if ctx.quick else BUDGET_S
        batch = max(1, ctx.scaled(96, quick=24, tiny=1) // keys) if keys > 1 else ctx.scaled(10, quick=5, tiny=1)
        out[name] = Plan(cycles=max(1, units // keys), batch=batch, budget_s=budget)
    return out


def run(ctx: Context) -> list[Row]:
    from ..tui.session import CYCLES as NAMES
    from ..tui.session import KEYS

    # A "screen switches" cycle presses every screen's key once: 1,000 switches are 125 cycles.
    per = {name: len(KEYS) if name == "screen switches" else 1 for name in NAMES}
    # At tiny size one league's day and no warm-up round: each cycle runs once, measured (its
    # code is the same).
    leagues, days_ahead = ((39,), 1) if ctx.tiny else ((39, 61, 140), 3)
    planned = plans(ctx, per)
    got = _in_child(ctx.tmp / "switches", leagues, days_ahead, planned, warm_up=0 if ctx.tiny else 2)
    rows = []
    for name, g in got.items():
        each = g["cycles"] * per[name]
        growth = g["rss_after"] - g["rss_before"]
        projected = tail_slope(g["samples"]) / per[name] * 1000
        budget = planned[name].budget_s
        stopped = "" if budget is None or g["cycles"] >= planned[name].cycles else f" (its {budget:.0f} s budget)"
        note = (f"a fresh process: RSS {g['rss_imports']:.1f} MB after imports, {g['rss_start']:.1f} MB with "
                f"the first screen up, {g['rss_before']:.1f} MB after the warm-up round, {g['rss_after']:.1f} MB "
                f"after {each:,}{stopped}: {growth * 1024 / each:+.1f} KB each, {projected:+.1f} MB a "
                f"thousand at the slope of the second half; widgets held {g['widgets_before']:.0f} -> "
                f"{g['widgets_after']:.0f}, objects {g['objects_before']:.0f} -> {g['objects_after']:.0f}, "
                f"removed widgets' lines {g['orphans_before']:.0f} -> {g['orphans_after']:.0f}; "
                f"{g['seconds']:.0f} s, {g['seconds'] / each * 1000:.0f} ms each, "
                f"{g['cpu_seconds'] / each * 1000:.0f} ms of CPU")
        rows.append(Row("j", f"TUI RSS after {each:,} {name} (80x24, demo)", g["rss_after"], "MB",
                        "RSS after the warm-up round", g["rss_before"],
                        target=f"< +{GROWTH_TARGET_MB:.0f} MB (and a thousand at the end's slope), "
                               "no removed widget's lines",
                        met=max(growth, projected) < GROWTH_TARGET_MB and g["orphans_after"] <= 0,
                        runs=1, note=note))
    return rows


if __name__ == "__main__":
    child(*sys.argv[1:])
