"""A key or account the provider refuses, against the simulator on a real loopback socket: an
outage of its own (``key``), decided from what the provider answers, shared by every process,
sending nothing while it holds but its probes (with backoff), pages served from the cache with
their age, CRITICAL in a plain ``--check``, and over by itself when a free /status probe
succeeds."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from oddsmon import log as oddsmon_log
from oddsmon.clock import FakeClock
from oddsmon.commands import check
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.offline import OfflineMachine
from oddsmon.sim import LoopbackServer, SimConfig, Simulator
from oddsmon.store import Store
from oddsmon.supervision.common import secret_of
from oddsmon.supervision.metrics import collect
from oddsmon.tui.sidebar import mode_lines

from ..clocks import planned
from ..conftest import SECRET
from ..loopback import CountingTransport, pointed_at

# (gateway, account, the direct API's refusal status, what the page's error says)
REFUSALS = [
    ("apisports", "rejected", None, "API key rejected by the provider: Error/Missing application key"),
    ("apisports", "suspended", None, "account refused by the provider: Your account is suspended"),
    ("apisports", "rejected", 401, "API key rejected (HTTP 401)"),
    ("apisports", "suspended", 403, "API key rejected (HTTP 403)"),
    ("rapidapi", "rejected", None, "API key rejected (HTTP 401) by http://127.0.0.1"),
    ("rapidapi", "suspended", None, "You are not subscribed to this API."),
]


@pytest.fixture
def refusing(clock: FakeClock, request: pytest.FixtureRequest) -> Iterator[tuple[Simulator, str]]:
    gateway = request.param
    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=100, per_minute=300, full_markets=False,
                              gateway=gateway), clock=clock)
    with LoopbackServer(sim) as srv:
        yield sim, srv.url + ("/v3" if gateway == "rapidapi" else "")


def engine_on(settings: Settings, url: str, gateway: str, clock: FakeClock,
              transport: CountingTransport | None = None) -> Engine:
    live = pointed_at(settings, url, auth=gateway)
    return build_engine(live, clock=clock, key=Secret(SECRET), transport=transport)


@pytest.mark.parametrize(("refusing", "account", "status", "says"), REFUSALS, indirect=["refusing"],
                         ids=[f"{g}-{a}-{s or 200}" for g, a, s, _ in REFUSALS])
async def test_a_refused_key_is_an_outage_of_its_own_until_a_probe_succeeds(
        refusing: tuple[Simulator, str], account: str, status: int | None, says: str,
        settings: Settings, clock: FakeClock) -> None:
    sim, url = refusing
    gateway = sim.config.gateway
    transport = CountingTransport()
    eng = engine_on(settings, url, gateway, clock, transport)
    other = OfflineMachine(Store.open(settings.paths.db), clock, settings.supervision)  # another process
    try:
        cached = await eng.service.bookmakers()
        assert cached.provenance.source == "live"
        clock.advance(2 * 86400)  # the bookmakers list is stale now
        sim.control({"account": account, "refusal_status": status})
        page = await eng.service.bookmakers()
        # Served from the cache with its age, and why it was not refreshed.
        assert page.data == cached.data and page.provenance.source == "cache"
        assert page.provenance.age_s == 2 * 86400 and page.provenance.offline_reason == "key"
        assert says in (page.provenance.error or "") and SECRET not in (page.provenance.error or "")
        mode = eng.service.mode()
        assert (mode.offline, mode.reason) == (True, "key") and other.gate() == "key"
        # --check without --probe: CRITICAL, exit 2.
        assert check.run(pointed_at(settings, url, auth=gateway), clock=clock) == 2
        snap = collect(eng.store, eng.settings, clock)
        assert snap.status.label == "CRITICAL" and "offline (key)" in snap.status.summary
        assert "resumes on probe" in "\n".join(mode_lines(snap, settings.watch.tz, clock.now(), "o"))
        # Nothing leaves the process while it holds: pages, warms, the collector's cycle.
        sent = transport.attempts
        for _ in range(3):
            await eng.service.fixtures()
            await eng.service.odds(force=True)
        assert transport.attempts == sent
        probe_path = ("/v3" if gateway == "rapidapi" else "") + "/status"
        report = await eng.service.warm()  # a person's warm: one free probe first, refused
        assert report.stopped is not None and "offline (key)" in report.stopped
        assert transport.paths[sent:] == [probe_path] and report.counted_calls == 0
        # Free probes with backoff: none before it is due, one failing, the next one later.
        state = eng.machine.state()
        assert state.probe_failures == 1 and planned(state.next_probe_at) > clock.now()
        assert await eng.service.supervise() is None and transport.attempts == sent + 1
        clock.set(planned(state.next_probe_at))
        assert await eng.service.supervise() is None
        assert transport.paths[sent:] == [probe_path, probe_path]
        wait = planned(eng.machine.state().next_probe_at) - clock.now()
        sup = settings.supervision
        assert eng.machine.state().probe_failures == 2
        assert timedelta(seconds=sup.probe_min_s) <= wait <= timedelta(seconds=4 * sup.probe_min_s)
        state = eng.machine.state()
        # The key is fixed (rotated, subscription renewed): the next probe ends it.
        sim.control({"account": "active", "refusal_status": None})
        clock.set(planned(state.next_probe_at))
        resumed = await eng.service.supervise()
        assert not eng.service.mode().offline and other.gate() is None
        assert resumed is not None and resumed.stopped is None and resumed.counted_calls > 0  # cache rebuilt
        incident = eng.store.incidents.recent(1)[0]
        assert incident.reason == "key" and not incident.open
        assert check.run(pointed_at(settings, url, auth=gateway), clock=clock) == 0
    finally:
        other.store.close()
        await eng.aclose()


async def test_network_and_quota_probes_that_meet_a_refused_key_turn_into_the_key_outage(
        loopback_engine: Engine, server: LoopbackServer, sim: Simulator, clock: FakeClock) -> None:
    await loopback_engine.service.bookmakers()
    server.stop()
    await loopback_engine.service.fixtures()
    assert loopback_engine.service.mode().reason == "network"
    server.start()
    sim.account = "suspended"  # the network is back, the account is not
    clock.set(planned(loopback_engine.machine.state().next_probe_at))
    await loopback_engine.service.supervise()
    mode = loopback_engine.service.mode()
    assert mode.reason == "key" and "Your account is suspended" in (mode.detail or "")
    loopback_engine.service.set_online("by hand")
    sim.account = "active"
    sim.exhaust_quota()
    await loopback_engine.service.odds(force=True)
    assert loopback_engine.service.mode().reason == "quota"
    sim.reject_key = True
    clock.set(planned(loopback_engine.service.mode().resume_at))
    await loopback_engine.service.supervise()  # the quota's /status probe is refused
    assert loopback_engine.service.mode().reason == "key"


def test_check_probe_records_a_refused_key_for_the_next_plain_check(
        live_settings: Settings, sim: Simulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    Store.open(live_settings.paths.db).close()  # the store exists, online
    assert check.run(live_settings, clock=clock) == 0
    sim.reject_key = True
    monkeypatch.setenv(live_settings.api.key_env, SECRET)
    assert check.run(live_settings, probe=True, clock=clock) == 2
    capsys.readouterr()
    # The complaint: "the next plain --check is OK again". Not any more.
    assert check.run(live_settings, clock=clock) == 2
    assert "ODDSMON CRITICAL - offline (key)" in capsys.readouterr().out
    sim.reject_key = False
    assert check.run(live_settings, probe=True, clock=clock) == 0
    assert "key outage over" in capsys.readouterr().out


class KeyRecorder(CountingTransport):
    """The loopback transport, noting the key each request carried."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("x-apisports-key", ""))
        return await super().handle_async_request(request)


async def test_a_key_rotated_in_its_file_ends_the_outage_at_the_next_probe_without_a_restart(
        live_settings: Settings, sim: Simulator, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(live_settings.api.key_env, raising=False)
    key_file = tmp_path / "apisports.key"
    key_file.write_text("OLD-key-revoked\n")
    key_file.chmod(0o600)
    settings = replace(live_settings, api=replace(live_settings.api, key_file=key_file))
    transport = KeyRecorder()
    eng = build_engine(settings, clock=clock, transport=transport)  # the key from the settings
    # The log is set up with the key of the start, as the TUI does.
    log_file = oddsmon_log.setup(secret_of(settings), tmp_path / "state" / "oddsmon.log")
    try:
        sim.reject_key = True
        await eng.service.bookmakers()
        assert eng.service.mode().reason == "key"
        # The operator writes the new key to the file (the runbook's step); the provider takes it.
        key_file.write_text("NEW-key-2026\n")
        sim.reject_key = False
        clock.set(planned(eng.machine.state().next_probe_at))
        await eng.service.supervise(warm_on_resume=False)
        assert not eng.service.mode().offline
        assert transport.keys[-1] == "NEW-key-2026" and transport.paths[-1] == "/status"
        page = await eng.service.bookmakers(force=True)
        assert page.provenance.source == "live" and transport.keys[-1] == "NEW-key-2026"
        # A message quoting either key after the rotation (a provider echoing a header, a
        # traceback) leaves no key in the log, though the log was set up with the old one.
        logging.getLogger("oddsmon").error("provider said: bad key NEW-key-2026 (was OLD-key-revoked)")
        text = log_file.read_text(encoding="utf-8")
        assert "provider said: bad key ******** (was ********)" in text
        assert "NEW-key" not in text and "OLD-key" not in text
    finally:
        oddsmon_log.close()
        await eng.aclose()
