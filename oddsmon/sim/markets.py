"""The markets the simulator prices, and their true probabilities from a goal model.

A real bookmaker entry carries about 35 bets and 240 values (the captured Bwin entry in
``/work/shared/api-samples/odds__real_fixture815162_bookmaker6.json``): every Over/Under line,
handicaps, double chance, exact and half-time scores, and integer labels. ``FULL`` models
that catalogue after the capture (same bet ids, names and label forms); ``CORE`` is the small
set (Match Winner, Over/Under, Both Teams Score, Exact Goals) for scenarios that want small
bodies. ``FULL`` adds Asian Handicap (bet 4, absent from the capture) on whole, half and
quarter lines, labelled as live entries label it: ``Home -0.25`` / ``Away -0.25``, both with
the home side's handicap.

Probabilities come from independent Poisson goals per team and per half (45 % of the rate in
the first half; the full-time score is their sum), so every market of one fixture tells the
same story: the Over/Under ladder, the halves and full time, the scores and 1X2 agree.
A market that refunds stakes (Draw No Bet on a draw, an Asian line's push or half) is priced
at its fair odds ``(1 - refund) / win``: its labels carry ``win / (1 - refund)``.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# A market's outcome for one cell of its source distribution: (label, weight) pairs.
Classify = Callable[..., Iterable[tuple[Any, float]]]

FIRST_HALF_SHARE = 0.45
CORNERS_RATE = 10.2
_GOALS_MAX = 11  # goals per team in the full-time matrix (the tail beyond is negligible)
_HALF_MAX = 7


@dataclass(frozen=True, slots=True)
class SubMarket:
    """One priced group of outcomes; several with one bet id form one bet (Over/Under lines).

    ``source``: ``ft`` / ``h1`` / ``h2`` score matrices (cells ``(home, away)``), ``joint``
    (cells ``(h1 home, h1 away, h2 home, h2 away)``) or ``corners`` (cell ``(total,)``).
    ``refund``: the share of each label's stake given back in a cell (Draw No Bet on a draw,
    an Asian line's push or half); a label then carries ``win / (1 - refund)``, which the
    margin-free price inverts. Otherwise labels keep their mass (double chance sums to 2, an
    exact-score list to less than 1).
    """

    bet_id: int
    name: str
    labels: tuple[Any, ...]
    source: str
    classify: Classify
    refund: Classify | None = None


def _one(label: Any) -> list[tuple[Any, float]]:
    return [(label, 1.0)]


def _result(h: int, a: int) -> str:
    return "Home" if h > a else "Away" if a > h else "Draw"


def _winner(source: str, bet_id: int, name: str) -> SubMarket:
    return SubMarket(bet_id, name, ("Home", "Draw", "Away"), source, lambda h, a: _one(_result(h, a)))


def _over_under(source: str, bet_id: int, name: str, lines: tuple[float, ...],
                goals: Callable[[int, int], int] = lambda h, a: h + a) -> list[SubMarket]:
    return [SubMarket(bet_id, name, (f"Over {ln:g}", f"Under {ln:g}"), source,
                      lambda h, a, ln=ln: _one(f"Over {ln:g}" if goals(h, a) > ln else f"Under {ln:g}"))
            for ln in lines]


def _yes_no(source: str, bet_id: int, name: str, test: Callable[[int, int], bool]) -> SubMarket:
    return SubMarket(bet_id, name, ("Yes", "No"), source, lambda h, a: _one("Yes" if test(h, a) else "No"))


def _double_chance(source: str, bet_id: int, name: str) -> SubMarket:
    def classify(h: int, a: int) -> list[tuple[Any, float]]:
        r = _result(h, a)
        return [(lab, 1.0) for lab in ("Home/Draw", "Home/Away", "Draw/Away") if r in lab.split("/")]
    return SubMarket(bet_id, name, ("Home/Draw", "Home/Away", "Draw/Away"), source, classify)


def _scores(source: str, bet_id: int, name: str, top: int) -> SubMarket:
    labels = tuple(f"{h}:{a}" for h in range(top + 1) for a in range(top + 1))
    return SubMarket(bet_id, name, labels, source,
                     lambda h, a: _one(f"{h}:{a}") if h <= top and a <= top else [])


def _handicaps(source: str, bet_id: int, name: str, lines: tuple[int, ...]) -> list[SubMarket]:
    out = []
    for ln in lines:
        tag = f"{ln:+d}"
        out.append(SubMarket(bet_id, name, (f"Home {tag}", f"Draw {tag}", f"Away {tag}"), source,
                             lambda h, a, ln=ln, tag=tag: _one(f"{_result(h + ln, a)} {tag}")))
    return out


def _asian_part(x: float) -> tuple[float, float]:
    """(win, refund) shares of a stake on a whole or half line, ``x`` the side's margin after
    its handicap."""
    return (1.0, 0.0) if x > 0 else (0.0, 1.0) if x == 0 else (0.0, 0.0)


def _asian(x: float) -> tuple[float, float]:
    """(win, refund) shares on an Asian line: a quarter line (x a odd number of quarters off
    a half) is half the stake on each neighbouring line."""
    if (x * 4) % 2:
        low, high = _asian_part(x - 0.25), _asian_part(x + 0.25)
        return (low[0] + high[0]) / 2, (low[1] + high[1]) / 2
    return _asian_part(x)


def _asian_handicaps(source: str, bet_id: int, name: str, lines: tuple[float, ...]) -> list[SubMarket]:
    out = []
    for ln in lines:
        home, away = f"Home {ln:+g}", f"Away {ln:+g}"

        def shares(h: int, a: int, ln: float = ln, home: str = home, away: str = away, part: int = 0
                   ) -> list[tuple[Any, float]]:
            return [(home, _asian(h - a + ln)[part]), (away, _asian(a - h - ln)[part])]

        out.append(SubMarket(bet_id, name, (home, away), source, shares,
                             lambda h, a, shares=shares: shares(h, a, part=1)))
    return out


def _first_scorer(h: int, a: int) -> list[tuple[Any, float]]:
    # Goals of a cell in random order: the first is the home side's with probability h/(h+a).
    if h + a == 0:
        return _one("Draw")
    return [("Home", h / (h + a)), ("Away", a / (h + a))]


def _htft(h1: int, a1: int, h2: int, a2: int) -> list[tuple[Any, float]]:
    return _one(f"{_result(h1, a1)}/{_result(h1 + h2, a1 + a2)}")


def _highest_half(h1: int, a1: int, h2: int, a2: int) -> list[tuple[Any, float]]:
    first, second = h1 + a1, h2 + a2
    return _one("Draw" if first == second else "1st Half" if first > second else "2nd Half")


def _both_halves(h1: int, a1: int, h2: int, a2: int) -> list[tuple[Any, float]]:
    return _one("Home" if h1 > a1 and h2 > a2 else "Away" if a1 > h1 and a2 > h2 else "Draw")


_OU_LINES = (0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5)
# Whole, half and quarter lines around the usual fair line (home sides are favourites).
_AH_LINES = (-1.5, -1.25, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)

CORE: tuple[SubMarket, ...] = (
    _winner("ft", 1, "Match Winner"),
    *_over_under("ft", 5, "Goals Over/Under", _OU_LINES[:6]),
    _yes_no("ft", 8, "Both Teams Score", lambda h, a: h > 0 and a > 0),
    SubMarket(38, "Exact Goals Number", (0, 1, 2, 3, 4, 5, "more 6"), "ft",
              lambda h, a: _one(h + a if h + a <= 5 else "more 6")),
)

FULL: tuple[SubMarket, ...] = (
    CORE[0],
    SubMarket(2, "Home/Away", ("Home", "Away"), "ft",
              lambda h, a: _one(_result(h, a)) if h != a else [],
              lambda h, a: [("Home", 1.0), ("Away", 1.0)] if h == a else []),
    *_asian_handicaps("ft", 4, "Asian Handicap", _AH_LINES),
    _winner("h2", 3, "Second Half Winner"),
    *_over_under("ft", 5, "Goals Over/Under", _OU_LINES),
    *_over_under("h1", 6, "Goals Over/Under First Half", _OU_LINES[:5]),
    *_over_under("h2", 26, "Goals Over/Under - Second Half", _OU_LINES[:4]),
    SubMarket(7, "HT/FT Double", tuple(f"{x}/{y}" for x in ("Home", "Draw", "Away")
                                       for y in ("Home", "Draw", "Away")), "joint", _htft),
    _yes_no("ft", 27, "Clean Sheet - Home", lambda h, a: a == 0),
    _yes_no("ft", 28, "Clean Sheet - Away", lambda h, a: h == 0),
    CORE[-2],
    _yes_no("ft", 29, "Win to Nil - Home", lambda h, a: h > 0 and a == 0),
    _yes_no("ft", 30, "Win to Nil - Away", lambda h, a: a > 0 and h == 0),
    *_handicaps("ft", 9, "Handicap Result", (-1, 1, -2, 2)),
    _scores("ft", 10, "Exact Score", 4),
    SubMarket(11, "Highest Scoring Half", ("Draw", "1st Half", "2nd Half"), "joint", _highest_half),
    _scores("h1", 31, "Correct Score - First Half", 3),
    _scores("h2", 62, "Correct Score - Second Half", 3),
    _double_chance("ft", 12, "Double Chance"),
    _winner("h1", 13, "First Half Winner"),
    SubMarket(14, "Team To Score First", ("Home", "Draw", "Away"), "ft", _first_scorer),
    SubMarket(32, "Win Both Halves", ("Home", "Draw", "Away"), "joint", _both_halves),
    *_over_under("ft", 16, "Total - Home", _OU_LINES[:4], lambda h, a: h),
    *_over_under("ft", 17, "Total - Away", _OU_LINES[:4], lambda h, a: a),
    *_handicaps("h1", 18, "Handicap Result - First Half", (-1, 1)),
    _double_chance("h1", 20, "Double Chance - First Half"),
    _double_chance("h2", 33, "Double Chance - Second Half"),
    _yes_no("h1", 34, "Both Teams Score - First Half", lambda h, a: h > 0 and a > 0),
    _yes_no("h2", 35, "Both Teams To Score - Second Half", lambda h, a: h > 0 and a > 0),
    SubMarket(21, "Odd/Even", ("Odd", "Even"), "ft", lambda h, a: _one("Odd" if (h + a) % 2 else "Even")),
    SubMarket(22, "Odd/Even - First Half", ("Odd", "Even"), "h1",
              lambda h, a: _one("Odd" if (h + a) % 2 else "Even")),
    SubMarket(24, "Results/Both Teams Score",
              tuple(f"{r}/{b}" for b in ("Yes", "No") for r in ("Home", "Draw", "Away")), "ft",
              lambda h, a: _one(f"{_result(h, a)}/{'Yes' if h and a else 'No'}")),
    *(SubMarket(25, "Result/Total Goals",
                tuple(f"{r}/{s} {ln:g}" for s in ("Over", "Under") for r in ("Home", "Draw", "Away")),
                "ft", lambda h, a, ln=ln: _one(f"{_result(h, a)}/{'Over' if h + a > ln else 'Under'} {ln:g}"))
      for ln in (3.5, 1.5, 2.5, 4.5)),
    _yes_no("ft", 43, "Home Team Score a Goal", lambda h, a: h > 0),
    _yes_no("ft", 44, "Away Team Score a Goal", lambda h, a: a > 0),
    *(SubMarket(45, "Corners Over Under", (f"Over {ln:g}", f"Under {ln:g}"), "corners",
                lambda c, ln=ln: _one(f"Over {ln:g}" if c > ln else f"Under {ln:g}"))
      for ln in (9.5, 10.5, 11.5, 8.5)),
    CORE[-1],
)


def poisson_pmf(lam: float, n: int) -> list[float]:
    out, p = [], math.exp(-lam)
    for k in range(n):
        out.append(p)
        p *= lam / (k + 1)
    return out


def _grid(n: int) -> list[tuple[int, ...]]:
    return [(i, j) for i in range(n) for j in range(n)]


def _weights(ph: list[float], pa: list[float]) -> list[float]:
    """The score matrix's probabilities, in :func:`_grid` order."""
    return [a * b for a in ph for b in pa]


# The cells of each source, in the order their probabilities are listed: fixed, so what each
# cell pays in each market is worked out once, not once per fixture.
_CELLS: dict[str, list[tuple[int, ...]]] = {
    "ft": _grid(_GOALS_MAX),
    "h1": _grid(_HALF_MAX),
    "h2": _grid(_HALF_MAX),
    "joint": [c1 + c2 for c1 in _grid(_HALF_MAX) for c2 in _grid(_HALF_MAX)],
    "corners": [(k,) for k in range(30)],
}
# Joint cells this unlikely are left out, as a real book would not price them.
_JOINT_FLOOR = 1e-9


@functools.cache
def _payouts(market: SubMarket, refunds: bool = False
             ) -> tuple[tuple[int, tuple[int, ...], tuple[float, ...] | None], ...]:
    """Per label of ``market``: (label index, the cells that pay it (or, with ``refunds``,
    give its stake back) in cell order, their weights, None when all are 1). Classifying a
    cell costs a Python call, and the simulator prices ~90 markets for each of thousands of
    fixtures: it is done once, and a fixture's mass is then summed in C (``sum(map(...))``)."""
    classify = market.refund if refunds else market.classify
    if classify is None:
        return ()
    index = {label: i for i, label in enumerate(market.labels)}
    cells: list[list[tuple[int, float]]] = [[] for _ in market.labels]
    for c, cell in enumerate(_CELLS[market.source]):
        for label, weight in classify(*cell):
            if weight:
                cells[index[label]].append((c, weight))
    return tuple((i, tuple(c for c, _ in paid), None if all(w == 1.0 for _, w in paid)
                  else tuple(w for _, w in paid))
                 for i, paid in enumerate(cells) if paid)


def _mass(market: SubMarket, probs: list[float], refunds: bool = False) -> list[float]:
    values = [0.0] * len(market.labels)
    at = probs.__getitem__
    for label, cells, weights in _payouts(market, refunds):
        values[label] = (sum(map(at, cells)) if weights is None
                         else sum(map(operator.mul, map(at, cells), weights)))
    return values


def probabilities(markets: tuple[SubMarket, ...], lam_home: float, lam_away: float) -> list[float]:
    """True probabilities, flat in ``markets`` order."""
    h1 = (lam_home * FIRST_HALF_SHARE, lam_away * FIRST_HALF_SHARE)
    h2 = (lam_home - h1[0], lam_away - h1[1])
    half1 = _weights(poisson_pmf(h1[0], _HALF_MAX), poisson_pmf(h1[1], _HALF_MAX))
    half2 = _weights(poisson_pmf(h2[0], _HALF_MAX), poisson_pmf(h2[1], _HALF_MAX))
    sources: dict[str, list[float]] = {"h1": half1, "h2": half2}
    needed = {m.source for m in markets}
    if "ft" in needed:
        sources["ft"] = _weights(poisson_pmf(lam_home, _GOALS_MAX), poisson_pmf(lam_away, _GOALS_MAX))
    if "joint" in needed:
        sources["joint"] = [p if (p := p1 * p2) > _JOINT_FLOOR else 0.0 for p1 in half1 for p2 in half2]
    if "corners" in needed:
        sources["corners"] = poisson_pmf(CORNERS_RATE, 30)
    out: list[float] = []
    for market in markets:
        probs = sources[market.source]
        values = _mass(market, probs)
        if market.refund is not None:
            back = _mass(market, probs, refunds=True)
            values = [v / (1.0 - r) for v, r in zip(values, back, strict=True)]
        out += values
    return out
