"""A quota outage ends within ``supervision.quota_probe_s`` of the provider's reset, whatever the
hour: the quota is exhausted at several hours (just after 00:00 UTC, before and after a 03:30
reset in three zones, 18:00 UTC) against the simulator over loopback, on a jumped clock, and
oddsmon must be back online after the reset and no later than ``quota_probe_s`` after it;
RapidAPI's reset header makes it seconds; the reset's time of day is learned and kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oddsmon.clock import FakeClock, next_reset
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import LoopbackServer, SimConfig, Simulator
from oddsmon.store import Store

from ..conftest import SECRET
from ..loopback import pointed_at

DAY = datetime(2026, 11, 24, tzinfo=UTC)
RESET_S = 3 * 3600 + 1800  # 03:30 in the zone
ZONES = ("UTC", "Europe/Paris", "America/New_York")  # 03:30 is 03:30, 02:30, 08:30 UTC


def utc_reset(zone: str) -> datetime:
    """03:30 in ``zone`` on DAY, in UTC."""
    return next_reset(DAY, RESET_S, ZoneInfo(zone))


def exhaustion_hours(zone: str) -> dict[str, datetime]:
    reset = utc_reset(zone)
    return {"00:05 UTC": DAY + timedelta(minutes=5), "an hour before": reset - timedelta(hours=1),
            "an hour after": reset + timedelta(hours=1), "18:00 UTC": DAY + timedelta(hours=18)}


CASES = [(zone, label) for zone in ZONES for label in exhaustion_hours(zone)]


async def outage(settings: Settings, sim: Simulator, clock: FakeClock, url: str,
                 gateway: str = "apisports") -> tuple[datetime, int, str]:
    """Exhaust the quota now and supervise at each probe slot until oddsmon is back: (when it
    came back, /status probes sent, the reset's basis)."""
    eng = build_engine(pointed_at(settings, url, auth=gateway), clock=clock, key=Secret(SECRET))
    try:
        sim.exhaust_quota()
        await eng.service.refresh("bookmakers")
        assert eng.service.mode().reason == "quota"
        counted, probes = sim.stats()["counted_total"], sim.stats()["status_calls"]
        limit = clock.now() + timedelta(days=2)
        while eng.service.mode().offline and clock.now() < limit:
            slot = eng.service.mode().next_probe_at
            assert slot is not None and slot > clock.now() - timedelta(seconds=1)
            clock.set(slot)  # the TUI and the collector supervise every second: due now
            await eng.service.supervise(warm_on_resume=False)
        assert sim.stats()["counted_total"] == counted  # only free /status probes while out
        return clock.now(), sim.stats()["status_calls"] - probes, eng.store.ledger.quota().reset_basis
    finally:
        await eng.aclose()


@pytest.mark.parametrize(("zone", "when"), CASES, ids=[f"{z}-{w}" for z, w in CASES])
async def test_back_online_within_quota_probe_s_of_the_reset_at_any_hour(
        zone: str, when: str, settings: Settings) -> None:
    exhausted = exhaustion_hours(zone)[when]
    clock = FakeClock(exhausted)
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=100, per_minute=300, full_markets=False,
                              quota_reset_s=RESET_S, quota_reset_tz=zone), clock=clock)
    reset = next_reset(exhausted, RESET_S, ZoneInfo(zone))  # the provider's next reset
    with LoopbackServer(sim) as srv:
        back, probes, basis = await outage(settings, sim, clock, srv.url)
    assert reset < back <= reset + timedelta(seconds=settings.supervision.quota_probe_s), (reset, back)
    # Two probes an hour once the waits reach quota_probe_s; a dozen short ones after the
    # exhaustion and again after the presumed reset (00:00 UTC) has passed.
    assert probes <= 2 * (back - exhausted).total_seconds() / 3600 + 2 * 12, probes
    # The time of day the counter was seen to fall is learned (to the minute) and shown.
    assert basis == f"observed {back:%H:%M} UTC"


async def test_the_learned_reset_is_kept_across_restarts_and_probed_at_the_next_day(settings: Settings) -> None:
    zone = "America/New_York"
    reset = utc_reset(zone)
    clock = FakeClock(reset - timedelta(hours=2))
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=100, per_minute=300, full_markets=False,
                              quota_reset_s=RESET_S, quota_reset_tz=zone), clock=clock)
    with LoopbackServer(sim) as srv:
        first, _, basis = await outage(settings, sim, clock, srv.url)
        learned = Store.open(settings.paths.db)  # another process, later: the store keeps it
        try:
            assert learned.ledger.quota().reset_basis == basis == f"observed {first:%H:%M} UTC"
        finally:
            learned.close()
        # The next day, exhausted well before it: the learned time of day is probed at once.
        clock.set(reset + timedelta(hours=20))
        second, _, _ = await outage(settings, sim, clock, srv.url)
    learned_at = first - timedelta(seconds=first.second)
    assert second == learned_at + timedelta(days=1, seconds=10)  # learned time + the 10 s grace


async def test_rapidapis_reset_header_brings_it_back_within_seconds(settings: Settings) -> None:
    zone = "Europe/Paris"
    reset = utc_reset(zone)
    clock = FakeClock(reset - timedelta(hours=1, minutes=25))
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=100, per_minute=300, full_markets=False,
                              quota_reset_s=RESET_S, quota_reset_tz=zone, gateway="rapidapi"), clock=clock)
    quick = replace(settings, supervision=replace(settings.supervision, quota_probe_s=3600))
    with LoopbackServer(sim) as srv:
        back, _, basis = await outage(quick, sim, clock, srv.url + "/v3", gateway="rapidapi")
    assert reset < back <= reset + timedelta(seconds=10)  # the header's instant, plus the grace
    assert basis == "header 02:30 UTC"  # 03:30 in Paris in November
