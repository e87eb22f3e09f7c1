"""Every priced fixture named: the collector asks for the fixtures its odds price beyond the
watch window by id (20 a call at most), last of the day's routine work and within its budget."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.config import Secret
from oddsmon.desk.export import rows, write
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import SimConfig, Simulator

from ..conftest import SECRET
from .test_collector import DAY, Recorder, example_settings, run_until


async def test_the_collector_names_every_priced_fixture_within_its_budget(tmp_path: Path) -> None:
    clock = FakeClock(DAY)
    # A plan of 1,000 calls a day: the names fit in the first day's routine share.
    sim = Simulator(SimConfig(leagues=(39, 61, 140), daily_limit=1000, per_minute=100), clock=clock)
    recorder = Recorder(sim)
    engine = build_engine(example_settings(tmp_path), clock=clock, key=Secret(SECRET), transport=recorder)
    try:
        await run_until(Collector(engine.service), clock, DAY + timedelta(hours=2))
        out = io.StringIO()
        total = write(out, rows(engine.store), "csv")
        out.seek(0)
        table = list(csv.DictReader(out))
        unnamed = [r for r in table if not (r["home"] and r["away"] and r["kickoff"])]
        assert total and not unnamed, f"{len(unnamed)} of {total} rows without names"
        # Beyond the window (three days): the odds run two weeks ahead, and are named too.
        assert max(r["kickoff"] for r in table) > (DAY + timedelta(days=4)).isoformat()[:10]
        by_ids = [p["ids"].split("-") for _, path, p in recorder.sent if path == "/fixtures" and "ids" in p]
        assert by_ids and all(1 <= len(ids) <= 20 for ids in by_ids)
        asked = [i for ids in by_ids for i in ids]
        assert len(asked) == len(set(asked))  # each fixture asked for once
        budget = (1000 - 10) // 2
        assert sum(engine.store.collector.spend(DAY.date()).values()) <= budget
        assert engine.store.collector.spend(DAY.date())["names"] == len(by_ids)
    finally:
        await engine.aclose()
