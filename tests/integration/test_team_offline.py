"""One offline mode for a team: two engines with separate state folders (two hosts) on one
PostgreSQL database (tests/postgres.py). A host going offline for the team reaches the other's
sidebar by LISTEN/NOTIFY within a second, and ``--check`` on either says the same; a network cut
seen by one analyst's host alone is that host's own condition, and the screens say which; and
two hosts warming at once share one quota."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from oddsmon.clock import FakeClock
from oddsmon.commands import check
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.sim import LoopbackServer, Simulator
from tests.conftest import SECRET
from tests.loopback import pointed_at

OK, WARNING, CRITICAL = 0, 1, 2


def _host(settings: Settings, tmp_path: Path, name: str, pg_url: str) -> Settings:
    """A host's settings: its own state folder, the team's database."""
    folder = tmp_path / name
    return replace(settings.with_paths(db=folder / "oddsmon.db", metrics=folder / "metrics.json",
                                       incidents=folder / "incidents.md"),
                   store=replace(settings.store, url=pg_url))


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("network unreachable", request=request)


@pytest.fixture
def hosts(settings: Settings, tmp_path: Path, pg_url: str, clock: FakeClock) -> Iterator[tuple[Engine, Engine]]:
    engines = [build_engine(_host(settings, tmp_path, name, pg_url), clock=clock, key=Secret(SECRET),
                            transport=httpx.MockTransport(_unreachable), warn=False)
               for name in ("analyst", "server")]
    yield engines[0], engines[1]
    for engine in engines:
        asyncio.run(engine.aclose())


def _check(engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = check.run(engine.settings, clock=clock)
    return code, capsys.readouterr().out


def _heard_by(engine: Engine) -> tuple[threading.Event, list[float]]:
    """When ``engine``'s team watch fired (time.monotonic()), as a sidebar's redraw would."""
    heard, at = threading.Event(), []

    def on_change() -> None:
        at.append(time.monotonic())
        heard.set()
    assert engine.watch_team(on_change)
    return heard, at


def test_a_manual_offline_on_one_host_reaches_the_others_sidebar_within_a_second(
        hosts: tuple[Engine, Engine], clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    analyst, server = hosts
    heard, at = _heard_by(server)
    sent = time.monotonic()
    assert analyst.machine.go_offline("user", "maintenance")
    assert heard.wait(10), "the other host never heard of it"
    seconds = at[0] - sent
    with capsys.disabled():  # the figure, for the team's notes
        print(f"\nteam offline reached the other host in {seconds:.3f} s")
    assert seconds < 1.0
    seen = server.service.mode()
    assert (seen.offline, seen.reason, seen.scope) == (True, "user", "team")

    for engine in (analyst, server):  # --check on any host says the same
        code, out = _check(engine, clock, capsys)
        assert code == WARNING and "OFFLINE (user, every host)" in out, out

    heard.clear()
    assert server.machine.go_online("done")
    assert heard.wait(10) and not analyst.service.mode().offline


def test_a_network_cut_one_analyst_sees_alone_is_that_hosts_own(
        hosts: tuple[Engine, Engine], clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    analyst, server = hosts
    assert analyst.machine.go_offline("network", "connect timeout")
    own = analyst.service.mode()
    assert (own.offline, own.reason, own.scope) == (True, "network", "host")
    assert analyst.machine.gate() == "network"  # this host sends nothing
    assert not server.service.mode().offline and server.machine.gate() is None

    code, out = _check(analyst, clock, capsys)
    assert code == CRITICAL and "OFFLINE (network, this host only)" in out, out
    code, out = _check(server, clock, capsys)
    assert code == OK and "ONLINE" in out, out

    # Its probe, once due, ends its own outage; the team's state was never touched.
    clock.advance(analyst.settings.supervision.probe_max_s + 1)
    assert analyst.machine.claim_probe()
    assert analyst.machine.probe_result(True)
    assert not analyst.service.mode().offline
    assert server.store.state.transitions() == []


def test_a_network_cut_the_teams_collector_sees_is_every_hosts(
        hosts: tuple[Engine, Engine], clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    analyst, server = hosts
    server.machine.team_network = True  # what --collect sets: it speaks for the team
    heard, _ = _heard_by(analyst)
    assert server.machine.go_offline("network", "connect timeout")
    assert heard.wait(10)
    seen = analyst.service.mode()
    assert (seen.offline, seen.reason, seen.scope) == (True, "network", "team")
    code, out = _check(analyst, clock, capsys)
    assert code == CRITICAL and "OFFLINE (network, every host)" in out, out


# -- one quota ---------------------------------------------------------------------------------


async def test_two_hosts_warming_at_once_never_spend_past_the_reserve(
        settings: Settings, tmp_path: Path, pg_url: str, clock: FakeClock, sim: Simulator,
        server: LoopbackServer) -> None:
    sim.set_quota(limit=100, used=80)  # 20 calls left today; the reserve keeps 5 of them
    engines = [build_engine(pointed_at(_host(settings, tmp_path, name, pg_url), server.url), clock=clock,
                            key=Secret(SECRET), warn=False) for name in ("analyst", "server")]
    try:
        await engines[0].service.refresh_quota()  # the free /status: one ledger knows the 20
        reports = await asyncio.gather(*(engine.service.warm(force=True) for engine in engines))
    finally:
        for engine in engines:
            await engine.aclose()
    spent = sim.stats()["counted_total"]
    print(f"\ntwo hosts warming at once: {spent} calls spent of 20 left (reserve 5); "
          f"each host's report: {[r.counted_calls for r in reports]}")
    assert 0 < spent <= 20 - settings.api.daily_reserve
    assert sum(r.counted_calls for r in reports) == spent


# -- the server away ---------------------------------------------------------------------------


def test_a_note_written_while_the_server_is_away_is_queued_and_recorded_once_when_back(
        hosts: tuple[Engine, Engine], tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    from oddsmon.commands import note
    from oddsmon.store import Store

    analyst, _ = hosts
    assert analyst.machine.go_offline("user", "maintenance")  # an open incident
    nowhere = tmp_path / "no-server"
    nowhere.mkdir()
    away = replace(analyst.settings, store=replace(analyst.settings.store,
                                                   url=f"postgresql://postgres@/oddsmon?host={nowhere}"))
    written = clock.now()
    capsys.readouterr()
    assert note.run(away, "called the provider", clock=clock) == 0
    out = capsys.readouterr().out
    assert out.startswith("team store unreachable: note queued on this host"), out
    clock.advance(600)

    for _ in range(2):  # the server back: the next oddsmon on this host sends it, once
        Store.open(analyst.settings).close()
    incident = analyst.store.incidents.current()
    assert incident is not None
    notes = [a for a in incident.actions if a.kind == "note"]
    assert [(a.at, a.text.endswith(": called the provider")) for a in notes] == [(written, True)]
    # Killed between the server's commit and the queue's delete: sent again, not doubled.
    host = Store.open(analyst.settings.paths.db)
    host.journal.queue_note(written, notes[0].text)
    host.close()
    Store.open(analyst.settings).close()
    again = analyst.store.incidents.current()
    assert again is not None and [a.text for a in again.actions if a.kind == "note"] == [notes[0].text]
    with capsys.disabled():
        print(f"\nnote written while the server was away: recorded once at {notes[0].at.isoformat()} "
              f"on incident #{incident.id}")
