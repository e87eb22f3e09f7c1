"""(b) ``oddsmon --check`` wall time beside ``python -c "import sqlite3, json"`` (issue #13's
floor: interpreter start-up plus the two modules every --check needs), and proof that it
imports no Textual (``python -X importtime``).

The store is prepared (and the package compiled) and the commands timed by
``tests/perf/check_walltime.py``: one source of truth for the script and the bench.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .check_walltime import FLOOR
from .check_walltime import _prepare as prepare_store
from .check_walltime import _time as time_command
from .common import ROOT, Context, Row, median


def imported_modules(cmd: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    """Every module ``cmd`` imports, from ``python -X importtime`` (written on stderr)."""
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, cwd=cwd,
                          capture_output=True, text=True)
    names = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.append(name)
    return names


def run(ctx: Context) -> list[Row]:
    base = ctx.tmp / "check"
    base.mkdir()
    config = prepare_store(base)
    env = {k: v for k, v in os.environ.items() if k not in ("APISPORTS_KEY", "ODDSMON_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    # A key, as on-call staff have one (without it --check stops at "no API key", exit 3);
    # --check sends nothing, so it never leaves the process.
    env["APISPORTS_KEY"] = "perf-key"
    py = sys.executable
    commands = {"bare": [py, "-c", "pass"],
                "floor": [py, "-c", FLOOR],
                "check": [py, "-m", "oddsmon", "--config", str(config), "--check"],
                "json": [py, "-m", "oddsmon", "--config", str(config), "--check", "--json"],
                "export": [py, "-m", "oddsmon", "--config", str(config), "--export", "-"]}
    script = Path(py).with_name("oddsmon")
    if script.exists():
        commands["script"] = [str(script), "--config", str(config), "--check"]
    for cmd in commands.values():  # warm-up: page cache
        time_command(cmd, env, base)
    runs = ctx.runs(15)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so drift touches every command alike
        for name, cmd in commands.items():
            times[name].append(time_command(cmd, env, base))
    floor = median(times["floor"]) * 1000
    floor_name = f'python -c "{FLOOR}" (floor)'

    def against_floor(name: str, key: str) -> Row:
        value = median(times[key]) * 1000
        return Row("b", name, value, "ms", floor_name, floor, target="<= 2x", met=value <= 2 * floor,
                   runs=runs)

    rows = [against_floor("python -m oddsmon --check", "check"),
            against_floor("python -m oddsmon --check --json", "json"),
            against_floor("python -m oddsmon --export - (metrics to stdout)", "export")]
    if "script" in times:
        rows.append(against_floor("oddsmon --check (console script)", "script"))
    rows.append(Row("b", floor_name, floor, "ms", "python -c pass", median(times["bare"]) * 1000,
                    runs=runs))
    modules = imported_modules(commands["check"], env, base)
    textual = [m for m in modules if m == "textual" or m.startswith("textual.")]
    heavy = [m for m in modules if m.split(".")[0] in ("httpx", "asyncio", "rich", "dataclasses", "inspect")]
    rows.append(Row("b", "modules --check imports from textual", float(len(textual)), "modules",
                    target="0", met=not textual, runs=1,
                    note=f"{len(modules)} modules in all; httpx/asyncio/rich/dataclasses/inspect: {len(heavy)}"))
    return rows
