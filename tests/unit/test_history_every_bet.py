"""Every bet the API prices reaches the price history, `--export-odds` and the closing prices,
on both backends: a league's odds served as the captured Bwin entry (35 bets, every line), kept
page by page as a fetch keeps them; a move in a niche bet (Second Half Winner) is one history
row, in the export and in the pick's close; a price that did not move writes nothing."""

from __future__ import annotations

import asyncio
import copy
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsmon.cli import main
from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.desk.picks import pick_views
from oddsmon.domain.models import parse_odds
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.store import NewPick, Store
from tests import postgres

from ..conftest import SECRET
from ..samples import SAMPLES

REAL = SAMPLES / "odds__real_fixture815162_bookmaker6.json"
SECOND_HALF_WINNER = 3
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _bookmakers() -> list[dict[str, Any]]:
    return list(json.loads(REAL.read_text())["response"][0]["bookmakers"])


@pytest.fixture(params=["sqlite", "postgresql"])
def on_backend(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "sqlite":
        return settings
    return replace(settings, store=replace(settings.store, url=postgres.server().database()))


class Served:
    """The simulator's league odds, one fixture priced by the captured Bwin entry (as the live
    service sent it), the others not at all; ``move`` changes one price of it."""

    def __init__(self) -> None:
        self.clock = FakeClock(T0)
        self.sim = Simulator(SimConfig(leagues=(39,), season=2026, daily_limit=10_000, per_minute=10_000),
                             clock=self.clock)
        original = self.sim.data.odds_item
        self.fixture = next(f for f in self.sim.data.fixtures if f.league.id == 39
                            and f.kickoff > T0.timestamp() and original(f, T0.timestamp()) is not None)
        self.kickoff = datetime.fromtimestamp(self.fixture.kickoff, UTC)
        self.books = _bookmakers()

        def odds_item(fx: Any, ts: float, bookmaker: int | None = None, bet: int | None = None) -> Any:
            item = original(fx, ts, bookmaker=bookmaker, bet=bet)
            if fx.id != self.fixture.id or item is None:
                return None
            item["bookmakers"] = copy.deepcopy(self.books)
            return item

        self.sim.data.odds_item = odds_item  # type: ignore[method-assign]

    def move(self, bet_id: int, label: str, by: float) -> tuple[float, float]:
        """Move one price ``by``; (the price before, after)."""
        for bet in self.books[0]["bets"]:
            if bet["id"] == bet_id:
                for value in bet["values"]:
                    if value["value"] == label:
                        before = float(value["odd"])
                        value["odd"] = f"{before + by:.2f}"
                        return before, float(value["odd"])
        raise AssertionError(f"no {label} in bet {bet_id}")


def _fetch_odds(settings: Settings, served: Served) -> None:
    async def fetch() -> None:
        eng = build_engine(settings, clock=served.clock, key=Secret(SECRET), transport=SimTransport(served.sim))
        try:
            page = await eng.service.odds(force=True)
            assert page.data and served.fixture.id in page.data, page.provenance.error
        finally:
            await eng.aclose()

    asyncio.run(fetch())


def _exported(settings: Settings, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    """``oddsmon --export-odds - --format FMT`` on the store ``settings`` name, as run by hand."""
    config = tmp_path / "oddsmon.toml"
    store = f'[store]\nurl = "{settings.store.url}"\n' if settings.store.url else ""
    config.write_text(f'[paths]\ndb = "{settings.paths.db}"\nmetrics = "{tmp_path / "m.json"}"\n'
                      f'incidents = "{tmp_path / "i.md"}"\n{store}')
    capsys.readouterr()
    assert main(["--config", str(config), "--export-odds", "-", "--format", fmt]) == 0
    return capsys.readouterr().out


@pytest.fixture
def served() -> Iterator[Served]:
    yield Served()


def test_every_bet_of_a_real_body_is_recorded_exported_and_closes(
        on_backend: Settings, served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fid = served.fixture.id
    # And one bet no catalogue of oddsmon's knows: it is recorded and named as the API names it.
    served.books[0]["bets"].append({"id": 212, "name": "Total Cards - Home", "values": [
        {"value": "Over 1.5", "odd": "1.70"}, {"value": "Under 1.5", "odd": "2.05"}]})
    body = {"response": [{"fixture": {"id": fid}, "league": {"id": 39, "season": 2026},
                          "bookmakers": served.books}]}
    [parsed] = parse_odds(body["response"])
    usable = sum(len(bet.values) for bo in parsed.bookmakers for bet in bo.bets)
    api_names = {bet["name"] for bet in served.books[0]["bets"]}
    assert len(api_names) == 36 and usable > 200

    _fetch_odds(on_backend, served)
    store = Store.open(on_backend.store.url or on_backend.paths.db)
    try:
        assert store.history.count() == usable
    finally:
        store.close()

    # Ten minutes on, the provider moves one price of a bet the screens never showed first.
    served.clock.advance(600)
    before, after = served.move(SECOND_HALF_WINNER, "Home", 0.25)
    _fetch_odds(on_backend, served)
    served.clock.advance(600)
    _fetch_odds(on_backend, served)  # nothing moved: nothing written

    store = Store.open(on_backend.store.url or on_backend.paths.db)
    try:
        assert store.history.count() == usable + 1
        home = [(p.observed_at, p.price) for p in store.history.series(fid, SECOND_HALF_WINNER)
                if p.outcome == "Home"]
        assert home == [(T0, before), (T0 + timedelta(minutes=10), after)]
        # A pick on it closes at the last price before kickoff, with its closing line value.
        store.picks.add(NewPick(fid, served.kickoff, "a v b", "Premier League", SECOND_HALF_WINNER,
                                "", "Home", "Home", 6, "Bwin", after + 0.1, 10.0), T0)
        [view] = pick_views(store, "multiplicative", served.kickoff + timedelta(hours=3))
        book = {v["value"]: float(v["odd"]) for b in served.books[0]["bets"] if b["id"] == SECOND_HALF_WINNER
                for v in b["values"]}
        fair = sum(1 / p for p in book.values()) / (1 / book["Home"])  # multiplicative: margin out
        assert view.closing_price == after and view.closing_fair == pytest.approx(fair)
        assert view.clv_pct == pytest.approx(((after + 0.1) / fair - 1) * 100)
    finally:
        store.close()

    table = list(csv.DictReader(io.StringIO(_exported(on_backend, tmp_path, "csv", capsys))))
    assert len(table) == usable + 1
    assert {r["market"] for r in table} == api_names  # every bet, under the API's name
    assert [(r["line"], r["outcome"], r["price"]) for r in table
            if r["market"] == "Second Half Winner" and r["outcome"] == "Home"] == [
               ("", "Home", f"{before:g}"), ("", "Home", f"{after:g}")]
    # Lines and outcomes apart: an Over/Under line, a handicap, a result with a total.
    assert {(r["market"], r["line"], r["outcome"]) for r in table} >= {
        ("Goals Over/Under First Half", "1.5", "Over"), ("Handicap Result", "-1", "Home"),
        ("Result/Total Goals", "2.5", "Home/Over")}
    lines = _exported(on_backend, tmp_path, "jsonl", capsys).splitlines()
    assert len(lines) == usable + 1
    assert {json.loads(x)["market"] for x in lines} == api_names


def test_a_refetch_writes_only_the_prices_that_moved(each_store: Store) -> None:
    """The history's own contract, on each backend: first prices once, then only changes."""
    store = each_store
    assert isinstance(store, Store)
    prices = [(7, 6, bet, f"{label}", 1.5 + bet / 100) for bet in range(1, 40) for label in ("Home", "Away")]
    store.history.record(T0, prices)
    later = T0 + timedelta(minutes=10)
    moved = [(f, b, bet, o, p + 0.1 if bet == SECOND_HALF_WINNER and o == "Away" else p)
             for f, b, bet, o, p in prices]
    changes = store.history.record(later, [*moved, (7, 6, 99, "Yes", 1.8)], firsts=False)
    assert [(c.bet_id, c.outcome, c.previous) for c in changes] == [(3, "Away", 1.53)]
    assert [c.price for c in changes] == pytest.approx([1.63])
    assert store.history.count() == len(prices) + 2  # the move and the new series
    assert store.history.openings(99, [7]) == {(7, 6, "Yes"): 1.8}
    assert store.history.record(later + timedelta(minutes=10), moved) == []
    assert store.history.count() == len(prices) + 2


def test_team_picks_shows_what_each_stake_was_sized_against(pg_url: str) -> None:
    store = Store.open(pg_url, author="ana@laptop")
    try:
        store.picks.add(NewPick(1, T0, "a v b", "Premier League", 1, "", "Home", "Home", 8, "Bet365",
                                2.1, 10.0, basis="model"), T0)
        store.picks.add(NewPick(1, T0, "a v b", "Premier League", 1, "", "Away", "Away", 8, "Bet365",
                                3.6, 5.0), T0)
        assert store.db.query("SELECT label, basis FROM team_picks ORDER BY id") == [
            ("Home", "model"), ("Away", "market")]
    finally:
        store.close()


def _latest(store: Store) -> dict[tuple[int, int, int, str], float]:
    """Each series' latest price: its row's, or its packed book's (schema 16) until it moved."""
    return {(r[0], r[1], r[2], r[3]): r[4] for r in store.db.query(
        "SELECT fixture_id, bookmaker_id, bet_id, outcome, price FROM odds_latest UNION ALL "
        "SELECT fixture_id, bookmaker_id, bet_id, outcome, price FROM odds_pack_points")}


def test_an_unchanged_book_is_skipped_whole_and_a_changed_one_compared(each_store: Store) -> None:
    """Schema 14's fingerprints, on each backend: a refetched book as recorded last writes
    nothing, not even its fingerprint's time; a book that moved is compared as before."""
    store = each_store
    assert isinstance(store, Store)
    book6 = [(7, 6, bet, o, 1.5 + bet / 100) for bet in range(1, 36) for o in ("Home", "Away")]
    book8 = [(7, 8, bet, o, 1.6 + bet / 100) for bet in range(1, 36) for o in ("Home", "Away")]
    store.history.record(T0, [*book6, *book8])
    later = T0 + timedelta(minutes=10)
    moved8 = [(f, b, bet, o, p + 0.2 if (bet, o) == (1, "Home") else p) for f, b, bet, o, p in book8]
    changes = store.history.record(later, [*book6, *moved8], firsts=False)
    assert [(c.bookmaker_id, c.bet_id, c.outcome, c.previous) for c in changes] == [(8, 1, "Home", 1.61)]
    assert store.history.count() == len(book6) + len(book8) + 1
    # The unchanged book's fingerprint still stands for its first sighting; the moved one's
    # for the refetch.
    assert dict(store.db.query("SELECT bookmaker_id, seen_at FROM odds_prints ORDER BY 1")) == {
        6: T0.timestamp(), 8: later.timestamp()}
    assert store.history.record(later + timedelta(minutes=10), [*book6, *moved8]) == []
    assert _latest(store)[(7, 8, 1, "Home")] == pytest.approx(1.81)
    # A book whose rows are not listed together has no fingerprint: it is compared every time.
    store.history.record(later, [(9, 6, 1, "Home", 2.0), (9, 8, 1, "Home", 2.1), (9, 6, 1, "Away", 3.0)])
    assert store.db.query("SELECT bookmaker_id, fingerprint FROM odds_prints WHERE fixture_id = 9 "
                          "AND fingerprint IS NULL") == [(6, None)]


def test_a_book_recorded_late_makes_the_next_one_compared_again(each_store: Store) -> None:
    """A late, older fetch overwrites the series it is newer than (the history's rule), so the
    fingerprint no longer stands for the stored prices: the next fetch, identical to the one
    recorded before the late one, is compared and puts its prices back."""
    store = each_store
    assert isinstance(store, Store)
    first = [(7, 6, 1, "Home", 2.0), (7, 6, 1, "Away", 3.0)]
    newer = [(7, 6, 1, "Home", 2.1), (7, 6, 1, "Away", 3.0)]
    store.history.record(T0, first)
    store.history.record(T0 + timedelta(minutes=20), newer)
    store.history.record(T0 + timedelta(minutes=15), [(7, 6, 1, "Home", 2.0), (7, 6, 1, "Away", 3.2)])
    assert _latest(store) == {(7, 6, 1, "Home"): 2.1, (7, 6, 1, "Away"): 3.2}  # Away's 3.0 was older
    changes = store.history.record(T0 + timedelta(minutes=30), newer)
    assert [(c.outcome, c.previous, c.price) for c in changes] == [("Away", 3.2, 3.0)]
    assert _latest(store) == {(7, 6, 1, "Home"): 2.1, (7, 6, 1, "Away"): 3.0}


def test_a_page_mixing_new_and_priced_fixtures_writes_each_series_once(each_store: Store) -> None:
    """One record holding a fixture priced before (one price moved, a book new to it) and a
    fixture never priced: the moved price is the one change, every new series a first price,
    on each backend (SQLite compares in SQL, PostgreSQL reads the stored prices back)."""
    store = each_store
    assert isinstance(store, Store)
    book6 = [(7, 6, bet, o, 1.5 + bet / 100) for bet in range(1, 6) for o in ("Home", "Away")]
    store.history.record(T0, book6)
    later = T0 + timedelta(minutes=10)
    moved6 = [(f, b, bet, o, 1.9 if (bet, o) == (2, "Away") else p) for f, b, bet, o, p in book6]
    book8 = [(7, 8, 1, "Home", 2.4), (7, 8, 1, "Away", 2.9)]
    fixture9 = [(9, 6, 1, "Home", 1.7), (9, 6, 1, "Away", 4.5)]
    changes = store.history.record(later, [*moved6, *book8, *fixture9])
    assert sorted((c.fixture_id, c.bookmaker_id, c.bet_id, c.outcome, c.previous, c.price) for c in changes) == [
        (7, 6, 2, "Away", 1.52, 1.9), (7, 8, 1, "Away", None, 2.9), (7, 8, 1, "Home", None, 2.4),
        (9, 6, 1, "Away", None, 4.5), (9, 6, 1, "Home", None, 1.7)]
    assert store.history.count() == len(book6) + 1 + len(book8) + len(fixture9)
    assert _latest(store) == {**{r[:4]: r[4] for r in moved6}, **{r[:4]: r[4] for r in book8},
                              **{r[:4]: r[4] for r in fixture9}}
    assert store.history.openings(1, [7, 9]) == {(7, 6, "Home"): 1.51, (7, 6, "Away"): 1.51,
                                                 (7, 8, "Home"): 2.4, (7, 8, "Away"): 2.9,
                                                 (9, 6, "Home"): 1.7, (9, 6, "Away"): 4.5}
    assert [(p.observed_at, p.price) for p in store.history.series(7, 2) if p.outcome == "Away"
            and p.bookmaker_id == 6] == [(T0, 1.52), (later, 1.9)]
