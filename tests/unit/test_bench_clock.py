"""The benchmarks' clock: a real ``oddsmon`` they start reads their date, not the wall's, so a
store they warmed is read on its own day whatever the day the run is made."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
