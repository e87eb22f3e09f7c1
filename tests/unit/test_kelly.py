"""Kelly beyond one win-or-lose bet: several outcomes of one market at once, and bets that push
or settle by halves.

Sources (each figure below is theirs):
* Simultaneous Kelly: vendire-ludorum.blogspot.com, "Kelly's Multiple Personality Disorder"
  (2018-11-26), KellyMutExStakes on five mutually exclusive entries: Charlie 5.50 at 20 % ->
  5.96 %, Alpha 2.625 at 40 % -> 10.59 %, Bravo 3.25 at 30 % -> 6.25 % (a negative edge, still
  backed), Delta 6.00 at 8 % and Echo 21.00 at 2 % -> 0 %. The algorithm is Smoczynski &
  Tomkins (2010), Mathematical Scientist 35, 10-17.
* Kelly with a push: blackjackinfo.com community, "Top bet problem" (page 2): with a push the
  Kelly stake is ``(b p - q) / (b p + b q)``, Kelly on the chances given no push.
* Kelly for a plain bet: Wikipedia, "Kelly criterion": p = 0.6 at even money -> 20 %.
"""

from __future__ import annotations

import math

import pytest

from oddsmon.domain import settlement as rules
from oddsmon.domain.kelly import kelly_settled, kelly_simultaneous
from oddsmon.domain.odds import kelly_fraction


def test_simultaneous_kelly_published_example() -> None:
    prices = [5.50, 2.625, 3.25, 6.00, 21.00]
    probabilities = [0.20, 0.40, 0.30, 0.08, 0.02]
    shares = kelly_simultaneous(prices, probabilities)
    assert [round(s * 100, 2) for s in shares] == [5.96, 10.59, 6.25, 0.0, 0.0]


def test_simultaneous_kelly_maximises_the_growth_rate() -> None:
    # A 1X2 with edges on two outcomes: no small move of the stakes grows wealth faster.
    prices, probabilities = [2.30, 3.60, 3.40], [0.47, 0.25, 0.28]
    shares = kelly_simultaneous(prices, probabilities)

    def growth(f: list[float]) -> float:
        kept = 1 - sum(f)
        return sum(p * math.log(kept + fi * o) for p, fi, o in zip(probabilities, f, prices, strict=True))

    best = growth(shares)
    for i in range(3):
        for step in (-1e-4, 1e-4):
            moved = list(shares)
            moved[i] = max(moved[i] + step, 0.0)
            assert growth(moved) <= best + 1e-12
    assert shares[0] > 0 and shares[2] > 0  # both edges backed


def test_one_outcome_is_plain_kelly_and_no_edge_stakes_nothing() -> None:
    assert kelly_simultaneous([2.0], [0.6]) == pytest.approx([kelly_fraction(2.0, 0.6)])
    assert kelly_simultaneous([2.0, 3.5, 4.0], [0.45, 0.28, 0.24]) == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="sum to"):
        kelly_simultaneous([2.0, 2.0], [0.6, 0.6])
    with pytest.raises(ValueError, match="prices for"):
        kelly_simultaneous([2.0], [0.5, 0.5])


def test_kelly_with_a_push_is_kelly_given_no_push() -> None:
    p, q, push, price = 0.45, 0.35, 0.20, 2.0
    b = price - 1
    states = [(p, rules.WON), (push, rules.VOID), (q, rules.LOST)]
    assert kelly_settled(price, states) == pytest.approx((b * p - q) / (b * p + b * q))
    assert kelly_settled(price, [(0.6, rules.WON), (0.4, rules.LOST)]) == pytest.approx(0.20)


def test_kelly_on_a_quarter_line_balances_the_half_results() -> None:
    # Over 2.25 at 2.05: 45 % three or more, 25 % exactly two (half lost), 30 % fewer.
    states = [(0.45, rules.WON), (0.25, rules.SETTLED["half lost"]), (0.30, rules.LOST)]
    f = kelly_settled(2.05, states)
    returns = [(pr, s.win_share * 2.05 + s.refund_share - 1) for pr, s in states]
    slope = sum(pr * r / (1 + f * r) for pr, r in returns)
    assert 0 < f < 1 and slope == pytest.approx(0.0, abs=1e-9)
    # No edge: 0.35 * 2.05 + 0.25 * 0.5 < 1.
    assert kelly_settled(2.05, [(0.35, rules.WON), (0.25, rules.SETTLED["half lost"]), (0.40, rules.LOST)]) == 0.0
