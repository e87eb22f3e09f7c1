"""What analysts read off one market: best prices, margins, fair odds, value, arbitrage, movement.

Pure functions over parsed models and stored price history; the Odds screen and the Dashboard
only display what these return. The maths itself is in :mod:`oddsmon.domain.odds`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import (
    DEFAULT_GOALS_LINE,
    MARKETS,
    MATCH_WINNER,
    Bookmaker,
    FixtureOdds,
    Prediction,
    market_prices,
)
from .odds import Arbitrage, BestPrice, arbitrage, best_prices, expected_value, fair_probabilities, margin

ARROW_UP, ARROW_DOWN, ARROW_FLAT = "▲", "▼", "="


@dataclass(frozen=True, slots=True)
class BookRow:
    bookmaker: Bookmaker
    prices: tuple[float | None, ...]
    margin: float | None  # None when the bookmaker does not price every outcome
    best: tuple[bool, ...]  # True where this row holds the best price of that outcome


@dataclass(frozen=True, slots=True)
class Movement:
    opening: float | None
    current: float | None
    series: tuple[float, ...]  # the market's mean price at each stored change, oldest first

    @property
    def change_pct(self) -> float | None:
        if not self.opening or self.current is None:
            return None
        return (self.current / self.opening - 1.0) * 100.0

    @property
    def arrow(self) -> str:
        change = self.change_pct
        if change is None or abs(change) < 0.05:
            return ARROW_FLAT
        return ARROW_UP if change > 0 else ARROW_DOWN


@dataclass(frozen=True, slots=True)
class OutcomeView:
    label: str
    best: BestPrice | None
    fair_probability: float | None  # the market's margin-free view (mean over bookmakers)
    predicted: float | None  # the prediction's percentage, for Match Winner
    value: float | None  # expected value of the best price against the fair probability
    value_vs_prediction: float | None
    movement: Movement

    @property
    def fair_odds(self) -> float | None:
        p = self.fair_probability
        return None if not p or p <= 0 else 1.0 / p


@dataclass(frozen=True, slots=True)
class MarketView:
    fixture_id: int
    market_id: int
    market_name: str
    line: str
    method: str
    outcomes: tuple[OutcomeView, ...]
    rows: tuple[BookRow, ...]
    arbitrage: Arbitrage | None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(o.label for o in self.outcomes)


def outcome_labels(market_id: int, line: str = DEFAULT_GOALS_LINE) -> tuple[str, ...]:
    """Stored outcome labels, as the API names them ("Over 2.5" for a lined market)."""
    _, outcomes = MARKETS[market_id]
    return tuple(f"{o} {line}" for o in outcomes) if market_id == 5 else outcomes


def _prediction_probs(prediction: Prediction | None, market_id: int) -> list[float | None]:
    n = len(MARKETS[market_id][1])
    if prediction is None or market_id != MATCH_WINNER:
        return [None] * n
    return [prediction.percent_home, prediction.percent_draw, prediction.percent_away]


def movement_series(points: Iterable[tuple[int, str, datetime, float]],
                    labels: Sequence[str]) -> dict[str, Movement]:
    """Per outcome, the mean price over bookmakers each time any of them changed it.

    ``points`` are (bookmaker, outcome, observed_at, price), only stored when a price moved;
    each bookmaker's price carries forward until its next change.
    """
    by_time: dict[datetime, list[tuple[int, str, float]]] = {}
    for bookmaker, outcome, at, price in points:
        by_time.setdefault(at, []).append((bookmaker, outcome, price))
    latest: dict[str, dict[int, float]] = {label: {} for label in labels}
    series: dict[str, list[float]] = {label: [] for label in labels}
    for at in sorted(by_time):
        for bookmaker, outcome, price in by_time[at]:
            if outcome in latest:
                latest[outcome][bookmaker] = price
        for label in labels:
            prices = latest[label].values()
            if prices:
                series[label].append(sum(prices) / len(prices))
    return {label: Movement(s[0] if s else None, s[-1] if s else None, tuple(s))
            for label, s in series.items()}


def analyse_market(odds: FixtureOdds, market_id: int = MATCH_WINNER, *,
                   method: str = "multiplicative", line: str = DEFAULT_GOALS_LINE,
                   prediction: Prediction | None = None,
                   history: Iterable[tuple[int, str, datetime, float]] = ()) -> MarketView:
    """Everything the Odds screen shows for one fixture and market."""
    name, _ = MARKETS[market_id]
    labels = outcome_labels(market_id, line)
    books: list[tuple[Bookmaker, list[float | None]]] = []
    for bo in odds.bookmakers:
        prices = market_prices(bo.bet(market_id), market_id, line)
        if any(p is not None for p in prices):
            books.append((bo.bookmaker, prices))
    table = {f"{b.name}#{b.id}": prices for b, prices in books}
    best = best_prices(table) if table else [None] * len(labels)
    best_display = [None if bp is None else BestPrice(bp.price, bp.bookmaker.rsplit("#", 1)[0])
                    for bp in best]
    complete = [prices for _, prices in books if all(p is not None for p in prices)]
    fair: list[float | None] = [None] * len(labels)
    if complete:
        per_book = [fair_probabilities([p for p in prices if p is not None], method) for prices in complete]
        fair = [math.fsum(fp[i] for fp in per_book) / len(per_book) for i in range(len(labels))]
    predicted = _prediction_probs(prediction, market_id)
    moves = movement_series(history, labels)
    outcomes = []
    for i, label in enumerate(labels):
        bp = best_display[i]
        value = None if bp is None or fair[i] is None or not 0 <= fair[i] <= 1 else expected_value(bp.price, fair[i])  # type: ignore[operator,arg-type]
        vs_pred = None if bp is None or predicted[i] is None else expected_value(bp.price, predicted[i])  # type: ignore[arg-type]
        outcomes.append(OutcomeView(label, bp, fair[i], predicted[i], value, vs_pred, moves[label]))
    rows = []
    for bookmaker, prices in books:
        full = all(p is not None for p in prices)
        rows.append(BookRow(
            bookmaker, tuple(prices),
            margin([p for p in prices if p is not None]) if full else None,
            tuple(best[i] is not None and prices[i] == best[i].price  # type: ignore[union-attr]
                  for i in range(len(labels))),
        ))
    arb = None
    if table:
        found = arbitrage(table)
        if found is not None:
            arb = Arbitrage(found.total, found.profit, found.stakes,
                            [b.rsplit("#", 1)[0] for b in found.bookmakers], found.prices)
    return MarketView(odds.fixture_id, market_id, name, line, method, tuple(outcomes), tuple(rows), arb)


@dataclass(frozen=True, slots=True)
class Headline:
    """A Dashboard row's odds: best Match Winner prices and the markers."""

    fixture_id: int
    best: tuple[BestPrice | None, ...]
    arbitrage: Arbitrage | None
    value: bool  # some best price beats the market's fair odds
    move_pct: float | None  # the largest move of a Match Winner outcome since opening


def headline(odds: FixtureOdds, openings: Mapping[tuple[int, str], float] | None = None) -> Headline:
    """The Dashboard's view of one fixture; ``openings`` maps (bookmaker, outcome) to its first price."""
    view = analyse_market(odds, MATCH_WINNER)
    move = None
    if openings:
        changes = []
        for i, label in enumerate(view.labels):
            first = [openings[(r.bookmaker.id, label)] for r in view.rows
                     if (r.bookmaker.id, label) in openings]
            now = [r.prices[i] for r in view.rows if r.prices[i] is not None and (r.bookmaker.id, label) in openings]
            if first and now:
                changes.append((sum(now) / len(now)) / (sum(first) / len(first)) * 100.0 - 100.0)  # type: ignore[arg-type]
        move = max(changes, key=abs) if changes else None
    return Headline(odds.fixture_id, tuple(o.best for o in view.outcomes), view.arbitrage,
                    any(o.value is not None and o.value > 0 for o in view.outcomes), move)


@dataclass(frozen=True, slots=True)
class PriceDrop:
    fixture_id: int
    bookmaker_id: int
    bet_id: int
    outcome: str
    before: float
    after: float
    at: datetime

    @property
    def pct(self) -> float:
        return (1.0 - self.after / self.before) * 100.0


def price_drops(points: Iterable[tuple[int, int, int, str, datetime, float]], now: datetime,
                threshold_pct: float, window: timedelta) -> list[PriceDrop]:
    """Prices that shortened by at least ``threshold_pct`` from their highest within ``window``.

    ``points`` are (fixture, bookmaker, bet, outcome, observed_at, price) in any order; the
    price in force when the window opened counts as part of it (it is only stored on change).
    """
    series: dict[tuple[int, int, int, str], list[tuple[datetime, float]]] = {}
    for f, b, bet, o, at, price in points:
        if at <= now:
            series.setdefault((f, b, bet, o), []).append((at, price))
    start = now - window
    drops = []
    for (f, b, bet, o), pts in series.items():
        pts.sort()
        before = [p for at, p in pts if at <= start][-1:]
        inside = [p for at, p in pts if at > start]
        if not inside:
            continue
        high = max(before + inside)
        at, last = pts[-1]
        if (1.0 - last / high) * 100.0 >= threshold_pct:
            drops.append(PriceDrop(f, b, bet, o, high, last, at))
    return sorted(drops, key=lambda d: -d.pct)
