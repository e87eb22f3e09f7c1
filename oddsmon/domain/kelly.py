"""Kelly stakes beyond one win-or-lose bet: a bet that can push or settle by halves, and
several outcomes of one market backed at once.

* :func:`kelly_settled`: the share of the bankroll that maximises the expected logarithm of
  wealth, ``sum(p_k * log(1 + f * r_k))``, where ``r_k`` is the bet's net return per unit
  stake when it settles as ``k`` (won ``price - 1``, half won ``(price - 1) / 2``, void 0,
  half lost -1/2, lost -1). With won and lost only it is Kelly's ``(p * price - 1) /
  (price - 1)``; with a push it is that formula on the chances given no push.
* :func:`kelly_simultaneous`: Kelly for mutually exclusive outcomes (a 1X2, a correct score
  list), by Smoczynski & Tomkins (2010), "An explicit solution to the problem of optimizing
  the allocations of a bettor's wealth when wagering on horse races", Mathematical Scientist
  35: back the outcomes in decreasing order of expected return ``p * price`` while that
  exceeds the reserve rate ``R = (1 - sum p) / (1 - sum 1/price)`` of those already backed;
  each backed outcome gets ``p - R / price``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .odds import expected_value
from .settlement import Distribution, check_distribution

_STEPS = 200  # bisection steps: the bracket is [0, 1], so 200 halvings reach every double


def kelly_settled(price: float, states: Distribution) -> float:
    """Full-Kelly share of the bankroll on one bet at ``price`` that settles as ``states``
    say; 0 when the bet has no edge."""
    expected_value(price, 0.5)  # validates the price
    check_distribution(states)
    returns = [(p, s.win_share * price + s.refund_share - 1.0) for p, s in states if p > 0.0]
    if math.fsum(p * r for p, r in returns) <= 0.0:
        return 0.0
    worst = min(r for _, r in returns)
    if worst >= 0.0:
        return 1.0  # it cannot lose: any stake gains, Kelly stakes everything

    def slope(f: float) -> float:  # d/df of the expected log wealth, decreasing in f
        return math.fsum(p * r / (1.0 + f * r) for p, r in returns)

    lo, hi = 0.0, min(1.0, -1.0 / worst)  # the wealth stays positive below -1/worst
    for _ in range(_STEPS):
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        if slope(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    return lo


def kelly_simultaneous(prices: Sequence[float], probabilities: Sequence[float]) -> list[float]:
    """Full-Kelly shares of the bankroll on mutually exclusive outcomes backed together, in
    the order given (0 for an outcome not backed). The probabilities may sum below 1 (the
    outcomes not listed make up the rest), never above."""
    if len(prices) != len(probabilities) or not prices:
        raise ValueError(f"{len(prices)} prices for {len(probabilities)} probabilities")
    for price, p in zip(prices, probabilities, strict=True):
        expected_value(price, p)  # validates both
    if math.fsum(probabilities) > 1.0 + 1e-9:
        raise ValueError(f"mutually exclusive outcomes' probabilities sum to {math.fsum(probabilities)!r} > 1")
    order = sorted(range(len(prices)), key=lambda i: -probabilities[i] * prices[i])
    backed: list[int] = []
    reserve = 1.0
    for i in order:
        if probabilities[i] * prices[i] <= reserve:
            break
        backed.append(i)
        spent = math.fsum(1.0 / prices[j] for j in backed)
        if spent >= 1.0:
            # Entering needs p * price > R, which keeps sum(1/price) below 1 while the
            # probabilities sum to at most 1: only rounding gets here. Nothing is held back.
            reserve = 0.0
            break
        reserve = (1.0 - math.fsum(probabilities[j] for j in backed)) / (1.0 - spent)
    shares = [0.0] * len(prices)
    for i in backed:
        shares[i] = probabilities[i] - reserve / prices[i]
    return shares
