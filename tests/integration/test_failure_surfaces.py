"""Every provider failure x every surface, against the simulator on a real loopback socket.

Each failure is driven the way it happens: the simulator (or its socket) fails, the collector's
cycle meets it, a screen reads a page; then every surface is read as a person would read it
(the sidebar and the page's notice, the Supervision screen, ``--check``, ``--export``, the
journal, the webhook, the collector's line), and what each says is asserted. Then the failure
is fixed and the clock jumped: it must end by itself. ``FAILURES`` is also the table in
docs/hostile.md ("Each failure, each surface"): ``test_the_table_in_hostile_md_is_this_test``
renders it and compares, so the table and the test cannot drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.commands import check
from oddsmon.config import AlertSettings, Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.engine.service import Provenance
from oddsmon.providers import BookmakersRequest
from oddsmon.sim import LoopbackServer, SimConfig, Simulator
from oddsmon.supervision.export import to_dict, to_prometheus
from oddsmon.supervision.metrics import collect
from oddsmon.tui.sidebar import mode_lines
from oddsmon.tui.supervision import probe_text, quota_text, state_text

from ..conftest import SECRET
from ..loopback import CountingTransport, pointed_at
from ..webhook import Receiver

HOSTILE_MD = Path(__file__).resolve().parents[2] / "docs" / "hostile.md"
SURFACES = ("sidebar", "Supervision", "--check", "--export", "journal", "webhook", "collector", "ends")
HEADERS = {
    "sidebar": "sidebar and the page's notice",
    "Supervision": "Supervision",
    "--check": "`--check`",
    "--export": "`--export` (JSON, Prometheus)",
    "journal": "journal",
    "webhook": "webhook",
    "collector": "collector's line",
    "ends": "ends by itself when",
}


@dataclass(frozen=True)
class Failure:
    name: str  # the table's row
    inject: Callable[[Simulator, LoopbackServer], None]
    fix: Callable[[Simulator, LoopbackServer], None]
    # Surface -> the words it must show (each one asserted, each one a cell of the table).
    cells: dict[str, str]
    api: dict[str, Any] | None = None  # api settings for this failure (a short read timeout)


def _control(**controls: Any) -> Callable[[Simulator, LoopbackServer], None]:
    def inject(sim: Simulator, _server: LoopbackServer) -> None:
        sim.control(controls)

    return inject


def _stop(_sim: Simulator, server: LoopbackServer) -> None:
    server.stop()


def _start(_sim: Simulator, server: LoopbackServer) -> None:
    server.start()


def _refill(sim: Simulator, _server: LoopbackServer) -> None:
    sim.control({"set_quota": {"used": 0}})


KEY_CELLS = {
    "Supervision": "To do    rotate the key",
    "--check": "exit 2: ODDSMON CRITICAL - offline (key)",
    "--export": 'reason "key"; oddsmon_offline{reason="key"} 1',
    "journal": "reason `key` (API key or account refused by the provider: rotate the key",
    "webhook": "critical: CRITICAL: oddsmon is OFFLINE (key)",
    "collector": "offline (key) since",
    "ends": "a /status probe is answered (key rotated, subscription renewed)",
}

NETWORK_CELLS = {
    "sidebar": "reason  network; resumes on probe",
    "Supervision": "when a /status probe succeeds",
    "--check": "exit 2: ODDSMON CRITICAL - offline (network)",
    "--export": 'reason "network"; oddsmon_offline{reason="network"} 1',
    "journal": "reason `network` (network error)",
    "webhook": "critical: CRITICAL: oddsmon is OFFLINE (network)",
    "collector": "offline (network) since",
    "ends": "a /status probe is answered",
}

FAILURES = [
    Failure("network cut (connection refused)", _stop, _start, NETWORK_CELLS),
    Failure("timeout (no answer within api.timeout_s, retried)", _control(stall_s=5.0), _control(stall_s=0.0),
            {**NETWORK_CELLS, "collector": "ReadTimeout"}, api={"timeout_s": 0.5}),
    Failure("HTTP 5xx after the retries", _control(fail_next=1000, status=503), _control(fail_next=0),
            {**NETWORK_CELLS, "Supervision": "HTTP 503 Service Unavailable"}),
    Failure("daily quota spent (errors.requests)", _control(exhaust_quota=True), _refill, {
        "sidebar": "reason  quota; resumes",
        "Supervision": "OFFLINE (quota)",
        "--check": "exit 1: ODDSMON WARNING - offline (quota)",
        "--export": 'reason "quota"; oddsmon_offline{reason="quota"} 1',
        "journal": "reason `quota` (API quota reached)",
        "webhook": "warning: WARNING: oddsmon is OFFLINE (quota)",
        "collector": "offline (quota) since",
        "ends": "/status shows quota again",
    }),
    Failure("refused key (errors.token)", _control(account="rejected"), _control(account="active"), {
        "sidebar": "reason  key; resumes on probe",
        **KEY_CELLS,
        "collector": "Error/Missing application key",
    }),
    Failure("refused key (HTTP 401)", _control(account="rejected", refusal_status=401),
            _control(account="active", refusal_status=None), {
        "sidebar": "reason  key; resumes on probe",
        **KEY_CELLS,
        "collector": "API key rejected (HTTP 401)",
    }),
    Failure("suspended account (errors.access)", _control(account="suspended"), _control(account="active"), {
        "sidebar": "reason  key; resumes on probe",
        **KEY_CELLS,
        "collector": "Your account is suspended",
    }),
    Failure("subscription expired (/status: subscription.active false)", _control(account="expired"),
            _control(account="active"), {
        "sidebar": "reason  key; resumes on probe",
        **KEY_CELLS,
        "Supervision": "subscription not active",
        "collector": "subscription not active",
    }),
    Failure("errors as a list (HTTP 200)", _control(errors_list_next=1000), _control(errors_list_next=0), {
        "sidebar": "ONLINE; error: API error: 0: The request could not be handled.",
        "Supervision": "Status   OK",
        "--check": "exit 0: ODDSMON OK - online",
        "--export": 'reason null; oddsmon_offline{reason="key"} 0',
        "journal": "no incident",
        "webhook": "nothing posted",
        "collector": "8 not fetched: fixtures 39: API error: 0: The request could not be handled.",
        "ends": "nothing kept: the next read asks again",
    }),
    Failure("rate limit (HTTP 429, retried)", _control(http429_next=1000), _control(http429_next=0), {
        "sidebar": "ONLINE; error: /odds/bookmakers: HTTP 429 Too Many Requests",
        "Supervision": "Status   OK",
        "--check": "exit 0: ODDSMON OK - online",
        "--export": 'reason null; oddsmon_offline{reason="network"} 0',
        "journal": "no incident",
        "webhook": "nothing posted",
        "collector": "still rate limited after 4 attempt(s)",
        "ends": "nothing kept: the next read asks again",
    }),
    Failure("X-RateLimit-Limit: 0 (nonsense header)", _control(zero_rate_limit=True), _control(zero_rate_limit=False), {
        "sidebar": "ONLINE; fetched",
        "Supervision": "note: ",
        "--check": "X-RateLimit-Limit: 0 ignored",
        "--export": 'reason null; oddsmon_offline{reason="quota"} 0',
        "journal": "no incident",
        "webhook": "nothing posted",
        "collector": "counted call(s)",
        "ends": "never paused: paced on api.per_minute",
    }),
]


def _markdown_table() -> str:
    def cell(text: str) -> str:
        return "`" + text.replace("`", "'").replace("|", "\\|") + "`"

    lines = ["| failure | " + " | ".join(HEADERS[s] for s in SURFACES) + " |",
             "| --- " * (len(SURFACES) + 1) + "|"]
    for f in FAILURES:
        lines.append(f"| {f.name} | " + " | ".join(cell(f.cells[s]) for s in SURFACES) + " |")
    return "\n".join(lines)


def test_the_table_in_hostile_md_is_this_test() -> None:
    assert all(set(f.cells) == set(SURFACES) for f in FAILURES)
    table = _markdown_table()
    assert table in HOSTILE_MD.read_text(encoding="utf-8"), \
        f"docs/hostile.md's failure x surface table is not this test's; it should read:\n{table}"


def _alerts(url: str) -> AlertSettings:
    return AlertSettings(webhook_url=url, min_interval_s=0.0)


async def _deliver(eng: Engine) -> None:
    """What the webhook's own task does at its next turn: post what the cycles enqueued."""
    deliverer = eng.service.alerting.deliverer
    assert deliverer is not None
    await deliverer.deliver_due()


def _modes(receiver: Receiver) -> list[dict[str, Any]]:
    return [a for a in receiver.alerts() if a["kind"] in ("offline", "online")]


async def _screen_reads(settings: Settings, clock: FakeClock) -> Provenance:
    """A screen asking for a page in another process (the TUI beside the collector): where
    its answer came from, and what went wrong (its notice)."""
    screen = build_engine(settings, clock=clock, key=Secret(SECRET), transport=CountingTransport())
    try:
        return (await screen.service.bookmakers(force=True)).provenance
    finally:
        await screen.aclose()


async def _observe(eng: Engine, settings: Settings, clock: FakeClock, receiver: Receiver,
                   collector_line: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """What each surface shows now, as text."""
    svc = eng.service
    await _deliver(eng)
    prov = await _screen_reads(settings, clock)
    snap = collect(eng.store, eng.settings, clock)
    tz, now = settings.watch.tz, clock.now()
    notice = (f"OFFLINE ({prov.offline_reason}) served from the {prov.source}" if prov.offline_reason
              else f"ONLINE; error: {prov.error}" if prov.error
              else f"ONLINE; {'fetched' if prov.source == 'live' else 'from the ' + prov.source}")
    svc.sync_journal()
    journal = settings.paths.incidents.read_text(encoding="utf-8") if settings.paths.incidents.exists() else ""
    capsys.readouterr()
    rc = check.run(settings, clock=clock)
    out = capsys.readouterr().out
    mode = to_dict(snap)["mode"]
    prom = [line for line in to_prometheus(snap).splitlines() if line.startswith("oddsmon_offline{")]
    posted = [f"{a['severity']}: {a['text']}" for a in _modes(receiver)]
    assert SECRET not in out + journal + json.dumps(receiver.alerts()) + collector_line
    return {
        "sidebar": "; ".join(mode_lines(snap, tz, now, "f")) + "\n" + notice,
        "Supervision": "\n".join((state_text(snap, tz, now), quota_text(snap, tz, now), probe_text(snap, tz, now))),
        "--check": f"exit {rc}: {out}",
        "--export": f"reason {json.dumps(mode['reason'])}; " + "; ".join(prom),
        "journal": journal if "## Incident" in journal else "no incident",
        "webhook": "\n".join(posted) or "nothing posted",
        "collector": collector_line,
    }


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    # A plan large enough that the calls of three cycles leave --check above its warning.
    return Simulator(SimConfig(leagues=(39, 61), daily_limit=1000, per_minute=300, full_markets=False),
                     clock=clock)


@pytest.mark.parametrize("failure", FAILURES, ids=[f.name.split(" (")[0].replace(" ", "-") for f in FAILURES])
async def test_each_failure_on_every_surface(failure: Failure, settings: Settings, sim: Simulator,
                                             server: LoopbackServer, clock: FakeClock,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with Receiver() as receiver:
        live = pointed_at(replace(settings, alerts=_alerts(receiver.url)), server.url, **(failure.api or {}))
        transport = CountingTransport()
        eng = build_engine(live, clock=clock, key=Secret(SECRET), transport=transport)
        try:
            collector = Collector(eng.service)
            healthy = await collector.cycle()  # everything due is fetched: a cache to serve
            assert healthy.offline is None and healthy.calls > 0
            clock.advance(2 * 86400)  # all of it stale now
            failure.inject(sim, server)
            start, slept = clock.now(), len(clock.slept)
            meeting = await collector.cycle()  # meets the failure
            met = len(transport.paths)
            outage = eng.service.mode()
            if outage.offline:  # said as the outage it is, never "nothing due"
                assert f"offline ({outage.reason})" in meeting.summary(), meeting.summary()
            if outage.offline:  # the next probe slot: the probe fails too, the outage holds
                clock.set(outage.next_probe_at or outage.resume_at or clock.now())
            report = await collector.cycle()
            if outage.offline:
                # Backing off: nothing but one free probe a slot, however often it cycles.
                assert transport.paths[met:] == [eng.service.provider.status_name], transport.paths[met:]
                assert eng.service.mode().reason == outage.reason
            seen = await _observe(eng, live, clock, receiver, report.summary(), capsys)
            # Each cell: the words that surface shows.
            for surface, words in failure.cells.items():
                if surface == "ends":
                    continue
                for part in words.split("; "):
                    assert part in seen[surface], f"{surface}: {part!r} not in:\n{seen[surface]}"
            if not outage.offline:
                # Not an outage, and never stored as the page: the copy kept is the one from
                # before the failure (or a fresh one when the failure let it through).
                entry = eng.store.cache.get(BookmakersRequest().key)
                assert entry is not None
                assert (entry.fetched_at >= start) == ("fetched" in failure.cells["sidebar"])
                if failure.cells["ends"].startswith("never paused"):
                    assert max(clock.slept[slept:], default=0) < 60  # no minute-long pause
            # Fixed: it ends by itself at the next probe or read, every surface saying so.
            failure.fix(sim, server)
            if outage.offline:
                state = eng.machine.state()
                clock.set(max(clock.now(), state.next_probe_at or clock.now()))
                back = await collector.cycle()
                assert not eng.service.mode().offline, eng.service.mode()
                assert back.offline is None
                eng.service.sync_journal()
                assert "**Back online**" in live.paths.incidents.read_text(encoding="utf-8")
                await _deliver(eng)
                assert [a["severity"] for a in _modes(receiver)] == [seen["webhook"].split(":")[0], "ok"]
                capsys.readouterr()
                assert check.run(live, clock=clock) == 0, capsys.readouterr().out
            else:
                again = await _screen_reads(live, clock)
                assert again.error is None and again.source == "live"
        finally:
            await eng.aclose()


def test_cells_name_real_text() -> None:
    """A cell is words a surface shows, not a placeholder."""
    for f in FAILURES:
        for surface, words in f.cells.items():
            assert words and not re.fullmatch(r"[-?. ]*", words), (f.name, surface)
