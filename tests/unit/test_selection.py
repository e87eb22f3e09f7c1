"""Search, league filter, sort and pins on fixtures; the value scan of a fixture's markets."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from oddsmon.clock import FakeClock
from oddsmon.domain.market import CONSENSUS_MODES, ValueBet, analyse_market, value_bets
from oddsmon.domain.markets import lines, offered
from oddsmon.domain.models import (
    Bet,
    Bookmaker,
    BookmakerOdds,
    Fixture,
    FixtureOdds,
    OddValue,
    Team,
    parse_odds,
)
from oddsmon.domain.selection import Numbers, Selection, arrange, matches, next_sort
from oddsmon.sim import SimConfig, Simulator
from oddsmon.types import FAIR_METHODS, FairMethod

from ..samples import SAMPLES

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def fx(fid: int, home: str, away: str, league: int, league_name: str, hours: int) -> Fixture:
    return Fixture(fid, league, league_name, "England" if league == 39 else "France", 2026, "R1",
                   T0 + timedelta(hours=hours), "NS", "Not Started", None, Team(fid, home),
                   Team(fid + 100, away), None, None, None, None)


FIXTURES = [fx(1, "Arsenal", "Chelsea", 39, "Premier League", 3),
            fx(2, "Lyon", "Nice", 61, "Ligue 1", 1),
            fx(3, "Chelsea", "Fulham", 39, "Premier League", 2),
            fx(4, "Saint-Étienne", "Lens", 61, "Ligue 1", 4)]


def ids(items: list[Fixture]) -> list[int]:
    return [f.id for f in items]


def test_search_by_team_or_league_any_case_every_word() -> None:
    assert ids(arrange(FIXTURES, Selection(query="chelsea"))) == [3, 1]
    assert ids(arrange(FIXTURES, Selection(query="LIGUE"))) == [2, 4]
    assert ids(arrange(FIXTURES, Selection(query="ligue étienne"))) == [4]
    assert ids(arrange(FIXTURES, Selection(query="france lyon"))) == [2]
    assert not matches(FIXTURES[0], "barcelona")


def test_hidden_leagues_and_pins_first() -> None:
    hidden = Selection(hidden_leagues=frozenset({61}))
    assert ids(arrange(FIXTURES, hidden)) == [3, 1]
    # A pinned fixture comes first, and stays shown in a hidden league.
    assert ids(arrange(FIXTURES, hidden, pinned={4})) == [4, 3, 1]
    assert ids(arrange(FIXTURES, Selection(), pinned={1})) == [1, 2, 3, 4]


def test_sorts() -> None:
    numbers = {1: Numbers(2.5, 0.06, 0.01), 2: Numbers(1.8, 0.04, None), 3: Numbers(3.1, 0.08, 0.05)}
    assert ids(arrange(FIXTURES, Selection(sort="kickoff"))) == [2, 3, 1, 4]
    assert ids(arrange(FIXTURES, Selection(sort="league"))) == [2, 4, 3, 1]
    assert ids(arrange(FIXTURES, Selection(sort="best"), numbers=numbers)) == [3, 1, 2, 4]
    assert ids(arrange(FIXTURES, Selection(sort="margin"), numbers=numbers)) == [2, 1, 3, 4]
    assert ids(arrange(FIXTURES, Selection(sort="value"), numbers=numbers)) == [3, 1, 2, 4]
    assert next_sort("value") == "kickoff"
    with pytest.raises(ValueError, match="unknown sort"):
        arrange(FIXTURES, Selection(sort="colour"))


def test_the_selection_says_what_it_hides() -> None:
    assert Selection().describe(4, 4) == ""
    text = Selection(query="x", sort="margin", hidden_leagues=frozenset({61})).describe(1, 4)
    assert text == "1 of 4 · search “x”, 1 league(s) hidden, sorted by margin"


def _books(*books: tuple[int, str, float, float, float, float, float]) -> FixtureOdds:
    out = []
    for bid, name, h, d, a, over, under in books:
        out.append(BookmakerOdds(Bookmaker(bid, name), (
            Bet(1, "Match Winner", (OddValue("Home", h), OddValue("Draw", d), OddValue("Away", a))),
            Bet(5, "Goals Over/Under", (OddValue("Over 2.5", over), OddValue("Under 2.5", under),
                                        OddValue("Over 3.5", 3.0), OddValue("Under 3.5", 1.35))))))
    return FixtureOdds(9, 39, 2026, T0, T0, tuple(out))


def test_value_bets_scan_every_market_and_line() -> None:
    odds = _books((1, "A", 2.0, 3.5, 4.0, 1.9, 1.9), (2, "B", 2.3, 3.4, 3.8, 2.0, 1.8),
                  (3, "C", 1.9, 3.5, 4.1, 1.85, 1.95))
    found = value_bets(odds)
    home = next(v for v in found if v.market_id == 1 and v.outcome == "Home")
    assert (home.price, home.bookmaker) == (2.3, "B") and home.edge > 0
    assert home.edge == pytest.approx(2.3 * home.fair_probability - 1)  # type: ignore[operator]
    assert all(v.edge > 0 for v in found)
    assert {(v.market_id, v.line) for v in found} <= {(1, ""), (5, "2.5"), (5, "3.5")}


def test_an_arbitrage_is_a_value_bet_of_its_own() -> None:
    odds = _books((1, "A", 2.0, 3.4, 3.6, 2.1, 1.7), (2, "B", 1.9, 3.3, 3.5, 1.7, 2.1))
    arb = [v for v in value_bets(odds) if v.outcome == "all outcomes"]
    assert [(v.market_id, v.line, v.bookmaker) for v in arb] == [(5, "2.5", "A, B")]
    assert arb[0].edge == pytest.approx(1 / (1 / 2.1 + 1 / 2.1) - 1)


def _shown(odds: FixtureOdds, method: FairMethod, mode: str) -> list[ValueBet]:
    """The value bets and arbitrages the Odds screen shows, line by line (the oracle)."""
    out: list[ValueBet] = []
    for market in offered(odds):
        for line in lines(odds, market) if market.lined else [""]:
            view = analyse_market(odds, market.id, method=method, line=line, consensus_mode=mode)
            if view.arbitrage is not None:
                out.append(ValueBet(odds.fixture_id, market.id, market.name, view.line, "all outcomes", None,
                                    ", ".join(sorted(set(view.arbitrage.bookmakers))), view.arbitrage.profit,
                                    None))
            out.extend(ValueBet(odds.fixture_id, market.id, market.name, view.line, o.label, o.best.price,
                                o.best.bookmaker, o.value, o.fair_probability)
                       for o in view.outcomes if o.best is not None and o.value is not None and o.value > 0)
    return out


def _real_size_books() -> list[FixtureOdds]:
    """The live body's 35 bets, priced by four bookmakers a few points apart (so lines differ in
    who is best, some are complete and some not), and the simulator's fixtures."""
    body = json.loads((SAMPLES / "odds__real_fixture815162_bookmaker6.json").read_text())
    item = body["response"][0]
    book = item["bookmakers"][0]
    books = []
    for n, shift in enumerate((0.0, 0.07, -0.05, 0.12)):
        bets = copy.deepcopy(book["bets"])[n:]  # later books miss a market or more
        for bet in bets:
            for k, v in enumerate(bet["values"]):
                v["odd"] = f"{max(1.01, float(v['odd']) + shift * (1 if k % 2 else -1)):.2f}"
        books.append({"id": 100 + n, "name": f"Book {n}", "bets": bets})
    out = parse_odds([{**item, "bookmakers": books}])
    clock = FakeClock(T0)
    data = Simulator(SimConfig(), clock=clock).data
    out += parse_odds([i for fx in data.fixtures[:12] if (i := data.odds_item(fx, clock.timestamp()))])
    return out


@pytest.mark.parametrize("mode", CONSENSUS_MODES)
@pytest.mark.parametrize("method", FAIR_METHODS)
def test_the_value_scan_finds_what_the_odds_screen_shows(method: FairMethod, mode: str) -> None:
    books = _real_size_books()
    found = [value_bets(odds, method=method, consensus_mode=mode) for odds in books]
    assert found == [_shown(odds, method, mode) for odds in books]
    assert sum(map(len, found)) > 10  # values and arbitrages were there to find
    assert any(v.outcome == "all outcomes" for f in found for v in f)
