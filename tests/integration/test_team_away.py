"""When a team's PostgreSQL server is away: a real server of the test's own (tests/postgres.py),
crashed under a running engine and started again. The host serves the pages it last showed
from its own copy and says so, queues the picks written meanwhile and sends each once when the
server is back, which it notices by itself (pins and filters too); and each headless command does what docs/team.md
says; and a collector killed with SIGKILL is taken over by a standby on another host."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oddsmon.clock import FakeClock
from oddsmon.commands import check, collect, export, warm
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.offline import OfflineMachine
from oddsmon.sim import LoopbackServer, SimConfig, SimTransport, Simulator
from oddsmon.store import NewPick, Store, StoreUnreachable
from tests.conftest import SECRET
from tests.postgres import PgServer, find_bindir

from .test_headless_e2e import Cli

UNKNOWN = 3


@pytest.fixture
def own_server() -> Iterator[PgServer]:
    """A server of this test's own: the session's is shared, and this one is crashed."""
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL tests need the server binaries (Debian: apt-get install postgresql)",
                    pytrace=False)
    server = PgServer(bindir).start()
    yield server
    server.stop()


def _host(settings: Settings, tmp_path: Path, url: str) -> Settings:
    folder = tmp_path / "analyst"
    return replace(settings.with_paths(db=folder / "oddsmon.db", metrics=folder / "metrics.json",
                                       incidents=folder / "incidents.md"),
                   store=replace(settings.store, url=url))


def _engine(settings: Settings, clock: FakeClock) -> Engine:
    sim = Simulator(SimConfig(leagues=(39, 61), season=2026, daily_limit=10_000, per_minute=10_000,
                              full_markets=False), clock=clock)
    return build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim),
                        warn=False, copy=True)


async def _shown(engine: Engine) -> dict[str, object]:
    """What the Dashboard, Predictions, Bookmakers and Odds screens show, and how it was served."""
    service = engine.service
    dash = await service.dashboard()
    preds = await service.predictions()
    books = await service.bookmakers_summary()
    assert dash.data is not None and preds.data is not None and books.data is not None
    fixture = next(iter(dash.data.headlines))
    market = await service.market(fixture)
    assert market.data is not None
    return {
        "dashboard": ([f.id for f in dash.data.fixtures], {k: h.best for k, h in dash.data.headlines.items()}),
        "predictions": sorted(preds.data),
        "bookmakers": [(r.bookmaker.name, r.fixtures, r.markets) for r in books.data.rows],
        "odds": (fixture, [(o.label, o.best) for o in market.data.outcomes]),
        "errors": [p.provenance.error for p in (dash, preds, books, market)],
    }


def _pick(fixture_id: int) -> NewPick:
    return NewPick(fixture_id, None, "Home v Away", "Premier League", 1, "", "Home", "Home", 8, "Bet365",
                   2.1, 10.0)


def _queued(db: Path) -> list[tuple[object, ...]]:
    own = Store.open(db)
    try:
        return [tuple(r) for r in own.db.query("SELECT key, value FROM meta WHERE key LIKE 'queued.desk.%'")]
    finally:
        own.close()


async def test_a_host_serves_its_copy_while_the_server_is_away_queues_picks_and_comes_back_by_itself(
        settings: Settings, tmp_path: Path, clock: FakeClock, own_server: PgServer) -> None:
    from oddsmon.tui.sidebar import mode_lines

    url = own_server.database()
    host = _host(settings, tmp_path, url)
    # Another analyst's pick: this host's copy holds it, so the host's own numbers follow it.
    other = Store.open(url, author="bob@desk")
    other.picks.add(_pick(1), clock.now())
    other.close()
    engine = _engine(host, clock)
    try:
        before = await _shown(engine)
        # What the TUI's client does after each page it shows: the first copy, then not before a minute.
        assert (engine.service.keep_copy() or 0) > 1000
        assert engine.service.keep_copy() is None
        copied_at = clock.now()
        assert engine.store.away is None
        own_server.crash()
        clock.advance(3 * 3600)  # every page expired: online, each would be fetched again
        during = await _shown(engine)
    finally:
        await engine.aclose()
    # The same pages, from this host's copy, each saying why they are not refreshed.
    assert {k: v for k, v in during.items() if k != "errors"} == {k: v for k, v in before.items() if k != "errors"}
    for error in during["errors"]:  # type: ignore[attr-defined]
        assert error is not None and "team store unreachable: this host's copy from 2026-11-24 09:00 UTC" in error

    # A TUI started while the server is away starts on the copy, and says so in the sidebar.
    engine = _engine(host, clock)
    try:
        assert {k: v for k, v in (await _shown(engine)).items() if k != "errors"} == \
            {k: v for k, v in before.items() if k != "errors"}
        snap = engine.service.snapshot()
        assert snap.store_copy_at == copied_at
        lines = "\n".join(mode_lines(snap, ZoneInfo("Europe/Paris"), clock.now(), "o"))
        assert "store   unreachable\ncopy    10:00" in lines, lines  # 09:00 UTC in the zone named above

        fixture = before["odds"][0]  # type: ignore[index]
        written = clock.now()
        engine.service.add_pick(_pick(fixture))
        assert engine.service.toggle_pin(fixture) is True
        engine.service.save_filters(frozenset({61}), frozenset())
        # Shown meanwhile, from this host's copy, under a number the server set aside for this
        # host at its last copy: the one it keeps once sent.
        shown = [(v.pick.id, v.pick.fixture_id) for v in await engine.service.picks()]
        assert [f for _, f in shown] == [fixture]
        assert engine.service.pinned() == {fixture}
        assert engine.service.filters() == (frozenset({61}), frozenset())
        queue = _queued(host.paths.db)
        assert len(queue) == 3

        own_server.resume()
        engine.service.snapshot()  # the try after the last failure waits its turn (backoff)
        assert engine.store.away is not None
        clock.advance(60)
        engine.service.snapshot()  # past the wait: tried again, and back, the pick sent
        assert engine.store.away is None
        assert _queued(host.paths.db) == []
        picks = await engine.service.picks()
        assert [(v.pick.fixture_id, v.pick.price, v.pick.created_at) for v in picks] == [(fixture, 2.1, written)]
        assert [(v.pick.id, v.pick.fixture_id) for v in picks] == shown
        assert engine.service.pinned() == {fixture}
        assert engine.service.filters() == (frozenset({61}), frozenset())
        # Killed between the server's commit and the queue's delete: sent again, not doubled.
        own = Store.open(host.paths.db)
        with own.transaction() as tx:
            tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", queue)
        own.close()
        engine.store.send_queued()
        assert len(await engine.service.picks()) == 1 and engine.service.pinned() == {fixture}
        after = await _shown(engine)
        assert all(error is None for error in after["errors"]), after["errors"]
    finally:
        await engine.aclose()


def _away(settings: Settings, tmp_path: Path) -> Settings:
    nowhere = tmp_path / "no-server"
    nowhere.mkdir(exist_ok=True)
    return _host(settings, tmp_path, f"postgresql://postgres@/oddsmon?host={nowhere}")


def test_each_command_while_the_server_is_away(settings: Settings, tmp_path: Path, clock: FakeClock,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APISPORTS_KEY", SECRET)
    away = _away(settings, tmp_path)
    capsys.readouterr()
    assert check.run(away, clock=clock) == UNKNOWN
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ODDSMON UNKNOWN - state unreadable: postgresql://postgres@/oddsmon?host="), out
    assert "cannot connect to the store" in out[0]

    assert export.run(away, None, "json", clock=clock) == UNKNOWN
    assert "cannot connect to the store" in capsys.readouterr().err

    assert warm.run(away) == UNKNOWN
    got = capsys.readouterr()
    assert "cannot connect to the store" in got.err and "[1/" not in got.out  # nothing fetched

    assert collect.run(away, once=True) == 1  # systemd restarts it; a standby elsewhere takes over
    assert "cannot connect to the store" in capsys.readouterr().err
    assert not (tmp_path / "analyst" / "metrics.json").exists()
    with pytest.raises(StoreUnreachable):
        Store.open(away, copy=True)  # the TUI on a host that never kept a copy: it says why


def _team_config(tmp: Path, name: str, api: str, url: str) -> Path:
    folder = tmp / name
    folder.mkdir()
    path = folder / "oddsmon.toml"
    path.write_text(f'[api]\nbase_url = "{api}"\ndaily_reserve = 5\nretries = 0\n'
                    f'[watch]\nleagues = [39]\nseason = 2026\n'
                    f'[paths]\ndb = "{folder}/oddsmon.db"\nmetrics = "{folder}/metrics.json"\n'
                    f'incidents = "{folder}/incidents.md"\n[store]\nurl = "{url}"\n')
    return path


def test_a_collector_killed_with_sigkill_on_a_real_server_is_named_then_taken_over(
        tmp_path: Path, pg_url: str) -> None:
    """kill -9 of a real ``--collect`` process: its lease stays on the server (nothing of it is
    tied to the dead session) and ``--check`` from another state folder names its pid. Seen from
    another host (which cannot tell whether that pid lives), a standby refuses while the lease is
    fresh and takes over once it is stale (aged on the server's clock, as 90 s would)."""
    sim = LoopbackServer(Simulator(SimConfig(leagues=(39,), season=2026, daily_limit=500, per_minute=300))).start()
    try:
        first = Cli(tmp_path, _team_config(tmp_path, "server", sim.url, pg_url))
        standby = Cli(tmp_path, _team_config(tmp_path, "standby", sim.url, pg_url))
        proc = subprocess.Popen([sys.executable, "-m", "oddsmon", "--config", str(first.config), "--collect"],
                                cwd=tmp_path, env=first.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()  # its first cycle's line: the lease is its own
            assert line.startswith("collect: "), (line, proc.stderr.read() if proc.stderr else "")
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
        checked = standby("--check")
        assert f"running, pid {proc.pid} on " in checked.stdout, checked.stdout

        def lease(change: str) -> None:
            store = Store.open(pg_url)
            try:
                with store.transaction() as tx:
                    tx.execute(f"UPDATE leases SET {change}")
            finally:
                store.close()
        lease("host = 'collector-1.example'")  # the killed collector as another host sees it
        refused = standby("--collect", "--once")
        assert refused.returncode == 0 and f"a collector already runs: pid {proc.pid}" in refused.stdout
        lease("heartbeat_at = heartbeat_at - 100, acquired_at = acquired_at - 100")  # 100 s later
        took = standby("--collect", "--once")
        assert took.returncode == 0, took.stderr
        assert "a collector already runs" not in took.stdout and took.stdout.startswith("collect: "), took.stdout
    finally:
        sim.stop()


def test_check_on_a_team_store_reads_through_libpq_without_importing_psycopg(
        tmp_path: Path, pg_url: str) -> None:
    """``--check`` on a team's store imports neither psycopg nor asyncio (most of what it cost)
    and says what the store holds: the offline mode another host set, with its reason."""
    store = Store.open(pg_url)
    try:
        assert OfflineMachine(store, FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
                              Settings().supervision).go_offline("user", "maintenance")
    finally:
        store.close()
    cli = Cli(tmp_path, _team_config(tmp_path, "oncall", "http://127.0.0.1:9", pg_url))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "oddsmon", "--config", str(cli.config),
                           "--check"], cwd=tmp_path, env=cli.env, capture_output=True, text=True, timeout=60)
    assert proc.stdout.startswith("ODDSMON ") and "offline (user" in proc.stdout.splitlines()[0], \
        (proc.stdout, proc.stderr[-2000:])
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert imported and not imported & {"psycopg", "psycopg_pool", "asyncio"}, sorted(imported)
