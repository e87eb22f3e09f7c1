"""What analysts read off one market: best prices, margins, fair odds, value, arbitrage, movement.

Pure functions over parsed models and stored price history; the Odds screen and the Dashboard
only display what these return. The maths itself is in :mod:`oddsmon.domain.odds`, the books
of a line in :mod:`oddsmon.domain.book`, how bets settle in :mod:`oddsmon.domain.settlement`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..types import FairMethod

# Re-exported: the screens and the desk read the consensus from here.
from .book import CONSENSUS_MODES as CONSENSUS_MODES
from .book import REFERENCE_BOOKMAKER as REFERENCE_BOOKMAKER
from .book import MarketBooks, book_name, consensus, settled_states
from .kelly import kelly_settled
from .markets import (
    BY_ID,
    CORRECT_SCORE_TOP,
    Kind,
    MarketSpec,
    default_line,
    every_bet,
    export_parts,
    labels_for,
    lines,
    listed_labels,
    market_for,
    offered,
    outcome_key,
    spec,
    unread,
)
from .middles import Middle, find_middles
from .models import DEFAULT_GOALS_LINE, MATCH_WINNER, Bookmaker, FixtureOdds, Prediction
from .odds import (
    Arbitrage,
    BestPrice,
    arbitrage_of,
    best_prices,
    expected_value,
    kelly_fraction,
    margin,
)
from .settlement import Distribution, settled_value

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
    value: float | None  # expected profit of a unit stake at the best price, against the fair view
    value_vs_prediction: float | None
    movement: Movement
    # How the outcome settles, with the chances (pushes, halves: Asian lines, Draw No Bet);
    # None for a plain win-or-lose outcome, or where the chance of a push is not known.
    states: Distribution | None = None

    @property
    def fair_odds(self) -> float | None:
        p = self.fair_probability
        return None if not p or p <= 0 else 1.0 / p

    @property
    def implied(self) -> float | None:
        """The best price's own probability, margin and all (1 / price)."""
        return None if self.best is None else 1.0 / self.best.price

    def value_at(self, price: float) -> float | None:
        """Expected profit of a unit stake at ``price`` against the market's fair view,
        pushes and halves counted."""
        return value_at(price, self.fair_probability, self.states)

    def kelly_at(self, price: float) -> float | None:
        """The full-Kelly share of the bankroll at ``price`` against the market's fair view."""
        p = self.fair_probability
        if self.states is not None:
            return kelly_settled(price, self.states)
        return None if p is None or not 0 <= p <= 1 else kelly_fraction(price, p)


def value_at(price: float, p: float | None, states: Distribution | None) -> float | None:
    """Expected profit of a unit stake at ``price``: over ``states`` where the bet can push
    or settle by halves, else ``price * p - 1``; None without a probability."""
    if states is not None:
        return settled_value(price, states)
    return None if p is None or not 0 <= p <= 1 else expected_value(price, p)


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
    markets: tuple[int, ...] = ()  # the catalogue's markets this fixture has prices for
    complete: bool = True  # some bookmaker prices the line's every outcome: a fair view exists
    bets: tuple[tuple[int, str], ...] = ()  # every bet priced (id, name), the catalogue's first
    middles: tuple[Middle, ...] = ()  # across the market's lines, smallest worst case first
    priced: bool = True  # some bookmaker prices this bet for this fixture

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(o.label for o in self.outcomes)


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
    """The line asked for when priced (compared as numbers: "2" is "2.0"), else the usual one."""
    available = tuple(lines(odds, market))
    try:
        wanted = float(line)
    except ValueError:
        wanted = None
    chosen = next((ln for ln in available if float(ln) == wanted), None)
    return (chosen if chosen is not None else default_line(market, list(available))), available


def _labels(odds: FixtureOdds, market: MarketSpec, line: str) -> tuple[tuple[str, ...], bool]:
    """The line's labels, and whether they are a complete book's (else a list of what is
    priced: scores, exact goals without a top, a bet oddsmon cannot read)."""
    fixed = labels_for(market, line)
    if fixed:
        return fixed, market.kind != "partial"
    top = CORRECT_SCORE_TOP if market.family == "scores" else None
    return listed_labels(odds, market, top), False


def _incomplete(market: MarketSpec, line: str, labels: Sequence[str], priced: Sequence[bool]) -> str:
    """Why a line is not a complete book, for the screen."""
    if market.family == "scores":
        return f"{market.name} lists some scores only, no \"any other score\""
    if market.family == "exact_goals":
        return f"{market.name} has no \"N or more\" outcome"
    if market.family == "list":
        return f"oddsmon cannot tell what {market.name}'s outcomes cover"
    missing = [label for label, p in zip(labels, priced, strict=True) if not p]
    if missing:
        where = f" {line}" if line else ""
        return f"no bookmaker prices {', '.join(missing)} on {market.name}{where}"
    return "no bookmaker prices every outcome"


def _draw_chance(odds: FixtureOdds, mode: str, method: FairMethod) -> float | None:
    """Match Winner's fair chance of a draw (what voids a Draw No Bet stake)."""
    match = BY_ID[MATCH_WINNER]
    fair, _ = consensus(MarketBooks(odds, match).line(match.outcomes).complete, mode, match, method)
    return None if fair is None else fair[1]


def analyse_market(odds: FixtureOdds, market_id: int = MATCH_WINNER, *,
                   method: FairMethod = "multiplicative", line: str = DEFAULT_GOALS_LINE,
                   prediction: Prediction | None = None,
                   history: Iterable[tuple[int, str, datetime, float]] = (),
                   consensus_mode: str = "all") -> MarketView:
    """Everything the Odds screen shows for one fixture, market and line.

    Any bet the fixture is priced in: the catalogue's, or one read from its labels. A line
    that is not priced falls back to the market's usual one (2.5 goals), else the middle line
    priced. Margins, fair odds, value and arbitrage come from complete books only; a
    bookmaker missing an outcome shows its prices without a margin, and a line nobody prices
    whole shows best prices and movement only, with the reason in ``note``. Value and Kelly
    count pushes and half results (``OutcomeView.states``).
    """
    found_market = market_for(odds, market_id)
    # A bet chosen on another fixture that this one does not price: shown empty, named.
    market = found_market or BY_ID.get(market_id) or unread(market_id, f"bet {market_id}")
    line, available = _chosen_line(odds, market, line) if market.lined else ("", ())
    labels, exact = _labels(odds, market, line)
    books = MarketBooks(odds, market)
    priced = books.line(labels)
    best = best_prices(priced.table) if priced.table else [None] * len(labels)
    best_display = [None if bp is None else BestPrice(bp.price, book_name(bp.bookmaker)) for bp in best]
    notes: list[str] = []
    fair: list[float | None] = [None] * len(labels)
    states: list[Distribution | None] = [None] * len(labels)
    whose = ""
    complete = exact and bool(priced.complete)
    if not complete:
        reason = _incomplete(market, line, labels, [b is not None for b in best])
        notes.append(f"not a complete book: {reason}; best prices and movement only")
    else:
        found, whose = consensus(priced.complete, consensus_mode, market, method)
        assert found is not None
        fair = list(found)
        if len(priced.complete) < len(priced.books):
            notes.append(f"{len(priced.books) - len(priced.complete)} bookmaker(s) miss an outcome: "
                         "left out of the fair view")
        line_value = outcome_key(market, labels[0])
        settled, why = settled_states(books, None if line_value is None else line_value[1], found,
                                      consensus_mode, method,
                                      lambda: _draw_chance(odds, consensus_mode, method))
        if settled is not None:
            states = list(settled)
        if why:
            notes.append(why)
    predicted = prediction_probs(prediction, market_id) or [None] * len(labels)
    moves = movement_series(_canonical(market, history, labels), labels)
    outcomes = []
    for i, label in enumerate(labels):
        bp, q = best_display[i], predicted[i]
        value = None if bp is None else value_at(bp.price, fair[i], states[i])
        vs_pred = None if bp is None or q is None else _value_vs_prediction(market_id, bp.price, q, prediction)
        outcomes.append(OutcomeView(label, bp, fair[i], q, value, vs_pred, moves[label], states[i]))
    rows = []
    for bookmaker, prices in priced.books:
        full = exact and all(p is not None for p in prices)
        rows.append(BookRow(
            bookmaker, tuple(prices),
            _book_margin(market, [p for p in prices if p is not None]) if full else None,
            tuple(best[i] is not None and prices[i] == best[i].price  # type: ignore[union-attr]
                  for i in range(len(labels))),
        ))
    arb = None
    if complete and market.kind == "exclusive":
        found_arb = arbitrage_of(best)
        if found_arb is not None:
            arb = Arbitrage(found_arb.total, found_arb.profit, found_arb.stakes,
                            [book_name(b) for b in found_arb.bookmakers], found_arb.prices)
    bets = every_bet(odds)
    return MarketView(odds.fixture_id, market_id, market.title, line, method, tuple(outcomes),
                      tuple(rows), arb, "partial" if not exact else market.kind, available, whose,
                      "; ".join(notes) or None, tuple(m.id for m in bets if m.id in BY_ID), complete,
                      tuple((m.id, m.title) for m in bets), tuple(find_middles(odds, market_id)),
                      found_market is not None)


def _canonical(market: MarketSpec, history: Iterable[tuple[int, str, datetime, float]],
               labels: Sequence[str]) -> Iterable[tuple[int, str, datetime, float]]:
    """The history's points under the shown labels: a bookmaker writing "Over 2.0" moves the
    "Over 2" column."""
    shown = {outcome_key(market, label): label for label in labels}
    for bookmaker, outcome, at, price in history:
        label = outcome if outcome in labels else shown.get(outcome_key(market, outcome))
        if label is not None:
            yield bookmaker, label, at, price


def _value_vs_prediction(market_id: int, price: float, p: float, prediction: Prediction | None) -> float:
    """Value against the prediction: on Draw No Bet the draw refunds (its chance is the
    prediction's draw), elsewhere a plain win or loss."""
    draw = None if prediction is None else prediction.percent_draw
    if market_id == 2 and draw is not None and draw < 1.0:
        return (1.0 - draw) * p * price + draw - 1.0
    return expected_value(price, p)


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
    edge: float  # expected return of the price against the fair view, the arbitrage's profit, or
    # a middle's worst case
    fair_probability: float | None
    window: tuple[int, ...] = ()  # a middle: the counts that return more than its worst case

    @property
    def kind(self) -> str:
        """``value``, ``arbitrage`` (every outcome of a line) or ``middle`` (two lines)."""
        return "middle" if self.window else "arbitrage" if self.price is None else "value"


def fixture_value(odds: FixtureOdds, *, method: FairMethod = "multiplicative",
                  consensus_mode: str = "all") -> list[ValueBet]:
    """Everything the Value screen lists for one fixture: its value bets and arbitrages, then
    its cheap middles."""
    return value_bets(odds, method=method, consensus_mode=consensus_mode) + value_middles(odds)


# A middle is listed beside value bets when a miss costs at most this share of the stake
# (two prices of 1.95 either side of a goal cost 2.5 %).
MIDDLE_MAX_COST = 0.05


def value_middles(odds: FixtureOdds, max_cost: float = MIDDLE_MAX_COST) -> list[ValueBet]:
    """The middles of every total and handicap of one fixture whose worst case loses at most
    ``max_cost`` of the stake: the two legs as the outcome ("Over 2.5 + Under 3.5"), the
    first leg's line, their bookmakers, the worst case as the edge."""
    found = []
    for market in every_bet(odds):
        if market.family not in ("over_under", "handicap"):
            continue
        for m in find_middles(odds, market.id, max_cost):
            line = m.up.label.split(" ", 1)[1]
            found.append(ValueBet(odds.fixture_id, market.id, market.name, line,
                                  f"{m.up.label} + {m.down.label}", None,
                                  f"{m.up.bookmaker}, {m.down.bookmaker}", m.worst, None, m.window))
    return found


def value_bets(odds: FixtureOdds, *, method: FairMethod = "multiplicative",
               consensus_mode: str = "all") -> list[ValueBet]:
    """Every value bet and arbitrage of every catalogued market and line of one fixture.

    The value and arbitrage :func:`analyse_market` shows for each line, without the rest of
    its view (book margins, movement, the prediction): the Value screen scans every line of
    every watched fixture, and building whole views made its first open take seconds at
    2,000 fixtures. A line that is not a complete book has no fair view, so neither.
    """
    found: list[ValueBet] = []
    draw: list[float | None] = []  # Match Winner's draw, worked out once if a line needs it

    def draw_chance() -> float | None:
        if not draw:
            draw.append(_draw_chance(odds, consensus_mode, method))
        return draw[0]

    for market in offered(odds):
        if market.kind == "partial":
            continue
        books = MarketBooks(odds, market)
        for line in lines(odds, market) if market.lined else [""]:
            labels = labels_for(market, line)
            priced = books.line(labels)
            if not labels or not priced.table:
                continue
            best = best_prices(priced.table)
            if market.kind == "exclusive" and priced.complete and (arb := arbitrage_of(best)) is not None:
                found.append(ValueBet(odds.fixture_id, market.id, market.name, line, "all outcomes", None,
                                      ", ".join(sorted({book_name(b) for b in arb.bookmakers})),
                                      arb.profit, None))
            fair, _ = consensus(priced.complete, consensus_mode, market, method)
            if fair is None:
                continue
            key = outcome_key(market, labels[0])
            states, _ = settled_states(books, None if key is None else key[1], fair, consensus_mode,
                                       method, draw_chance)
            for i, (label, bp, p) in enumerate(zip(labels, best, fair, strict=True)):
                edge = None if bp is None else value_at(bp.price, p, None if states is None else states[i])
                if bp is not None and edge is not None and edge > 0:
                    found.append(ValueBet(odds.fixture_id, market.id, market.name, line, label, bp.price,
                                          book_name(bp.bookmaker), edge, p))
    return found


def model_value_bets(odds: FixtureOdds, probabilities: Mapping[tuple[int, str], float]) -> list[ValueBet]:
    """The value bets of one fixture against the analyst's own probabilities (``probabilities``:
    (bet id, the API's outcome label) -> p, each the chance the bet wins): every priced outcome
    the model has a probability for, at its best price, whose ``price * p - 1`` is above 0.
    Any market, complete book or not: the model needs no fair view of the market."""
    best: dict[tuple[int, str], tuple[float, Bookmaker]] = {}
    for book in odds.bookmakers:
        for bet in book.bets:
            for v in bet.values:
                key = (bet.id, v.label)
                if key in probabilities and v.price > 1.0 and v.price > best.get(key, (0.0, book.bookmaker))[0]:
                    best[key] = (v.price, book.bookmaker)
    found = []
    for (bet_id, label), (price, bookmaker) in best.items():
        p = probabilities[(bet_id, label)]
        edge = price * p - 1.0
        if edge > 0:
            name, line, _outcome = export_parts(bet_id, label)
            found.append(ValueBet(odds.fixture_id, bet_id, name, line, label, price, bookmaker.name, edge, p))
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
