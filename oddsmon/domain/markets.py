"""Every bet the API prices: what it is, how its outcome labels carry a line, which outcomes
make a complete book on a line, and how a pick on it settles.

A bet belongs to a *family* that says how to read its labels (``docs/markets.md`` lists them
with their sources):

``choice``        a fixed set of outcomes, no line (1X2-shaped, Yes/No, Odd/Even, HT/FT...)
``over_under``    ``Over 2.5`` / ``Under 2.5``: one line per number
``handicap``      ``Home -1`` / ``Draw -1`` / ``Away -1``: every outcome of a line carries the
                  home side's handicap (European with a draw, Asian without)
``result_total``  ``Home/Over 2.5`` ...: a result and a side of a goals line
``exact_goals``   ``0``, ``1``, ... and ``more N`` (N or more): a line per top ``N``
``scores``        ``2:1`` ...: a list of scores, never a complete book (no "any other score")
``list``          a bet oddsmon cannot read: its labels as they come, never a complete book

A line's book is *complete* when its outcomes partition the results: every outcome the
family requires on that line (impossible ones left out: ``Home/Under 0.5`` cannot happen) is
priced. Only then are margin, fair odds, value and arbitrage defined.

The catalogue (``SPECS``) holds every bet seen in the provider's bodies (the captured live
body ``tests/data/api-samples/odds__real_fixture815162_bookmaker6.json``, the documentation's
samples) plus Asian Handicap; a bet outside it is read by :func:`infer` from its labels.
Bets are named as the API names them; ``alias`` is the common name where it differs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from . import settlement as rules
from .models import Bet, FixtureOdds
from .settlement import Result, Settlement

__all__ = [
    "BY_ID", "CORRECT_SCORE_TOP", "SPECS", "Family", "Kind", "MarketSpec", "Result",
    "Settlement", "default_line", "every_bet", "export_parts", "infer", "labels_for", "line_key",
    "lines", "listed_labels", "market_for", "offered", "outcome_key", "price_index",
    "score_labels", "settle", "spec", "split_label", "unread",
]

# exclusive: the outcomes of a line are mutually exclusive and exhaustive (sums to 100 %);
# double: each result is covered by two outcomes (Double Chance: a fair book sums to 200 %);
# partial: the listed outcomes are never every possible one (a list of scores).
Kind = Literal["exclusive", "double", "partial"]
Family = Literal["choice", "over_under", "handicap", "result_total", "exact_goals", "scores", "list"]
# What the bet is about: the full-time score (the only one a finished fixture keeps), a half,
# the two halves together, corners, or goal order.
Scope = Literal["ft", "h1", "h2", "halves", "corners", "order", "unknown"]
# The integer an over/under or exact-goals bet counts.
Counted = Literal["total", "home", "away", "corners"]


# eq=False: a spec is hashed by identity, as the label cache looks it up on every price read
# (hashing its thirteen fields each time cost more than the parse it saves).
@dataclass(frozen=True, slots=True, eq=False)
class MarketSpec:
    id: int  # the API's bet id
    name: str  # as the API names it
    short: str  # a column header's worth
    outcomes: tuple[str, ...]  # choice: every outcome; lined families: the sides; else ()
    lined: bool  # its outcomes come in lines ("Over 2.5", "Home -1", "more 5")
    kind: Kind
    default_line: str | None = None
    family: Family = "choice"
    alias: str = ""  # the common name, where the API's differs ("Draw No Bet")
    scope: Scope = "ft"
    rule: str = ""  # how a choice settles on the full-time score (see _CHOICE_RULES)
    counted: Counted = "total"
    synonyms: tuple[tuple[str, str], ...] = ()  # (label, outcome): "No goal" is "Draw"

    @property
    def book_total(self) -> float:
        """What the fair probabilities of one line sum to."""
        return 2.0 if self.kind == "double" else 1.0

    @property
    def title(self) -> str:
        """The API's name, then the alias: ``Home/Away (Draw No Bet)``."""
        return f"{self.name} ({self.alias})" if self.alias else self.name


HDA: Final = ("Home", "Draw", "Away")
YES_NO: Final = ("Yes", "No")
OVER_UNDER: Final = ("Over", "Under")
DOUBLE: Final = ("Home/Draw", "Home/Away", "Draw/Away")


def _choice(bet_id: int, name: str, short: str, outcomes: tuple[str, ...], *, scope: Scope = "ft",
            rule: str = "", alias: str = "", kind: Kind = "exclusive",
            synonyms: tuple[tuple[str, str], ...] = ()) -> MarketSpec:
    return MarketSpec(bet_id, name, short, outcomes, False, kind, None, "choice", alias, scope, rule,
                      synonyms=synonyms)


def _over_under(bet_id: int, name: str, short: str, default: str, *, scope: Scope = "ft",
                counted: Counted = "total") -> MarketSpec:
    return MarketSpec(bet_id, name, short, OVER_UNDER, True, "exclusive", default, "over_under",
                      scope=scope, counted=counted)


def _exact_goals(bet_id: int, name: str, short: str, *, scope: Scope = "ft",
                 counted: Counted = "total") -> MarketSpec:
    return MarketSpec(bet_id, name, short, (), True, "exclusive", None, "exact_goals", scope=scope,
                      counted=counted)


def _scores(bet_id: int, name: str, short: str, *, scope: Scope = "ft", alias: str = "") -> MarketSpec:
    return MarketSpec(bet_id, name, short, (), False, "partial", None, "scores", alias, scope)


def _handicap(bet_id: int, name: str, short: str, sides: tuple[str, ...], *, scope: Scope = "ft") -> MarketSpec:
    return MarketSpec(bet_id, name, short, sides, True, "exclusive", None, "handicap", scope=scope)


# The order ``m`` cycles through on the Odds screen: the markets analysts watch most first
# (as before every bet was read), then the rest by id.
SPECS: Final[tuple[MarketSpec, ...]] = (
    _choice(1, "Match Winner", "1X2", HDA, rule="result"),
    _over_under(5, "Goals Over/Under", "O/U", "2.5"),
    _handicap(4, "Asian Handicap", "AH", ("Home", "Away")),
    _handicap(9, "Handicap Result", "HCP", HDA),
    _choice(12, "Double Chance", "DC", DOUBLE, rule="double", kind="double"),
    # Match Winner without the draw: stakes returned on a draw.
    _choice(2, "Home/Away", "DNB", ("Home", "Away"), rule="draw_no_bet", alias="Draw No Bet"),
    _choice(13, "First Half Winner", "HT", HDA, scope="h1", alias="Half-Time Result"),
    _choice(8, "Both Teams Score", "BTTS", YES_NO, rule="btts"),
    _scores(10, "Exact Score", "CS", alias="Correct Score"),
    _choice(3, "Second Half Winner", "2H", HDA, scope="h2"),
    _over_under(6, "Goals Over/Under First Half", "O/U 1H", "1.5", scope="h1"),
    _choice(7, "HT/FT Double", "HT/FT", tuple(f"{a}/{b}" for a in HDA for b in HDA), scope="halves"),
    _choice(11, "Highest Scoring Half", "Top half", ("Draw", "1st Half", "2nd Half"), scope="halves"),
    # "Draw" is "no goal" here; the documentation's Team To Score Last says "No goal".
    _choice(14, "Team To Score First", "1st goal", HDA, scope="order", synonyms=(("No goal", "Draw"),)),
    _choice(15, "Team To Score Last", "Last goal", ("Home", "No goal", "Away"), scope="order",
            synonyms=(("Draw", "No goal"),)),
    _over_under(16, "Total - Home", "O/U home", "1.5", counted="home"),
    _over_under(17, "Total - Away", "O/U away", "1.5", counted="away"),
    _handicap(18, "Handicap Result - First Half", "HCP 1H", HDA, scope="h1"),
    _choice(20, "Double Chance - First Half", "DC 1H", DOUBLE, scope="h1", kind="double"),
    _choice(21, "Odd/Even", "Odd/Even", ("Odd", "Even"), rule="odd_even"),
    _choice(22, "Odd/Even - First Half", "Odd/Even 1H", ("Odd", "Even"), scope="h1"),
    _choice(24, "Results/Both Teams Score", "1X2+BTTS",
            tuple(f"{r}/{b}" for b in YES_NO for r in HDA), rule="result_btts"),
    MarketSpec(25, "Result/Total Goals", "1X2+O/U", HDA, True, "exclusive", "2.5", "result_total"),
    _over_under(26, "Goals Over/Under - Second Half", "O/U 2H", "1.5", scope="h2"),
    _choice(27, "Clean Sheet - Home", "CS home", YES_NO, rule="clean_sheet_home"),
    _choice(28, "Clean Sheet - Away", "CS away", YES_NO, rule="clean_sheet_away"),
    _choice(29, "Win to Nil - Home", "WtN home", YES_NO, rule="win_to_nil_home"),
    _choice(30, "Win to Nil - Away", "WtN away", YES_NO, rule="win_to_nil_away"),
    _scores(31, "Correct Score - First Half", "CS 1H", scope="h1"),
    # "Draw" here is "neither side wins both halves".
    _choice(32, "Win Both Halves", "Both halves", HDA, scope="halves"),
    _choice(33, "Double Chance - Second Half", "DC 2H", DOUBLE, scope="h2", kind="double"),
    _choice(34, "Both Teams Score - First Half", "BTTS 1H", YES_NO, scope="h1"),
    _choice(35, "Both Teams To Score - Second Half", "BTTS 2H", YES_NO, scope="h2"),
    _exact_goals(38, "Exact Goals Number", "Goals"),
    _exact_goals(40, "Home Team Exact Goals Number", "Goals home", counted="home"),
    _exact_goals(41, "Away Team Exact Goals Number", "Goals away", counted="away"),
    _exact_goals(42, "Second Half Exact Goals Number", "Goals 2H", scope="h2"),
    _choice(43, "Home Team Score a Goal", "Home scores", YES_NO, rule="home_scores"),
    _choice(44, "Away Team Score a Goal", "Away scores", YES_NO, rule="away_scores"),
    _over_under(45, "Corners Over Under", "Corners", "10.5", scope="corners", counted="corners"),
    _exact_goals(46, "Exact Goals Number - First Half", "Goals 1H", scope="h1"),
    _over_under(57, "Home Corners Over/Under", "Corners home", "4.5", scope="corners", counted="corners"),
    _over_under(58, "Away Corners Over/Under", "Corners away", "4.5", scope="corners", counted="corners"),
    _scores(62, "Correct Score - Second Half", "CS 2H", scope="h2"),
)
BY_ID: Final = {s.id: s for s in SPECS}
CORRECT_SCORE_TOP = 8  # how many scores (the most likely first) the screen lists

_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_LINED = re.compile(rf"^(\S+) ({_NUMBER})$")
_RESULT_TOTAL = re.compile(rf"^(Home|Draw|Away)/(Over|Under) ({_NUMBER})$")
_SCORE = re.compile(r"^\d+:\d+$")
_GOALS = re.compile(r"^\d+$")
_TOP = re.compile(r"^(?:more (\d+)|(\d+)\+)$")

# A parsed label: (outcome, line value), the line None when the label carries none. Two
# bookmakers writing one line differently ("Over 2" and "Over 2.0", "Home +0" and "Home 0")
# share a key.
Key = tuple[str, float | None]


def spec(bet_id: int) -> MarketSpec:
    try:
        return BY_ID[bet_id]
    except KeyError:
        raise ValueError(f"unknown market {bet_id!r}; catalogued: {sorted(BY_ID)}") from None


@functools.lru_cache(maxsize=16384)  # labels repeat across bookmakers and fixtures
def _parse(market: MarketSpec, label: str) -> tuple[str, str, float | None] | None:
    """(outcome, line text, line value) of a label, or None when it is not one of this
    market's: the line text is as the API wrote it, "" without one."""
    family = market.family
    if family == "choice":
        outcome = dict(market.synonyms).get(label, label)
        return (outcome, "", None) if outcome in market.outcomes else None
    if family in ("over_under", "handicap"):
        match = _LINED.match(label)
        if match is None or match.group(1) not in market.outcomes:
            return None
        return match.group(1), match.group(2), float(match.group(2))
    if family == "result_total":
        match = _RESULT_TOTAL.match(label)
        if match is None:
            return None
        return f"{match.group(1)}/{match.group(2)}", match.group(3), float(match.group(3))
    if family == "exact_goals":
        if _GOALS.match(label):
            return str(int(label)), "", None
        top = _TOP.match(label)
        if top is None:
            return None
        n = top.group(1) or top.group(2)
        return "more", str(int(n)), float(n)
    if family == "scores":
        return (label, "", None) if _SCORE.match(label) else None
    return label, "", None  # list: every label is its own outcome


def outcome_key(market: MarketSpec, label: str) -> Key | None:
    parsed = _parse(market, label)
    return None if parsed is None else (parsed[0], parsed[2])


def split_label(market: MarketSpec, label: str) -> tuple[str, str] | None:
    """(outcome, line) of an API outcome label, ``line`` empty for a market without lines;
    None when the label is not one of this market's ("Over" alone, "Home -x"). An exact
    goals label is its own outcome ("3", "more 5"): it settles without its line."""
    parsed = _parse(market, label)
    if parsed is None:
        return None
    if market.family == "exact_goals":
        return label, ""
    return parsed[0], parsed[1]


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


def _bets(odds: FixtureOdds, bet_id: int) -> Iterable[Bet]:
    for book in odds.bookmakers:
        bet = book.bet(bet_id)
        if bet is not None:
            yield bet


def lines(odds: FixtureOdds, market: MarketSpec) -> list[str]:
    """Every line any bookmaker prices for ``market``, lowest first ("0.5", "1.5", ...), each
    as the API first wrote it; for exact goals, the tops ``N`` of ``more N``."""
    if not market.lined:
        return []
    found: dict[float, str] = {}
    for bet in _bets(odds, market.id):
        for value in bet.values:
            parsed = _parse(market, value.label)
            if parsed is not None and parsed[2] is not None:
                found.setdefault(parsed[2], parsed[1])
    return [found[v] for v in sorted(found)]


def default_line(market: MarketSpec, available: list[str]) -> str:
    """The market's usual line when priced (2.5 goals), else the middle of those priced."""
    if not available:
        return market.default_line or ""
    if market.default_line is not None:
        usual = float(market.default_line)
        for line in available:
            if float(line) == usual:
                return line
    return available[len(available) // 2]


def labels_for(market: MarketSpec, line: str) -> tuple[str, ...]:
    """The labels of one line's complete book ("Over 2.5", "Under 2.5"); outcomes that cannot
    happen are left out (``Home/Under 0.5``: a home win has a goal). A partial market, or
    exact goals without a top, has none fixed (:func:`listed_labels`)."""
    family = market.family
    if family in ("over_under", "handicap"):
        return tuple(f"{o} {line}" for o in market.outcomes)
    if family == "result_total":
        low = float(line) < 1.0
        return tuple(f"{r}/{side} {line}" for side in OVER_UNDER for r in HDA
                     if not (low and side == "Under" and r != "Draw"))
    if family == "exact_goals":
        if not line:
            return ()
        top = int(float(line))
        return (*(str(n) for n in range(top)), f"more {top}")
    if family == "choice":
        return market.outcomes
    return ()


def listed_labels(odds: FixtureOdds, market: MarketSpec, top: int | None = None) -> tuple[str, ...]:
    """A market without a fixed book's labels, the ``top`` shortest best prices first (all
    when None), ties by label."""
    best: dict[str, float] = {}
    for bet in _bets(odds, market.id):
        for value in bet.values:
            if _parse(market, value.label) is not None:
                best[value.label] = max(best.get(value.label, 0.0), value.price)
    ordered = sorted(best, key=lambda label: (best[label], label))
    return tuple(ordered if top is None else ordered[:top])


def score_labels(odds: FixtureOdds, market: MarketSpec, top: int) -> tuple[str, ...]:
    """A partial market's labels: the ``top`` outcomes with the shortest best price."""
    return listed_labels(odds, market, top)


def price_index(market: MarketSpec, bet: Bet) -> dict[Key, float]:
    """A bookmaker's prices on one market by outcome key (the first where a key repeats)."""
    index: dict[Key, float] = {}
    for value in bet.values:
        key = outcome_key(market, value.label)
        if key is not None:
            index.setdefault(key, value.price)
    return index


# ------------------------------------------------------------------ bets outside the catalogue

def infer(bet_id: int, name: str, labels: Iterable[str]) -> MarketSpec:
    """A spec for a bet the catalogue lacks, from what its labels say. Where a label set
    could be a book missing an outcome, the harsher reading is taken: a Home/Away pair is a
    1X2 missing its draw unless the bet is named Asian."""
    seen = set(labels)
    short = name[:12]

    def fits(family: Family, outcomes: tuple[str, ...]) -> bool:
        probe = MarketSpec(bet_id, name, short, outcomes, False, "exclusive", family=family)
        return bool(seen) and all(_parse(probe, label) is not None for label in seen)

    if fits("over_under", OVER_UNDER):
        return MarketSpec(bet_id, name, short, OVER_UNDER, True, "exclusive", family="over_under",
                          scope="unknown")
    if fits("handicap", HDA):
        asian = "asian" in name.lower() and not any(label.startswith("Draw ") for label in seen)
        return MarketSpec(bet_id, name, short, ("Home", "Away") if asian else HDA, True, "exclusive",
                          family="handicap", scope="unknown")
    if fits("result_total", ()):
        return MarketSpec(bet_id, name, short, HDA, True, "exclusive", family="result_total", scope="unknown")
    if fits("exact_goals", ()):
        return MarketSpec(bet_id, name, short, (), True, "exclusive", family="exact_goals", scope="unknown")
    if fits("scores", ()):
        return _scores(bet_id, name, short, scope="unknown")
    combos = tuple(f"{a}/{b}" for a in HDA for b in HDA)
    for outcomes in (HDA, YES_NO, ("Odd", "Even"), combos):
        if seen <= set(outcomes):
            return _choice(bet_id, name, short, outcomes, scope="unknown")
    return unread(bet_id, name)


def unread(bet_id: int, name: str) -> MarketSpec:
    """A bet oddsmon cannot read (or one this fixture does not price): its labels as they
    come, never a complete book."""
    return MarketSpec(bet_id, name, name[:12], (), False, "partial", family="list", scope="unknown")


def market_for(odds: FixtureOdds, bet_id: int) -> MarketSpec | None:
    """The catalogue's spec of a bet, else one inferred from the bet's labels and the API's
    name for it; None when no bookmaker prices it."""
    known = BY_ID.get(bet_id)
    if known is not None:
        return known
    bets = list(_bets(odds, bet_id))
    if not bets:
        return None
    return infer(bet_id, bets[0].name, (v.label for bet in bets for v in bet.values))


def _priced(odds: FixtureOdds) -> set[int]:
    return {bet.id for book in odds.bookmakers for bet in book.bets if bet.values}


def offered(odds: FixtureOdds) -> list[MarketSpec]:
    """The catalogue's markets that at least one bookmaker prices for this fixture."""
    priced = _priced(odds)
    return [m for m in SPECS if m.id in priced]


def every_bet(odds: FixtureOdds) -> list[MarketSpec]:
    """Every bet priced for this fixture: the catalogue's in its order, then the others
    (inferred from their labels) by id."""
    priced = _priced(odds)
    others = sorted(priced - BY_ID.keys())
    return [m for m in SPECS if m.id in priced] + [
        m for bet_id in others if (m := market_for(odds, bet_id)) is not None]


# ------------------------------------------------------------------------------- settlement

def _result_of(home: float, away: float) -> str:
    return "Home" if home > away else "Away" if away > home else "Draw"


def _counted(market: MarketSpec, home: int, away: int) -> int:
    return home + away if market.counted == "total" else home if market.counted == "home" else away


_CHOICE_RULES: Final = {
    "result": lambda o, h, a: rules.won_if(o == _result_of(h, a)),
    "draw_no_bet": lambda o, h, a: rules.draw_no_bet(o, h, a),
    "double": lambda o, h, a: rules.won_if(_result_of(h, a) in o.split("/")),
    "btts": lambda o, h, a: rules.won_if((o == "Yes") == (h > 0 and a > 0)),
    "odd_even": lambda o, h, a: rules.won_if((o == "Odd") == ((h + a) % 2 == 1)),
    "result_btts": lambda o, h, a: rules.won_if(o == f"{_result_of(h, a)}/{'Yes' if h and a else 'No'}"),
    "clean_sheet_home": lambda o, h, a: rules.won_if((o == "Yes") == (a == 0)),
    "clean_sheet_away": lambda o, h, a: rules.won_if((o == "Yes") == (h == 0)),
    "win_to_nil_home": lambda o, h, a: rules.won_if((o == "Yes") == (h > 0 and a == 0)),
    "win_to_nil_away": lambda o, h, a: rules.won_if((o == "Yes") == (a > 0 and h == 0)),
    "home_scores": lambda o, h, a: rules.won_if((o == "Yes") == (h > 0)),
    "away_scores": lambda o, h, a: rules.won_if((o == "Yes") == (a > 0)),
}


def settle(bet_id: int, outcome: str, line: str, home: int, away: int) -> Settlement | None:
    """How a pick settles on the full-time score; None when that score cannot settle it (a
    half's, corners' or goal order's market: only the full-time score is kept)."""
    market = BY_ID.get(bet_id)
    if market is None or market.scope != "ft":
        return None
    family = market.family
    if family == "choice":
        rule = _CHOICE_RULES.get(market.rule)
        return None if rule is None else rule(outcome, home, away)
    if family == "scores":
        return rules.won_if(outcome == f"{home}:{away}")
    if family == "over_under":
        return rules.over_under(outcome, float(line), _counted(market, home, away))
    if family == "exact_goals":
        goals = _counted(market, home, away)
        top = _TOP.match(outcome)
        return rules.won_if(goals >= int(top.group(1) or top.group(2)) if top else str(goals) == outcome)
    if family == "result_total":
        result, side = outcome.split("/")
        total = rules.over_under(side, float(line), home + away)
        return rules.won_if(result == _result_of(home, away) and total.result == "won")
    if market.outcomes == ("Home", "Away"):  # Asian handicap
        return rules.asian_handicap(outcome, float(line), home, away)
    return rules.won_if(outcome == _result_of(home + float(line), away))  # European handicap
