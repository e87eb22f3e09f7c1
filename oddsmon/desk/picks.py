"""The pick log: each recorded pick with its closing price, closing line value, result and
profit, for the Picks screen and ``oddsmon --picks [--format csv]``.

The close is the last price the history observed before kickoff (``OddsHistory.closing``); the
closing fair price is the margin-free consensus of the bookmakers complete at the close, by the
configured method; CLV is the pick's price against it (:func:`closing_line_value`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.market import consensus
from ..domain.markets import BY_ID, labels_for, settle
from ..domain.models import Bookmaker, Fixture
from ..domain.odds import closing_line_value
from ..store import Pick, Store
from ..store.picks import Scope
from ..supervision.common import iso
from ..types import FairMethod
from .cells import number_cell, text_cell
from .known import known_fixtures


@dataclass(frozen=True, slots=True)
class PickView:
    pick: Pick
    market: str
    closing_price: float | None  # the pick's bookmaker's last price before kickoff
    closing_fair: float | None  # the market's margin-free price at the close
    clv_pct: float | None
    result: str  # "not started", "pending", "won", "lost", "void", "half won", "half lost", ...
    profit: float | None


def closing_fair_price(closes: dict[tuple[int, str], float], bet_id: int, line: str,
                       label: str, method: FairMethod) -> float | None:
    """The consensus fair price of ``label`` from the books complete at the close."""
    market = BY_ID.get(bet_id)
    if market is None or market.kind == "partial":
        return None  # an incomplete book has no fair price
    labels = labels_for(market, line)
    if label not in labels:
        return None
    by_book: dict[int, dict[str, float]] = {}
    for (bookmaker, outcome), price in closes.items():
        by_book.setdefault(bookmaker, {})[outcome] = price
    books = [(Bookmaker(b, ""), [prices[x] for x in labels]) for b, prices in by_book.items()
             if all(x in prices for x in labels)]
    fair, _ = consensus(books, "all", market, method)
    if fair is None:
        return None
    p = fair[labels.index(label)]  # a Double Chance outcome's own probability too (the book sums to 2)
    return 1.0 / p if p > 0 else None


def _result(pick: Pick, fx: Fixture | None, now: datetime, kickoff: datetime | None) -> tuple[str, float | None]:
    if kickoff is None or now < kickoff:
        return "not started", None
    if fx is None or not fx.is_finished or fx.goals_home is None or fx.goals_away is None:
        return "pending", None
    settled = settle(pick.bet_id, pick.outcome, pick.line, fx.goals_home, fx.goals_away)
    if settled is None:
        return "no full-time rule", None
    return settled.result, settled.profit(pick.stake, pick.price)


def pick_views(store: Store, method: FairMethod, now: datetime, scope: Scope = "mine") -> list[PickView]:
    """The picks of this analyst (``mine``) or of every analyst (``team``), as the screens
    and ``--picks`` show them."""
    fixtures = known_fixtures(store)
    closes: dict[tuple[int, int], dict[tuple[int, str], float]] = {}
    out = []
    for pick in store.picks.all(scope):
        fx = fixtures.get(pick.fixture_id)
        kickoff = fx.kickoff if fx is not None else pick.kickoff
        price = fair = clv = None
        if kickoff is not None and now >= kickoff:
            key = (pick.fixture_id, pick.bet_id)
            if key not in closes:
                closes[key] = store.history.closing_at(pick.fixture_id, pick.bet_id, kickoff)
            price = closes[key].get((pick.bookmaker_id, pick.label))
            fair = closing_fair_price(closes[key], pick.bet_id, pick.line, pick.label, method)
            clv = None if fair is None else closing_line_value(pick.price, fair)
        result, profit = _result(pick, fx, now, kickoff)
        name = BY_ID[pick.bet_id].name if pick.bet_id in BY_ID else f"bet {pick.bet_id}"
        out.append(PickView(pick, name, price, fair, clv, result, profit))
    return out


COLUMNS = ("id", "picked_at", "fixture_id", "kickoff", "match", "market", "line", "outcome",
           "bookmaker", "price", "stake", "currency", "basis", "closing_price", "closing_fair", "clv_pct",
           "result", "profit")


def as_row(v: PickView, currency: str) -> tuple[str | int | float | None, ...]:
    """The pick as a CSV row: names (from the API, stored with the pick) as cells no
    spreadsheet evaluates, numbers as numbers; ``currency``: the stake's and the profit's
    (``[stakes] currency``)."""
    p = v.pick
    return (p.id, iso(p.created_at), p.fixture_id, iso(p.kickoff), text_cell(p.match),
            text_cell(v.market), number_cell(p.line), text_cell(p.outcome), text_cell(p.bookmaker),
            p.price, p.stake, text_cell(currency), p.basis, v.closing_price,
            None if v.closing_fair is None else round(v.closing_fair, 4),
            None if v.clv_pct is None else round(v.clv_pct, 2), v.result,
            None if v.profit is None else round(v.profit, 2))
