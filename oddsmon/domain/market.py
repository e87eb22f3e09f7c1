"""What analysts read off one market: best prices, margins, fair odds, value, arbitrage, movement.

Pure functions over parsed models and stored price history; the Odds screen and the Dashboard
only display what these return. The maths itself is in :mod:`oddsmon.domain.odds`.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..types import FairMethod
from .markets import (
    CORRECT_SCORE_TOP,
    Kind,
    MarketSpec,
    default_line,
    labels_for,
    lines,
    offered,
    score_labels,
    spec,
)
from .models import DEFAULT_GOALS_LINE, MATCH_WINNER, Bet, Bookmaker, FixtureOdds, Prediction
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
    fair_probability: float | None  # the market's margin-free view (see MarketView.consensus)
    predicted: float | None  # the prediction's probability, where the market maps onto it
    value: float | None  # expected value of the best price against the fair probability
    value_vs_prediction: float | None
    movement: Movement

    @property
    def fair_odds(self) -> float | None:
        p = self.fair_probability
        return None if not p or p <= 0 else 1.0 / p

    @property
    def implied(self) -> float | None:
        """The best price's own probability, margin and all (1 / price)."""
        return None if self.best is None else 1.0 / self.best.price


@dataclass(frozen=True, slots=True)
class MarketView:
    fixture_id: int
    market_id: int
    market_name: str
    line: str
    method: FairMethod
    outcomes: tuple[OutcomeView, ...]
    rows: tuple[BookRow, ...]
    arbitrage: Arbitrage | None
    kind: Kind = "exclusive"
    lines: tuple[str, ...] = ()  # every line priced, for a lined market
    consensus: str = ""  # whose fair view this is, said on the screen
    note: str | None = None  # why some figures are missing (an incomplete book)
    markets: tuple[int, ...] = ()  # the shown markets this fixture has prices for

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(o.label for o in self.outcomes)


CONSENSUS_MODES: tuple[str, ...] = ("all", "reference", "trimmed")
"""Whose fair view: every bookmaker's mean, one reference bookmaker, or the mean without outliers."""
REFERENCE_BOOKMAKER = 4  # Pinnacle's id in /odds/bookmakers (the sharpest book the API lists)
# An outlier's fair view is this many times further from the median view than the typical
# bookmaker's, and by at least a percentage point (so a tight market drops nobody).
_OUTLIER_FACTOR = 3.0
_OUTLIER_FLOOR = 0.01


def outcome_labels(market_id: int, line: str = DEFAULT_GOALS_LINE) -> tuple[str, ...]:
    """Stored outcome labels, as the API names them ("Over 2.5" for a lined market)."""
    return labels_for(spec(market_id), line)


def prediction_probs(prediction: Prediction | None, market_id: int) -> list[float | None] | None:
    """The prediction's probabilities in the market's outcome order, where it implies them:
    Match Winner as is, Draw No Bet without the draw, Double Chance as sums of two."""
    if prediction is None:
        return None
    h, d, a = prediction.percent_home, prediction.percent_draw, prediction.percent_away
    if h is None or d is None or a is None:
        return None
    if market_id == MATCH_WINNER:
        return [h, d, a]
    if market_id == 2 and h + a > 0:
        return [h / (h + a), a / (h + a)]
    if market_id == 12:
        return [h + d, h + a, d + a]
    return None


def _book_fair(market: MarketSpec, prices: Sequence[float], method: FairMethod) -> list[float]:
    if market.kind == "double":
        # Overlapping outcomes (each result counted twice): only normalising to 200 % is
        # defined; the other methods assume exclusive outcomes.
        total = math.fsum(1.0 / p for p in prices)
        return [2.0 / p / total for p in prices]
    return fair_probabilities(prices, method)


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
            return ref[1], f"{ref[0].name} (reference)"
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


def _chosen_line(odds: FixtureOdds, market: MarketSpec, line: str) -> tuple[str, tuple[str, ...]]:
    available = tuple(lines(odds, market))
    return (line if line in available else default_line(market, list(available))), available


_Book = tuple[Bookmaker, list[float | None]]


def _market_bets(odds: FixtureOdds, market_id: int) -> list[tuple[Bookmaker, Bet]]:
    """Each bookmaker's bet on one market, for those offering it."""
    return [(bo.bookmaker, bet) for bo in odds.bookmakers if (bet := bo.bet(market_id)) is not None]


def _line_books(bets: Iterable[tuple[Bookmaker, Bet]], labels: Sequence[str]
                ) -> tuple[list[_Book], dict[str, list[float | None]], list[tuple[Bookmaker, list[float]]]]:
    """One line's books: each bookmaker pricing any of ``labels``, with its price per label
    (None where it has none); the same keyed ``name#id`` (best_prices and arbitrage name a
    bookmaker by its key, and two may share a name); and the complete ones, every label priced."""
    priced = [(bookmaker, [bet.price(label) for label in labels]) for bookmaker, bet in bets]
    books = [(bookmaker, prices) for bookmaker, prices in priced if any(p is not None for p in prices)]
    table = {f"{b.name}#{b.id}": prices for b, prices in books}
    complete = [(b, [p for p in prices if p is not None]) for b, prices in books
                if all(p is not None for p in prices)]
    return books, table, complete


def _book_name(key: str) -> str:
    """The bookmaker's name from its ``name#id`` key."""
    return key.rsplit("#", 1)[0]


def analyse_market(odds: FixtureOdds, market_id: int = MATCH_WINNER, *,
                   method: FairMethod = "multiplicative", line: str = DEFAULT_GOALS_LINE,
                   prediction: Prediction | None = None,
                   history: Iterable[tuple[int, str, datetime, float]] = (),
                   consensus_mode: str = "all") -> MarketView:
    """Everything the Odds screen shows for one fixture, market and line.

    A line that is not priced falls back to the market's usual one (2.5 goals), else the
    middle line priced. Margins, fair odds and value come from complete books only; a
    bookmaker missing an outcome shows its prices without a margin.
    """
    market = spec(market_id)
    line, available = _chosen_line(odds, market, line) if market.lined else ("", ())
    labels = (score_labels(odds, market, CORRECT_SCORE_TOP) if market.kind == "partial"
              else labels_for(market, line))
    books, table, complete = _line_books(_market_bets(odds, market_id), labels)
    best = best_prices(table) if table else [None] * len(labels)
    best_display = [None if bp is None else BestPrice(bp.price, _book_name(bp.bookmaker)) for bp in best]
    note: str | None = None
    fair: list[float | None] = [None] * len(labels)
    whose = ""
    if market.kind == "partial":
        note = (f"{market.name}: the API lists some scores only, an incomplete book: no margin, "
                f"fair odds, value or arbitrage; the {len(labels)} most likely by best price")
    else:
        found, whose = consensus(complete, consensus_mode, market, method)
        if found is not None:
            fair = list(found)
        if len(complete) < len(books):
            note = f"{len(books) - len(complete)} bookmaker(s) miss an outcome: left out of the fair view"
    predicted = prediction_probs(prediction, market_id) or [None] * len(labels)
    moves = movement_series(history, labels)
    outcomes = []
    for i, label in enumerate(labels):
        bp, p = best_display[i], fair[i]
        value = None if bp is None or p is None or not 0 <= p <= 1 else expected_value(bp.price, p)
        q = predicted[i]
        vs_pred = None if bp is None or q is None else expected_value(bp.price, q)
        outcomes.append(OutcomeView(label, bp, p, q, value, vs_pred, moves[label]))
    rows = []
    exact = market.kind != "partial"
    for bookmaker, prices in books:
        full = exact and all(p is not None for p in prices)
        rows.append(BookRow(
            bookmaker, tuple(prices),
            _book_margin(market, [p for p in prices if p is not None]) if full else None,
            tuple(best[i] is not None and prices[i] == best[i].price  # type: ignore[union-attr]
                  for i in range(len(labels))),
        ))
    arb = None
    if table and market.kind == "exclusive":
        found_arb = arbitrage(table)
        if found_arb is not None:
            arb = Arbitrage(found_arb.total, found_arb.profit, found_arb.stakes,
                            [_book_name(b) for b in found_arb.bookmakers], found_arb.prices)
    return MarketView(odds.fixture_id, market_id, market.name, line, method, tuple(outcomes),
                      tuple(rows), arb, market.kind, available, whose, note,
                      tuple(m.id for m in offered(odds)))


def _book_margin(market: MarketSpec, prices: list[float]) -> float:
    # A Double Chance book covers every result twice: its margin is over 200 %, not 100 %.
    return (margin(prices) + 1.0) / market.book_total - 1.0


@dataclass(frozen=True, slots=True)
class Headline:
    """A Dashboard row's odds: best Match Winner prices and the markers."""

    fixture_id: int
    best: tuple[BestPrice | None, ...]
    arbitrage: Arbitrage | None
    value: bool  # some best price beats the market's fair odds
    move_pct: float | None  # the largest move of a Match Winner outcome since opening
    edge: float | None = None  # the largest value (expected return) among the best prices
    margin: float | None = None  # the lowest margin of a complete bookmaker



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
    values = [o.value for o in view.outcomes if o.value is not None]
    margins = [r.margin for r in view.rows if r.margin is not None]
    return Headline(odds.fixture_id, tuple(o.best for o in view.outcomes), view.arbitrage,
                    any(v > 0 for v in values), move, max(values, default=None),
                    min(margins, default=None))


def headline_to_row(head: Headline) -> str:
    """A headline as the JSON text the store keeps (computed when its odds were stored)."""
    arb = head.arbitrage
    return json.dumps([[None if b is None else [b.price, b.bookmaker] for b in head.best],
                       None if arb is None else [arb.total, arb.profit, arb.stakes, arb.bookmakers, arb.prices],
                       head.value, head.move_pct, head.edge, head.margin], separators=(",", ":"))


def headline_from_row(fixture_id: int, row: str) -> Headline:
    """The headline ``headline_to_row`` kept, as it was computed."""
    best, arb, value, move, edge, margin = json.loads(row)
    return Headline(fixture_id, tuple(None if b is None else BestPrice(b[0], b[1]) for b in best),
                    None if arb is None else Arbitrage(*arb), value, move, edge, margin)


@dataclass(frozen=True, slots=True)
class ValueBet:
    """One value bet or arbitrage found on a fixture, for the Value screen."""

    fixture_id: int
    market_id: int
    market: str
    line: str
    outcome: str  # the outcome label; "all outcomes" for an arbitrage
    price: float | None  # the best price (None for an arbitrage: several prices)
    bookmaker: str
    edge: float  # expected return of the price against the fair view, or the arbitrage's profit
    fair_probability: float | None


def value_bets(odds: FixtureOdds, *, method: FairMethod = "multiplicative",
               consensus_mode: str = "all") -> list[ValueBet]:
    """Every value bet and arbitrage of every shown market and line of one fixture.

    The value and arbitrage :func:`analyse_market` shows for each line, without the rest of
    its view (book margins, movement, the prediction): the Value screen scans every line of
    every watched fixture, and building whole views made its first open take seconds at
    2,000 fixtures. A partial market (correct score) has no fair view, so neither.
    """
    found: list[ValueBet] = []
    for market in offered(odds):
        if market.kind == "partial":
            continue
        bets = _market_bets(odds, market.id)
        for line in lines(odds, market) if market.lined else [""]:
            labels = labels_for(market, line)
            _, table, complete = _line_books(bets, labels)
            if not table:
                continue
            if market.kind == "exclusive" and (arb := arbitrage(table)) is not None:
                found.append(ValueBet(odds.fixture_id, market.id, market.name, line, "all outcomes", None,
                                      ", ".join(sorted({_book_name(b) for b in arb.bookmakers})),
                                      arb.profit, None))
            fair, _ = consensus(complete, consensus_mode, market, method)
            if fair is None:
                continue
            for label, best, p in zip(labels, best_prices(table), fair, strict=True):
                if best is not None and 0 <= p <= 1 and (edge := expected_value(best.price, p)) > 0:
                    found.append(ValueBet(odds.fixture_id, market.id, market.name, line, label, best.price,
                                          _book_name(best.bookmaker), edge, p))
    return found


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
