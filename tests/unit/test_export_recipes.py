"""docs/export-odds.md's notebook recipes, run as written on an export of a simulated warm: one
closing row per series, the markets without a line included; and every row named, the
fixtures the odds price beyond the watch window included (asked for by id)."""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.desk.export import rows, write
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator

from ..conftest import SECRET

DOC = Path(__file__).resolve().parents[2] / "docs" / "export-odds.md"
SERIES = ("fixture_id", "bookmaker", "market", "line", "outcome")


def recipe(language: str) -> str:
    found = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(found) == 1, f"one {language} recipe in {DOC.name}"
    return str(found[0])


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A warm of one league on the simulator (its odds run two weeks ahead, the window three
    days), exported to CSV."""
    tmp = tmp_path_factory.mktemp("recipes")
    base = Settings()
    settings = replace(base, watch=replace(base.watch, leagues=(39,), season=2026, days_ahead=3)).with_paths(
        db=tmp / "oddsmon.db", metrics=tmp / "metrics.json", incidents=tmp / "incidents.md")
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    sim = Simulator(SimConfig(leagues=(39,), season=2026, daily_limit=10_000, per_minute=10_000,
                                full_markets=False), clock=clock)
    sent: list[dict[str, str]] = []

    class Recording(SimTransport):
        async def handle_async_request(self, request: Any) -> Any:
            if request.url.path == "/fixtures":
                sent.append(dict(request.url.params))
            return await super().handle_async_request(request)

    async def warm() -> None:
        eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=Recording(sim))
        try:
            report = await eng.service.warm()
            assert report.stopped is None, report.stopped
            out = tmp / "odds.csv"
            with out.open("w", encoding="utf-8", newline="") as f:
                write(f, rows(eng.store), "csv")
            # A second warm asks nobody by id again: each id is asked once a fixtures TTL.
            before = len(sent)
            await eng.service.warm()
            assert not [p for p in sent[before:] if "ids" in p]
        finally:
            await eng.aclose()

    asyncio.run(warm())
    by_ids = [p["ids"].split("-") for p in sent if "ids" in p]
    assert by_ids and all(1 <= len(ids) <= 20 for ids in by_ids)  # the provider's most a call
    yield tmp / "odds.csv"


def _series_before_kickoff(path: Path) -> tuple[set[tuple[str, ...]], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    before = {tuple(r[c] for c in SERIES) for r in table if r["observed_at"] < r["kickoff"]}
    return before, table


def test_every_exported_row_has_its_names_and_a_kickoff_with_its_offset(exported: Path) -> None:
    _, table = _series_before_kickoff(exported)
    assert table
    unnamed = [r for r in table if not (r["home"] and r["away"] and r["league"] and r["kickoff"])]
    assert not unnamed, f"{len(unnamed)} of {len(table)} rows without names, e.g. {unnamed[0]}"
    assert all(r["kickoff"].endswith("Z") for r in table)
    # Beyond the window: fixtures more than three days away are named too.
    assert max(r["kickoff"] for r in table) > "2026-11-28"


def test_the_pandas_recipe_keeps_every_market(exported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    series, _ = _series_before_kickoff(exported)
    assert any(s[3] == "" for s in series) and any(s[3] != "" for s in series)
    monkeypatch.chdir(exported.parent)
    scope: dict[str, Any] = {}
    exec(recipe("python"), scope)  # the documentation's own code, as a reader runs it
    assert len(scope["close"]) == len(series)


def test_the_duckdb_recipe_keeps_every_market_and_reads_kickoff_with_its_zone(
        exported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    duckdb = pytest.importorskip("duckdb")
    series, _ = _series_before_kickoff(exported)
    monkeypatch.chdir(exported.parent)
    query = recipe("sql")
    assert len(duckdb.sql(query).fetchall()) == len(series)
    types = {r[0]: r[1] for r in duckdb.sql("DESCRIBE SELECT * FROM read_csv('odds.csv')").fetchall()}
    assert types["kickoff"] == types["observed_at"] == "TIMESTAMP WITH TIME ZONE"
