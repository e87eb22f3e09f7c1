"""(d) The Odds screen with about 2,000 fixtures x 8 bookmakers in the store: time to open and
peak memory, beside the same with a store of the example config's size (3 leagues, 3 days).

- the service calls the Odds screen makes (``Service.fixtures()`` for its picker, then
  ``Service.market(fixture_id)``), in an engine freshly opened on the warmed store (nothing
  memoised yet: what opening the screen first costs), and again once memoised;
- ``Service.dashboard()`` on the same store, fresh and memoised (the screen the app opens on);
- the real screen: ``OddsmonApp`` under ``App.run_test`` at 80x24, from pressing ``o`` to the
  bookmaker table filled;
- the real ``oddsmon`` in a pseudo-terminal, offline on copies of both stores: ``b`` to the
  Bookmakers table filled, ``o`` to the Odds table filled, other fixtures to the table filled:
  the picker's next line, then ``.`` (both read ahead while the screen before was read), then
  the picker's last but one (not read ahead) (``tui_first_paint.key_runs``);
- peak memory: the RSS high-water mark of a fresh process that opens the store, makes those
  calls and mounts the screen (``VmHWM``: ``ru_maxrss`` would also count the benchmark
  process's own size, which Linux carries into a child across fork and exec).
Targets: open < 0.5 s, peak memory < 200 MB.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import KEY, ROOT, Context, Row, bench_clock, big_store, hwm_mb, median, settings_in, small_store
from .tui_first_paint import KEY_STEPS, VALUE_STEP, KeyStep, key_runs, store_app

OPEN_TARGET_S = 0.5
MEMORY_TARGET_MB = 200.0


async def _service_times(settings: Any, fixture_ids: list[int], runs: int) -> dict[str, float]:
    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine

    rng = random.Random(4)
    out: dict[str, list[float]] = {"open_cold": [], "open_warm": [], "dash_cold": [], "dash_warm": []}
    for _ in range(runs):
        eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY), transport=_no_network())
        svc = eng.service
        try:
            fid = rng.choice(fixture_ids)
            for label in ("open_cold", "open_warm"):
                gc.collect()  # every timing starts from the same heap, not the last one's garbage
                started = time.perf_counter()
                fixtures = await svc.fixtures()
                market = await svc.market(fid)
                out[label].append(time.perf_counter() - started)
                assert fixtures.data and market.data is not None, market.provenance
                assert market.provenance.source == "cache", market.provenance
        finally:
            await eng.aclose()
        eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY), transport=_no_network())
        try:
            for label in ("dash_cold", "dash_warm"):
                gc.collect()
                started = time.perf_counter()
                dash = await eng.service.dashboard()
                out[label].append(time.perf_counter() - started)
                assert dash.data is not None and dash.provenance.source == "cache"
        finally:
            await eng.aclose()
    return {k: median(v) for k, v in out.items()}


def _no_network() -> Any:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the Odds screen sent {request.url}: its data should be cached")

    return httpx.MockTransport(refuse)


async def _screen_open(settings: Any, fixture_id: int) -> float | None:
    """Seconds from the ``o`` key to the Odds screen's bookmaker table filled, the first time
    (the screen is composed, mounted and loaded); None when the TUI is not there. The key is
    posted to the app (``simulate_key``): ``Pilot.press`` would add its own settling waits."""
    try:
        from textual.css.query import NoMatches
        from textual.widgets import DataTable

        from oddsmon.config import Secret
        from oddsmon.engine.runtime import build_engine
        from oddsmon.tui.app import OddsmonApp
    except ImportError:
        return None
    eng = build_engine(settings, clock=bench_clock(), key=Secret(KEY), transport=_no_network())
    try:
        app = OddsmonApp(eng, supervise=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await _until(pilot, lambda: _status(app) not in ("", "loading…"), 60)
            def filled() -> bool:
                if type(app.screen).__name__ != "OddsScreen":
                    return False
                try:
                    return app.screen.query_one("#odds-table", DataTable).row_count > 0
                except NoMatches:  # switched to, not composed yet
                    return False

            await app.workers.wait_for_complete()
            await pilot.pause(0.3)  # the Dashboard settled (its cursor selects a fixture)
            # The fixture picked on the Dashboard: an upcoming one (a warm caches predictions
            # for upcoming fixtures; one kicking off now would be fetched, not timed here).
            app.selected_fixture = fixture_id
            started = time.perf_counter()
            app.simulate_key("o")  # the key, posted to the app as the terminal would
            await _until(pilot, filled, 60)
            return time.perf_counter() - started
    finally:
        await eng.aclose()


def _status(app: Any) -> str:
    from textual.widgets import Static

    try:
        return str(app.screen.query_one("#page-status", Static).content)
    except Exception:  # noqa: BLE001 - not mounted yet
        return ""


async def _until(pilot: Any, done: Any, timeout: float) -> None:
    # A plain sleep, not pilot.pause(): pause waits for every widget to go idle on each turn,
    # which added its own half second to what a user sees.
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the screen did not show its data in time")
        await asyncio.sleep(0.002)


def child(directory: str, leagues: str, days_ahead: str, fixture_id: str, with_tui: str) -> None:
    """A fresh process doing what opening the Odds screen does; prints its peak RSS."""
    settings = settings_in(Path(directory), leagues=tuple(json.loads(leagues)),
                           days_ahead=int(days_ahead))
    before = hwm_mb()
    asyncio.run(_service_times(settings, [int(fixture_id)], 1))
    screen = asyncio.run(_screen_open(settings, int(fixture_id))) if with_tui == "1" else None
    print(json.dumps({"peak_mb": hwm_mb(), "imports_mb": before, "screen_s": screen,
                      "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))



def _child_peak(settings: Any, facts: dict[str, Any], with_tui: bool) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "tests.perf.bench_odds_screen", str(settings.paths.db.parent),
           json.dumps(list(settings.watch.leagues)), str(settings.watch.days_ahead),
           str(facts["fixture_ids"][0]), "1" if with_tui else "0"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# What a key in a real terminal is asked for: the Odds table within 0.3 s (0.6 s for both
# tables in the held-out check). The fixture switches (the picker's next line, '.', far down
# the picker) and the Value screen's first open are issue 23's (a real terminal, 2,000 real-size
# fixtures): 100 ms and 0.5 s.
KEY_TARGETS = {KEY_STEPS[0].name: 0.6, KEY_STEPS[1].name: 0.3, **{step.name: 0.1 for step in KEY_STEPS[2:]},
               VALUE_STEP.name: 0.5}
KEY_PAUSE_S = 1.0  # between a screen filled and the next key: a user reading it


def terminal_rows(ctx: Context, big: Any, small: Any, small_name: str, group: str = "d",
                  label: str = "", steps: tuple[KeyStep, ...] = KEY_STEPS) -> list[Row]:
    """The real ``oddsmon`` on a pseudo-terminal (80x24), offline on copies of both stores:
    each key of ``steps`` to its table filled on screen, as the user sees it."""
    base = ctx.tmp / f"pty-{group}"
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT), "APISPORTS_KEY": KEY,
           "XDG_STATE_HOME": str(base / "state"), "XDG_DATA_HOME": str(base / "data")}
    for name in ("NO_COLOR", "ODDSMON_CONFIG"):
        env.pop(name, None)
    runs = ctx.runs(5)
    apps = {"big": store_app(big, base / "big", env)}
    if small.paths.db != big.paths.db:  # at tiny size they are one store: run it once
        apps["small"] = store_app(small, base / "small", env)
    times = key_runs(apps, (80, 24), env, runs, ctx.pause(KEY_PAUSE_S), steps)
    times.setdefault("small", times["big"])
    rows = []
    for step in steps:
        seen, floor = times["big"].get(step.name, []), times["small"].get(step.name, [])
        value = median([t.wall for t in seen]) if seen else None
        target = KEY_TARGETS[step.name]
        # What the app did and how long it waited for a core: on a shared machine the wall time
        # is mostly the wait (a --quick run beside the other groups' processes read 311 ms where
        # the app ran for the same as on a quiet machine).
        cpu = "" if not seen else (f"; the app on a core {median([t.cpu for t in seen]) * 1000:.0f} ms, "
                                   f"waiting for one {median([t.waited for t in seen]) * 1000:.0f} ms (medians)")
        rows.append(Row(group, f"{label}real terminal (pty 80x24): {step.name}", value, "s", small_name,
                        median([t.wall for t in floor]) if floor else None, target=f"<= {target:g} s",
                        met=None if value is None else value <= target, runs=runs,
                        note=f"oddsmon offline on a copy of the store, each key {KEY_PAUSE_S:g} s "
                             f"after the screen before it filled{cpu}"
                             + ("" if len(seen) == runs else f"; {runs - len(seen)} run(s) never showed it")))
    return rows


def run(ctx: Context) -> list[Row]:
    big, big_facts = big_store(ctx)
    small, small_facts = small_store(ctx)
    runs = ctx.runs(9)
    t_big = asyncio.run(_service_times(big, big_facts["fixture_ids"], runs))
    t_small = asyncio.run(_service_times(small, small_facts["fixture_ids"], runs))
    scale = (f"{big_facts['fixtures']} fixtures x {big_facts['bookmakers_per_fixture']:.0f} bookmakers "
             f"({big_facts['db_mb']:.0f} MB store) vs {small_facts['fixtures']} fixtures")
    small_name = f"same, example-config store ({small_facts['fixtures']} fixtures)"
    rows = [
        Row("d", "Odds screen service calls, fresh engine", t_big["open_cold"], "s", small_name,
            t_small["open_cold"], target=f"< {OPEN_TARGET_S} s", met=t_big["open_cold"] < OPEN_TARGET_S,
            runs=runs, note="fixtures() for the picker + market(fixture); " + scale),
        Row("d", "Odds screen service calls, memoised", t_big["open_warm"], "s", small_name,
            t_small["open_warm"], target=f"< {OPEN_TARGET_S} s", met=t_big["open_warm"] < OPEN_TARGET_S,
            runs=runs),
        Row("d", "Service.dashboard(), fresh engine", t_big["dash_cold"], "s", small_name,
            t_small["dash_cold"], target=f"< {OPEN_TARGET_S} s", met=t_big["dash_cold"] < OPEN_TARGET_S,
            runs=runs, note=f"the screen the app opens on: reading and parsing its "
                            f"{len(big.watch.leagues)} fixtures pages, the times of its "
                            f"{len(big.watch.leagues)} league odds entries and the headlines kept "
                            f"when the odds were stored: {t_big['dash_cold'] - t_big['dash_warm']:.2f} s "
                            f"more than memoised"),
        Row("d", "Service.dashboard(), memoised", t_big["dash_warm"], "s", small_name,
            t_small["dash_warm"], target=f"< {OPEN_TARGET_S} s", met=t_big["dash_warm"] < OPEN_TARGET_S,
            runs=runs, note=f"fixtures pages memoised: what remains is reading the kept headlines "
                            f"of all {big_facts['fixtures']} (one query)"),
    ]
    screen_runs = ctx.runs(5)
    rng = random.Random(5)
    big_open = [asyncio.run(_screen_open(big, rng.choice(big_facts["fixture_ids"])))
                for _ in range(screen_runs)]
    same = small is big  # at tiny size one store serves both: each is measured once
    if None not in big_open:
        small_open = big_open if same else [asyncio.run(_screen_open(small, rng.choice(small_facts["fixture_ids"])))
                                            for _ in range(screen_runs)]
        value = median(big_open)  # type: ignore[arg-type]
        rows.append(Row("d", "Odds screen (App.run_test 80x24): 'o' to table filled", value, "s",
                        small_name, median(small_open), target=f"< {OPEN_TARGET_S} s",  # type: ignore[arg-type]
                        met=value < OPEN_TARGET_S, runs=screen_runs,
                        note=f"first open; its service calls take {t_big['open_cold'] * 1000:.0f} ms "
                             f"of it, the rest is composing, mounting and rendering the screen"))
    rows += terminal_rows(ctx, big, small, small_name)
    mem_runs = ctx.runs(3)
    peaks_big = [_child_peak(big, big_facts, True) for _ in range(mem_runs)]
    peaks_small = peaks_big if same else [_child_peak(small, small_facts, True) for _ in range(mem_runs)]
    peak = median([p["peak_mb"] for p in peaks_big])
    rows.append(Row("d", "peak RSS of a process opening the Odds screen", peak, "MB", small_name,
                    median([p["peak_mb"] for p in peaks_small]), target=f"< {MEMORY_TARGET_MB:.0f} MB",
                    met=peak < MEMORY_TARGET_MB, runs=mem_runs,
                    note=f"after imports: {median([p['imports_mb'] for p in peaks_big]):.0f} MB; "
                         "service calls + dashboard + the real screen mounted"))
    return rows


if __name__ == "__main__":
    child(*sys.argv[1:])
