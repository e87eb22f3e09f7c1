"""Issue 11: oddsmon against a simulator that stops sharing its assumptions, over loopback.

Seasons per league (calendar-year leagues included, an empty answer for a wrong season), a
Free plan's refusals, a quota day that does not start at 00:00 UTC, RapidAPI's gateway, a rate
limit that does not lift, and leagues without odds: each as a user would meet it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oddsmon.clock import FakeClock
from oddsmon.commands import check
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.engine.service import Page, WarmReport
from oddsmon.sim import LoopbackServer, SimConfig, Simulator

from ..conftest import SECRET
from ..loopback import pointed_at

# In March, August-May leagues are in the season that began the year before, while MLS (253)
# plays the calendar year: one season for every league cannot be right.
MARCH = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def auto(settings: Settings, url: str, leagues: tuple[int, ...], **api: object) -> Settings:
    """The example config's way: no season set, so each league's current one."""
    s = pointed_at(settings, url, **api)
    return replace(s, watch=replace(s.watch, leagues=leagues, season="auto"))


async def warm_then_read(settings: Settings, sim: Simulator, clock: FakeClock,
                         page: str) -> tuple[WarmReport, Page[Any]]:
    """A warm of the simulator's leagues with seasons left to "auto", then one page read."""
    with LoopbackServer(sim) as srv:
        eng = build_engine(auto(settings, srv.url, sim.config.leagues), clock=clock, key=Secret(SECRET))
        try:
            report = await eng.service.warm()
            return report, await getattr(eng.service, page)()
        finally:
            await eng.aclose()


def requested(sim: Simulator, path: str) -> list[dict[str, str]]:
    return [r["params"] for r in sim.stats()["recent"] if r["path"].endswith(path)]


async def test_auto_season_asks_each_league_its_own_current_season(settings: Settings) -> None:
    clock = FakeClock(MARCH)
    sim = Simulator(SimConfig(leagues=(78, 253), per_minute=300, full_markets=False), clock=clock)
    report, page = await warm_then_read(settings, sim, clock, "fixtures")
    assert report.stopped is None
    # The league pages (the fixtures named by id beyond the window carry no season).
    seasons = {p["league"]: p["season"] for p in requested(sim, "/fixtures") if "league" in p}
    assert seasons == {"78": "2026", "253": "2027"}
    assert {p["id"] for p in requested(sim, "/leagues")} == {"78", "253"}
    assert page.data is not None
    assert {f.league_id for f in page.data} == {78, 253}  # neither league shows 0 fixtures


async def test_one_season_for_every_league_leaves_one_empty(settings: Settings) -> None:
    # What the old single season did: the provider answers a wrong season with nothing.
    clock = FakeClock(MARCH)
    sim = Simulator(SimConfig(leagues=(78, 253), per_minute=300, full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        s = pointed_at(settings, srv.url)
        eng = build_engine(replace(s, watch=replace(s.watch, leagues=(78, 253), season=2026)),
                           clock=clock, key=Secret(SECRET))
        try:
            page = await eng.service.fixtures()
        finally:
            await eng.aclose()
    assert page.data is not None and {f.league_id for f in page.data} == {78}


async def test_free_plan_refusal_is_kept_and_not_asked_again(settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, plan_seasons=(2021, 2023),
                              full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        eng = build_engine(auto(settings, srv.url, (39, 61)), clock=clock, key=Secret(SECRET))
        try:
            first = await eng.service.warm()
            counted = sim.stats()["counted_total"]
            clock.advance(600)
            second = await eng.service.warm()
            page = await eng.service.fixtures()
        finally:
            await eng.aclose()
    refused = [s for s in first.steps if s.source == "refused"]
    assert {s.label for s in refused} == {"fixtures league 39", "fixtures league 61",
                                          "odds league 39", "odds league 61"}
    assert all("try from 2021 to 2023" in (s.error or "") and "[watch.seasons]" in (s.error or "")
               for s in refused)
    assert first.stopped is None
    # The second warm pays for nothing: every refusal is an answer kept for its TTL.
    assert second.counted_calls == 0 and sim.stats()["counted_total"] == counted
    assert {s.source for s in second.steps if s.label.startswith(("fixtures", "odds"))} == {"refused"}
    assert page.provenance.refused and "Free plans do not have access" in (page.provenance.error or "")


async def test_league_without_odds_coverage_spends_no_odds_call(settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, no_odds_leagues=(61,),
                              full_markets=False), clock=clock)
    report, odds = await warm_then_read(settings, sim, clock, "odds")
    assert {p["league"] for p in requested(sim, "/odds")} == {"39"}
    skipped = [s for s in report.steps if s.label == "odds league 61"]
    assert skipped and skipped[0].source == "skipped" and "no odds" in (skipped[0].error or "")
    assert any("league 61: the provider has no odds" in n for n in odds.provenance.notes)


async def _burn_quota(live: Settings, clock: FakeClock, sim: Simulator) -> str | None:
    eng = build_engine(live, clock=clock, key=Secret(SECRET))
    try:
        sim.exhaust_quota()
        await eng.service.refresh("bookmakers")
        return eng.service.mode().reason
    finally:
        await eng.aclose()


def test_quota_outage_ends_through_check_probe_when_status_shows_quota(
        settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(settings.api.key_env, SECRET)
    clock.set(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        live = pointed_at(settings, srv.url)
        assert asyncio.run(_burn_quota(live, clock, sim)) == "quota"
        # 00:10: the presumed reset has passed, but the provider's day starts at 03:30.
        clock.set(datetime(2026, 11, 25, 0, 10, tzinfo=UTC))
        assert check.run(live, probe=True, clock=clock) == 1
        out = capsys.readouterr().out
        assert "Probe       ok" in out and "OFFLINE (quota)" in out
        clock.set(datetime(2026, 11, 25, 3, 40, tzinfo=UTC))
        code = check.run(live, probe=True, clock=clock, as_json=True)
        data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["mode"]["offline"] is False
    assert "quota back" in data["probe_now"]["detail"]


async def test_learns_a_0330_reset_in_a_simulated_day(settings: Settings, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, full_markets=False,
                              quota_reset_s=3 * 3600 + 30 * 60), clock=clock)
    with LoopbackServer(sim) as srv:
        eng = build_engine(pointed_at(settings, srv.url), clock=clock, key=Secret(SECRET))
        try:
            sim.exhaust_quota()
            await eng.service.refresh("bookmakers")
            assert eng.service.mode().reason == "quota"
            resumed_at = None
            while resumed_at is None and clock.now() < datetime(2026, 11, 25, 12, 0, tzinfo=UTC):
                clock.advance(60)  # the TUI supervises every second; a minute is fine-grained enough
                if await eng.service.supervise(warm_on_resume=False) is None and not eng.service.mode().offline:
                    resumed_at = clock.now()
            quota = eng.store.ledger.quota()
            probes = sim.stats()["status_calls"]
        finally:
            await eng.aclose()
    # Probed from the exhaustion on, at 00:00 (presumed) and at most 30 min apart: the first
    # probe after 03:30 sees the counter fall, and its time of day is learned.
    reset = datetime(2026, 11, 25, 3, 30, tzinfo=UTC)
    assert resumed_at is not None and reset < resumed_at <= reset + timedelta(seconds=1800)
    assert quota.reset_basis == f"observed {resumed_at:%H:%M} UTC"
    assert probes <= 30  # about two an hour once the waits reach 30 min; never a counted call


async def test_rapidapi_gateway_warms_and_its_daily_429_is_a_quota_outage(
        settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(settings.api.key_env, SECRET)
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, gateway="rapidapi",
                              full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        live = pointed_at(settings, srv.url + "/v3", auth="rapidapi")
        eng = build_engine(live, clock=clock, key=Secret(SECRET))
        try:
            report = await eng.service.warm()
            assert report.stopped is None and report.fetched
            sim.exhaust_quota()
            page = await eng.service.refresh("bookmakers")
        finally:
            await eng.aclose()
        assert page.provenance.offline_reason == "quota"
        assert check.run(live, clock=clock) == 1
    assert "OFFLINE (quota)" in capsys.readouterr().out
    assert all(r["path"].startswith("/v3/") for r in sim.stats()["recent"])


async def test_rapidapi_key_sent_the_direct_way_is_a_key_outage_said_plainly(settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39,), gateway="rapidapi", full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        # A RapidAPI key sent the direct way: the gateway answers 401 with its message.
        eng = build_engine(pointed_at(settings, srv.url + "/v3"), clock=clock, key=Secret(SECRET))
        try:
            page = await eng.service.bookmakers()
            reason = eng.service.mode().reason
        finally:
            await eng.aclose()
    assert page.provenance.offline_reason == reason == "key"
    assert "API key rejected (HTTP 401)" in (page.provenance.error or "")
    assert "check api.auth (apisports)" in (page.provenance.error or "")


async def test_persistent_rate_limit_ends_a_warm_in_well_under_two_minutes(
        settings: Settings, clock: FakeClock) -> None:
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        eng = build_engine(pointed_at(settings, srv.url), clock=clock, key=Secret(SECRET))
        try:
            sim.rate_limit_next(10_000)
            start = clock.monotonic()
            report = await eng.service.warm()
            took = clock.monotonic() - start
            assert eng.service.mode().offline is False  # a rate limit is not an outage
        finally:
            await eng.aclose()
    assert report.stopped is not None and report.stopped.startswith("rate limited")
    assert "still rate limited" in report.stopped
    assert took < 90
    assert sim.stats()["requests_total"] <= 4  # one step's retries, then the warm stops


async def test_default_ttls_follow_the_provider_cadence(settings: Settings, clock: FakeClock) -> None:
    # Pre-match odds change every 3 hours at the provider: asked again after 3 hours, not
    # before; a fixtures page holding a live fixture is asked again after a minute.
    sim = Simulator(SimConfig(leagues=(39, 61), per_minute=300, full_markets=False), clock=clock)
    with LoopbackServer(sim) as srv:
        eng = build_engine(pointed_at(settings, srv.url), clock=clock, key=Secret(SECRET))
        try:
            await eng.service.warm()
            counted = sim.stats()["counted_total"]
            clock.advance(3 * 3600 - 60)
            assert (await eng.service.odds()).provenance.source == "cache"
            assert sim.stats()["counted_total"] == counted
            clock.advance(61)
            assert (await eng.service.odds()).provenance.source == "live"
            live = next(f for f in sim.data.fixtures if f.kickoff > clock.timestamp()
                        and f.league.id in (39, 61) and f.fate is None)
            clock.set(datetime.fromtimestamp(live.kickoff + 20 * 60, UTC))
            # Its page went stale at its kickoff, so the first read after it shows it live.
            first = await eng.service.fixtures()
            assert first.data is not None and any(f.is_live for f in first.data)
            asked = sim.stats()["counted_by_endpoint"]["/fixtures"]
            clock.advance(30)
            await eng.service.fixtures()
            assert sim.stats()["counted_by_endpoint"]["/fixtures"] == asked
            clock.advance(31)
            await eng.service.fixtures()
            assert sim.stats()["counted_by_endpoint"]["/fixtures"] == asked + 1  # its league only
        finally:
            await eng.aclose()
