"""The engine against the simulator on a real loopback socket: outages, quota, resumes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oddsmon.clock import FakeClock
from oddsmon.config import Settings
from oddsmon.engine.runtime import Engine
from oddsmon.offline import OfflineMachine
from oddsmon.sim import LoopbackServer, Simulator
from oddsmon.store import Store

from ..clocks import planned
from ..loopback import CountingTransport

NEXT_MIDNIGHT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


async def test_server_stopped_goes_offline_network_and_sends_nothing_more(
        loopback_engine: Engine, server: LoopbackServer, transport: CountingTransport) -> None:
    await loopback_engine.service.bookmakers()
    server.stop()  # connection refused from now on: a real outage
    before = transport.attempts
    page = await loopback_engine.service.fixtures()
    assert transport.attempts == before + 1  # one bounded attempt, no retry storm
    mode = loopback_engine.service.mode()
    assert mode.offline and mode.reason == "network"
    assert page.data is None and page.provenance.offline_reason == "network"
    for _ in range(3):
        await loopback_engine.service.dashboard()
        await loopback_engine.service.odds(force=True)
        await loopback_engine.service.bookmakers()
    assert transport.attempts == before + 1  # offline: no socket opened afterwards
    assert (await loopback_engine.service.bookmakers()).provenance.source == "cache"


async def test_probe_brings_it_back_with_backoff(loopback_engine: Engine, server: LoopbackServer,
                                                 clock: FakeClock, sim: Simulator) -> None:
    server.stop()
    await loopback_engine.service.bookmakers()
    assert loopback_engine.service.mode().reason == "network"
    first_probe = planned(loopback_engine.service.mode().next_probe_at)
    assert (first_probe - clock.now()).total_seconds() == loopback_engine.settings.supervision.probe_min_s
    assert await loopback_engine.service.supervise() is None  # not due yet: no probe
    clock.set(first_probe)
    await loopback_engine.service.supervise()  # probe fails: the server is still down
    state = loopback_engine.machine.state()
    assert state.last_probe_ok is False and state.probe_failures == 1
    wait = (planned(state.next_probe_at) - clock.now()).total_seconds()
    sup = loopback_engine.settings.supervision
    assert sup.probe_min_s <= wait <= 2 * sup.probe_min_s  # jittered under a doubled cap
    server.start()  # the network returns
    clock.set(planned(state.next_probe_at))
    report = await loopback_engine.service.supervise()
    assert not loopback_engine.service.mode().offline
    assert report is not None and report.stopped is None and report.counted_calls > 0  # cache rebuilt
    assert sim.stats()["status_calls"] >= 1


async def test_quota_error_envelope_goes_offline_until_status_shows_quota_again(
        loopback_engine: Engine, sim: Simulator, clock: FakeClock) -> None:
    await loopback_engine.service.bookmakers()
    sim.exhaust_quota()
    page = await loopback_engine.service.fixtures()
    mode = loopback_engine.service.mode()
    assert mode.reason == "quota" and mode.resume_at == NEXT_MIDNIGHT  # presumed
    probe_min = timedelta(seconds=loopback_engine.settings.supervision.probe_min_s)
    assert mode.next_probe_at == clock.now() + probe_min  # /status is probed from the exhaustion on
    assert page.data is None and "request limit" in (page.provenance.error or "")
    counted = sim.stats()["counted_total"]
    await loopback_engine.service.warm()
    assert sim.stats()["counted_total"] == counted  # nothing counted while quota-offline
    clock.set(NEXT_MIDNIGHT)  # the presumed reset; the simulator's day starts at 03:30
    assert await loopback_engine.service.supervise() is None
    assert loopback_engine.service.mode().reason == "quota"  # /status still shows the day spent
    assert sim.stats()["counted_total"] == counted and sim.stats()["status_calls"] == 1
    clock.set(NEXT_MIDNIGHT + timedelta(seconds=sim.config.quota_reset_s))
    report = await loopback_engine.service.supervise()
    assert not loopback_engine.service.mode().offline
    assert report is not None and report.stopped is None
    assert (await loopback_engine.service.fixtures()).provenance.source == "cache"  # rebuilt by the warm
    remaining = loopback_engine.store.ledger.quota().remaining_at(clock.now())
    assert remaining is not None and remaining > loopback_engine.settings.api.daily_reserve


async def test_headers_reaching_the_reserve_go_offline(loopback_engine: Engine, sim: Simulator) -> None:
    reserve = loopback_engine.settings.api.daily_reserve
    sim.set_quota(limit=100, used=100 - reserve - 1)
    page = await loopback_engine.service.bookmakers()
    assert page.provenance.source == "live"
    assert loopback_engine.service.mode().reason == "quota"
    assert sim.stats()["counted_total"] == 1


async def test_reserve_reached_mid_paging_keeps_the_fixtures_already_paid_for(
        loopback_engine: Engine, sim: Simulator, transport: CountingTransport) -> None:
    reserve = loopback_engine.settings.api.daily_reserve
    league = loopback_engine.settings.watch.leagues[0]
    sim.set_quota(limit=100, used=100 - reserve - 1)  # one call above the reserve: page 1 only
    page = await loopback_engine.service.odds()
    assert sim.stats()["counted_total"] == 1
    assert loopback_engine.service.mode().reason == "quota"
    # Page 1 alone is not the league's answer: no league page is cached ...
    assert page.data is None and page.cached_never
    # ... but each fixture on it is whole, and opens on the Odds screen without a call.
    kept = sorted(int(r[0].split("=")[1]) for r in loopback_engine.store.db.query(
        "SELECT key FROM cache WHERE key LIKE 'odds?fixture=%'"))
    assert len(kept) == sim.config.odds_page_size
    first = kept[0]
    attempts = transport.attempts
    view = await loopback_engine.service.market(first)
    assert view.data is not None and view.data.rows and view.provenance.source == "cache"
    assert view.provenance.offline_reason == "quota"
    assert transport.attempts == attempts
    # Their prices start the odds history, as any fetch does.
    assert loopback_engine.store.history.series(first, 1)
    others = [fx.id for fx in sim.data.by_league[league] if fx.id not in kept]
    assert others and (await loopback_engine.service.fixture_odds(others[-1])).cached_never


async def test_stale_entry_served_when_a_refresh_fails(loopback_engine: Engine, server: LoopbackServer,
                                                        clock: FakeClock) -> None:
    fresh = await loopback_engine.service.odds()
    clock.advance(loopback_engine.settings.cache.odds_ttl_s + 30)
    server.stop()
    page = await loopback_engine.service.odds()
    assert page.data == fresh.data
    assert page.provenance.source == "cache" and page.provenance.stale
    assert page.provenance.age_s == loopback_engine.settings.cache.odds_ttl_s + 30
    assert loopback_engine.service.mode().reason == "network"


async def test_warm_call_count_matches_the_plan(loopback_engine: Engine, sim: Simulator) -> None:
    report = await loopback_engine.service.warm()
    by_endpoint = sim.stats()["by_endpoint"]
    fixtures = (await loopback_engine.service.fixtures()).data
    assert fixtures is not None
    upcoming = [f for f in fixtures if f.is_upcoming]
    leagues = len(loopback_engine.settings.watch.leagues)
    # The fixtures the odds price beyond the window are named by id, 20 a call.
    names = [s for s in report.steps if s.label.startswith("names of fixtures")]
    assert by_endpoint["/odds/bookmakers"] == 1
    assert by_endpoint["/fixtures"] == leagues + len(names)
    assert by_endpoint["/predictions"] == len(upcoming)
    assert report.counted_calls == sum(by_endpoint.values()) == sim.stats()["counted_total"]
    assert report.counted_calls == 1 + leagues + len(names) + by_endpoint["/odds"] + len(upcoming)
    again = await loopback_engine.service.warm()
    assert again.counted_calls == 0


async def test_two_processes_see_one_offline_state(loopback_engine: Engine, live_settings: Settings,
                                                   tmp_path: Path) -> None:
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(f'[paths]\ndb = "{live_settings.paths.db}"\n'
                   f'incidents = "{tmp_path / "j.md"}"\nmetrics = "{tmp_path / "m.json"}"\n')
    env = {**os.environ, "APISPORTS_KEY": ""}
    out = subprocess.run([sys.executable, "-m", "oddsmon", "--config", str(cfg), "--offline"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "OFFLINE (user)" in out.stdout
    assert loopback_engine.service.mode().reason == "user"  # this process sees it at once
    loopback_engine.service.set_online()
    probe = subprocess.run([sys.executable, "-c", f"import oddsmon; print(oddsmon.is_offline_mode({str(cfg)!r}))"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert probe.stdout.strip() == "False"
    other = OfflineMachine(Store.open(live_settings.paths.db), FakeClock(), live_settings.supervision)
    other.go_offline("quota")
    assert loopback_engine.service.mode().reason == "quota"
