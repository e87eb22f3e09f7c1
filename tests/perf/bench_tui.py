"""(c) TUI first paint: ``oddsmon --demo`` beside a bare Textual app (Header + Footer), each a
real process on an 80x24 pseudo-terminal, timed from spawn to the first appearance of a marker
in the terminal output. Uses the TUI engineer's ``tests/perf/tui_first_paint.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .common import ROOT, Context, Row, median
from .tui_first_paint import BARE_APP, run_once


def run(ctx: Context) -> list[Row]:
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
    for cmd, markers in apps.values():  # warm-up: .pyc files, page cache
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
    return rows
