"""(c) TUI first paint: ``oddsmon --demo`` beside a bare Textual app (Header + Footer), each a
real process on an 80x24 pseudo-terminal, timed from spawn to the first appearance of a marker
in the terminal output. Uses the TUI engineer's ``tests/perf/tui_first_paint.py``.

Also the sidebar's reaction time to a state change made by another store handle (what
another analyst's oddsmon or ``oddsmon --offline`` in a shell writes), against the 2 s the
TUI issue asks for; the baseline is the poll period itself."""

from __future__ import annotations

import asyncio
import compileall
import os
import sys
import time
from typing import Any

from .common import KEY, ROOT, Context, Row, bench_clock, median, settings_in
from .tui_first_paint import BARE_APP, run_once


def run(ctx: Context) -> list[Row]:
    # Both apps start from .pyc, as installed: this environment may set
    # PYTHONDONTWRITEBYTECODE, and oddsmon would be timed compiling its sources.
    compileall.compile_dir(str(ROOT / "oddsmon"), quiet=1)
    base = ctx.tmp / "tui"
    base.mkdir()
    bare = base / "bare_app.py"
    bare.write_text(BARE_APP)
    config = base / "oddsmon.toml"
    config.write_text("")  # defaults, no key: what a newcomer starts
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT),
           "XDG_STATE_HOME": str(base / "state"), "XDG_DATA_HOME": str(base / "data")}
    for name in ("APISPORTS_KEY", "NO_COLOR", "ODDSMON_CONFIG"):
        env.pop(name, None)
    apps = {
        "bare": ([sys.executable, str(bare)], {"first paint": b"Quit"}),
        "oddsmon": ([sys.executable, "-m", "oddsmon", "--config", str(config), "--demo"],
                    {"first paint": b"oddsmon", "sidebar ONLINE": b"ONLINE",
                     "Dashboard filled": b" fixtures"}),
    }
    runs = ctx.runs(7)
    # Warm-up: .pyc files, page cache. A tiny run only proves the code runs: none there.
    for cmd, markers in ([] if ctx.tiny else apps.values()):
        run_once(cmd, markers, (80, 24), env=env)
    marks: dict[str, dict[str, list[float]]] = {name: {} for name in apps}
    statuses: set[object] = set()
    for _ in range(runs):
        for name, (cmd, markers) in apps.items():
            result = run_once(cmd, markers, (80, 24), env=env)
            statuses.add(result.status)
            for marker, at in result.marks.items():
                marks[name].setdefault(marker, []).append(at)
    floor = median(marks["bare"]["first paint"]) * 1000
    rows = []
    for marker, target in (("first paint", None), ("sidebar ONLINE", None),
                           ("Dashboard filled", "< 5 s")):
        seen = marks["oddsmon"].get(marker, [])
        value = median(seen) * 1000 if seen else None
        missing = runs - len(seen)
        rows.append(Row("c", f"oddsmon --demo: {marker} (80x24 pty)", value, "ms",
                        "bare Textual Header+Footer: first paint", floor, target=target,
                        met=None if target is None or value is None else value < 5000, runs=runs,
                        note=(f"{missing} run(s) never showed it; " if missing else "")
                        + ("" if statuses == {0} else f"exit statuses {sorted(statuses, key=str)}")))
    rows.append(_shared_state_row(ctx))
    return rows


async def _reaction_times(settings: Any, toggles: int) -> list[float]:
    from textual.widgets import Static

    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine
    from oddsmon.offline import OfflineMachine
    from oddsmon.sim import SimTransport, Simulator
    from oddsmon.store import Store
    from oddsmon.tui.app import OddsmonApp

    clock = bench_clock()
    eng = build_engine(settings, clock=clock, key=Secret(KEY),
                       transport=SimTransport(Simulator(clock=clock)))
    other = Store.open(settings.paths.db)
    times: list[float] = []
    try:
        app = OddsmonApp(eng, supervise=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            machine = OfflineMachine(other, clock, settings.supervision)
            badge = app.screen.query_one("#sidebar #badge", Static)
            for n in range(toggles):
                going_offline = n % 2 == 0
                if going_offline:
                    machine.go_offline("user", "bench: another analyst")
                else:
                    machine.go_online("bench")
                want = "OFFLINE" if going_offline else "ONLINE"
                t0 = time.perf_counter()
                while want not in str(badge.content):
                    if time.perf_counter() - t0 > 10:
                        break
                    await asyncio.sleep(0.005)
                else:
                    times.append(time.perf_counter() - t0)
                # land the next change at a random point of the poll period
                await asyncio.sleep(0.137 * (n % 7))
            return times
    finally:
        other.close()
        await eng.aclose()


def _shared_state_row(ctx: Context) -> Row:
    from oddsmon.tui.app import OddsmonApp

    directory = ctx.tmp / "tui-shared"
    directory.mkdir()
    toggles = max(4, ctx.runs(14))
    seen = asyncio.run(_reaction_times(settings_in(directory), toggles))
    defaults = OddsmonApp.__init__.__kwdefaults__
    assert defaults is not None  # poll_s is keyword-only, with its default
    poll = defaults["poll_s"] * 1000
    value = median(seen) * 1000 if seen else None
    worst = max(seen) * 1000 if seen else None
    return Row("c", "sidebar shows another process's change (median)", value, "ms",
               "poll period", poll, target="< 2 s", met=None if worst is None else worst < 2000,
               runs=toggles, note=(f"worst {worst:,.0f} ms" if worst is not None else "")
               + ("" if len(seen) == toggles else f"; {toggles - len(seen)} never shown"))
