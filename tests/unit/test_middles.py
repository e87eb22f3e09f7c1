"""Middles across lines against published worked examples, then found on a crafted body.

Sources (each figure below is theirs):
* playersedge.org, "What does bet the middle mean?": USD 100 on Team A giving 4 points, then
  USD 100 on Team B at +7, both at -110 (decimal 1 + 100/110): a 5- or 6-point win wins both,
  USD 181.82; a 4- or 7-point win wins one and pushes the other, USD 90.91; anything else
  loses USD 9.09.
* calculato.rs, "Middle Calculator": USD 110 on Team X -3.5 and USD 110 on Team Y +6.5, both
  at 1.91: a win by 4, 5 or 6 wins both ("big profit"); 1-3 or 7+ a small loss.
* oddsiq.co, "Middle Calculator": -7.5 and +8.5 at -110, USD 110 each: both win +USD 200,
  one alone -USD 10.
* betsharp.win, "Middle calculator": leg 2 sized so either leg alone pays the same,
  S2 = S1 * d1 / d2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oddsmon.domain.middles import find_middles, handicap_leg, middle, total_leg
from oddsmon.domain.models import Bet, Bookmaker, BookmakerOdds, FixtureOdds, OddValue

MINUS_110 = 1 + 100 / 110


def profit_at(m: object, count: int) -> float:
    return dict(m.profits)[count]  # type: ignore[attr-defined]


def test_a_spread_middle_with_pushes_on_whole_lines() -> None:
    m = middle(handicap_leg("Home", -4, MINUS_110), handicap_leg("Away", -7, MINUS_110), stakes=(100, 100))
    assert m.both_win == (5, 6)
    assert profit_at(m, 5) == pytest.approx(181.82, abs=0.01) and profit_at(m, 6) == pytest.approx(181.82, abs=0.01)
    assert profit_at(m, 4) == pytest.approx(90.91, abs=0.01) and profit_at(m, 7) == pytest.approx(90.91, abs=0.01)
    assert profit_at(m, 3) == pytest.approx(-9.09, abs=0.01) and profit_at(m, 8) == pytest.approx(-9.09, abs=0.01)
    assert m.worst == pytest.approx(-9.09, abs=0.01) and m.best == pytest.approx(181.82, abs=0.01)


def test_half_point_spreads_and_the_default_split() -> None:
    m = middle(handicap_leg("Home", -3.5, 1.91), handicap_leg("Away", -6.5, 1.91), stakes=(110, 110))
    assert m.both_win == (4, 5, 6)
    assert profit_at(m, 5) == pytest.approx(2 * 110 * 0.91)
    assert profit_at(m, 2) == pytest.approx(110 * 0.91 - 110) == profit_at(m, 7)
    wide = middle(handicap_leg("Home", -7.5, MINUS_110), handicap_leg("Away", -8.5, MINUS_110), stakes=(110, 110))
    assert wide.both_win == (8,) and wide.best == pytest.approx(200.0) and wide.worst == pytest.approx(-10.0)
    # Equal prices: the default split is even; unequal: S2 = S1 * d1 / d2.
    assert middle(total_leg("Over", 50.5, 1.9), total_leg("Under", 53.5, 1.9), bankroll=200).stakes == pytest.approx((100, 100))
    skew = middle(total_leg("Over", 2.5, 2.2), total_leg("Under", 3.5, 1.8), bankroll=100)
    assert skew.stakes[1] == pytest.approx(skew.stakes[0] * 2.2 / 1.8)
    assert middle(total_leg("Over", 50.5, 1.9), total_leg("Under", 53.5, 1.9)).both_win == (51, 52, 53)
    assert middle(total_leg("Over", 2.5, 1.9), total_leg("Under", 3.5, 1.9)).both_win == (3,)


def test_quarter_lines_middle_by_halves() -> None:
    # Home -0.25 and the away side at +0.75 (home handicap -0.75), 1.95 each, 1 on each.
    m = middle(handicap_leg("Home", -0.25, 1.95), handicap_leg("Away", -0.75, 1.95), stakes=(1, 1))
    assert profit_at(m, 0) == pytest.approx(-0.5 + 0.95)  # a draw: home half lost, away won
    assert profit_at(m, 1) == pytest.approx(0.95 - 0.5)  # home by one: home won, away half lost
    assert profit_at(m, -1) == pytest.approx(-0.05) == profit_at(m, 2) == m.worst
    assert m.both_win == () and m.window == (0, 1)  # no result wins both whole, two gain


def test_legs_must_face_each_other() -> None:
    with pytest.raises(ValueError, match="one leg above"):
        middle(total_leg("Over", 2.5, 2.0), total_leg("Over", 3.5, 2.0))
    with pytest.raises(ValueError, match="Over or Under"):
        total_leg("Home", 2.5, 2.0)


def _fixture(*books: BookmakerOdds) -> FixtureOdds:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    return FixtureOdds(1, 39, 2026, t, t, books)


def _book(bid: int, name: str, bet: int, values: dict[str, float]) -> BookmakerOdds:
    return BookmakerOdds(Bookmaker(bid, name), (Bet(bet, "", tuple(OddValue(k, v) for k, v in values.items())),))


def test_a_crafted_middle_is_found_from_the_best_prices() -> None:
    odds = _fixture(
        _book(8, "Bet365", 5, {"Over 2.5": 2.20, "Under 2.5": 1.70, "Over 3.5": 3.60, "Under 3.5": 1.30}),
        _book(6, "Bwin", 5, {"Over 2.5": 1.80, "Under 2.5": 2.00, "Over 3.5": 3.20, "Under 3.5": 1.95}))
    found = find_middles(odds, 5)
    top = found[0]
    assert (top.up.label, top.up.bookmaker, top.down.label, top.down.bookmaker) == \
        ("Over 2.5", "Bet365", "Under 3.5", "Bwin")
    assert top.both_win == (3,)
    stake_over, stake_under = top.stakes
    assert profit_at(top, 3) == pytest.approx(stake_over * 1.2 + stake_under * 0.95)
    assert top.worst == pytest.approx(1 / (1 / 2.20 + 1 / 1.95) - 1)  # either leg alone returns the same
    assert all(m.up.line < m.down.line for m in found)
    ah = _fixture(_book(4, "Pinnacle", 4, {"Home -0.5": 1.95, "Away -0.5": 1.95, "Home -1.5": 3.4,
                                          "Away -1.5": 1.36}))
    assert [(m.up.label, m.down.label, m.both_win) for m in find_middles(ah, 4)] == [("Home -0.5", "Away -1.5", (1,))]
    assert find_middles(ah, 1) == []
