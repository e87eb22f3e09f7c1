"""(b) ``oddsmon --check`` wall time beside ``python -c pass``, and proof that it imports no
Textual (``python -X importtime``).

The store is prepared and the commands timed by ``tests/perf/check_walltime.py`` (the headless
engineer's script) when it is there; a fallback of the same shape otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from .common import ROOT, Context, Row, median

try:  # the headless side's script: same store, same timing, one source of truth
    from .check_walltime import _prepare as prepare_store
    from .check_walltime import _time as time_command
except ImportError:  # pragma: no cover - only while that script does not exist
    prepare_store = None  # type: ignore[assignment]
    time_command = None  # type: ignore[assignment]


def _fallback_prepare(base: Path) -> Path:
    """A warmed store and a config naming it (what check_walltime.py prepares)."""
    from oddsmon.sim import SimConfig

    from .common import warmed_store

    settings, _ = warmed_store(base, SimConfig(leagues=(39, 61), daily_limit=10**6,
                                               per_minute=10**6), days_ahead=3)
    config = base / "oddsmon.toml"
    config.write_text(f'[watch]\nleagues = [39, 61]\n[paths]\ndb = "{settings.paths.db}"\n'
                      f'metrics = "{settings.paths.metrics}"\nincidents = "{settings.paths.incidents}"\n')
    return config


def _time(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    if time_command is not None:
        return time_command(cmd, env, cwd)
    started = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


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
    config = (prepare_store or _fallback_prepare)(base)
    env = {k: v for k, v in os.environ.items() if k not in ("APISPORTS_KEY", "ODDSMON_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    # A key, as on-call staff have one (without it --check stops at "no API key", exit 3);
    # --check sends nothing, so it never leaves the process.
    env["APISPORTS_KEY"] = "perf-key"
    py = sys.executable
    commands = {"floor": [py, "-c", "pass"],
                "check": [py, "-m", "oddsmon", "--config", str(config), "--check"],
                "json": [py, "-m", "oddsmon", "--config", str(config), "--check", "--json"]}
    script = Path(py).with_name("oddsmon")
    if script.exists():
        commands["script"] = [str(script), "--config", str(config), "--check"]
    for cmd in commands.values():  # warm-up: page cache, .pyc files
        _time(cmd, env, base)
    runs = ctx.runs(15)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so drift touches every command alike
        for name, cmd in commands.items():
            times[name].append(_time(cmd, env, base))
    floor = median(times["floor"]) * 1000
    rows = [Row("b", "python -m oddsmon --check", median(times["check"]) * 1000, "ms",
                "python -c pass (floor)", floor, runs=runs),
            Row("b", "python -m oddsmon --check --json", median(times["json"]) * 1000, "ms",
                "python -c pass (floor)", floor, runs=runs)]
    if "script" in times:
        rows.append(Row("b", "oddsmon --check (console script)", median(times["script"]) * 1000, "ms",
                        "python -c pass (floor)", floor, runs=runs))
    modules = imported_modules(commands["check"], env, base)
    textual = [m for m in modules if m == "textual" or m.startswith("textual.")]
    heavy = [m for m in modules if m.split(".")[0] in ("httpx", "asyncio", "rich")]
    rows.append(Row("b", "modules --check imports from textual", float(len(textual)), "modules",
                    target="0", met=not textual, runs=1,
                    note=f"{len(modules)} modules in all; httpx/asyncio/rich: {len(heavy)}"))
    return rows
