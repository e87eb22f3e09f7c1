"""The benchmarks' clock: a real ``oddsmon`` they start reads their date, not the wall's, so a
store they warmed is read on its own day whatever the day the run is made."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.clocks import OFFSET_ENV, ShiftedClock
from tests.perf.common import ODDSMON, ROOT

DAY = datetime(2031, 2, 3, 9, 0, tzinfo=UTC)  # any day but the wall's


def test_a_real_oddsmon_started_by_the_benchmarks_runs_on_their_clock(tmp_path: Path) -> None:
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[paths]\ndb = "{tmp_path / "oddsmon.db"}"\nmetrics = "{tmp_path / "m.json"}"\n'
                      f'incidents = "{tmp_path / "i.md"}"\n')
    clock = ShiftedClock.starting_at(DAY)
    env = {**os.environ, OFFSET_ENV: repr(clock.offset_s), "PYTHONPATH": str(ROOT), "APISPORTS_KEY": "k"}
    env.pop("ODDSMON_CONFIG", None)

    def oddsmon(*args: str) -> str:
        proc = subprocess.run([*ODDSMON, "--config", str(config), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.stdout

    oddsmon("--offline")
    metrics = json.loads(oddsmon("--export", "-"))
    for stamp in (metrics["generated_at"], metrics["mode"]["since"]):
        shown = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        assert timedelta(0) <= shown - DAY < timedelta(minutes=5), stamp
    assert abs((clock.now() - DAY).total_seconds()) < 300  # and it runs on in real time


def test_the_odds_screen_benchmark_reads_the_store_it_warmed_on_a_day_not_the_walls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # make bench stopped in group (d) once the calendar moved past the day its store was warmed
    # on ("the Odds screen sent .../fixtures?...: its data should be cached"): the same calls,
    # at a tiny size, on a day that is not the wall's.
    from oddsmon.sim import SimConfig
    from tests.perf import bench_odds_screen, common

    monkeypatch.setenv(OFFSET_ENV, "0")  # restored after the test: start_clock sets it
    monkeypatch.setattr(common, "_clock", None)
    common.start_clock(DAY.date())
    config = SimConfig(leagues=(39,), daily_limit=10**6, per_minute=10**6)
    settings, facts = common.warmed_store(tmp_path, config, days_ahead=2)
    assert facts["fixture_ids"], facts
    # Raises when the screen's calls send anything: their data must come from the warmed cache.
    times = asyncio.run(bench_odds_screen._service_times(settings, facts["fixture_ids"], 1))
    assert set(times) == {"open_cold", "open_warm", "dash_cold", "dash_warm"}
