"""The collector over a simulated day on the fake clock, against the simulator.

Nothing sleeps: the collector's sleeper is the fake clock's, which jumps. The example config
(``oddsmon.toml``) watches four leagues with ``season = "auto"`` on a Free plan (100 calls a day,
reserve 10); the simulator plays three of them (the fourth's season lookup finds none, and the
collector asks nothing more about it). The simulator's quota day starts at 03:30 UTC, as the
provider's need not start at midnight.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.commands.collect import cycles, lease_stale_s
from oddsmon.config import Secret, Settings, load_file
from oddsmon.engine.desk import PENDING_NOTE
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.providers import FixturesRequest
from oddsmon.sim import SimConfig, SimTransport, Simulator

from ..conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]
DAY = datetime(2026, 11, 24, tzinfo=UTC)


class Recorder(httpx.AsyncBaseTransport):
    """The simulator's transport, remembering each request: (sim time, path, params)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.inner = SimTransport(sim)
        self.sent: list[tuple[datetime, str, dict[str, str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((self.sim.clock.now(), request.url.path, dict(request.url.params)))
        return await self.inner.handle_async_request(request)


def example_settings(tmp: Path, *, season: int | None = None, **collect: int) -> Settings:
    """The example config; ``season`` fixes one season for every league instead of "auto"."""
    settings = load_file(ROOT / "oddsmon.toml").with_paths(
        db=tmp / "oddsmon.db", metrics=tmp / "metrics.json", incidents=tmp / "incidents.md")
    if season is not None:
        settings = replace(settings, watch=replace(settings.watch, season=season))
    return replace(settings, collect=replace(settings.collect, **collect))


# The simulator's quota day turns at 03:30 UTC (SimConfig.quota_reset_s).
SIM_RESET = timedelta(hours=3, minutes=30)


@pytest.fixture
def day_clock() -> FakeClock:
    return FakeClock(DAY)


@pytest.fixture
def free_sim(day_clock: FakeClock) -> Simulator:
    # The Free plan: 100 calls a day, 10 a minute.
    return Simulator(SimConfig(leagues=(39, 61, 140), daily_limit=100, per_minute=10), clock=day_clock)


@pytest.fixture
def recorder(free_sim: Simulator) -> Recorder:
    return Recorder(free_sim)


@pytest.fixture
async def day_engine(tmp_path: Path, day_clock: FakeClock, recorder: Recorder) -> AsyncIterator[Engine]:
    eng = build_engine(example_settings(tmp_path), clock=day_clock, key=Secret(SECRET), transport=recorder)
    yield eng
    await eng.aclose()


async def run_until(collector: Collector, clock: FakeClock, end: datetime,
                    each: list[tuple[datetime, int]] | None = None) -> list[str]:
    """Run the collector's own loop until ``end``; the sleeper stops it there as SIGTERM would."""
    lines: list[str] = []
    me = asyncio.current_task()

    async def sleeper(seconds: float) -> None:
        await clock.sleep(seconds)
        if each is not None:
            each.append((clock.now(), collector.service.store.ledger.quota().remaining_at(clock.now()) or 0))
        if clock.now() >= end:
            assert me is not None
            me.cancel()
        await asyncio.sleep(0)

    task = asyncio.ensure_future(cycles(collector, say=lines.append, sleeper=sleeper))
    me = task
    assert await task == 0
    return lines


def spent(recorder: Recorder, sim: Simulator, start: datetime, end: datetime) -> list[tuple[datetime, str, dict[str, str]]]:
    return [r for r in recorder.sent if start <= r[0] < end and r[1] != "/status"]


@pytest.mark.slow
async def test_a_simulated_day_within_budget_with_closing_prices_and_live_odds(
        day_engine: Engine, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder) -> None:
    collector = Collector(day_engine.service)
    remaining: list[tuple[datetime, int]] = []
    end = DAY + timedelta(days=1)
    lines = await run_until(collector, day_clock, end, remaining)
    store, sim_data = day_engine.store, free_sim.data
    budget = (100 - 10) // 2  # half of what the Free plan leaves above the example's reserve

    by_kind = store.collector.spend(DAY.date())
    counted = free_sim.stats()["counted_total"]
    assert 0 < sum(by_kind.values()) == counted <= budget, (by_kind, counted)
    # The reserve was never touched: at every wake-up the provider still had more than it.
    assert min(left for _, left in remaining) > day_engine.settings.api.daily_reserve

    # Every watched fixture that kicked off today (after the first closing window) has its
    # close, observed within its last hour.
    watched = [fx for fx in sim_data.fixtures if fx.league.id in (39, 61, 140)
               and DAY + timedelta(hours=1) < datetime.fromtimestamp(fx.kickoff, UTC) < end]
    assert watched
    seen = store.history.closing_seen([fx.id for fx in watched])
    closes = store.history.closing([fx.id for fx in watched])
    for fx in watched:
        kickoff, last = seen[fx.id]
        assert last is not None and kickoff - timedelta(hours=1) <= last < kickoff, fx.id
        assert any(k[0] == fx.id and k[2] == 1 for k in closes), fx.id

    # In-play odds were asked for only while a fixture of that league was in play.
    live_calls = [r for r in recorder.sent if r[1] == "/odds/live"]
    assert live_calls
    for at, _, params in live_calls:
        league = int(params["league"])
        assert any(sim_data.status_at(fx, at.timestamp()).live for fx in sim_data.by_league[league]), at
    assert store.live.count() > 0
    # Nothing counted was sent between midnight and the first kickoff but the morning refresh.
    assert any("counted call" in line for line in lines)


@pytest.mark.slow
async def test_an_outage_pauses_the_collector_and_it_resumes_by_itself(
        day_engine: Engine, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder) -> None:
    collector = Collector(day_engine.service)
    # From 11:00, not midnight: the night and morning before the cut are not what is tested.
    day_clock.set(DAY + timedelta(hours=11))
    await run_until(collector, day_clock, DAY + timedelta(hours=12))
    free_sim.cut_network()
    cut_at = day_clock.now()
    # The in-play round at 12:30 finds the network gone; for the next hour nothing counted
    # leaves, only the free /status probes.
    await run_until(collector, day_clock, DAY + timedelta(hours=13, minutes=30))
    during = [r for r in recorder.sent if r[0] >= cut_at]
    assert day_engine.machine.gate() == "network"
    assert {path for _, path, _ in during[1:]} <= {"/status"}, during[:5]
    free_sim.restore_network()
    restored = day_clock.now()
    await run_until(collector, day_clock, DAY + timedelta(hours=15))
    assert day_engine.machine.gate() is None
    assert [r for r in recorder.sent if r[0] >= restored and r[1] != "/status"], "no collection after the resume"


@pytest.mark.slow
async def test_a_quota_outage_waits_for_the_reset_and_spends_nothing(
        day_engine: Engine, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder) -> None:
    collector = Collector(day_engine.service)
    # After the provider's own reset (03:30 UTC), so the burnt day lasts until the next one.
    await run_until(collector, day_clock, DAY + timedelta(hours=4))
    free_sim.exhaust_quota()  # the analysts burnt the day
    await run_until(collector, day_clock, DAY + timedelta(hours=13))
    assert day_engine.machine.gate() == "quota"
    offline_at = day_engine.machine.view().since
    assert offline_at is not None
    assert not [r for r in recorder.sent if r[0] > offline_at and r[1] != "/status"]
    # Midnight is only the presumed reset: /status still shows the day spent, so it waits.
    await run_until(collector, day_clock, DAY + timedelta(days=1, hours=1))
    assert day_engine.machine.gate() == "quota"
    assert not [r for r in recorder.sent if r[0] > offline_at and r[1] != "/status"]
    assert [r for r in recorder.sent if r[0] >= DAY + timedelta(days=1) and r[1] == "/status"]
    # Back once a /status probe after the provider's reset shows quota, with no one asking.
    reset = DAY + timedelta(days=1) + SIM_RESET
    await run_until(collector, day_clock, reset + timedelta(hours=1))
    assert day_engine.machine.gate() is None
    assert "/status" in (day_engine.machine.view().detail or "")
    counted_after = [r for r in recorder.sent if r[0] > offline_at and r[1] != "/status"]
    assert counted_after and min(at for at, _, _ in counted_after) >= reset


async def test_once_with_a_fixture_in_play_records_prices_and_live_odds_then_sends_nothing(
        day_engine: Engine, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder) -> None:
    day_clock.set(DAY + timedelta(hours=12, minutes=40))  # the 12:30 kickoff is in play
    assert await cycles(Collector(day_engine.service), once=True, say=lambda _: None) == 0
    paths = [path for _, path, _ in recorder.sent]
    assert "/odds/live" in paths and "/odds" in paths
    assert day_engine.store.history.count() > 0 and day_engine.store.live.count() > 0
    playing = day_engine.service.in_play()  # the Dashboard's live marker, read without sending
    assert playing
    boards = [day_engine.store.live.board(fid) for fid in playing]
    assert all(b is not None and b.state.status.elapsed is not None and b.now for b in boards)
    before = free_sim.stats()["counted_total"]
    assert await cycles(Collector(day_engine.service), once=True, say=lambda _: None) == 0
    assert free_sim.stats()["counted_total"] == before


@pytest.mark.slow
async def test_a_budget_of_five_caps_every_cycle_and_the_day(
        tmp_path: Path, day_clock: FakeClock, recorder: Recorder, free_sim: Simulator) -> None:
    # A fixed season: with "auto", the season lookups (one call per league) would take the
    # whole routine share of a budget of five, and this test is about the closing prices.
    eng = build_engine(example_settings(tmp_path, season=2026, daily_budget=5), clock=day_clock,
                       key=Secret(SECRET), transport=recorder)
    try:
        collector = Collector(eng.service)
        per_cycle: list[int] = []
        while day_clock.now() < DAY + timedelta(days=1):
            per_cycle.append((await collector.cycle()).calls)
            await day_clock.sleep(eng.settings.collect.interval_s)
        assert max(per_cycle) <= 5
        assert sum(per_cycle) == free_sim.stats()["counted_total"] == 5
        # Closing prices come first once the routine share (2 of 5) is spent.
        assert eng.store.collector.spend(DAY.date()).get("closing", 0) >= 2
    finally:
        await eng.aclose()


async def test_the_value_bets_are_worked_out_after_a_cycle_that_fetched_and_not_while_idle(
        day_engine: Engine, day_clock: FakeClock, free_sim: Simulator) -> None:
    service = day_engine.service
    scans: list[int] = []
    scan = service.scan_values

    async def counted_scan(**kwargs: object) -> int:
        scans.append(await scan(**kwargs))  # type: ignore[arg-type]
        return scans[-1]

    service.scan_values = counted_scan  # type: ignore[method-assign]
    collector = Collector(service)
    assert (await collector.cycle()).calls > 0
    # The Value screen then reads what the cycle worked out: nothing is left to scan.
    board = await service.value_board()
    assert board.data is not None and not any(PENDING_NOTE in n for n in board.provenance.notes)
    assert len(scans) == 1 and scans[0] > 0
    # Offline by hand, cycle after cycle fetches nothing and so scans nothing either.
    service.machine.go_offline("user")
    for _ in range(5):
        day_clock.advance(day_engine.settings.collect.interval_s)
        assert (await collector.cycle()).calls == 0
    assert len(scans) == 1
    # Back online, the next cycle that stores odds works them out again.
    service.machine.go_online("back")
    day_clock.advance(6 * 3600)
    while (await collector.cycle()).calls == 0:
        day_clock.advance(day_engine.settings.collect.interval_s)
    assert len(scans) == 2


async def test_a_second_collector_says_who_holds_the_lease_and_does_not_start(
        day_engine: Engine, recorder: Recorder) -> None:
    # The first collector: this process holds the lease.
    stale = lease_stale_s(day_engine.settings)
    assert day_engine.store.collector.acquire("collector", day_engine.clock.now(), stale) is None
    said: list[str] = []
    second = Collector(day_engine.service)
    second.pid = os.getpid() + 1  # another process on this host, whose holder (us) is alive
    assert await cycles(second, once=True, say=said.append) == 0
    assert recorder.sent == []
    assert f"pid {os.getpid()}" in said[0] and "not starting another" in said[0]


async def test_sigterm_mid_cycle_leaves_the_store_consistent_and_the_lease_free(
        day_engine: Engine, day_clock: FakeClock, recorder: Recorder) -> None:
    gate = asyncio.Event()
    inner = recorder.handle_async_request

    async def held_on_odds(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/odds" and request.url.params.get("page") == "2":
            gate.set()
            await asyncio.Event().wait()  # the answer never comes: SIGTERM arrives meanwhile
        return await inner(request)

    recorder.handle_async_request = held_on_odds  # type: ignore[method-assign]
    collector = Collector(day_engine.service)
    task = asyncio.ensure_future(cycles(collector, say=lambda _: None, handle_signals=True))
    await asyncio.wait_for(gate.wait(), 30)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 30) == 0
    store = day_engine.store
    assert store.integrity_check() == "ok"
    assert store.collector.holder("collector") is None
    # What completed before the signal is whole: the fixtures pages, and the spend matches them.
    assert sum(store.collector.spend(DAY.date()).values()) == sum(
        1 for _, path, _ in recorder.sent if path != "/status") - 1  # the interrupted page never answered
    for key in store.cache.fetched_times(FixturesRequest.kind):
        assert json.loads(store.cache.get(key).body)["response"]  # type: ignore[union-attr]


async def test_a_standby_on_another_host_takes_over_within_two_minutes_of_the_collectors_death(
        day_engine: Engine, day_clock: FakeClock, recorder: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    from oddsmon.commands import check
    from oddsmon.store.collector import _host

    store = day_engine.store
    # The active collector, on another host, renews for the last time, then dies (kill -9,
    # power off): its lease stays behind, naming it.
    assert store.collector.acquire("collector", day_clock.now(), lease_stale_s(day_engine.settings),
                                   pid=4242, host="server-a") is None
    died = day_clock.now()
    lines: list[str] = []
    standby = Collector(day_engine.service)
    took_over: list[str] = []

    async def sleeper(seconds: float) -> None:
        await day_clock.sleep(seconds)
        if any(line.startswith("took over") for line in lines):  # its first cycle done
            capsys.readouterr()
            check.run(day_engine.settings, clock=day_clock)  # --check names who collects
            took_over.append(capsys.readouterr().out)
            me.cancel()
        await asyncio.sleep(0)

    me = asyncio.ensure_future(cycles(standby, say=lines.append, sleeper=sleeper))
    assert await me == 0
    assert lines[0].startswith("standby: a collector already runs: pid 4242 on server-a")
    assert lines[1].startswith("took over from pid 4242 on server-a")
    assert recorder.sent, "the standby collected"
    first_request = recorder.sent[0][0]
    print(f"\ncollector failover: the standby took over {(first_request - died).total_seconds():.0f} s "
          f"after the active one's last heartbeat")
    assert first_request - died <= timedelta(minutes=2)
    assert f"running, pid {os.getpid()} on {_host()}" in took_over[0], took_over[0]


async def test_on_a_light_day_the_collector_asks_odds_per_fixture_says_why_and_the_dashboard_reads_them(
        day_engine: Engine, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder) -> None:
    # The evening after the day's kickoffs: one to three fixtures a league at hand, where each
    # league page (ten fixtures a call, two weeks ahead) would cost more than they do.
    day_clock.set(DAY + timedelta(hours=21))
    said: list[str] = []
    assert await cycles(Collector(day_engine.service), once=True, say=said.append) == 0
    odds = [params for _, path, params in recorder.sent if path == "/odds"]
    assert odds and all(set(params) == {"fixture"} for params in odds), odds
    assert "; odds: league 39 per fixture: " in said[-1] and "against" in said[-1], said
    # The Dashboard shows their prices from those entries: nothing more is sent for them.
    sent = len(recorder.sent)
    dash = await day_engine.service.dashboard()
    assert dash.data is not None
    priced = {int(params["fixture"]) for params in odds}
    assert priced <= {f.id for f in dash.data.fixtures if f.is_upcoming}
    assert priced <= set(dash.data.headlines) and len(recorder.sent) == sent
    # The next cycle finds them fresh: no odds are due.
    assert await cycles(Collector(day_engine.service), once=True, say=said.append) == 0
    assert [path for _, path, _ in recorder.sent[sent:] if path == "/odds"] == []
