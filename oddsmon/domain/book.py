"""One market's books: every bookmaker's prices by outcome, which of them complete a line,
the consensus fair view, and how each outcome of a line settles (pushes, halves) so value and
Kelly count them.

Pure functions over parsed models; :mod:`oddsmon.domain.market` builds the screens' views on
them. Whose fair view (``consensus``) is explained in ``docs/markets.md``.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..types import FairMethod
from .markets import Key, MarketSpec, outcome_key, price_index
from .models import Bookmaker, FixtureOdds
from .odds import fair_probabilities
from .settlement import Distribution, line_kind, line_states, mass_at_line

CONSENSUS_MODES: tuple[str, ...] = ("all", "reference", "trimmed")
"""Whose fair view: every bookmaker's mean, one reference bookmaker, or the mean without outliers."""
REFERENCE_BOOKMAKER = 4  # Pinnacle's id in /odds/bookmakers (the sharpest book the API lists)
# An outlier's fair view is this many times further from the median view than the typical
# bookmaker's, and by at least a percentage point (so a tight market drops nobody).
_OUTLIER_FACTOR = 3.0
_OUTLIER_FLOOR = 0.01


def _book_fair(market: MarketSpec, prices: Sequence[float], method: FairMethod) -> tuple[float, ...]:
    return _fair_of(market.kind == "double", tuple(prices), method)


# A book's fair view depends on its prices alone, and bookmakers quote from a grid of prices:
# the same book recurs across lines, bookmakers and fixtures. A value scan de-vigs every book
# of every line of every fixture, and the solved methods (Shin, power, odds ratio) bisect to
# full precision each time, so each distinct book is solved once (the same answer, exactly).
@functools.lru_cache(maxsize=1 << 16)
def _fair_of(double: bool, prices: tuple[float, ...], method: FairMethod) -> tuple[float, ...]:
    if double:
        # Overlapping outcomes (each result counted twice): only normalising to 200 % is
        # defined; the other methods assume exclusive outcomes.
        total = math.fsum(1.0 / p for p in prices)
        return tuple(2.0 / p / total for p in prices)
    return tuple(fair_probabilities(prices, method))


def consensus(books: Sequence[tuple[Bookmaker, list[float]]], mode: str, market: MarketSpec,
              method: FairMethod) -> tuple[list[float] | None, str]:
    """The fair probabilities of one line from complete books, and whose view it is.

    ``all``: the mean over every complete book; ``reference``: Pinnacle's book when it is there
    (else all, and said so); ``trimmed``: the mean without the books whose fair view is far
    from the median view (see ``_OUTLIER_FACTOR``).
    """
    if mode not in CONSENSUS_MODES:
        raise ValueError(f"unknown consensus {mode!r}; expected one of {CONSENSUS_MODES}")
    if not books:
        return None, "no bookmaker prices every outcome"
    per_book = [(b, _book_fair(market, prices, method)) for b, prices in books]
    note = f"all {len(per_book)} bookmakers"
    if mode == "reference":
        ref = next(((b, fp) for b, fp in per_book if b.id == REFERENCE_BOOKMAKER), None)
        if ref is not None:
            return list(ref[1]), f"{ref[0].name} (reference)"
        note = f"no Pinnacle price: {note}"
    elif mode == "trimmed" and len(per_book) >= 3:
        n = len(per_book[0][1])
        median = [statistics.median(fp[i] for _, fp in per_book) for i in range(n)]
        distance = [max(abs(fp[i] - median[i]) for i in range(n)) for _, fp in per_book]
        limit = max(_OUTLIER_FACTOR * statistics.median(distance), _OUTLIER_FLOOR)
        kept = [(b, fp) for (b, fp), dist in zip(per_book, distance, strict=True) if dist <= limit]
        dropped = [b.name for (b, _), dist in zip(per_book, distance, strict=True) if dist > limit]
        per_book = kept
        note = (f"{len(kept)} bookmakers, outliers dropped: {', '.join(dropped)}" if dropped
                else f"all {len(kept)} bookmakers, no outlier")
    n = len(per_book[0][1])
    return [math.fsum(fp[i] for _, fp in per_book) / len(per_book) for i in range(n)], note


Book = tuple[Bookmaker, list[float | None]]


@dataclass(frozen=True, slots=True)
class LineBooks:
    """One line's books: each bookmaker pricing any of ``labels`` with its price per label
    (None where it has none); the same keyed ``name#id`` (best_prices and arbitrage name a
    bookmaker by its key, and two may share a name); and the complete ones."""

    labels: tuple[str, ...]
    books: list[Book]
    table: dict[str, list[float | None]]
    complete: list[tuple[Bookmaker, list[float]]]


def book_name(key: str) -> str:
    """The bookmaker's name from its ``name#id`` key."""
    return key.rsplit("#", 1)[0]


class MarketBooks:
    """Every bookmaker's prices on one market of one fixture, read once: a value scan asks
    for every line, and the fair view of a line may need its neighbours'."""

    def __init__(self, odds: FixtureOdds, market: MarketSpec) -> None:
        self.market = market
        self.priced: list[tuple[Bookmaker, dict[Key, float]]] = [
            (bo.bookmaker, price_index(market, bet)) for bo in odds.bookmakers
            if (bet := bo.bet(market.id)) is not None]
        self._fair: dict[tuple[tuple[str, ...], float, str, FairMethod], dict[str, float] | None] = {}

    def line(self, labels: Sequence[str]) -> LineBooks:
        keys = [outcome_key(self.market, label) for label in labels]
        books: list[Book] = []
        for bookmaker, index in self.priced:
            prices = [None if key is None else index.get(key) for key in keys]
            if any(p is not None for p in prices):
                books.append((bookmaker, prices))
        table = {f"{b.name}#{b.id}": prices for b, prices in books}
        complete = [(b, [p for p in prices if p is not None]) for b, prices in books
                    if all(p is not None for p in prices)]
        return LineBooks(tuple(labels), books, table, complete)

    def fair_at(self, outcomes: Sequence[str], value: float, mode: str,
                method: FairMethod) -> dict[str, float] | None:
        """The consensus fair view of another line of this market, by outcome; None when no
        bookmaker prices it whole. Kept: neighbouring quarter and whole lines ask for it again."""
        key = (tuple(outcomes), value, mode, method)
        if key not in self._fair:
            self._fair[key] = self._fair_at(outcomes, value, mode, method)
        return self._fair[key]

    def _fair_at(self, outcomes: Sequence[str], value: float, mode: str,
                 method: FairMethod) -> dict[str, float] | None:
        complete = []
        for bookmaker, index in self.priced:
            prices = [index.get((o, value)) for o in outcomes]
            if all(p is not None for p in prices):
                complete.append((bookmaker, [p for p in prices if p is not None]))
        fair, _ = consensus(complete, mode, self.market, method)
        return None if fair is None else dict(zip(outcomes, fair, strict=True))


# A bet on an integer being above or below a line: (the outcome backing "above", the one
# backing "below", the sign turning the label's line into that integer's threshold).
_THRESHOLDS = {"over_under": ("Over", "Under", 1.0), "handicap": ("Home", "Away", -1.0)}


def settled_states(books: MarketBooks, line: float | None, fair: Sequence[float], mode: str,
                   method: FairMethod, draw_chance: Callable[[], float | None]
                   ) -> tuple[list[Distribution] | None, str | None]:
    """How each outcome of one complete line settles, with the chances, where a line can
    push or settle by halves (Asian handicaps and totals on whole and quarter lines, Draw No
    Bet); None (and why) where it cannot, or where the chance of a push is not known.

    The chance that the integer lands on the line's nearest integer comes from the
    neighbouring half line of the same market (``Over 2.5`` tells how often ``Over 2`` wins
    outright), or, for Draw No Bet, from Match Winner's draw (``draw_chance``).
    """
    market = books.market
    if market.rule == "draw_no_bet":  # Asian handicap 0 on the goal margin
        threshold = 0.0
        at = draw_chance()
    else:
        shape = _THRESHOLDS.get(market.family)
        if shape is None or line is None or market.outcomes != shape[:2]:
            return None, None
        up, down, sign = shape
        threshold = sign * line
        if line_kind(threshold) == "half":
            return None, None
        k = round(threshold)
        at = None
        above = books.fair_at((up, down), sign * (k + 0.5), mode, method)
        if above is not None:
            at = mass_at_line("up", threshold, fair[0], above[up])
        if at is None and (below := books.fair_at((up, down), sign * (k - 0.5), mode, method)) is not None:
            at = mass_at_line("down", threshold, fair[1], below[down])
    if at is None:
        return None, ("a push is possible and its chance unknown (no neighbouring half line): "
                      "value is per stake not refunded")
    states = [line_states("up", threshold, fair[0], at), line_states("down", threshold, fair[1], at)]
    if states[0] is None or states[1] is None:
        return None, "the line and its neighbours disagree on the chance of a push: value is per stake not refunded"
    return [states[0], states[1]], None
