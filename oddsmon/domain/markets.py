"""The markets the Odds screen shows: what each API bet is, how its outcome labels carry a line,
what kind of book it makes, and how a pick on it settles.

Facts about the provider's labels come from the captured live body
(``tests/data/api-samples/odds__real_fixture815162_bookmaker6.json``) and are listed with their
sources in ``docs/markets.md``. Where the docs are silent (the line convention of Asian
Handicap), the reading is the one the captured body shows for its sibling market (Handicap
Result: every outcome of a line carries the same suffix, the home side's handicap).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from .models import FixtureOdds

# exclusive: the outcomes are mutually exclusive and exhaustive (the usual book, sums to 100 %);
# double: each result is covered by two outcomes (Double Chance: a fair book sums to 200 %);
# partial: the listed outcomes are not every possible one (Correct Score lists ~25 scores).
Kind = Literal["exclusive", "double", "partial"]


@dataclass(frozen=True, slots=True)
class MarketSpec:
    id: int  # the API's bet id
    name: str
    short: str  # a column header's worth
    outcomes: tuple[str, ...]  # outcome names without the line; empty for a partial market
    lined: bool  # labels are "<outcome> <line>" ("Over 2.5", "Home -1")
    kind: Kind
    default_line: str | None = None

    @property
    def book_total(self) -> float:
        """What the fair probabilities of one line sum to."""
        return 2.0 if self.kind == "double" else 1.0


MATCH_WINNER_SPEC: Final = MarketSpec(1, "Match Winner", "1X2", ("Home", "Draw", "Away"), False, "exclusive")
SPECS: Final[tuple[MarketSpec, ...]] = (
    MATCH_WINNER_SPEC,
    MarketSpec(5, "Goals Over/Under", "O/U", ("Over", "Under"), True, "exclusive", "2.5"),
    MarketSpec(4, "Asian Handicap", "AH", ("Home", "Away"), True, "exclusive"),
    MarketSpec(9, "Handicap Result", "HCP", ("Home", "Draw", "Away"), True, "exclusive"),
    MarketSpec(12, "Double Chance", "DC", ("Home/Draw", "Home/Away", "Draw/Away"), False, "double"),
    # The API calls it "Home/Away": Match Winner without the draw, stakes returned on a draw.
    MarketSpec(2, "Draw No Bet", "DNB", ("Home", "Away"), False, "exclusive"),
    MarketSpec(13, "Half-Time Match Winner", "HT", ("Home", "Draw", "Away"), False, "exclusive"),
    MarketSpec(8, "Both Teams Score", "BTTS", ("Yes", "No"), False, "exclusive"),
    MarketSpec(10, "Correct Score", "CS", (), False, "partial"),
)
BY_ID: Final = {s.id: s for s in SPECS}
SHOWN_BETS: Final = frozenset(BY_ID)
CORRECT_SCORE_TOP = 8  # how many scores (the most likely first) the screen lists

_SCORE = re.compile(r"^(\d+):(\d+)$")
_LINE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def spec(bet_id: int) -> MarketSpec:
    try:
        return BY_ID[bet_id]
    except KeyError:
        raise ValueError(f"unknown market {bet_id!r}; shown: {sorted(BY_ID)}") from None


@functools.lru_cache(maxsize=8192)  # labels repeat across bookmakers and fixtures
def split_label(market: MarketSpec, label: str) -> tuple[str, str] | None:
    """(outcome, line) of an API outcome label, ``line`` empty for a market without lines;
    None when the label is not one of this market's ("Over" alone, "Home -x")."""
    if market.kind == "partial":
        return (label, "") if _SCORE.match(label) else None
    if not market.lined:
        return (label, "") if label in market.outcomes else None
    outcome, _, line = label.rpartition(" ")
    if outcome in market.outcomes and _LINE.match(line):
        return outcome, line
    return None


def export_parts(bet_id: int, label: str) -> tuple[str, str, str]:
    """(market name, line, outcome) for the export; a label the catalogue does not know is
    kept whole, with an empty line, rather than guessed at."""
    market = BY_ID.get(bet_id)
    if market is None:
        return f"bet {bet_id}", "", label
    parts = split_label(market, label)
    if parts is None:
        return market.name, "", label
    return market.name, parts[1], parts[0]


def line_key(line: str) -> float:
    return float(line)


def lines(odds: FixtureOdds, market: MarketSpec) -> list[str]:
    """Every line any bookmaker prices for ``market``, lowest first ("0.5", "1.5", ...)."""
    if not market.lined:
        return []
    found: set[str] = set()
    for book in odds.bookmakers:
        bet = book.bet(market.id)
        if bet is None:
            continue
        for value in bet.values:
            parts = split_label(market, value.label)
            if parts is not None:
                found.add(parts[1])
    return sorted(found, key=line_key)


def default_line(market: MarketSpec, available: list[str]) -> str:
    """The market's usual line when priced (2.5 goals), else the middle of those priced."""
    if not available:
        return market.default_line or ""
    if market.default_line in available:
        return market.default_line
    return available[len(available) // 2]


def offered(odds: FixtureOdds) -> list[MarketSpec]:
    """The catalogue's markets that at least one bookmaker prices for this fixture."""
    priced = {bet.id for book in odds.bookmakers for bet in book.bets if bet.values}
    return [m for m in SPECS if m.id in priced]


def labels_for(market: MarketSpec, line: str) -> tuple[str, ...]:
    """The API's labels of one line ("Over 2.5", "Under 2.5"); a partial market has none fixed."""
    if market.lined:
        return tuple(f"{o} {line}" for o in market.outcomes)
    return market.outcomes


def score_labels(odds: FixtureOdds, market: MarketSpec, top: int) -> tuple[str, ...]:
    """A partial market's labels: the ``top`` outcomes with the shortest best price."""
    best: dict[str, float] = {}
    for book in odds.bookmakers:
        bet = book.bet(market.id)
        for value in bet.values if bet is not None else ():
            if split_label(market, value.label) is not None:
                best[value.label] = max(best.get(value.label, 0.0), value.price)
    return tuple(sorted(best, key=lambda label: (best[label], label))[:top])


# ------------------------------------------------------------------------------- settlement

Result = Literal["won", "lost", "void", "half won", "half lost"]


@dataclass(frozen=True, slots=True)
class Settlement:
    result: Result
    win_share: float  # the share of the stake paid at the price
    refund_share: float  # the share of the stake given back

    def profit(self, stake: float, price: float) -> float:
        return stake * (self.win_share * price + self.refund_share) - stake


_SETTLED: Final[dict[Result, Settlement]] = {
    "won": Settlement("won", 1.0, 0.0), "lost": Settlement("lost", 0.0, 0.0),
    "void": Settlement("void", 0.0, 1.0), "half won": Settlement("half won", 0.5, 0.5),
    "half lost": Settlement("half lost", 0.0, 0.5),
}


def _result_of(home: float, away: float) -> str:
    return "Home" if home > away else "Away" if away > home else "Draw"


def _asian(margin: float) -> Result:
    """One side's result on an Asian line given its goal margin after the handicap."""
    return "won" if margin > 0 else "lost" if margin < 0 else "void"


def settle(bet_id: int, outcome: str, line: str, home: int, away: int) -> Settlement | None:
    """How a pick settles on the full-time score; None when the score cannot settle it (a
    half-time market: the fixture's half-time score is not kept)."""
    market = BY_ID.get(bet_id)
    if market is None or bet_id == 13:
        return None
    won: bool
    if bet_id == 1:
        won = outcome == _result_of(home, away)
    elif bet_id == 2:
        if home == away:
            return _SETTLED["void"]
        won = outcome == _result_of(home, away)
    elif bet_id == 12:
        won = _result_of(home, away) in outcome.split("/")
    elif bet_id == 8:
        won = (outcome == "Yes") == (home > 0 and away > 0)
    elif bet_id == 10:
        won = outcome == f"{home}:{away}"
    elif bet_id == 9:
        won = outcome == _result_of(home + float(line), away)
    elif bet_id == 5:
        total, at = home + away, float(line)
        sign = 1 if outcome == "Over" else -1
        return _split_line(at, lambda half_line: sign * (total - half_line))
    else:  # 4, Asian Handicap: the line is the home side's handicap, the away side gets its opposite
        handicap = float(line)
        sign = 1 if outcome == "Home" else -1
        return _split_line(handicap, lambda h: sign * (home + h - away))
    return _SETTLED["won" if won else "lost"]


def _split_line(line: float, margin_at: Callable[[float], float]) -> Settlement:
    """A quarter line (2.25, -0.75) is half the stake on each neighbouring half line."""
    if round(line * 4) % 2 == 0:
        return _SETTLED[_asian(margin_at(line))]
    low, high = _asian(margin_at(line - 0.25)), _asian(margin_at(line + 0.25))
    if low == high:
        return _SETTLED[low]
    pair = {low, high}
    if pair == {"won", "void"}:
        return _SETTLED["half won"]
    return _SETTLED["half lost"]  # {"lost", "void"}: won and lost cannot both happen
