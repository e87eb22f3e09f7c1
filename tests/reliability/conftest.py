"""Fixtures of the reliability suite: a simulator on a real loopback port sharing the test's
fake clock, a store primed by a warm, engines pointed at misbehaving servers, and a guard that
fails any test after which the API key can be found in a file it wrote."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.engine.service import Page
from oddsmon.sim import SimTransport, Simulator

from ..clocks import SATURDAY, ShiftedClock
from ..conftest import SECRET
from ..loopback import (  # noqa: F401  (helpers the tests import from here)
    CountingTransport,
    pointed_at,
)
from .faults import scan_tree_for_secret

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("workers.py")


@pytest.fixture(autouse=True)
def key_in_no_file_written(tmp_path: Path) -> Iterator[None]:
    """Test 23's guard over the whole suite: after every fault, no file under the test's
    directory (store, -wal, -shm, journal, exports, moved-aside files) holds the key."""
    yield
    leaks = scan_tree_for_secret(tmp_path, SECRET)
    assert not leaks, f"the API key was written to {leaks}"


@pytest.fixture
def day_clock() -> ShiftedClock:
    """Real time from a Saturday morning, for a simulator on a loopback port and the real
    oddsmon processes a test starts on it (``hostile.oddsmon(clock=)``): they agree on the time,
    and no answer moves with the day or the hour the suite runs."""
    return ShiftedClock.starting_at(SATURDAY)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The faults are met by pages past their TTL 20 minutes after a warm: odds and fixtures
    keep the short TTLs a user may set (the defaults follow the provider's 3 h and 1 day)."""
    return replace(settings, cache=replace(settings.cache, odds_ttl_s=600, fixtures_ttl_s=900))


@dataclass
class Primed:
    """What a warm left in the shared store, for the assertions a user would make."""

    at: datetime
    fixture_id: int  # an upcoming fixture whose odds and prediction are cached
    counted_calls: int


async def prime(settings: Settings, clock: FakeClock, sim: Simulator) -> Primed:
    """Another oddsmon process warmed the shared store (in-process transport, same simulator)."""
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    try:
        report = await eng.service.warm()
        assert report.stopped is None, report.stopped
        odds = await eng.service.odds()
        assert odds.data
        fixtures = (await eng.service.fixtures()).data or []
        fid = next(f.id for f in fixtures if f.is_upcoming and f.id in odds.data)
    finally:
        await eng.aclose()
    return Primed(clock.now(), fid, report.counted_calls)


@pytest.fixture
async def primed(settings: Settings, clock: FakeClock, sim: Simulator) -> Primed:
    return await prime(settings, clock, sim)


def assert_from_cache(page: Page, primed: Primed, now: datetime, reason: str | None,
                      *, stale: bool | None = None) -> None:
    """What the user sees: the data, from the cache, with its true age, and why."""
    prov = page.provenance
    assert page.data is not None, prov
    assert prov.source == "cache", prov
    assert prov.fetched_at == primed.at, prov
    assert prov.age_s == (now - primed.at).total_seconds(), prov
    assert prov.offline_reason == reason, prov
    if stale is not None:
        assert prov.stale is stale, prov


async def assert_pages_from_cache(engine: Engine, primed: Primed, reason: str | None) -> None:
    """Every critical page and the Odds screen answer from the cache with their age."""
    svc, now = engine.service, engine.clock.now()
    for page in (await svc.bookmakers(), await svc.odds(), await svc.dashboard(),
                 await svc.predictions(), await svc.market(primed.fixture_id)):
        assert_from_cache(page, primed, now, reason)
    never = await svc.prediction(10**9)  # a page never cached says so plainly
    assert never.cached_never and never.provenance.offline_reason == reason


def python_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODDSMON_", "APISPORTS_"))}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def worker_cmd(*args: str) -> list[str]:
    return [sys.executable, str(WORKER), *args]
