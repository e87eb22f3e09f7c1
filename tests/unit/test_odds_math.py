"""Tests for oddsmon.domain.odds: known values worked from the definitions, plus invariants."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from oddsmon.domain.odds import (
    FAIR_METHODS,
    FRACTIONAL_LADDER,
    PRICE_FORMATS,
    Arbitrage,
    BestPrice,
    american_to_decimal,
    arbitrage,
    best_prices,
    decimal_to_american,
    decimal_to_fractional,
    expected_value,
    fair_odds,
    fair_probabilities,
    format_price,
    fractional_to_decimal,
    implied_probability,
    margin,
    shin_z,
)
from oddsmon.types import FairMethod

# No deadline and no too_slow check: CI machines are slower than ours, and speed is a benchmark's
# business, not a property's.
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The running example: home 1.9, draw 3.8, away 4.2.
# pi = 1/o = 10/19, 5/19, 5/21;  sum(pi) = 15/19 + 5/21 = (315 + 95)/399 = 410/399.
MARKET = [1.9, 3.8, 4.2]
MARKET_PI = [Fraction(10, 19), Fraction(5, 19), Fraction(5, 21)]
MARKET_BOOKSUM = Fraction(410, 399)


def _approx(values: list[float], expected: list[float], tol: float) -> bool:
    return len(values) == len(expected) and all(
        abs(v - e) <= tol for v, e in zip(values, expected, strict=True)
    )


def _shin_formula(z: float, prices: list[float]) -> list[float]:
    """The published Shin formula, written out independently of the module."""
    pi = [1 / o for o in prices]
    booksum = sum(pi)
    return [(math.sqrt(z * z + 4 * (1 - z) * x * x / booksum) - z) / (2 * (1 - z)) for x in pi]


def _shin_two_outcome(prices: list[float]) -> tuple[float, list[float]]:
    """Closed form of Shin's model for two outcomes.

    From p_i = ... squared: pi_i^2 = B (z p_i + (1 - z) p_i^2) with B = pi_1 + pi_2. Subtracting
    the two equations and using p_1 + p_2 = 1 gives p_1 - p_2 = pi_1 - pi_2 = d, so
    p_1 = (1 + d)/2 (the additive answer). Adding them gives
    z = (B - 1)(d^2 - B) / (B (d^2 - 1)).
    """
    pi1, pi2 = 1 / prices[0], 1 / prices[1]
    booksum, d = pi1 + pi2, pi1 - pi2
    z = (booksum - 1) * (d * d - booksum) / (booksum * (d * d - 1))
    return z, [(1 + d) / 2, (1 - d) / 2]


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


@st.composite
def realistic_markets(draw: st.DrawFn, min_size: int = 2, max_size: int = 12) -> list[float]:
    """Prices built from true probabilities plus a margin between -5 % and +25 %."""
    weights = draw(st.lists(st.floats(0.02, 1.0), min_size=min_size, max_size=max_size))
    over = draw(st.floats(-0.05, 0.25))
    total = sum(weights)
    inverse = [w / total * (1 + over) for w in weights]
    assume(all(x < 0.999 for x in inverse))
    return [1 / x for x in inverse]


wide_markets = st.lists(st.floats(1.01, 1000.0), min_size=2, max_size=10)


@st.composite
def zero_margin_markets(draw: st.DrawFn) -> list[float]:
    weights = draw(st.lists(st.floats(0.02, 1.0), min_size=2, max_size=10))
    total = sum(weights)
    return [total / w for w in weights]


# --------------------------------------------------------------------------------------------
# Margin, implied probability, EV
# --------------------------------------------------------------------------------------------


def test_margin_known_value() -> None:
    # 410/399 - 1 = 11/399 = 0.027568922...
    assert margin(MARKET) == pytest.approx(11 / 399, abs=1e-15)
    assert margin([2.0, 2.0]) == 0.0
    # 1/1.9 + 1/1.9 - 1 = 20/19 - 1 = 1/19
    assert margin([1.9, 1.9]) == pytest.approx(1 / 19, abs=1e-15)


def test_implied_probability_and_expected_value() -> None:
    assert implied_probability(4.0) == 0.25
    # 0.5 * 2.5 - 1 = 0.25;  0.4 * 2.5 - 1 = 0
    assert expected_value(2.5, 0.5) == 0.25
    assert expected_value(2.5, 0.4) == pytest.approx(0.0, abs=1e-15)
    assert expected_value(3.0, 0.0) == -1.0


@pytest.mark.parametrize("probability", [-0.1, 1.5, math.nan, "0.5"])
def test_expected_value_rejects_bad_probability(probability: object) -> None:
    with pytest.raises(ValueError, match="probability"):
        expected_value(2.0, probability)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Fair probabilities: known values
# --------------------------------------------------------------------------------------------


def test_fair_methods_display_order() -> None:
    assert FAIR_METHODS == ("multiplicative", "additive", "power", "shin", "odds_ratio")


def test_multiplicative_known_values() -> None:
    # p_i = pi_i / B = pi_i * 399/410:  10/19*399/410 = 21/41, 5/19*399/410 = 21/82,
    # 5/21*399/410 = 19/82  (0.512195, 0.256098, 0.231707).
    expected = [x / MARKET_BOOKSUM for x in MARKET_PI]
    assert expected == [Fraction(21, 41), Fraction(21, 82), Fraction(19, 82)]
    assert _approx(fair_probabilities(MARKET), [float(x) for x in expected], 1e-15)
    assert _approx(
        fair_probabilities(MARKET, "multiplicative"), [float(x) for x in expected], 1e-15
    )


def test_additive_known_values() -> None:
    # Each outcome loses (B - 1)/n = (11/399)/3 = 11/1197:
    # 630/1197 - 11/1197 = 619/1197 (0.517126), 315/1197 - 11/1197 = 304/1197 (0.253968),
    # 285/1197 - 11/1197 = 274/1197 (0.228906).
    expected = [x - (MARKET_BOOKSUM - 1) / 3 for x in MARKET_PI]
    assert expected == [Fraction(619, 1197), Fraction(304, 1197), Fraction(274, 1197)]
    assert _approx(fair_probabilities(MARKET, "additive"), [float(x) for x in expected], 1e-15)


def test_additive_equals_margin_weights_proportional_to_the_odds() -> None:
    # Buchdahl's MWPO: fair_o_i = n o_i / (n - M o_i). Same as additive in probability terms.
    for prices in (MARKET, [1.3, 5.0, 9.5], [2.05, 1.8], [1.5, 4.5, 7.0, 12.0]):
        n, m = len(prices), margin(prices)
        mwpo = [(n - m * o) / (n * o) for o in prices]
        assert _approx(fair_probabilities(prices, "additive"), mwpo, 1e-12)


def test_power_known_values() -> None:
    # k solves (10/19)^k + (5/19)^k + (5/21)^k = 1; a 60-digit Decimal bisection gives
    # k = 1.027160787133059563..., p = (0.5172199069658847, 0.2537867969500889,
    # 0.2289932960840264).
    probs = fair_probabilities(MARKET, "power")
    assert _approx(probs, [0.5172199069658847, 0.2537867969500889, 0.2289932960840264], 1e-12)
    k = 1.0271607871330596
    assert math.fsum((1 / o) ** k for o in MARKET) == pytest.approx(1.0, abs=1e-13)
    assert _approx(probs, [(1 / o) ** k for o in MARKET], 1e-12)


def test_shin_known_values() -> None:
    # z solves sum_i (sqrt(z^2 + 4(1-z) pi_i^2/B) - z)/(2(1-z)) = 1; 60-digit Decimal bisection:
    # z = 0.013812814010023190..., p = (0.5158746527641138, 0.2545060940619874,
    # 0.2296192531738988). Jullien & Salanié's fixed point
    # z = (sum_i sqrt(z^2 + 4(1-z) pi_i^2/B) - 2)/(n - 2) gives the same z.
    z = shin_z(MARKET)
    assert z == pytest.approx(0.013812814010023190, abs=1e-14)
    probs = fair_probabilities(MARKET, "shin")
    assert _approx(probs, [0.5158746527641138, 0.2545060940619874, 0.2296192531738988], 1e-12)
    assert _approx(probs, _shin_formula(z, MARKET), 1e-13)
    booksum = sum(1 / o for o in MARKET)
    fixed_point = (sum(math.sqrt(z * z + 4 * (1 - z) / (o * o * booksum)) for o in MARKET) - 2) / 1
    assert fixed_point == pytest.approx(z, abs=1e-13)


def test_shin_two_outcome_closed_form_known_value() -> None:
    # [1.5, 2.6]: pi = 2/3 = 26/39 and 5/13 = 15/39, B = 41/39, d = 11/39.
    # p = ((1 + d)/2, (1 - d)/2) = (25/39, 14/39) = (0.6410256, 0.3589744).
    # z = (B-1)(d^2-B)/(B(d^2-1)) = (2/39)(121/1521 - 1599/1521) / ((41/39)(-1400/1521))
    #   = 2*1478/(41*1400) = 739/14350 = 0.05149826.
    assert shin_z([1.5, 2.6]) == pytest.approx(739 / 14350, abs=1e-14)
    assert _approx(fair_probabilities([1.5, 2.6], "shin"), [25 / 39, 14 / 39], 1e-14)
    closed_z, closed_p = _shin_two_outcome([1.5, 2.6])
    assert closed_z == pytest.approx(739 / 14350, abs=1e-15)
    assert _approx(closed_p, [25 / 39, 14 / 39], 1e-15)


def test_odds_ratio_known_values() -> None:
    # c solves sum_i pi_i/(c + pi_i - c pi_i) = 1; 60-digit Decimal bisection:
    # c = 1.045416634240630094..., p = (0.5152315399169061, 0.2546365122741216,
    # 0.2301319478089723).
    probs = fair_probabilities(MARKET, "odds_ratio")
    assert _approx(probs, [0.5152315399169061, 0.2546365122741216, 0.2301319478089723], 1e-12)
    for o, p in zip(MARKET, probs, strict=True):
        pi = 1 / o
        assert (pi / (1 - pi)) / (p / (1 - p)) == pytest.approx(1.0454166342406301, abs=1e-12)


@pytest.mark.parametrize("method", FAIR_METHODS)
def test_symmetric_two_way_market_is_fifty_fifty(method: FairMethod) -> None:
    # Equal prices carry no information about which side is likelier, whatever the margin.
    assert _approx(fair_probabilities([1.9, 1.9], method), [0.5, 0.5], 1e-15)
    assert _approx(fair_odds([1.9, 1.9], method), [2.0, 2.0], 1e-14)


def test_fair_odds_are_inverse_probabilities() -> None:
    # Multiplicative: 1/(21/41) = 41/21, 1/(21/82) = 82/21, 1/(19/82) = 82/19.
    assert _approx(fair_odds(MARKET), [41 / 21, 82 / 21, 82 / 19], 1e-14)
    for method in FAIR_METHODS:
        probs = fair_probabilities(MARKET, method)
        assert _approx(fair_odds(MARKET, method), [1 / p for p in probs], 1e-14)


def test_additive_goes_negative_for_long_shots() -> None:
    # Clarke, Kovalchik & Ingram (2017) example: pi = .87, .2, .1, .05, .02, .01; B = 1.25, so
    # each outcome loses 0.25/6 = 0.0416667 and the two longest shots go below zero:
    # .02 - .0416667 = -0.0216667 and .01 - .0416667 = -0.0316667. The formula is kept.
    pi = [0.87, 0.2, 0.1, 0.05, 0.02, 0.01]
    prices = [1 / x for x in pi]
    expected = [x - 0.25 / 6 for x in pi]
    probs = fair_probabilities(prices, "additive")
    assert _approx(probs, expected, 1e-12)
    assert probs[4] < 0 and probs[5] < 0
    assert math.fsum(probs) == pytest.approx(1.0, abs=1e-12)
    odds = fair_odds(prices, "additive")
    assert odds[4] == math.inf and odds[5] == math.inf
    assert odds[0] == pytest.approx(1 / (0.87 - 0.25 / 6), rel=1e-12)
    # Every other method keeps all six outcomes inside (0, 1) for this market.
    for method in ("multiplicative", "power", "shin", "odds_ratio"):
        assert all(0 < p < 1 for p in fair_probabilities(prices, method))


@pytest.mark.parametrize("method", FAIR_METHODS)
def test_book_under_100_percent_is_still_solved(method: FairMethod) -> None:
    # 1/2.1 + 1/2.2 = 215/231 < 1 (an arbitrage-level composite book).
    probs = fair_probabilities([2.1, 2.2], method)
    assert math.fsum(probs) == pytest.approx(1.0, abs=1e-12)
    assert 0.5 < probs[0] < 1 and 0 < probs[1] < 0.5


def test_shin_negative_z_for_book_under_100_percent() -> None:
    z = shin_z([2.1, 2.2])
    closed_z, _ = _shin_two_outcome([2.1, 2.2])
    assert z < 0
    assert z == pytest.approx(closed_z, abs=1e-13)
    assert sum(_shin_formula(z, [2.1, 2.2])) == pytest.approx(1.0, abs=1e-13)


# --------------------------------------------------------------------------------------------
# Fair probabilities: invariants
# --------------------------------------------------------------------------------------------


def _assert_order_preserved(prices: list[float], probs: list[float]) -> None:
    for i, (oi, pi) in enumerate(zip(prices, probs, strict=True)):
        for oj, pj in zip(prices[i + 1 :], probs[i + 1 :], strict=True):
            if oi < oj:
                assert pi >= pj - 1e-12, (prices, probs)
            elif oi > oj:
                assert pi <= pj + 1e-12, (prices, probs)
            else:
                assert abs(pi - pj) <= 1e-12, (prices, probs)


@FAST
@given(prices=realistic_markets(), method=st.sampled_from(FAIR_METHODS))
def test_fair_probabilities_invariants_on_realistic_markets(
    prices: list[float], method: FairMethod
) -> None:
    probs = fair_probabilities(prices, method)
    assert len(probs) == len(prices)
    assert abs(math.fsum(probs) - 1.0) <= 1e-9
    _assert_order_preserved(prices, probs)
    booksum = math.fsum(1 / o for o in prices)
    if method == "additive":
        # Documented exception: an outcome is positive only if pi_i exceeds its margin share.
        for o, p in zip(prices, probs, strict=True):
            assert p < 1
            if 1 / o > (booksum - 1) / len(prices) + 1e-12:
                assert p > 0
    else:
        assert all(0 < p < 1 for p in probs)


@FAST
@given(prices=wide_markets, method=st.sampled_from(FAIR_METHODS))
def test_fair_probabilities_sum_and_order_on_any_prices(prices: list[float], method: FairMethod) -> None:
    probs = fair_probabilities(prices, method)
    assert all(math.isfinite(p) for p in probs)
    assert abs(math.fsum(probs) - 1.0) <= 1e-9
    _assert_order_preserved(prices, probs)
    if method != "additive":
        # Closed at 0: in absurd books (hundreds of % margin) a power long shot can underflow.
        assert all(0 <= p < 1 for p in probs)


@FAST
@given(prices=zero_margin_markets(), method=st.sampled_from(FAIR_METHODS))
def test_zero_margin_gives_back_implied_probabilities(prices: list[float], method: FairMethod) -> None:
    assert abs(margin(prices)) <= 1e-14
    assert _approx(fair_probabilities(prices, method), [1 / o for o in prices], 1e-9)


@FAST
@given(prices=realistic_markets())
def test_power_exponent_is_common_and_solves_the_sum(prices: list[float]) -> None:
    probs = fair_probabilities(prices, "power")
    # Recover k from the longest price (its pi is furthest from 1, so ln is best conditioned).
    i = max(range(len(prices)), key=lambda j: prices[j])
    k = math.log(probs[i]) / math.log(1 / prices[i])
    assert k > 0
    assert math.fsum((1 / o) ** k for o in prices) == pytest.approx(1.0, abs=1e-9)
    assert _approx(probs, [(1 / o) ** k for o in prices], 1e-9)


@FAST
@given(prices=realistic_markets())
def test_odds_ratio_is_constant_across_outcomes(prices: list[float]) -> None:
    probs = fair_probabilities(prices, "odds_ratio")
    ratios = [(1 / o / (1 - 1 / o)) / (p / (1 - p)) for o, p in zip(prices, probs, strict=True)]
    assert max(ratios) - min(ratios) <= 1e-9 * max(ratios)
    # Margin > 0 means bookmaker odds-on-probability exceeds fair, i.e. c > 1, and vice versa.
    assert (ratios[0] > 1) == (margin(prices) > 0) or abs(ratios[0] - 1) < 1e-9


@FAST
@given(prices=realistic_markets(min_size=3))
def test_shin_z_solves_the_equation_and_the_fixed_point(prices: list[float]) -> None:
    z = shin_z(prices)
    n, booksum = len(prices), math.fsum(1 / o for o in prices)
    assert math.fsum(_shin_formula(z, prices)) == pytest.approx(1.0, abs=1e-9)
    assert _approx(fair_probabilities(prices, "shin"), _shin_formula(z, prices), 1e-9)
    # Jullien & Salanié: z = (sum sqrt(z^2 + 4(1-z) pi_i^2/B) - 2)/(n - 2) at the solution.
    fixed = (
        math.fsum(math.sqrt(z * z + 4 * (1 - z) / (o * o * booksum)) for o in prices) - 2
    ) / (n - 2)
    assert fixed == pytest.approx(z, abs=1e-9)
    assert (z > 0) == (booksum > 1) or abs(z) < 1e-12


@FAST
@given(prices=realistic_markets(max_size=2))
def test_shin_two_outcomes_matches_closed_form_and_additive(prices: list[float]) -> None:
    closed_z, closed_p = _shin_two_outcome(prices)
    assert shin_z(prices) == pytest.approx(closed_z, abs=1e-9)
    assert _approx(fair_probabilities(prices, "shin"), closed_p, 1e-9)
    assert _approx(fair_probabilities(prices, "additive"), closed_p, 1e-9)


# --------------------------------------------------------------------------------------------
# Fair probabilities: errors
# --------------------------------------------------------------------------------------------


def test_unknown_method_is_named() -> None:
    with pytest.raises(ValueError, match="'basic'"):
        # A name the types forbid, as an untyped caller could still pass: the runtime check is under test.
        fair_probabilities(MARKET, "basic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'wpo'"):
        fair_odds(MARKET, "wpo")  # type: ignore[arg-type]  # as above


@pytest.mark.parametrize("prices", [[], [1.5]])
def test_fewer_than_two_prices(prices: list[float]) -> None:
    with pytest.raises(ValueError, match="at least 2 prices"):
        fair_probabilities(prices)
    with pytest.raises(ValueError, match="at least 2 prices"):
        margin(prices)


@pytest.mark.parametrize("bad", [1.0, 0.5, 0.0, -2.0, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("method", FAIR_METHODS)
def test_bad_price_is_named(bad: float, method: FairMethod) -> None:
    with pytest.raises(ValueError, match=rf"price {re.escape(repr(bad))} at position 1"):
        fair_probabilities([2.0, bad, 3.0], method)


@pytest.mark.parametrize("bad", ["2.0", True, None])
def test_non_numeric_price_is_named(bad: object) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        fair_probabilities([2.0, bad])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        implied_probability(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Best prices and arbitrage
# --------------------------------------------------------------------------------------------


def test_arbitrage_known_values() -> None:
    # Best: 2.1 at A, 2.2 at B. total = 10/21 + 5/11 = 110/231 + 105/231 = 215/231 = 0.930736;
    # profit = 231/215 - 1 = 16/215 = 0.074419; stakes = 110/215 = 22/43, 105/215 = 21/43;
    # each outcome pays 22/43 * 2.1 = 21/43 * 2.2 = 46.2/43 = 231/215 of the bankroll.
    arb = arbitrage({"A": [2.1, 1.9], "B": [1.95, 2.2]})
    assert isinstance(arb, Arbitrage)
    assert arb.total == pytest.approx(215 / 231, abs=1e-15)
    assert arb.profit == pytest.approx(16 / 215, abs=1e-15)
    assert _approx(arb.stakes, [22 / 43, 21 / 43], 1e-15)
    assert arb.bookmakers == ["A", "B"]
    assert arb.prices == [2.1, 2.2]
    assert all(s * p == pytest.approx(231 / 215, abs=1e-14) for s, p in zip(arb.stakes, arb.prices, strict=True))


def test_no_arbitrage_cases() -> None:
    assert arbitrage({"A": [1.9, 1.9], "B": [1.85, 1.95]}) is None  # 1/1.9 + 1/1.95 > 1
    assert arbitrage({"A": [2.0, 2.0]}) is None  # exactly 1: no profit
    assert arbitrage({"A": [2.5, None], "B": [None, None]}) is None  # outcome 2 unpriced
    assert arbitrage({}) is None
    assert arbitrage({"A": [5.0]}) is None  # one outcome is not a market


def test_best_prices_and_tie_breaking() -> None:
    best = best_prices({"A": [2.0, None, 3.0], "B": [2.0, None, 3.1], "C": [1.9, None, 3.1]})
    # 2.0 tie between A and B -> A (first in mapping order); 3.1 tie B/C -> B; nobody prices #2.
    assert best == [BestPrice(2.0, "A"), None, BestPrice(3.1, "B")]
    assert best_prices({}) == []


def test_best_prices_errors_name_the_bookmaker() -> None:
    with pytest.raises(ValueError, match="'B'"):
        best_prices({"A": [2.0, 2.0], "B": [2.0]})
    with pytest.raises(ValueError, match=r"price 0\.9 from bookmaker 'B' at position 1"):
        best_prices({"A": [2.0, 2.0], "B": [2.0, 0.9]})


@st.composite
def books(draw: st.DrawFn) -> dict[str, list[float | None]]:
    n = draw(st.integers(2, 4))
    names = draw(st.lists(st.sampled_from("ABCDEFG"), min_size=1, max_size=5, unique=True))
    price = st.one_of(st.none(), st.floats(1.01, 12.0))
    return {name: draw(st.lists(price, min_size=n, max_size=n)) for name in names}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books())
def test_arbitrage_invariants(book: dict[str, list[float | None]]) -> None:
    best = best_prices(book)
    arb = arbitrage(book)
    if any(b is None for b in best):
        assert arb is None
        return
    total = math.fsum(1 / b.price for b in best if b is not None)
    assert (arb is None) == (total >= 1)
    for i, b in enumerate(best):
        assert b is not None
        assert b.price == max(v for p in book.values() if (v := p[i]) is not None)
        assert book[b.bookmaker][i] == b.price
    if arb is not None:
        assert arb.total == pytest.approx(total, abs=1e-15)
        assert arb.profit == pytest.approx(1 / total - 1, abs=1e-12)
        assert arb.profit > 0
        assert math.fsum(arb.stakes) == pytest.approx(1.0, abs=1e-12)
        payouts = [s * p for s, p in zip(arb.stakes, arb.prices, strict=True)]
        assert max(payouts) - min(payouts) <= 1e-12
        assert payouts[0] == pytest.approx(1 + arb.profit, abs=1e-12)
        assert arb.bookmakers == [b.bookmaker for b in best if b is not None]


# --------------------------------------------------------------------------------------------
# Format conversions
# --------------------------------------------------------------------------------------------


def test_american_to_decimal_known_values() -> None:
    # -110: stake 110 to win 100 -> 1 + 100/110 = 1.909090...; +150: 1 + 150/100 = 2.5.
    assert american_to_decimal(-110) == pytest.approx(1 + 100 / 110, abs=1e-15)
    assert american_to_decimal(150) == 2.5
    assert american_to_decimal("+150") == 2.5
    assert american_to_decimal(" -200 ") == 1.5
    assert american_to_decimal(100) == american_to_decimal(-100) == 2.0


@pytest.mark.parametrize(
    "bad", [0, 99, -99, 99.9, -100.0 + 1e-9, math.nan, math.inf, "abc", "", True]
)
def test_american_to_decimal_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        american_to_decimal(bad)  # type: ignore[arg-type]


def test_decimal_to_american_known_values() -> None:
    assert decimal_to_american(2.5) == "+150"
    assert decimal_to_american(1.5) == "-200"
    assert decimal_to_american(2.0) == "+100"
    assert decimal_to_american(1.91) == "-110"  # 100/0.91 = 109.89
    assert decimal_to_american(11.0) == "+1000"
    assert decimal_to_american(1.4) == "-250"


@FAST
@given(price=st.floats(1.01, 1000.0))
def test_decimal_american_decimal_round_trip(price: float) -> None:
    # Rounding to a whole American number moves the decimal price by at most 0.005.
    back = american_to_decimal(decimal_to_american(price))
    assert abs(back - price) <= 0.005 + 1e-9


@FAST
@given(american=st.one_of(st.integers(100, 100_000), st.integers(-100_000, -101)))
def test_american_decimal_american_round_trip(american: int) -> None:
    assert decimal_to_american(american_to_decimal(american)) == f"{american:+d}"


def test_fractional_to_decimal_known_values() -> None:
    assert fractional_to_decimal("7/4") == 2.75
    assert fractional_to_decimal("1/2") == 1.5
    assert fractional_to_decimal("85/40") == 3.125
    assert fractional_to_decimal(" 7-4 ") == 2.75
    for evens in ("evens", "EVS", "Evens", "evs", "1/1"):
        assert fractional_to_decimal(evens) == 2.0


@pytest.mark.parametrize("bad", ["7/", "/4", "abc", "", "7/0", "0/5", "1.5/2", "-7/4", "7//4", "7"])
def test_fractional_to_decimal_rejects_and_names_input(bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        fractional_to_decimal(bad)


def test_decimal_to_fractional_known_values() -> None:
    # 1.91 is 0.0009 from 10/11 (1.90909); 1.83 is 0.0033 from 5/6 (1.8333) vs 0.03 from 4/5.
    assert decimal_to_fractional(1.91) == "10/11"
    assert decimal_to_fractional(1.83) == "5/6"
    assert decimal_to_fractional(2.0) == "1/1"
    assert decimal_to_fractional(2.75) == "7/4"
    assert decimal_to_fractional(3.0) == "2/1"
    assert decimal_to_fractional(1.5) == "1/2"
    assert decimal_to_fractional(11.0) == "10/1"
    assert decimal_to_fractional(1.67) == "4/6"  # printed unreduced, as on a slip
    assert decimal_to_fractional(2.5) == "6/4"
    assert decimal_to_fractional(3.13) == "85/40"
    assert decimal_to_fractional(4.33) == "10/3"
    # Beyond the ladder (1/100 .. 1000/1): exact reduced fraction.
    assert decimal_to_fractional(1.005) == "1/200"
    assert decimal_to_fractional(1501.0) == "1500/1"
    assert decimal_to_fractional(1001.5) == "2001/2"


def test_ladder_is_strictly_increasing_and_round_trips() -> None:
    values = [fractional_to_decimal(f) for f in FRACTIONAL_LADDER]
    assert values == sorted(values) and len(set(values)) == len(values)
    for text in FRACTIONAL_LADDER:
        assert decimal_to_fractional(fractional_to_decimal(text)) == text
    for required in ("1/10", "2/13", "8/13", "4/6", "10/11", "1/1", "85/40", "10/3", "100/1"):
        assert required in FRACTIONAL_LADDER


@FAST
@given(price=st.floats(1.01, 1001.0))
def test_decimal_to_fractional_picks_the_nearest_ladder_price(price: float) -> None:
    chosen = fractional_to_decimal(decimal_to_fractional(price))
    nearest = min(abs(fractional_to_decimal(f) - price) for f in FRACTIONAL_LADDER)
    assert abs(chosen - price) == nearest


@FAST
@given(price=st.one_of(st.floats(1.0001, 1.0099), st.floats(1001.01, 1e6)))
def test_decimal_to_fractional_beyond_ladder_is_exact(price: float) -> None:
    text = decimal_to_fractional(price)
    assert fractional_to_decimal(text) == price
    assert text not in FRACTIONAL_LADDER


def test_format_price() -> None:
    assert PRICE_FORMATS == ("decimal", "fractional", "american")
    assert format_price(2.5, "decimal") == "2.50"
    assert format_price(1.909, "decimal") == "1.91"
    assert format_price(2.5, "fractional") == "6/4"
    assert format_price(2.5, "american") == "+150"
    assert format_price(1.5, "american") == "-200"
    with pytest.raises(ValueError, match="'hongkong'"):
        format_price(2.5, "hongkong")  # type: ignore[arg-type]  # the runtime check of an untyped caller's style
    with pytest.raises(ValueError, match=r"price 0\.5"):
        format_price(0.5, "decimal")
    with pytest.raises(ValueError, match=r"price 1\.0"):
        decimal_to_fractional(1.0)
    with pytest.raises(ValueError, match="price nan"):
        decimal_to_american(math.nan)
