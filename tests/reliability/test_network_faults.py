"""Network faults, each produced for real on loopback: a stopped server, a socket that never
accepts, a server that stalls or resets mid-body, 5xx answers, garbage bodies, a name that does
not resolve, and the network coming back.

Each test primes the shared store with a warm (another oddsmon process did it), lets 20 minutes
pass on the fake clock (Odds and Fixtures are then past their TTL, Bookmakers is not), injects
the fault and checks what a user would notice: the mode and its reason, the message, every page
still served from the cache with its true age, nothing cached lost or changed, and no request
leaving the process once offline.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.sim import LoopbackServer, Simulator

from ..conftest import SECRET
from .conftest import (
    CountingTransport,
    Primed,
    assert_from_cache,
    assert_pages_from_cache,
    pointed_at,
    python_env,
)
from .faults import (
    BlackHole,
    RawHttpServer,
    cache_snapshot,
    reset_mid_body,
    respond,
    stall_mid_body,
    tcp_abort_on_overflow,
)

LATER = 20 * 60  # seconds between the warm and the fault: odds (600 s) and fixtures (900 s) expire

async def assert_probe_fails_cleanly(eng: Engine, clock: FakeClock) -> None:
    """The /status probe, when due, meets the same fault: recorded as a failed probe with the
    next one backed off; nothing raised out of supervise() (a TUI runs it every second)."""
    state = eng.machine.state()
    assert state.next_probe_at is not None, "offline with no probe planned"
    clock.set(state.next_probe_at)
    assert await eng.service.supervise() is None
    after = eng.machine.state()
    assert after.offline and after.reason == "network"
    assert after.probe_failures == state.probe_failures + 1 and after.last_probe_ok is False
    assert after.next_probe_at is not None and after.next_probe_at > clock.now()



async def test_01_server_stopped_connection_refused(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport, tmp_path: Path) -> None:
    eng = build_engine(pointed_at(settings, server.url), clock=clock, key=Secret(SECRET),
                       transport=transport)
    try:
        clock.advance(LATER)
        kept = cache_snapshot(eng.store)
        server.stop()  # the listening socket is closed: connect() gets ECONNREFUSED
        page = await eng.service.odds()  # expired: a fetch is tried, refused, the stale page served
        assert transport.attempts == 1  # one attempt, no retry storm on a refused connect
        assert_from_cache(page, primed, clock.now(), "network", stale=True)
        assert "cannot reach" in (page.provenance.error or "")
        mode = eng.service.mode()
        assert mode.offline and mode.reason == "network" and mode.since == clock.now()
        assert "cannot reach" in (mode.detail or "") and server.url in (mode.detail or "")
        await assert_pages_from_cache(eng, primed, "network")
        await eng.service.refresh("odds")  # even a forced refresh sends nothing while offline
        assert transport.attempts == 1
        assert cache_snapshot(eng.store) == kept  # nothing cached was lost or changed
        # Every process on the host sees it, through the public function.
        cfg = tmp_path / "oddsmon.toml"
        cfg.write_text(f'[paths]\ndb = "{settings.paths.db}"\n')
        out = subprocess.run([sys.executable, "-c", "import sys, oddsmon; "
                              "print(oddsmon.is_offline_mode(sys.argv[1]))", str(cfg)],
                             capture_output=True, text=True, env=python_env(), timeout=60)
        assert out.stdout.strip() == "True", out.stderr
    finally:
        await eng.aclose()


async def test_02_connect_timeout_socket_never_accepts(
        settings: Settings, clock: FakeClock, sim: Simulator, primed: Primed,
        transport: CountingTransport) -> None:
    hole = BlackHole()
    try:
        if not hole.fill():
            pytest.skip("this kernel answers SYNs beyond the accept queue "
                        f"(tcp_abort_on_overflow={tcp_abort_on_overflow()}): no connect timeout")
        # The fault is what it claims to be: httpx itself reports a connect timeout.
        with pytest.raises(httpx.ConnectTimeout):
            httpx.get(hole.url + "/status", timeout=httpx.Timeout(1.0, connect=0.3))
        eng = build_engine(pointed_at(settings, hole.url, timeout_s=0.5), clock=clock,
                           key=Secret(SECRET), transport=transport)
        try:
            clock.advance(LATER)
            kept = cache_snapshot(eng.store)
            t0 = time.monotonic()
            page = await eng.service.odds()
            waited = time.monotonic() - t0
            # It really waited on a connect timeout (0.5 s), and only once: not one per retry.
            assert waited >= 0.45, waited
            assert transport.attempts == 1
            assert_from_cache(page, primed, clock.now(), "network", stale=True)
            mode = eng.service.mode()
            assert mode.reason == "network" and "ConnectTimeout" in (mode.detail or "")
            # Offline: nothing waits on a timeout any more, as nothing goes to the network.
            await assert_pages_from_cache(eng, primed, "network")
            assert transport.attempts == 1
            # A warm asked for while the network is out sends one /status probe, no more.
            report = await eng.service.warm()
            assert report.counted_calls == 0
            assert transport.attempts == 2 and transport.paths[-1] == "/status"
            assert cache_snapshot(eng.store) == kept
        finally:
            await eng.aclose()
    finally:
        hole.close()


async def test_03_read_timeout_server_stalls_mid_response(
        settings: Settings, clock: FakeClock, sim: Simulator, primed: Primed,
        transport: CountingTransport) -> None:
    with RawHttpServer(stall_mid_body()) as raw:
        eng = build_engine(pointed_at(settings, raw.url, timeout_s=0.3, retries=1), clock=clock,
                           key=Secret(SECRET), transport=transport)
        try:
            clock.advance(LATER)
            kept = cache_snapshot(eng.store)
            asked = clock.now()
            t0 = time.monotonic()
            page = await eng.service.odds()
            waited = time.monotonic() - t0
            # Headers and half the body arrive, then nothing: each attempt ends on the read
            # timeout; one retry after a backoff (on the fake clock), then the outage.
            assert raw.requests == 2 and transport.attempts == 2
            assert waited >= 0.55, waited  # two real read timeouts of 0.3 s
            assert len(clock.slept) == 1 and 0 <= clock.slept[0] <= 0.5  # full jitter
            mode = eng.service.mode()
            assert mode.reason == "network" and "ReadTimeout" in (mode.detail or "")
            # The age is the entry's age when the page was asked for (the backoff came after).
            assert_from_cache(page, primed, asked, "network", stale=True)
            await assert_pages_from_cache(eng, primed, "network")
            assert raw.requests == 2
            assert cache_snapshot(eng.store) == kept  # the half body was never cached
            await assert_probe_fails_cleanly(eng, clock)
            assert raw.requests == 3 and raw.paths[-1].startswith("GET /status")
        finally:
            await eng.aclose()


async def test_04_connection_reset_mid_body(
        settings: Settings, clock: FakeClock, sim: Simulator, primed: Primed,
        transport: CountingTransport) -> None:
    with RawHttpServer(reset_mid_body()) as raw:
        eng = build_engine(pointed_at(settings, raw.url, retries=2), clock=clock,
                           key=Secret(SECRET), transport=transport)
        try:
            clock.advance(LATER)
            kept = cache_snapshot(eng.store)
            asked = clock.now()
            page = await eng.service.odds()
            assert raw.requests == 3  # the first try and two retries, each reset mid-body
            # backoff between them: full jitter under 0.5 s, then under 1 s
            assert len(clock.slept) == 2 and 0 <= clock.slept[0] <= 0.5 and 0 <= clock.slept[1] <= 1.0
            mode = eng.service.mode()
            assert mode.reason == "network"
            assert "ReadError" in (mode.detail or "") or "reset" in (mode.detail or "").lower()
            assert_from_cache(page, primed, asked, "network", stale=True)
            await assert_pages_from_cache(eng, primed, "network")
            assert raw.requests == 3 and transport.attempts == 3
            assert cache_snapshot(eng.store) == kept
            await assert_probe_fails_cleanly(eng, clock)
            assert raw.requests == 4 and raw.paths[-1].startswith("GET /status")
        finally:
            await eng.aclose()


async def test_05_http_500_after_the_retries(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    eng = build_engine(pointed_at(settings, server.url, retries=2), clock=clock,
                       key=Secret(SECRET), transport=transport)
    try:
        clock.advance(LATER)
        # Fewer 500s than retries: absorbed, the page comes live, oddsmon stays online.
        sim.fail_next(2, 500)
        fixtures = await eng.service.fixtures()
        assert fixtures.provenance.source == "live" and not eng.service.mode().offline
        assert sim.stats()["outcomes"]["http5xx"] == 2
        # As many 500s as attempts: after the retries, a network outage.
        kept = cache_snapshot(eng.store)
        counted = sim.stats()["counted_total"]
        sim.fail_next(3, 500)
        asked = clock.now()
        page = await eng.service.odds()
        assert sim.stats()["outcomes"]["http5xx"] == 5  # 2 before + 3 now: first try, 2 retries
        mode = eng.service.mode()
        assert mode.reason == "network" and "HTTP 500" in (mode.detail or "")
        assert_from_cache(page, primed, asked, "network", stale=True)
        assert "HTTP 500" in (page.provenance.error or "")
        attempts = transport.attempts
        for p in (await eng.service.bookmakers(), await eng.service.odds(),
                  await eng.service.market(primed.fixture_id)):
            assert_from_cache(p, primed, clock.now(), "network")
        assert transport.attempts == attempts
        assert sim.stats()["counted_total"] == counted  # a 5xx costs no quota
        assert cache_snapshot(eng.store) == kept
        sim.fail_next(1, 500)  # the API still answers 500, /status too
        await assert_probe_fails_cleanly(eng, clock)
        assert sim.stats()["outcomes"]["http5xx"] == 6
    finally:
        await eng.aclose()


async def test_06_http_502_and_503_with_an_html_body(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    eng = build_engine(pointed_at(settings, server.url, retries=1), clock=clock,
                       key=Secret(SECRET), transport=transport)
    try:
        clock.advance(LATER)
        kept = cache_snapshot(eng.store)
        for status, reason in ((502, "Bad Gateway"), (503, "Service Unavailable")):
            sim.fail_next(2, status, html=True)  # nginx's error page, text/html
            asked = clock.now()
            page = await eng.service.odds()
            mode = eng.service.mode()
            assert mode.reason == "network", (status, mode)
            assert f"HTTP {status} {reason}" in (mode.detail or "")
            assert "<" not in (mode.detail or "") and "<" not in (page.provenance.error or "")
            assert_from_cache(page, primed, asked, "network", stale=True)
            await assert_pages_from_cache(eng, primed, "network")
            assert cache_snapshot(eng.store) == kept  # no HTML in the cache
            sim.fail_next(1, status, html=True)
            await assert_probe_fails_cleanly(eng, clock)
            assert "<" not in (eng.machine.state().detail or "")
            eng.machine.go_online("next round")
        assert sim.stats()["outcomes"]["http5xx"] == 6
    finally:
        await eng.aclose()


async def test_07_truncated_or_garbage_json(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    """A body that is not the API's JSON is an error for that page: the cached page is served
    with the error beside it, nothing is cached, and it is no outage."""
    clock.advance(LATER)
    eng = build_engine(pointed_at(settings, server.url), clock=clock, key=Secret(SECRET),
                       transport=transport)
    try:
        kept = cache_snapshot(eng.store)
        sim.garbage_next(1)  # the simulator's own answer cut at 60 %: truncated JSON
        bookmakers = await eng.service.bookmakers(force=True)
        assert "not valid JSON" in (bookmakers.provenance.error or "")
        assert_from_cache(bookmakers, primed, clock.now(), None)
        assert not eng.service.mode().offline
        assert cache_snapshot(eng.store) == kept
        fresh = await eng.service.bookmakers(force=True)  # the next answer is good again
        assert fresh.provenance.source == "live" and fresh.data == bookmakers.data
        kept = cache_snapshot(eng.store)
    finally:
        await eng.aclose()
    # Other garbage, from a raw server: binary junk, JSON that is not an envelope, HTML with 200.
    bodies = [(b"\x00\xff\xfe garbage \x89PNG", "application/json", "not valid JSON"),
              (b'{"response": [{"id": 1, "name": "cut', "application/json", "not valid JSON"),
              (b'[1, 2, 3]', "application/json", "not an API-Football envelope"),
              (b'{"message": "hello"}', "application/json", "not an API-Football envelope"),
              (b"<html><body>Portal login</body></html>", "text/html", "not valid JSON")]
    for body, ctype, message in bodies:
        with RawHttpServer(respond(200, "OK", body, ctype)) as raw:
            eng = build_engine(pointed_at(settings, raw.url), clock=clock, key=Secret(SECRET))
            try:
                page = await eng.service.odds()
                assert message in (page.provenance.error or ""), (body, page.provenance)
                assert_from_cache(page, primed, clock.now(), None, stale=True)
                assert not eng.service.mode().offline
                # One request per league, none retried: the server answered, badly.
                assert raw.requests == len(settings.watch.leagues)
                assert cache_snapshot(eng.store) == kept
            finally:
                await eng.aclose()


async def test_13_unresolvable_host(settings: Settings, clock: FakeClock, sim: Simulator,
                                    primed: Primed, transport: CountingTransport) -> None:
    # RFC 6761 reserves .invalid: no such name can ever resolve.
    url = "http://v3.football.oddsmon.invalid"
    eng = build_engine(pointed_at(settings, url), clock=clock, key=Secret(SECRET),
                       transport=transport)
    try:
        clock.advance(LATER)
        kept = cache_snapshot(eng.store)
        page = await eng.service.odds()
        assert transport.attempts == 1
        mode = eng.service.mode()
        assert mode.reason == "network"
        assert "cannot reach" in (mode.detail or "") and "oddsmon.invalid" in (mode.detail or "")
        assert_from_cache(page, primed, clock.now(), "network", stale=True)
        await assert_pages_from_cache(eng, primed, "network")
        await eng.service.warm()  # a warm while the network is out: at most one probe
        assert transport.attempts == 2 and transport.paths[-1] == "/status"
        assert cache_snapshot(eng.store) == kept
    finally:
        await eng.aclose()


async def test_15_network_returns_probe_resumes_with_backoff(
        settings: Settings, clock: FakeClock, sim: Simulator, server: LoopbackServer,
        primed: Primed, transport: CountingTransport) -> None:
    eng = build_engine(pointed_at(settings, server.url), clock=clock, key=Secret(SECRET),
                       transport=transport)
    sup = settings.supervision
    try:
        clock.advance(LATER)
        server.stop()
        await eng.service.odds()
        assert eng.service.mode().reason == "network" and transport.attempts == 1
        counted = sim.stats()["counted_total"]
        due = eng.machine.state().next_probe_at
        assert due is not None and (due - clock.now()).total_seconds() == sup.probe_min_s
        gaps = []
        for failures in range(1, 9):
            # Just before the probe is due: supervising (every second in a TUI) sends nothing.
            clock.set(due - (due - clock.now()) / 2)
            assert await eng.service.supervise() is None
            await eng.service.dashboard()
            attempts = transport.attempts
            clock.set(due)
            assert await eng.service.supervise() is None  # the probe fails: still offline
            assert transport.attempts == attempts + 1 and transport.paths[-1] == "/status"
            state = eng.machine.state()
            assert state.offline and state.probe_failures == failures
            assert state.last_probe_ok is False and state.next_probe_at is not None
            gaps.append((state.next_probe_at - clock.now()).total_seconds())
            due = state.next_probe_at
        # Full jitter under a cap doubling from 5 s to probe_max_s (300 s), never below 5 s.
        caps = [min(sup.probe_max_s, sup.probe_min_s * 2 ** f) for f in range(1, 9)]
        assert all(sup.probe_min_s <= g <= cap for g, cap in zip(gaps, caps, strict=False)), gaps
        assert caps[-1] == sup.probe_max_s and gaps != caps
        assert sim.stats()["counted_total"] == counted  # nothing counted while offline
        await assert_pages_from_cache(eng, primed, "network")
        server.start()  # the network returns
        clock.set(due)
        report = await eng.service.supervise()
        mode = eng.service.mode()
        assert not mode.offline and mode.detail == "network probe succeeded"
        assert report is not None and report.stopped is None and report.counted_calls > 0
        odds = await eng.service.odds()
        assert odds.provenance.source == "cache" and not odds.provenance.stale  # rebuilt
        assert odds.provenance.fetched_at == clock.now()
        assert sim.stats()["status_calls"] == 1  # the failed probes never reached the server
    finally:
        await eng.aclose()
