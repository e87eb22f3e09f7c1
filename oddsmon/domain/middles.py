"""Middles: two prices on opposite sides of one count at two lines (Over 2.5 at one bookmaker,
Under 3.5 at another; a home handicap and an away one), so that a result between the lines
wins both bets and any other result wins one.

:func:`middle` works out, for every result, what a stake split over the two legs returns:
the results where both win, the worst case (what a miss costs), the best. The default split
makes either leg alone return the same (``stake_i`` proportional to ``1 / price_i``), as
middle calculators do (betsharp.win: "S2 = S1 * d1 / d2"). Legs settle by Asian rules
(:mod:`oddsmon.domain.settlement`), so whole and quarter lines push and halve as they would.
:func:`find_middles` lists a market's middles from the best prices across bookmakers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .book import MarketBooks, book_name
from .markets import lines, market_for, outcome_key
from .models import FixtureOdds
from .odds import best_prices
from .settlement import Side, settle_line

__all__ = ["Leg", "Middle", "find_middles", "handicap_leg", "middle", "total_leg"]


@dataclass(frozen=True, slots=True)
class Leg:
    """One bet of a middle: the count above (``up``) or below (``down``) ``line``, at ``price``."""

    side: Side
    line: float
    price: float
    label: str = ""  # as the API names it ("Over 2.5", "Away -1")
    bookmaker: str = ""


def total_leg(outcome: str, line: float, price: float, bookmaker: str = "") -> Leg:
    """``Over`` / ``Under`` a goals (or corners) line."""
    if outcome not in ("Over", "Under"):
        raise ValueError(f"a total's outcome is Over or Under, not {outcome!r}")
    return Leg("up" if outcome == "Over" else "down", line, price, f"{outcome} {line:g}", bookmaker)


def handicap_leg(outcome: str, handicap: float, price: float, bookmaker: str = "") -> Leg:
    """``Home`` / ``Away`` on an Asian line, ``handicap`` the home side's (the API's labels:
    ``Away -1`` backs the away side receiving one goal). On the goal margin (home - away):
    home at h wins above -h, away below it."""
    if outcome not in ("Home", "Away"):
        raise ValueError(f"a handicap's outcome is Home or Away, not {outcome!r}")
    return Leg("up" if outcome == "Home" else "down", -handicap, price, f"{outcome} {handicap:+g}", bookmaker)


@dataclass(frozen=True, slots=True)
class Middle:
    up: Leg
    down: Leg
    stakes: tuple[float, float]  # what is staked on (up, down)
    profits: tuple[tuple[int, float], ...]  # (count, profit of both stakes), every count that differs
    both_win: tuple[int, ...]  # the counts where both legs win (wholly or by half)

    @property
    def worst(self) -> float:
        return min(p for _, p in self.profits)

    @property
    def best(self) -> float:
        return max(p for _, p in self.profits)

    @property
    def staked(self) -> float:
        return math.fsum(self.stakes)

    @property
    def window(self) -> tuple[int, ...]:
        """The counts that return more than the worst case (a half won, a push, both won)."""
        worst = self.worst
        return tuple(c for c, p in self.profits if p > worst + 1e-12)


def middle(a: Leg, b: Leg, stakes: tuple[float, float] | None = None, bankroll: float = 1.0) -> Middle:
    """The middle of two legs on opposite sides: for every count, what the two stakes return
    less what they cost. ``stakes`` (on ``a``, ``b``) default to ``bankroll`` split so that
    either leg winning alone returns the same."""
    if {a.side, b.side} != {"up", "down"}:
        raise ValueError("a middle needs one leg above its line and one below")
    for leg in (a, b):
        if not 1.0 < leg.price < math.inf:
            raise ValueError(f"price {leg.price!r} of {leg.label or leg.side} is not a decimal price > 1")
    if stakes is None:
        total = 1.0 / a.price + 1.0 / b.price
        stakes = (bankroll / a.price / total, bankroll / b.price / total)
    up, down = (a, b) if a.side == "up" else (b, a)
    up_stake, down_stake = stakes if a.side == "up" else stakes[::-1]
    # Outside [lowest line - 1, highest line + 1] every count settles as the ends do.
    counts = range(math.floor(min(up.line, down.line)) - 1, math.ceil(max(up.line, down.line)) + 2)
    profits, both = [], []
    for count in counts:
        su, sd = settle_line("up", up.line, count), settle_line("down", down.line, count)
        profits.append((count, su.profit(up_stake, up.price) + sd.profit(down_stake, down.price)))
        if su.win_share > 0 and sd.win_share > 0:
            both.append(count)
    return Middle(up, down, (up_stake, down_stake), tuple(profits), tuple(both))


# Markets whose lines are thresholds on one count: (the outcome above, below, label -> leg).
_LEGS = {"over_under": ("Over", "Under", total_leg), "handicap": ("Home", "Away", handicap_leg)}


def find_middles(odds: FixtureOdds, market_id: int, max_cost: float | None = None) -> list[Middle]:
    """Every middle the best prices of one market offer: an "above" outcome at one line and a
    "below" outcome at a higher threshold (Over 2.5 and Under 3.5; Home -0.5 and Away -1.5),
    both legs winning in between. Best (smallest) worst case first. ``max_cost``: only those
    whose worst case loses at most that share of the stake."""
    market = market_for(odds, market_id)
    if market is None or market.family not in _LEGS or market.outcomes != _LEGS[market.family][:2]:
        return []
    above, below, make = _LEGS[market.family]
    books = MarketBooks(odds, market)
    legs: dict[str, list[Leg]] = {above: [], below: []}
    for line in lines(odds, market):
        labels = (f"{above} {line}", f"{below} {line}")
        for label, best in zip(labels, best_prices(books.line(labels).table), strict=True):
            key = outcome_key(market, label)
            if best is not None and key is not None and key[1] is not None:
                leg = make(key[0], key[1], best.price, book_name(best.bookmaker))
                legs[key[0]].append(Leg(leg.side, leg.line, leg.price, label, leg.bookmaker))
    found = []
    for u in legs[above]:
        for d in legs[below]:
            # Far below the lines one leg alone wins, returning 1 / (1/a + 1/b) of the stake:
            # a pair dearer than ``max_cost`` there is not worked out.
            if u.line >= d.line or (max_cost is not None
                                    and 1.0 / u.price + 1.0 / d.price > 1.0 / (1.0 - max_cost) + 1e-12):
                continue
            m = middle(u, d)
            if max_cost is None or m.worst >= -max_cost:
                found.append(m)
    return sorted(found, key=lambda m: (-m.worst, m.up.line, m.down.line))
