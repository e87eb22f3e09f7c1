"""Stakes in money and closing line value against published worked examples.

Sources of the vectors (each figure below is theirs, not recomputed by us):
* Kelly: Wikipedia, "Kelly criterion", worked example: p = 0.6 at even money (b = 1, a decimal
  price of 2.0) -> bet 20 % of the bankroll; Algorithm::Kelly (CPAN, D. Farrell)
  ``optimal_f(0.5, 2) = 0.25`` (net odds 2, a decimal price of 3.0).
* Arbitrage in money: arbplay.app "How to calculate a sure bet": 2.08 / 2.00 with EUR 100 ->
  49.02 / 50.98, EUR 101.96 either way; arbshop.com "The sports arbitrage formula": 100 on
  1.43 and 36.67 on 3.9, 143 back; betfair.com.au "Arbitrage betting": 2.12 / 2.16 sum to
  93.47 %, a 6.98 % margin (from the rounded sum). (oddsfetcher.com's worked example was left out: its stakes do not
  follow from its own odds, 1000 * (1/1.90) / (1/1.90 + 1/2.20) is 536.59, not 536.44.)
"""

from __future__ import annotations

import random

import pytest

from oddsmon.domain.odds import (
    arbitrage,
    arbitrage_stakes,
    closing_line_value,
    kelly_fraction,
    kelly_stake,
    round_stake,
    stake_text,
)


def test_kelly_published_examples() -> None:
    assert kelly_fraction(2.0, 0.6) == pytest.approx(0.20)
    assert kelly_fraction(3.0, 0.5) == pytest.approx(0.25)


def test_kelly_is_zero_without_an_edge_and_matches_the_formula_on_held_out_vectors() -> None:
    assert kelly_fraction(2.0, 0.5) == 0.0  # fair bet
    assert kelly_fraction(1.5, 0.4) == 0.0  # negative edge: never a negative stake
    rng = random.Random(15)
    for _ in range(500):
        price, p = 1.01 + rng.random() * 20, rng.random()
        expected = max(0.0, (p * price - 1) / (price - 1))
        assert kelly_fraction(price, p) == pytest.approx(expected, abs=1e-12)


def test_kelly_rejects_what_is_not_a_price_or_a_probability() -> None:
    with pytest.raises(ValueError, match="price"):
        kelly_fraction(1.0, 0.5)
    with pytest.raises(ValueError, match="probability"):
        kelly_fraction(2.0, 1.5)


def test_two_way_arbitrage_in_money_arbshop() -> None:
    # 100 on 1.43 and 100 * 1.43 / 3.9 = 36.67 on 3.9: 143 back either way.
    arb = arbitrage_stakes([1.43, 3.9], 100 + 100 * 1.43 / 3.9, 0.01)
    assert arb.stakes == [100.0, 36.67]
    assert arb.exact_return == pytest.approx(143.0)


def test_arbitrage_margin_betfair() -> None:
    found = arbitrage({"Provider 1": [2.12, None], "Provider 2": [None, 2.16]})
    assert found is not None and round(found.total * 100, 2) == 93.47
    # The page prints 6.98 % from its rounded 93.47 %; unrounded it is 6.99 %.
    assert found.profit == pytest.approx(1 / 0.9347 - 1, abs=2e-4)


def test_two_way_arbitrage_in_money_arbplay() -> None:
    arb = arbitrage_stakes([2.08, 2.00], 100.0, 0.01)
    assert arb.stakes == [49.02, 50.98]
    assert [round(r, 2) for r in arb.returns] == [101.96, 101.96]
    assert round(arb.profit, 2) == 1.96


def test_rounding_to_whole_units_shows_what_it_costs() -> None:
    arb = arbitrage_stakes([1.90, 2.20], 1000.0, 10.0)
    assert arb.stakes == [540.0, 460.0]
    # 540 * 1.90 = 1026, 460 * 2.20 = 1012: the worse outcome decides the guarantee.
    assert arb.guaranteed_return == pytest.approx(1012.0)
    assert arb.profit == pytest.approx(12.0)
    assert arb.rounding_effect == pytest.approx(12.0 - arb.exact_profit)
    assert arb.rounding_effect < 0


def test_kelly_stake_in_money_is_a_fraction_of_full_kelly_rounded() -> None:
    # Wikipedia's 20 % on a 1000 bankroll at a quarter Kelly: 50.
    assert kelly_stake(2.0, 0.6, 1000.0, 0.25, 1.0) == 50.0
    assert kelly_stake(3.0, 0.5, 1000.0, 0.25, 5.0) == 65.0  # 62.5 to the nearest 5
    assert kelly_stake(1.5, 0.4, 1000.0, 1.0, 1.0) == 0.0


def test_round_stake() -> None:
    assert round_stake(12.5, 1.0) == 13.0
    assert round_stake(0.3, 0.1) == 0.3
    with pytest.raises(ValueError, match="round_to"):
        round_stake(1.0, 0.0)


def test_a_stake_that_rounds_to_nothing_is_not_shown_as_no_edge() -> None:
    # A 0.5 % edge at evens, a quarter Kelly of 100 to the nearest 1: 0.125, rounded 0. The
    # table says the stake is under the step, not "0", which reads as no edge.
    share = kelly_fraction(2.0, 0.5025)
    assert share > 0 and kelly_stake(2.0, 0.5025, 100.0, 0.25, 1.0) == 0.0
    assert stake_text(share, 0.0, 1.0) == "<1"
    assert stake_text(share, 0.0, 2.5) == "<2.50"
    assert stake_text(0.0, 0.0, 1.0) == "no edge"
    assert stake_text(0.2, 50.0, 1.0) == "50" and stake_text(0.2, 1250.0, 5.0) == "1,250"


def test_closing_line_value_in_percent() -> None:
    assert closing_line_value(2.10, 2.00) == pytest.approx(5.0)
    assert closing_line_value(1.90, 2.00) == pytest.approx(-5.0)
