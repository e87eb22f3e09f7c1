"""The Value screen's board is read from the value scan kept after the odds were stored: the
same bets as scanning every fixture's odds afresh, shown at once where the scan is behind (saying
how many fixtures are still being worked out), scanned again when a fixture's odds are fetched
again, and kept per scan settings."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.domain.market import ValueBet
from oddsmon.engine import desk
from oddsmon.engine.desk import ValueBoard
from oddsmon.engine.page import Page
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.providers import FixtureOddsRequest
from oddsmon.sim import SimConfig, SimTransport, Simulator

from ..conftest import SECRET


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(SimConfig(leagues=(39,), season=2026, daily_limit=10_000, per_minute=10_000,
                               full_markets=False), clock=clock)


@pytest.fixture
def settings_39(tmp_path: Path) -> Settings:
    base = Settings()
    return replace(base, watch=replace(base.watch, leagues=(39,), season=2026, days_ahead=3)).with_paths(
        db=tmp_path / "oddsmon.db", metrics=tmp_path / "metrics.json", incidents=tmp_path / "incidents.md")


@pytest.fixture
async def engine(settings_39: Settings, sim: Simulator, clock: FakeClock) -> AsyncIterator[Engine]:
    eng = build_engine(settings_39, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    assert (await eng.service.warm()).stopped is None
    yield eng
    await eng.aclose()


def _rows(bets: list[ValueBet]) -> list[tuple[object, ...]]:
    return sorted((b.fixture_id, b.market_id, b.line, b.outcome, b.bookmaker, round(b.edge, 9)) for b in bets)


async def _everything(engine: Engine, sim: Simulator, tmp_path: Path, **kwargs: object) -> list[ValueBet]:
    """What the scan must come to: a copy of the store with no value scan kept, every fixture
    scanned afresh there (the engine under test is left as it was)."""
    copy = tmp_path / f"everything-{len(list(tmp_path.glob('everything-*')))}"
    copy.mkdir()
    with sqlite3.connect(engine.settings.paths.db) as source, sqlite3.connect(copy / "oddsmon.db") as target:
        source.backup(target)
    settings = engine.settings.with_paths(db=copy / "oddsmon.db", metrics=copy / "m.json", incidents=copy / "i.md")
    fresh = build_engine(settings, clock=engine.clock, key=Secret(SECRET), transport=SimTransport(sim))
    try:
        fresh.store.values.forget_except([])
        assert await fresh.service.scan_values(**kwargs) > 0  # type: ignore[arg-type]
        page = await fresh.service.value_board(**kwargs)  # type: ignore[arg-type]
    finally:
        await fresh.aclose()
    assert page.data is not None and page.data.pending == 0 and not page.provenance.notes
    return page.data.bets


def _bets(page: Page[ValueBoard]) -> list[ValueBet]:
    return page.data.bets if page.data is not None else []


async def test_an_open_reads_the_kept_scan_and_says_what_is_still_being_worked_out(
        engine: Engine, settings_39: Settings, sim: Simulator, clock: FakeClock,
        tmp_path: Path) -> None:
    # Another engine on a copy of the store scans at the open, with time for everything.
    fresh = build_engine(settings_39.with_paths(db=settings_39.paths.db, metrics=tmp_path / "m2.json",
                                                incidents=tmp_path / "i2.md"),
                         clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    service = engine.service
    try:
        first = await service.value_board()
        assert first.data is not None and first.data.bets == []
        (note,) = first.provenance.notes
        behind = int(note.split()[0])
        assert behind > 0 and note.endswith(desk.PENDING_NOTE) and first.data.pending == behind
        # The scan step (the collector's cycle, the Value screen's worker) catches up ...
        assert await service.scan_values() == behind
        board = await service.value_board()
        assert not board.provenance.notes and _bets(board)
        assert _bets(board) == sorted(_bets(board), key=lambda v: -v.edge)  # best edge first
        # ... to what scanning every fixture at the open finds, and nothing is scanned twice.
        assert _rows(_bets(board)) == _rows(await _everything(engine, sim, tmp_path))
        assert await service.scan_values() == 0
        # A process that never scanned reads the same board from the store, with no scan.
        other = await fresh.service.value_board()
        assert _rows(_bets(other)) == _rows(_bets(board)) and not other.provenance.notes
    finally:
        await fresh.aclose()


async def test_odds_fetched_again_are_scanned_again(engine: Engine, clock: FakeClock, sim: Simulator,
                                                    tmp_path: Path) -> None:
    service = engine.service
    assert await service.scan_values() > 0
    before = _bets(await service.value_board())
    clock.advance(6 * 3600)  # the prices move; the odds are fetched again
    await service.refresh("odds")
    stale = (await service.value_board()).provenance.notes
    assert stale and stale[0].endswith(desk.PENDING_NOTE)
    assert await service.scan_values() > 0
    after = _bets(await service.value_board())
    assert _rows(after) == _rows(await _everything(engine, sim, tmp_path)) != _rows(before)


async def test_each_method_and_bookmaker_filter_is_its_own_scan(engine: Engine, sim: Simulator,
                                                               tmp_path: Path) -> None:
    service = engine.service
    assert await service.scan_values() > 0
    shin = await service.value_board(method="shin")
    assert shin.provenance.notes  # another method: not scanned yet
    assert await service.scan_values(method="shin") > 0
    assert _rows(_bets(await service.value_board(method="shin"))) == \
        _rows(await _everything(engine, sim, tmp_path, method="shin"))
    board = _bets(await service.value_board())
    names: dict[int, str] = dict(engine.store.db.query("SELECT id, name FROM bookmaker_names"))
    hidden = frozenset({min(names)})
    assert (await service.value_board(hidden_bookmakers=hidden)).provenance.notes
    await service.scan_values(hidden_bookmakers=hidden)
    without = _bets(await service.value_board(hidden_bookmakers=hidden))
    assert board and not any(names[min(names)] in b.bookmaker for b in without)



async def test_an_unreadable_odds_entry_is_scanned_once_with_nothing_found(
        engine: Engine, clock: FakeClock) -> None:
    """Odds kept for a fixture that no longer read (a body cut short, a refusal kept in its
    place) are worked out as priced by nobody: never counted as still being worked out."""
    service = engine.service
    assert await service.scan_values() > 0
    board = _bets(await service.value_board())
    fid = next(b.fixture_id for b in board if engine.store.cache.get(FixtureOddsRequest(b.fixture_id).key))
    key = FixtureOddsRequest(fid).key
    entry = engine.store.cache.get(key)
    assert entry is not None
    clock.advance(60)  # fetched again, and cut short
    engine.store.cache.put(key, FixtureOddsRequest.kind, entry.body[:200], clock.now(), 3600)
    assert (await service.value_board()).provenance.notes == (f"1 fixtures' {desk.PENDING_NOTE}",)
    assert await service.scan_values() == 1
    after = await service.value_board()
    assert not after.provenance.notes  # nothing left to work out ...
    assert await service.scan_values() == 0  # ... nor worked out again
    assert _bets(after) and not any(b.fixture_id == fid for b in _bets(after))


async def test_the_value_page_is_the_board_with_its_stakes_fixtures_and_basis(engine: Engine) -> None:
    """What the Value screen reads in one call: the board as value_board gives it, each value
    bet's stake as kelly_stakes sizes it (alone, or together for simultaneous Kelly; nothing
    for an arbitrage or a middle), every bet's fixture, and the market as the basis while no
    probabilities of your own are imported."""
    service = engine.service
    await service.scan_values()
    page = await service.value_page(basis="model", limit=200)
    assert page.data is not None and page.data.basis == "market"  # no set imported: the market's
    board = await service.value_board(limit=200)
    assert board.data is not None and page.data.board == board.data and board.data.bets
    bets = board.data.bets
    valued = [b for b in bets if b.kind == "value"]
    alone = iter(service.kelly_stakes(valued))
    assert page.data.stakes == [next(alone) if b.kind == "value" else 0.0 for b in bets]
    assert {b.fixture_id for b in bets} <= set(page.data.fixtures)
    joint = await service.value_page(limit=200, simultaneous=True)
    together = iter(service.kelly_stakes(valued, simultaneous=True))
    assert joint.data is not None
    assert joint.data.stakes == [next(together) if b.kind == "value" else 0.0 for b in bets]
