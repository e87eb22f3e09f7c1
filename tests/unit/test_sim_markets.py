"""The simulator prices what real bookmakers price, from one score model: every bet of the
captured live entry plus Asian Handicap on quarter lines, coherent across markets, and read
by the market model as the live entry is."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from oddsmon.clock import FakeClock
from oddsmon.domain.market import analyse_market, value_bets
from oddsmon.domain.markets import BY_ID, every_bet, lines
from oddsmon.domain.models import FixtureOdds, parse_odds
from oddsmon.domain.settlement import mass_at_line
from oddsmon.sim import Simulator
from oddsmon.sim.markets import FULL, probabilities

from ..samples import SAMPLES

REAL = SAMPLES / "odds__real_fixture815162_bookmaker6.json"


def model(lam_home: float = 1.6, lam_away: float = 1.1) -> dict[tuple[int, str], float]:
    """The model's true probability of every (bet, label) of the full catalogue."""
    flat = probabilities(FULL, lam_home, lam_away)
    keys = [(m.bet_id, str(label)) for m in FULL for label in m.labels]
    return dict(zip(keys, flat, strict=True))


@pytest.fixture(scope="module")
def sim_odds() -> FixtureOdds:
    sim = Simulator(clock=FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)))
    now = sim.clock.timestamp()
    fx = next(f for f in sim.data.fixtures if f.kickoff > now and f.arb_bookmaker is None)
    (odds,) = parse_odds([sim.data.odds_item(fx, now)])
    return odds


def test_the_catalogue_covers_the_captured_entry_and_asian_handicap() -> None:
    real = json.loads(REAL.read_text())["response"][0]["bookmakers"][0]["bets"]
    ours = {m.bet_id: m.name for m in FULL}
    assert {b["id"]: b["name"] for b in real}.items() <= ours.items()
    assert ours[4] == "Asian Handicap"
    ah = [str(label) for m in FULL if m.bet_id == 4 for label in m.labels]
    assert {"Home -0.25", "Away -0.25", "Home -0.75", "Home +0", "Home +0.25", "Away -1.25"} <= set(ah)


def test_every_simulated_bet_is_read_and_every_line_is_a_complete_book(sim_odds: FixtureOdds) -> None:
    bets = {m.id for m in every_bet(sim_odds)}
    assert bets >= {b["id"] for b in json.loads(REAL.read_text())["response"][0]["bookmakers"][0]["bets"]} | {4}
    assert bets <= set(BY_ID)  # every one in the catalogue: none read from labels alone
    incomplete = []
    for market in every_bet(sim_odds):
        for line in lines(sim_odds, market) if market.lined else [""]:
            view = analyse_market(sim_odds, market.id, line=line)
            assert view.line == line
            if not view.complete:
                incomplete.append((market.id, line))
    # Only the score lists (a near-certain side priced "1.00" would leave its line one-sided,
    # as in the capture; this fixture has none).
    assert incomplete == [(10, ""), (31, ""), (62, "")]


def test_goals_agree_across_halves_full_time_and_the_ladder() -> None:
    p = model()
    # Full time is the sum of the halves: no goal at all is no goal in either half.
    assert p[(5, "Under 0.5")] == pytest.approx(p[(6, "Under 0.5")] * p[(26, "Under 0.5")])
    # The ladder falls line by line, each line a book.
    overs = [p[(5, f"Over {n + 0.5:g}")] for n in range(7)]
    assert overs == sorted(overs, reverse=True)
    assert all(p[(5, f"Over {n + 0.5:g}")] + p[(5, f"Under {n + 0.5:g}")] == pytest.approx(1, abs=1e-5)
               for n in range(7))
    # HT/FT's margins are First Half Winner and Match Winner.
    for r in ("Home", "Draw", "Away"):
        assert sum(p[(7, f"{r}/{x}")] for x in ("Home", "Draw", "Away")) == pytest.approx(p[(13, r)], abs=1e-4)
        assert sum(p[(7, f"{x}/{r}")] for x in ("Home", "Draw", "Away")) == pytest.approx(p[(1, r)], abs=1e-4)
    # Correct scores up to 4 goals a side fall just short of their result.
    home_scores = sum(p[(10, f"{h}:{a}")] for h in range(5) for a in range(5) if h > a)
    assert p[(1, "Home")] - 0.05 < home_scores < p[(1, "Home")]
    # Team markets read the same goals.
    assert p[(16, "Over 0.5")] == pytest.approx(p[(43, "Yes")])
    assert p[(27, "Yes")] == pytest.approx(p[(44, "No")])
    assert p[(24, "Home/Yes")] + p[(24, "Home/No")] == pytest.approx(p[(1, "Home")])


def test_asian_lines_follow_the_published_settlement_rules() -> None:
    p = model()
    home, draw = p[(1, "Home")], p[(1, "Draw")]
    by_one = p[(9, "Draw -1")]  # the home side winning by exactly one
    # Half lines are win-or-lose; line 0 is Draw No Bet.
    assert p[(4, "Home -0.5")] == pytest.approx(home)
    assert p[(4, "Away +0.5")] == pytest.approx(p[(1, "Away")])
    assert p[(4, "Home +0")] == pytest.approx(p[(2, "Home")])
    # A quarter or whole line's price recovers the chance of landing on it, by the domain's
    # reading of the neighbouring half line: the draw for -0.25, 0, +0.25; a one-goal home
    # win for -0.75, -1, -1.25.
    for line, lands in (("-0.25", draw), ("+0", draw), ("+0.25", draw),
                        ("-0.75", by_one), ("-1", by_one), ("-1.25", by_one)):
        threshold = -float(line)
        neighbour = p[(4, f"Home {-(round(threshold) + 0.5):+g}")]
        assert mass_at_line("up", threshold, p[(4, f"Home {line}")], neighbour) == pytest.approx(lands), line


def test_a_simulated_quarter_line_is_valued_with_its_halves(sim_odds: FixtureOdds) -> None:
    view = analyse_market(sim_odds, 4, line="-0.25")
    assert view.lines[0] == "-1.5" and len(view.lines) == 11
    home, away = view.outcomes
    assert home.states is not None and [s.result for _, s in home.states] == ["won", "half lost", "lost"]
    assert away.states is not None and [s.result for _, s in away.states] == ["won", "half won", "lost"]
    # Every bookmaker's margin is its own (2.5 % to 8 %, within rounding to its ladder).
    assert all(0.0 < margin < 0.12 for r in view.rows if (margin := r.margin) is not None)


def test_a_long_shot_keeps_its_long_price_when_its_favourite_is_quoted_at_1_01() -> None:
    # Capping a near-certainty at 1.01 once handed the excess to the long shot at the books
    # with the widest margins, shortening it by up to half: the fair view then read +70-80 %
    # "value" at the books that were not capped (Over 6.5 at 28.50 against a fair 16.59).
    sim = Simulator(clock=FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)))
    now = sim.clock.timestamp()
    fixtures = [f for f in sim.data.fixtures if f.kickoff > now and f.arb_bookmaker is None][:12]
    edges, capped = [], 0
    for fx in fixtures:
        (odds,) = parse_odds([sim.data.odds_item(fx, now)])
        edges += [b.edge for b in value_bets(odds) if b.price is not None]
        capped += sum(v.price == 1.01 for b in odds.bookmakers for bet in b.bets for v in bet.values)
    assert capped > 0  # near-certainties are there, quoted as bookmakers quote them
    # What remains is the books' own noise and their coarse long-shot ladders (201, 251, 301).
    assert edges and max(edges) < 0.25
