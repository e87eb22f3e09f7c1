"""API-level faults from the simulator on a real loopback port, with time on a fake clock:
the quota spent (by the error envelope, by the headers reaching the reserve), the per-minute
limit (``rateLimit`` envelope, HTTP 429), a rejected key (an outage of its own), and the jump
to the quota reset."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from oddsmon.clock import FakeClock, next_utc_midnight
from oddsmon.commands import check
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import LoopbackServer, Simulator

from ..conftest import SECRET
from .conftest import (
    CountingTransport,
    Primed,
    assert_from_cache,
    assert_pages_from_cache,
    pointed_at,
)
from .faults import RawHttpServer, cache_snapshot, respond

LATER = 20 * 60
MIDNIGHT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
# A quota outage's first /status probe: supervision.probe_min_s after the exhaustion.
FIRST_PROBE = timedelta(seconds=5)


async def test_08_quota_exhausted_by_the_requests_envelope(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    live = pointed_at(settings, server.url)
    eng = build_engine(live, clock=clock, key=Secret(SECRET), transport=transport)
    other = build_engine(live, clock=clock, key=Secret(SECRET))  # a second analyst's oddsmon
    try:
        clock.advance(LATER)
        kept = cache_snapshot(eng.store)
        sim.exhaust_quota()  # every counted call now answers errors.requests, HTTP 200
        page = await eng.service.odds()
        mode = eng.service.mode()
        assert mode.offline and mode.reason == "quota"
        assert mode.resume_at == MIDNIGHT and mode.seconds_to_resume == (MIDNIGHT - clock.now()).total_seconds()
        assert mode.next_probe_at == clock.now() + FIRST_PROBE  # /status probed from the exhaustion on
        assert "request limit for the day" in (mode.detail or "")  # the provider's own words
        assert_from_cache(page, primed, clock.now(), "quota", stale=True)
        seen = sim.stats()["requests_total"]
        attempts = transport.attempts
        # Browsing, refreshing, warming, in this process and another: nothing leaves either.
        await assert_pages_from_cache(eng, primed, "quota")
        await assert_pages_from_cache(other, primed, "quota")
        await eng.service.refresh("odds")
        report = await other.service.warm()
        assert report.counted_calls == 0 and report.stopped and "quota" in report.stopped
        assert sim.stats()["requests_total"] == seen and transport.attempts == attempts
        assert cache_snapshot(eng.store) == kept
        # What on-call sees: WARNING, reason quota, the automatic resume at the reset.
        snap, _, code = check.evaluate(live, clock)
        assert code == 1 and snap.mode.reason == "quota" and snap.mode.resume_at == MIDNIGHT
    finally:
        await other.aclose()
        await eng.aclose()


async def test_09_quota_reaching_the_reserve_through_the_headers(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    reserve = settings.api.daily_reserve
    live = pointed_at(settings, server.url)
    eng = build_engine(live, clock=clock, key=Secret(SECRET), transport=transport)
    try:
        clock.advance(LATER)
        sim.set_quota(limit=100, used=100 - reserve - 3)  # 3 calls left above the reserve
        counted = sim.stats()["counted_total"]
        report = await eng.service.warm()  # wants far more than 3 calls
        assert sim.stats()["counted_total"] == counted + 3
        assert sim.stats()["quota_remaining"] == reserve  # the reserve is never touched
        assert sim.stats()["outcomes"].get("requests", 0) == 0  # never even hit the wall
        mode = eng.service.mode()
        assert mode.reason == "quota" and mode.resume_at == MIDNIGHT
        assert mode.since is not None and mode.next_probe_at == mode.since + FIRST_PROBE
        assert f"{reserve} calls left today" in (mode.detail or "")
        assert report.stopped and "quota" in report.stopped
        # Nothing more is sent, whatever is asked; the pages are served from the cache.
        attempts = transport.attempts
        await eng.service.warm()
        odds = await eng.service.odds(force=True)
        assert odds.data is not None and odds.provenance.source == "cache"
        assert odds.provenance.offline_reason == "quota"
        assert transport.attempts == attempts
        quota = eng.store.ledger.quota()
        assert quota.remaining_at(clock.now()) == reserve and quota.daily_limit == 100
        # What --warm prints as spent is what the provider counted, including the first page
        # of a paged /odds fetch that the reserve stopped (its fixtures are kept one by one).
        assert report.counted_calls == 3
    finally:
        await eng.aclose()


async def test_10_rate_limit_envelope_is_throttled_not_an_outage(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed) -> None:
    eng = build_engine(pointed_at(settings, server.url), clock=clock, key=Secret(SECRET))
    try:
        clock.advance(LATER + 17)  # mid-minute
        sim.rate_limit_next(1)  # errors.rateLimit with HTTP 200
        asked = clock.timestamp()
        page = await eng.service.bookmakers(force=True)
        assert page.provenance.source == "live" and page.provenance.error is None
        # It backed off (full jitter, fake clock), then succeeded.
        assert len(clock.slept) == 1 and 0 <= clock.slept[0] <= 8
        assert clock.timestamp() - asked == pytest.approx(clock.slept[0], abs=1e-6)  # POSIX seconds: ~1e-7 resolution
        assert sim.stats()["outcomes"]["rateLimit"] == 1
        assert not eng.service.mode().offline and eng.store.state.transitions() == []
        # Throttled for longer than oddsmon waits: an error for that page, still no outage.
        sim.rate_limit_next(50)
        page = await eng.service.bookmakers(force=True)
        assert "requests per minute" in (page.provenance.error or "")  # the provider's words
        assert page.provenance.source == "cache" and page.data is not None
        assert not eng.service.mode().offline and eng.store.state.transitions() == []
        sim.rate_limit_next(0)
        # The pace follows X-RateLimit-Limit: at 5 a minute a warm waits instead of being refused.
        sim.set_per_minute(5)
        sim.reset_stats()
        clock.advance(LATER)
        report = await eng.service.warm()
        assert report.stopped is None and report.counted_calls > 5
        assert sim.stats()["outcomes"].get("rateLimit", 0) == 0
        assert not eng.service.mode().offline
        by_minute: dict[int, int] = {}
        for r in sim.stats()["recent"]:
            if r["counted"]:
                by_minute[int(r["ts"] // 60)] = by_minute.get(int(r["ts"] // 60), 0) + 1
        assert max(by_minute.values()) <= 5
    finally:
        await eng.aclose()


async def test_11_http_429_is_throttled_not_an_outage(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed) -> None:
    eng = build_engine(pointed_at(settings, server.url), clock=clock, key=Secret(SECRET))
    try:
        clock.advance(LATER + 42)
        sim.http429_next(1, retry_after=18)  # a real 429 from a proxy in front of the API
        asked = clock.timestamp()
        page = await eng.service.odds()
        assert page.provenance.source == "live" and page.provenance.error is None
        assert clock.timestamp() - asked >= 18  # not sent again before its Retry-After
        assert sim.stats()["outcomes"]["http429"] == 1
        assert not eng.service.mode().offline and eng.store.state.transitions() == []
        sim.http429_next(50)
        counted = sim.stats()["counted_total"]
        clock.advance(LATER)
        page = await eng.service.odds()
        assert "429" in (page.provenance.error or "")
        assert page.provenance.source == "cache" and page.provenance.stale and page.data
        assert not eng.service.mode().offline and eng.store.state.transitions() == []
        assert sim.stats()["counted_total"] == counted  # a 429 costs no quota
    finally:
        await eng.aclose()


async def test_12_rejected_key_is_an_outage_of_its_own_said_plainly(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    eng = build_engine(pointed_at(settings, server.url), clock=clock, key=Secret(SECRET),
                       transport=transport)
    try:
        clock.advance(LATER)
        kept = cache_snapshot(eng.store)
        sim.reject_key = True  # errors.token: "Error/Missing application key"
        page = await eng.service.odds()
        error = page.provenance.error or ""
        assert error.startswith("API key rejected") and SECRET not in error
        assert_from_cache(page, primed, clock.now(), "key", stale=True)
        mode = eng.service.mode()
        assert mode.reason == "key" and (mode.detail or "").startswith("API key rejected")
        assert (incident := eng.store.incidents.current()) is not None and incident.reason == "key"
        attempts = transport.attempts
        await assert_pages_from_cache(eng, primed, "key")
        report = await eng.service.warm()
        assert report.counted_calls == 0 and report.stopped and "offline (key)" in report.stopped
        assert transport.attempts == attempts + 1  # the warm's /status probe, refused again
        assert all(r["key_present"] for r in sim.stats()["recent"])  # it was sent, and refused
        assert sim.stats()["counted_total"] == primed.counted_calls
        assert cache_snapshot(eng.store) == kept
    finally:
        await eng.aclose()
    # A gateway that says so with HTTP 401/403 instead of the envelope: the same.
    for status, reason in ((401, "Unauthorized"), (403, "Forbidden")):
        with RawHttpServer(respond(status, reason, b'{"message":"Invalid API key"}')) as raw:
            eng = build_engine(pointed_at(settings, raw.url), clock=clock, key=Secret(SECRET))
            try:
                eng.machine.go_online("the key was rotated")
                page = await eng.service.odds()
                assert f"API key rejected (HTTP {status})" in (page.provenance.error or "")
                assert_from_cache(page, primed, clock.now(), "key", stale=True)
                assert eng.service.mode().reason == "key"
            finally:
                await eng.aclose()


async def test_14_clock_jumps_to_quota_reset_resume_and_rebuild_within_the_quota(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed) -> None:
    live = pointed_at(settings, server.url)
    reserve = settings.api.daily_reserve
    a = build_engine(live, clock=clock, key=Secret(SECRET))
    b = build_engine(live, clock=clock, key=Secret(SECRET))  # two analysts, one key, one store
    try:
        clock.advance(LATER)
        sim.exhaust_quota()
        await a.service.odds()
        first = b.service.mode().next_probe_at
        assert a.service.mode().reason == "quota" and b.service.mode().resume_at == MIDNIGHT
        assert first == clock.now() + FIRST_PROBE
        clock.set(first - timedelta(seconds=1))
        sim.reset_stats()
        assert await a.service.supervise() is None and sim.stats()["requests_total"] == 0  # not yet
        clock.set(first)  # probed from the exhaustion on: one free /status probe, by one process
        # gather answers a list (typeshed types a fixed gather as a tuple): compared as a list.
        assert list(await asyncio.gather(a.service.supervise(), b.service.supervise())) == [None, None]
        assert sim.stats()["by_endpoint"] == {"/status": 1}  # the day is still spent: no counted call
        assert a.service.mode().reason == "quota"
        reset = MIDNIGHT + timedelta(seconds=sim.config.quota_reset_s)
        clock.set(reset)  # the provider's own reset (03:30 UTC), found by the next probe
        sim.reset_stats()
        reports = await asyncio.gather(a.service.supervise(), b.service.supervise())
        rebuilt = [r for r in reports if r is not None]
        assert len(rebuilt) == 1  # exactly one process rebuilds the cache
        report = rebuilt[0]
        assert report.stopped is None and report.counted_calls == sim.stats()["counted_total"]
        assert sim.stats()["by_endpoint"].get("/status", 0) == 1  # the probe that found quota
        assert not a.service.mode().offline and not b.service.mode().offline
        for eng in (a, b):
            for kept in (await eng.service.bookmakers(), await eng.service.predictions()):
                # 24 h TTLs (the provider's daily cadence): still fresh, rightly not re-fetched
                assert kept.provenance.source == "cache" and not kept.provenance.stale
            for page in (await eng.service.odds(), await eng.service.dashboard()):
                # expired: rebuilt after the reset
                assert page.provenance.source == "cache" and not page.provenance.stale
                assert page.provenance.fetched_at is not None and page.provenance.fetched_at >= reset
        # The next day the plan is smaller than a warm: the rebuild stops at the reserve.
        day2 = next_utc_midnight(MIDNIGHT)
        sim.set_quota(limit=12, used=12)
        clock.advance(LATER)
        await a.service.odds()
        assert a.service.mode().reason == "quota" and a.service.mode().resume_at == day2
        # Nobody ran at the reset: probed when one runs, past the provider's own reset.
        clock.set(day2 + timedelta(seconds=sim.config.quota_reset_s, hours=1))
        sim.reset_stats()
        next_day = await b.service.supervise()
        assert next_day is not None and next_day.stopped and "reserve" in next_day.stopped
        assert sim.stats()["counted_total"] == 12 - reserve  # spent up to the reserve, no further
        assert sim.stats()["quota_remaining"] == reserve
        assert b.service.mode().reason == "quota"
        assert b.service.mode().resume_at == next_utc_midnight(day2)
        assert next_day.counted_calls == 12 - reserve  # (same engine bug as test 09)
    finally:
        await b.aclose()
        await a.aclose()
