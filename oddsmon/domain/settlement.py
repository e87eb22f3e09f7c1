"""How a bet settles, and what a price is worth once pushes and half results are counted.

Pure rules, with the sources of every worked example in ``docs/markets.md`` and the tests:

* **Asian lines** (handicaps and goal totals): a half line (-0.5, 2.5) wins or loses; a whole
  line (-1, 2) is void ("push", the stake back) when the adjusted score is level; a quarter
  line (-0.25, 2.75) is half the stake on each neighbouring half and whole line, so it can be
  half won (one half won, the other void) or half lost (one half lost, the other void).
* **Draw No Bet** ("Home/Away" in the API) is Asian handicap 0: void on a draw.

Every such rule is a threshold on one integer (the goal margin, the goals scored): a side
backs that integer being above (``up``) or below (``down``) the line. :func:`settle_line`
is that rule; the markets (``oddsmon.domain.markets``) say which integer a bet is about.

Value and Kelly: the expected profit of a unit stake is ``sum(p_k * return_k) - 1`` over the
settlements ``k`` a bet can have (:func:`settled_value`): with a push or a half result it is
*not* ``price * p - 1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

Result = Literal["won", "lost", "void", "half won", "half lost"]
Side = Literal["up", "down"]  # the integer above the line (Over, the home side), or below


@dataclass(frozen=True, slots=True)
class Settlement:
    result: Result
    win_share: float  # the share of the stake paid at the price
    refund_share: float  # the share of the stake given back

    def returned(self, stake: float, price: float) -> float:
        """What the bookmaker pays back, stake included."""
        return stake * (self.win_share * price + self.refund_share)

    def profit(self, stake: float, price: float) -> float:
        return self.returned(stake, price) - stake


SETTLED: Final[dict[Result, Settlement]] = {
    "won": Settlement("won", 1.0, 0.0), "lost": Settlement("lost", 0.0, 0.0),
    "void": Settlement("void", 0.0, 1.0), "half won": Settlement("half won", 0.5, 0.5),
    "half lost": Settlement("half lost", 0.0, 0.5),
}
WON: Final = SETTLED["won"]
LOST: Final = SETTLED["lost"]
VOID: Final = SETTLED["void"]


def won_if(condition: bool) -> Settlement:
    return WON if condition else LOST


def line_kind(line: float) -> Literal["half", "whole", "quarter"]:
    """A line's kind: 2.5 half, 2 whole, 2.25 or 2.75 quarter; anything else is refused."""
    quarters = line * 4
    if not math.isfinite(line) or quarters != round(quarters):
        raise ValueError(f"line {line!r} is not a multiple of 0.25")
    step = round(quarters) % 4
    return "whole" if step == 0 else "half" if step == 2 else "quarter"


def _single(margin: float) -> Result:
    return "won" if margin > 0 else "lost" if margin < 0 else "void"


def settle_line(side: Side, line: float, value: int) -> Settlement:
    """A bet that ``value`` ends above (``up``) or below (``down``) ``line``, Asian rules.

    ``Over 2.75`` with 3 goals is ``settle_line("up", 2.75, 3)``: half the stake on Over 2.5
    (won) and half on Over 3 (void), so half won.
    """
    sign = 1 if side == "up" else -1
    if line_kind(line) != "quarter":
        return SETTLED[_single(sign * (value - line))]
    low, high = _single(sign * (value - (line - 0.25))), _single(sign * (value - (line + 0.25)))
    if low == high:
        return SETTLED[low]
    # Two halves a quarter apart: one is void, the other won or lost (never both won and lost).
    return SETTLED["half won" if "won" in (low, high) else "half lost"]


def asian_handicap(outcome: str, handicap: float, home: int, away: int) -> Settlement:
    """``Home``/``Away`` at ``handicap``, the home side's (the away side gets its opposite)."""
    if outcome not in ("Home", "Away"):
        raise ValueError(f"an Asian handicap outcome is Home or Away, not {outcome!r}")
    # Home at h wins when home + h > away, i.e. the margin home - away is above -h.
    return settle_line("up" if outcome == "Home" else "down", -handicap, home - away)


def over_under(outcome: str, line: float, value: int) -> Settlement:
    if outcome not in ("Over", "Under"):
        raise ValueError(f"a total's outcome is Over or Under, not {outcome!r}")
    return settle_line("up" if outcome == "Over" else "down", line, value)


def draw_no_bet(outcome: str, home: int, away: int) -> Settlement:
    """Draw No Bet: Asian handicap 0, the stake back on a draw."""
    return asian_handicap(outcome, 0.0, home, away)


# ------------------------------------------------------------------- value of a settled bet

Distribution = Sequence[tuple[float, Settlement]]  # (probability, how the bet settles then)


def check_distribution(states: Distribution) -> None:
    total = math.fsum(p for p, _ in states)
    if any(not 0.0 <= p <= 1.0 for p, _ in states) or abs(total - 1.0) > 1e-9:
        raise ValueError(f"probabilities {[p for p, _ in states]!r} must be in [0, 1] and sum to 1")


def settled_value(price: float, states: Distribution) -> float:
    """Expected profit of a unit stake at ``price``: ``sum(p * (win * price + refund)) - 1``."""
    check_distribution(states)
    return math.fsum(p * (s.win_share * price + s.refund_share) for p, s in states) - 1.0


def line_states(side: Side, line: float, fair: float, at: float) -> list[tuple[float, Settlement]] | None:
    """How ``side`` at ``line`` settles, with the chances of each settlement, from the line's
    fair probability for ``side`` (its book without the margin: a win's worth against a
    loss's, pushes apart) and ``at``, the chance that the integer lands on ``k``, the line's
    nearest integer (what pushes or halves the stake). None when they cannot both hold.

    A fair book prices the effective chance ``win / (1 - refund)``, so the chance of winning
    outright is ``fair * (1 - at)`` on a whole line, ``fair * (1 - at / 2)`` on a quarter line
    whose k half is lost, ``fair * (1 - at / 2) - at / 2`` on one whose k half is won.
    """
    kind = line_kind(line)
    if kind == "half":
        return [(fair, WON), (1.0 - fair, LOST)]
    k = round(line)
    sign = 1 if side == "up" else -1
    at_k = settle_line(side, line, k)
    if kind == "whole":
        outright = fair * (1.0 - at)
    else:
        outright = fair * (1.0 - at / 2.0) - (at / 2.0 if at_k.result == "half won" else 0.0)
    lost = 1.0 - outright - at
    if min(outright, at, lost) < -1e-12:
        return None
    return [(max(outright, 0.0), settle_line(side, line, k + sign)), (at, at_k),
            (max(lost, 0.0), settle_line(side, line, k - sign))]


def mass_at_line(side: Side, line: float, fair: float, beyond: float) -> float | None:
    """The chance that the integer is exactly ``k`` (the line's nearest integer), from the
    line's own fair probability for ``side`` (its book with the margin removed: what a win
    is worth against what is lost, pushes apart) and ``beyond``, the chance that ``side``
    wins outright (the integer at least k + 1 for ``up``, at most k - 1 for ``down``: the
    neighbouring half line k + 0.5 or k - 0.5 says it).

    A fair book prices the effective chance ``win / (1 - refund)``; solved for the mass at k:
    whole line ``fair = beyond / (1 - m)``; quarter line whose k half is lost for ``side``
    ``fair = beyond / (1 - m / 2)``; quarter line whose k half is won
    ``fair = (beyond + m / 2) / (1 - m / 2)``. None when the figures disagree (a mass outside
    [0, 1 - beyond]) or the line is a half line (nothing lands on it).
    """
    kind = line_kind(line)
    if kind == "half" or not 0.0 < fair < 1.0:
        return None
    k = round(line)
    at_k = settle_line(side, line, k)
    if kind == "whole":
        m = 1.0 - beyond / fair
    elif at_k.result == "half lost":
        m = 2.0 * (1.0 - beyond / fair)
    else:
        m = 2.0 * (fair - beyond) / (1.0 + fair)
    tolerance = 1e-12
    if m < -tolerance or m > 1.0 - beyond + tolerance:
        return None
    return min(max(m, 0.0), 1.0 - beyond)
