"""Wall time of ``oddsmon --check`` beside ``python -c "import sqlite3, json"``, in one run.

    .venv/bin/python tests/perf/check_walltime.py [--runs 10]

A plain script, not a pytest test (figures, not a gate). It builds a small store (a warm on
the in-process simulator) in a temp dir, compiles the package (this environment may set
PYTHONDONTWRITEBYTECODE: without .pyc files every run would time a source compile), then times,
as subprocesses of the same interpreter: ``python -c pass`` (interpreter start-up),
``python -c "import sqlite3, json"`` (the floor issue #13 measures against: start-up plus the
two modules every --check needs), ``python -m oddsmon --check`` and, when the console script
is installed beside the interpreter, ``oddsmon --check``. Medians over ``--runs`` runs each,
after one warm-up run each, interleaved so drift affects all alike.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOOR = "import sqlite3, json"


def _prepare(base: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from oddsmon.config import Secret, load_file
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimConfig, SimTransport, Simulator
    from tests.perf.common import bench_clock

    config = base / "oddsmon.toml"
    config.write_text('[watch]\nleagues = [39, 61]\ntimezone = "Europe/Paris"\n'
                      '[paths]\ndb = "oddsmon.db"\nmetrics = "metrics.json"\nincidents = "incidents.md"\n')
    settings = load_file(config)

    async def warm() -> None:
        clock = bench_clock()
        sim = Simulator(SimConfig(leagues=(39, 61), season=settings.watch.one_season, daily_limit=500,
                                  per_minute=300), clock=clock)
        engine = build_engine(settings, clock=clock, transport=SimTransport(sim),
                              key=Secret("perf-key"))
        try:
            await engine.service.warm()
        finally:
            await engine.aclose()

    asyncio.run(warm())
    compileall.compile_dir(str(ROOT / "oddsmon"), quiet=1)  # the children start from .pyc
    return config


def _time(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - started
    if proc.returncode not in (0, 1, 2):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="oddsmon-perf-") as tmp:
        base = Path(tmp)
        config = _prepare(base)
        env = {k: v for k, v in os.environ.items() if k not in ("APISPORTS_KEY", "ODDSMON_CONFIG")}
        env["PYTHONPATH"] = str(ROOT)
        # A key, as on-call staff have one (without it --check stops at "no API key", exit 3);
        # --check sends nothing, so it never leaves the process.
        env["APISPORTS_KEY"] = "perf-key"
        py = sys.executable
        commands = {
            "python -c pass": [py, "-c", "pass"],
            f"python -c {FLOOR!r}": [py, "-c", FLOOR],
            "python -m oddsmon --check": [py, "-m", "oddsmon", "--config", str(config), "--check"],
        }
        script = Path(py).with_name("oddsmon")
        if script.exists():
            commands["oddsmon --check"] = [str(script), "--config", str(config), "--check"]
        times: dict[str, list[float]] = {name: [] for name in commands}
        for cmd in commands.values():  # warm-up: page cache, .pyc files
            _time(cmd, env, base)
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(_time(cmd, env, base))
    bare = statistics.median(times["python -c pass"])
    floor = statistics.median(times[f"python -c {FLOOR!r}"])
    print(f"{args.runs} runs each, {sys.executable} (Python {sys.version.split()[0]})")
    for name, values in times.items():
        med = statistics.median(values)
        extra = "" if name == "python -c pass" else \
            f"   (+{(med - bare) * 1000:.0f} ms over the bare interpreter, {med / floor:.2f}x the floor)"
        print(f"  {name:<34} median {med * 1000:6.1f} ms   min {min(values) * 1000:6.1f} ms   "
              f"max {max(values) * 1000:6.1f} ms{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
