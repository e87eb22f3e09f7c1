"""Typed domain models parsed from the ``response`` part of API-Football v3 bodies.

The API client strips the envelope (``get``, ``errors``, ``results``, ``paging``) and hands
the ``response`` value to one of the ``parse_*`` functions here. The cache keeps the raw body,
so these models are never serialised back.

Tolerance policy, in one place so screens and the cache can rely on it:

* Every parser raises :class:`ParseError` (a ``ValueError``) for bad input and nothing else,
  whatever JSON it is given: a body that does not parse is an error for that page, never a
  crash of the app.
* Absence is tolerated where the provider documents it (or is known to send it): optional
  fields accept ``null`` or a missing key and become ``None``. A field that is present with
  the wrong type is a :class:`ParseError` even when optional, because a silent ``None`` would
  hide a change of format from us.
* One exception, for odds: a single outcome value that is unusable (not an object, label
  missing or not a string/number, odd not a decimal number, not finite, or <= 1.0) is skipped
  and counted in ``FixtureOdds.skipped``, because one bookmaker publishing one bad price must
  not blank the whole odds page. Anything above the value (bookmaker, bet, the lists holding
  them, the fixture and league ids) is structure, and wrong structure is a ParseError.
* Unknown extra keys are ignored; ``results`` is never looked at (the docs' samples announce
  more results than they list), the list at hand is what gets parsed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from ..text import clean

__all__ = [
    "BOTH_TEAMS_SCORE",
    "COMPARISON_ORDER",
    "DEFAULT_GOALS_LINE",
    "FINISHED_STATUSES",
    "GOALS_OVER_UNDER",
    "LIVE_STATUSES",
    "MARKETS",
    "MATCH_WINNER",
    "UPCOMING_STATUSES",
    "ApiStatus",
    "Bet",
    "BetType",
    "Bookmaker",
    "BookmakerOdds",
    "ComparisonRow",
    "Fixture",
    "FixtureOdds",
    "League",
    "LiveBet",
    "LiveOdds",
    "LiveStatus",
    "LiveValue",
    "OddValue",
    "ParseError",
    "Prediction",
    "Team",
    "market_prices",
    "parse_bets",
    "parse_bookmakers",
    "parse_fixtures",
    "parse_leagues",
    "parse_live_odds",
    "parse_odds",
    "parse_predictions",
    "parse_status",
]


class ParseError(ValueError):
    """A body that does not have the shape we rely on.

    ``path`` points at the offending field from the ``response`` root, e.g.
    ``response[3].fixture.id``, so an operator can find it in the cached raw body.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str]]:
        # The default reduce would call ParseError(message) and fail on the missing argument;
        # errors may cross process or thread boundaries (store, supervision).
        return (ParseError, (self.path, self.problem))


# --------------------------------------------------------------------------- status codes

# The provider's fixture status codes (fixture.status.short). Codes outside the three sets
# (PST, CANC, ABD, AWD, WO, or any code the provider adds later) are none of the three.
UPCOMING_STATUSES: Final = frozenset({"NS", "TBD"})
LIVE_STATUSES: Final = frozenset({"1H", "HT", "2H", "ET", "BT", "P", "SUSP", "INT", "LIVE"})
FINISHED_STATUSES: Final = frozenset({"FT", "AET", "PEN"})

# --------------------------------------------------------------------------------- models


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class League:
    id: int
    name: str
    country: str
    type: str
    logo_url: str | None
    seasons: tuple[int, ...]
    current_season: int | None
    # What the provider covers in the current season (None: not said); no odds or no
    # predictions coverage means asking for them spends calls on empty answers.
    odds_covered: bool | None = None
    predictions_covered: bool | None = None


@dataclass(frozen=True, slots=True)
class Fixture:
    id: int
    league_id: int
    league_name: str
    country: str
    season: int
    round: str
    kickoff: datetime
    status_short: str
    status_long: str
    elapsed: int | None
    home: Team
    away: Team
    goals_home: int | None
    goals_away: int | None
    venue: str | None
    referee: str | None

    @property
    def is_live(self) -> bool:
        return self.status_short in LIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status_short in FINISHED_STATUSES

    @property
    def is_upcoming(self) -> bool:
        return self.status_short in UPCOMING_STATUSES


@dataclass(frozen=True, slots=True)
class Bookmaker:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class BetType:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class OddValue:
    label: str
    price: float


@dataclass(frozen=True, slots=True)
class Bet:
    id: int
    name: str
    values: tuple[OddValue, ...]

    def price(self, label: str) -> float | None:
        """The price of the outcome ``label`` (e.g. "Home", "Over 2.5"), or None if absent."""
        for value in self.values:
            if value.label == label:
                return value.price
        return None


@dataclass(frozen=True, slots=True)
class BookmakerOdds:
    bookmaker: Bookmaker
    bets: tuple[Bet, ...]

    def bet(self, bet_id: int) -> Bet | None:
        for bet in self.bets:
            if bet.id == bet_id:
                return bet
        return None


@dataclass(frozen=True, slots=True)
class FixtureOdds:
    fixture_id: int
    league_id: int
    season: int
    kickoff: datetime | None
    updated_at: datetime | None
    bookmakers: tuple[BookmakerOdds, ...]
    # Outcome values dropped because their price was unusable (see the module docstring);
    # lets a screen say "n prices hidden" instead of pretending the market is complete.
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class LiveValue:
    """One in-play outcome. The live feed has no bookmaker; a suspended price is None."""

    label: str
    handicap: str | None  # the line ("2.5" goals, "-1" Asian handicap), None when it has none
    price: float | None
    main: bool | None  # the feed's main line of a lined market, None when it does not say
    suspended: bool


@dataclass(frozen=True, slots=True)
class LiveBet:
    id: int  # /odds/live/bets id space: 59 is Fulltime Result here, not /odds/bets' 59
    name: str
    values: tuple[LiveValue, ...]


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """Where a match in play stands, as the live feed says: minute, score, and its flags."""

    status_long: str | None
    elapsed: int | None
    goals_home: int | None
    goals_away: int | None
    stopped: bool  # the match is interrupted (half time, an incident): prices are off
    blocked: bool  # the feed blocks bets on it
    finished: bool

    @property
    def halted(self) -> str | None:
        """Why none of the match's prices can be bet on now (the feed's own flag), or None:
        a price shown then is a figure, not an offer, and never feeds value, arbitrage or an
        alert."""
        return "finished" if self.finished else "blocked" if self.blocked else \
            "stopped" if self.stopped else None


@dataclass(frozen=True, slots=True)
class LiveOdds:
    """One ``/odds/live`` item: the fixture's minute and score with its in-play markets."""

    fixture_id: int
    league_id: int
    season: int
    status: LiveStatus
    updated_at: datetime | None
    bets: tuple[LiveBet, ...]
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    name: str
    home: float | None
    away: float | None


@dataclass(frozen=True, slots=True)
class Prediction:
    fixture_id: int | None
    advice: str | None
    winner: Team | None
    winner_comment: str | None
    win_or_draw: bool | None
    under_over: str | None
    goals_home: str | None
    goals_away: str | None
    percent_home: float | None
    percent_draw: float | None
    percent_away: float | None
    comparison: tuple[ComparisonRow, ...]
    home: Team
    away: Team
    league_id: int
    league_name: str


@dataclass(frozen=True, slots=True)
class ApiStatus:
    plan: str
    active: bool
    subscription_end: datetime | None
    requests_current: int
    limit_day: int


# -------------------------------------------------------------------------------- markets

MATCH_WINNER: Final = 1
GOALS_OVER_UNDER: Final = 5
BOTH_TEAMS_SCORE: Final = 8
DEFAULT_GOALS_LINE: Final = "2.5"

# Over/Under outcome labels carry the line ("Over 2.5"); the labels below are completed with
# the requested line by market_prices, and are what a table header shows.
_LINED_MARKETS: Final = frozenset({GOALS_OVER_UNDER})

MARKETS: Final[Mapping[int, tuple[str, tuple[str, ...]]]] = MappingProxyType(
    {
        MATCH_WINNER: ("Match Winner", ("Home", "Draw", "Away")),
        GOALS_OVER_UNDER: ("Goals Over/Under", ("Over", "Under")),
        BOTH_TEAMS_SCORE: ("Both Teams Score", ("Yes", "No")),
    }
)


def market_prices(
    bet: Bet | None, market_id: int, line: str = DEFAULT_GOALS_LINE
) -> list[float | None]:
    """Prices of ``bet`` in the market's outcome order, None where an outcome is missing.

    ``bet`` may be None (the bookmaker does not offer the market) so callers can write
    ``market_prices(book.bet(MATCH_WINNER), MATCH_WINNER)`` without a branch. ``line`` only
    matters for Goals Over/Under.
    """
    try:
        _name, outcomes = MARKETS[market_id]
    except KeyError:
        raise ValueError(f"unknown market {market_id!r}; known: {sorted(MARKETS)}") from None
    if bet is None:
        return [None] * len(outcomes)
    if bet.id != market_id:
        # Mixing up bets is a programming error: answering with Nones would look like a
        # bookmaker with no prices.
        raise ValueError(f"bet {bet.id} ({bet.name!r}) is not market {market_id}")
    if market_id in _LINED_MARKETS:
        return [bet.price(f"{outcome} {line}") for outcome in outcomes]
    return [bet.price(outcome) for outcome in outcomes]


# ----------------------------------------------------------------------- field readers

_MISSING: Final[Any] = object()


def _describe(value: Any) -> str:
    if value is _MISSING:
        return "nothing (key missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        text = str(value) if abs(value) < 10**12 else "a big number"
        return f"an integer ({text})"
    if isinstance(value, float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 24 else value[:21] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def _fail(path: str, expected: str, value: Any) -> ParseError:
    return ParseError(path, f"expected {expected}, got {_describe(value)}")


def _field(obj: Mapping[str, Any], key: str) -> Any:
    return obj.get(key, _MISSING)


def _is_int(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python counts as int.
    return isinstance(value, int) and not isinstance(value, bool)


def _as_obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, "an object", value)
    return value


def _as_list(value: Any, path: str) -> Sequence[Any]:
    # A str is a Sequence too; JSON arrays arrive as list (tuple accepted for callers' ease).
    if not isinstance(value, (list, tuple)):
        raise _fail(path, "a list", value)
    return value


def _obj(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    return _as_obj(_field(obj, key), f"{path}.{key}")


def _opt_obj(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    """An optional sub-object; null or missing reads as empty so its fields become None."""
    value = _field(obj, key)
    if value is None or value is _MISSING:
        return {}
    return _as_obj(value, f"{path}.{key}")


def _list(obj: Mapping[str, Any], key: str, path: str) -> Sequence[Any]:
    return _as_list(_field(obj, key), f"{path}.{key}")


def _typed(obj: Mapping[str, Any], key: str, path: str, ok: Callable[[Any], bool],
           expected: str, optional: bool) -> Any:
    """``obj[key]`` if ``ok`` accepts it; None for null/missing when ``optional``."""
    value = _field(obj, key)
    if optional and (value is None or value is _MISSING):
        return None
    if not ok(value):
        raise _fail(f"{path}.{key}", f"{expected} or null" if optional else expected, value)
    return value


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


# Ids, seasons, goals and counts the API sends are small; anything beyond what a double holds
# exactly (2^53) is an impossible value, and past 2^63 SQLite could not even store it.
INT_LIMIT: Final = 2**53


def _bounded(value: int, path: str) -> int:
    if not -INT_LIMIT < value < INT_LIMIT:
        raise ParseError(path, f"out of range: {_describe(value)} is beyond 2^53")
    return value


def _int(obj: Mapping[str, Any], key: str, path: str) -> int:
    return _bounded(int(_typed(obj, key, path, _is_int, "an integer", False)), f"{path}.{key}")


def _opt_int(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = _typed(obj, key, path, _is_int, "an integer", True)
    return None if value is None else _bounded(int(value), f"{path}.{key}")


def _str(obj: Mapping[str, Any], key: str, path: str) -> str:
    # Every name reaches a terminal: escape sequences and bidi overrides are removed here.
    return clean(_typed(obj, key, path, _is_str, "a string", False))


def _opt_str(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = _typed(obj, key, path, _is_str, "a string", True)
    return None if value is None else clean(value)


def _bool(obj: Mapping[str, Any], key: str, path: str) -> bool:
    return _typed(obj, key, path, _is_bool, "true or false", False)


def _opt_bool(obj: Mapping[str, Any], key: str, path: str) -> bool | None:
    # "true, false or null" reads better than "true or false or null".
    value = _field(obj, key)
    if value is None or value is _MISSING:
        return None
    return _typed(obj, key, path, _is_bool, "true, false or null", False)


def _iso_utc(text: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601 with an offset; None if unparsable or naive."""
    try:
        parsed = datetime.fromisoformat(text)
        # A naive time would be in whatever timezone the request asked for: ambiguous.
        if parsed.utcoffset() is None:
            return None
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _from_timestamp(value: Any) -> datetime | None:
    if not (_is_int(value) or isinstance(value, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _opt_datetime(
    obj: Mapping[str, Any], key: str, path: str, *, timestamp_key: str | None = None
) -> datetime | None:
    """``obj[key]`` as aware UTC, else ``obj[timestamp_key]`` (POSIX seconds), else None.

    None only when nothing was sent; a value that is there but unreadable is a ParseError.
    """
    value = _field(obj, key)
    if isinstance(value, str):
        parsed = _iso_utc(value)
        if parsed is not None:
            return parsed
    if timestamp_key is not None:
        ts_value = _field(obj, timestamp_key)
        from_ts = _from_timestamp(ts_value)
        if from_ts is not None:
            return from_ts
        if ts_value is not None and ts_value is not _MISSING:
            raise _fail(f"{path}.{timestamp_key}", "POSIX seconds", ts_value)
    if value is None or value is _MISSING:
        return None
    raise _fail(f"{path}.{key}", "an ISO 8601 datetime with offset", value)


def _datetime(
    obj: Mapping[str, Any], key: str, path: str, *, timestamp_key: str | None = None
) -> datetime:
    parsed = _opt_datetime(obj, key, path, timestamp_key=timestamp_key)
    if parsed is None:
        raise _fail(f"{path}.{key}", "an ISO 8601 datetime with offset", _field(obj, key))
    return parsed


_DECIMAL_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _percent(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    """"45%" -> 0.45 (a fraction, 0..1); null, missing or "" -> None."""
    value = _field(obj, key)
    if value is None or value is _MISSING:
        return None
    if isinstance(value, str):
        text = value.strip().removesuffix("%").rstrip()
        if not text:
            return None
        if _DECIMAL_RE.fullmatch(text):
            # scaleb is exact in Decimal, so "51.5%" gives exactly the float nearest 0.515.
            fraction = Decimal(text).scaleb(-2)
            if fraction <= 1:
                return float(fraction)
    raise _fail(f"{path}.{key}", 'a percentage string like "45%" between 0 and 100', value)


def _odd_price(value: Any) -> float | None:
    """A usable decimal odd, or None. Strings are the documented form; numbers are accepted."""
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_RE.fullmatch(text):
            return None
        price = float(text)
    elif _is_int(value) or isinstance(value, float):
        try:
            price = float(value)
        except OverflowError:
            return None
    else:
        return None
    # An odd of 1.0 or less pays nothing (the live feed uses "0" for suspended prices); no
    # bookmaker prices above 1000 (Betfair's ceiling), so 10,000 is an impossible value.
    if not math.isfinite(price) or price <= 1.0 or price > 10_000:
        return None
    return price


def _odd_label(value: Any) -> str | None:
    """The outcome label; integers (exact-goals markets send ``"value": 4``) become "4"."""
    if isinstance(value, str):
        return clean(value)
    if _is_int(value):
        try:
            return str(value)
        except ValueError:  # beyond int max_str_digits: not a label anyone publishes
            return None
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


# (label, odd) as sent -> the outcome read from them (None: unusable). Pairs repeat across
# bookmakers, bets and fixtures, and a real-size body has some 2,000 of them: reading each
# once made a whole day's value scan twice as fast. Outcomes are immutable, so they are shared.
_OUTCOMES: dict[tuple[Any, Any], OddValue | None] = {}
_OUTCOMES_MAX = 65536  # a day's distinct pairs; past it the cache starts again


def _outcome(raw: Any, odd: Any) -> OddValue | None:
    label, price = _odd_label(raw), _odd_price(odd)
    return None if label is None or price is None else OddValue(label=label, price=price)


def _cached_outcome(raw: Any, odd: Any) -> OddValue | None:
    """:func:`_outcome`, read once per pair of strings (what the API sends); an integer label
    or a numeric odd is read each time (``1`` and ``True`` hash alike)."""
    if type(raw) is not str or type(odd) is not str:
        return _outcome(raw, odd)
    key = (raw, odd)
    try:
        return _OUTCOMES[key]
    except KeyError:
        pass
    if len(_OUTCOMES) >= _OUTCOMES_MAX:
        _OUTCOMES.clear()
    found = _OUTCOMES[key] = _outcome(raw, odd)
    return found


def _objects(response: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each item of a ``response`` list, which must be an object, with its path for errors."""
    for index, raw in enumerate(_as_list(response, "response")):
        path = f"response[{index}]"
        yield path, _as_obj(raw, path)


def _team(obj: Mapping[str, Any], key: str, path: str) -> Team:
    team = _obj(obj, key, path)
    team_path = f"{path}.{key}"
    return Team(id=_int(team, "id", team_path), name=_str(team, "name", team_path))


# -------------------------------------------------------------------------------- parsers


def parse_fixtures(response: Any) -> list[Fixture]:
    """``/fixtures`` (also the ``h2h`` and live variants): one Fixture per item."""
    fixtures: list[Fixture] = []
    for path, item in _objects(response):
        fx_path = f"{path}.fixture"
        fx = _obj(item, "fixture", path)
        fixture_id = _int(fx, "id", fx_path)
        status_path = f"{fx_path}.status"
        status = _obj(fx, "status", fx_path)
        league_path = f"{path}.league"
        league = _obj(item, "league", path)
        teams_path = f"{path}.teams"
        teams = _obj(item, "teams", path)
        goals = _opt_obj(item, "goals", path)
        venue = _opt_obj(fx, "venue", fx_path)
        kickoff = _datetime(fx, "date", fx_path, timestamp_key="timestamp")
        fixtures.append(
            Fixture(
                id=fixture_id,
                league_id=_int(league, "id", league_path),
                league_name=_str(league, "name", league_path),
                country=_str(league, "country", league_path),
                season=_int(league, "season", league_path),
                round=_str(league, "round", league_path),
                kickoff=kickoff,
                status_short=_str(status, "short", status_path),
                status_long=_str(status, "long", status_path),
                elapsed=_opt_int(status, "elapsed", status_path),
                home=_team(teams, "home", teams_path),
                away=_team(teams, "away", teams_path),
                goals_home=_opt_int(goals, "home", f"{path}.goals"),
                goals_away=_opt_int(goals, "away", f"{path}.goals"),
                venue=_opt_str(venue, "name", f"{fx_path}.venue"),
                referee=_opt_str(fx, "referee", fx_path),
            )
        )
    return fixtures


def parse_leagues(response: Any) -> list[League]:
    """``/leagues``: seasons are kept as years, in the provider's order."""
    leagues: list[League] = []
    for path, item in _objects(response):
        league_path = f"{path}.league"
        league = _obj(item, "league", path)
        country = _obj(item, "country", path)
        seasons_value = _field(item, "seasons")
        seasons_raw: Sequence[Any] = (
            ()
            if seasons_value is None or seasons_value is _MISSING
            else _as_list(seasons_value, f"{path}.seasons")
        )
        years: list[int] = []
        current: int | None = None
        covered: tuple[bool | None, bool | None] = (None, None)
        for season_index, season_raw in enumerate(seasons_raw):
            season_path = f"{path}.seasons[{season_index}]"
            season = _as_obj(season_raw, season_path)
            year = _int(season, "year", season_path)
            years.append(year)
            if _opt_bool(season, "current", season_path):
                current = year
                coverage = _opt_obj(season, "coverage", season_path)
                covered = (_opt_bool(coverage, "odds", f"{season_path}.coverage"),
                           _opt_bool(coverage, "predictions", f"{season_path}.coverage"))
        leagues.append(
            League(
                id=_int(league, "id", league_path),
                name=_str(league, "name", league_path),
                country=_str(country, "name", f"{path}.country"),
                type=_str(league, "type", league_path),
                logo_url=_opt_str(league, "logo", league_path),
                seasons=tuple(years),
                current_season=current,
                odds_covered=covered[0],
                predictions_covered=covered[1],
            )
        )
    return leagues


def _id_names(response: Any) -> list[tuple[int, str]]:
    pairs: list[tuple[int, str]] = []
    for path, item in _objects(response):
        pairs.append((_int(item, "id", path), _str(item, "name", path)))
    return pairs


def parse_bookmakers(response: Any) -> list[Bookmaker]:
    """``/odds/bookmakers``."""
    return [Bookmaker(id=i, name=n) for i, n in _id_names(response)]


def parse_bets(response: Any) -> list[BetType]:
    """``/odds/bets`` (``/odds/live/bets`` has the same shape but its own id space)."""
    return [BetType(id=i, name=n) for i, n in _id_names(response)]


def parse_odds(response: Any, only_bets: Collection[int] | None = None) -> list[FixtureOdds]:
    """``/odds`` (pre-match): one FixtureOdds per item of this page.

    ``only_bets`` keeps only those bet ids (their values are the bulk of a big page, so a view that
    needs one market parses a fraction of it). ``/odds/live`` and ``/odds/mapping`` items have
    no ``bookmakers`` list and are rejected.
    """
    result: list[FixtureOdds] = []
    for path, item in _objects(response):
        fx_path = f"{path}.fixture"
        fx = _obj(item, "fixture", path)
        fixture_id = _int(fx, "id", fx_path)
        league_path = f"{path}.league"
        league = _obj(item, "league", path)
        league_id = _int(league, "id", league_path)
        season = _int(league, "season", league_path)
        kickoff = _opt_datetime(fx, "date", fx_path, timestamp_key="timestamp")
        updated_at = _opt_datetime(item, "update", path)
        skipped = 0
        books: list[BookmakerOdds] = []
        for book_index, book_raw in enumerate(_list(item, "bookmakers", path)):
            book_path = f"{path}.bookmakers[{book_index}]"
            book = _as_obj(book_raw, book_path)
            bookmaker = Bookmaker(
                id=_int(book, "id", book_path), name=_str(book, "name", book_path)
            )
            bets: list[Bet] = []
            for bet_index, bet_raw in enumerate(_list(book, "bets", book_path)):
                bet_path = f"{book_path}.bets[{bet_index}]"
                bet = _as_obj(bet_raw, bet_path)
                bet_id = _int(bet, "id", bet_path)
                if only_bets is not None and bet_id not in only_bets:
                    continue
                bet_name = _str(bet, "name", bet_path)
                values: list[OddValue] = []
                # The unit of tolerance is one outcome: anything wrong inside it drops only it.
                for value_raw in _list(bet, "values", bet_path):
                    # dict first: the Mapping ABC's check is slow, and JSON gives dicts.
                    if not isinstance(value_raw, dict) and not isinstance(value_raw, Mapping):
                        skipped += 1
                        continue
                    outcome = _cached_outcome(value_raw.get("value"), value_raw.get("odd"))
                    if outcome is None:
                        skipped += 1
                        continue
                    values.append(outcome)
                bets.append(Bet(id=bet_id, name=bet_name, values=tuple(values)))
            books.append(BookmakerOdds(bookmaker=bookmaker, bets=tuple(bets)))
        result.append(
            FixtureOdds(
                fixture_id=fixture_id,
                league_id=league_id,
                season=season,
                kickoff=kickoff,
                updated_at=updated_at,
                bookmakers=tuple(books),
                skipped=skipped,
            )
        )
    return result


def _opt_text(value: Any) -> str | None:
    """A handicap as the feed sends it ("2", "-1", a number, null) -> text or None."""
    if value is None or value is _MISSING:
        return None
    return _odd_label(value)


def parse_live_odds(response: Any) -> list[LiveOdds]:
    """``/odds/live``: one LiveOdds per fixture in play.

    Same tolerance as pre-match odds: one unusable outcome is skipped and counted; a suspended
    outcome is kept with no price (the feed sends "0" or a stale odd beside ``suspended``).
    """
    result: list[LiveOdds] = []
    for path, item in _objects(response):
        fx_path = f"{path}.fixture"
        fx = _obj(item, "fixture", path)
        status = _opt_obj(fx, "status", fx_path)
        league = _obj(item, "league", path)
        teams = _opt_obj(item, "teams", path)
        flags = _opt_obj(item, "status", path)
        goals = [_opt_int(_opt_obj(teams, side, f"{path}.teams"), "goals", f"{path}.teams.{side}")
                 for side in ("home", "away")]
        skipped = 0
        bets: list[LiveBet] = []
        for bet_index, bet_raw in enumerate(_list(item, "odds", path)):
            bet_path = f"{path}.odds[{bet_index}]"
            bet = _as_obj(bet_raw, bet_path)
            values: list[LiveValue] = []
            for value_raw in _list(bet, "values", bet_path):
                label = _odd_label(value_raw.get("value")) if isinstance(value_raw, Mapping) else None
                if label is None:
                    skipped += 1
                    continue
                suspended = value_raw.get("suspended") is True
                price = None if suspended else _odd_price(value_raw.get("odd"))
                main = value_raw.get("main")
                values.append(LiveValue(label, _opt_text(value_raw.get("handicap")), price,
                                        main if isinstance(main, bool) else None, suspended or price is None))
            bets.append(LiveBet(_int(bet, "id", bet_path), _str(bet, "name", bet_path), tuple(values)))
        result.append(LiveOdds(
            fixture_id=_int(fx, "id", fx_path),
            league_id=_int(league, "id", f"{path}.league"),
            season=_int(league, "season", f"{path}.league"),
            status=LiveStatus(
                status_long=_opt_str(status, "long", f"{fx_path}.status"),
                elapsed=_opt_int(status, "elapsed", f"{fx_path}.status"),
                goals_home=goals[0],
                goals_away=goals[1],
                stopped=bool(_opt_bool(flags, "stopped", f"{path}.status")),
                blocked=bool(_opt_bool(flags, "blocked", f"{path}.status")),
                finished=bool(_opt_bool(flags, "finished", f"{path}.status")),
            ),
            updated_at=_opt_datetime(item, "update", path),
            bets=tuple(bets),
            skipped=skipped,
        ))
    return result


def only_bet(response: list[Any], bet_id: int) -> list[Any]:
    """Raw ``/odds`` items that parsed, cut down to one market (what ``bet=<id>`` asks for).

    Every item and bookmaker is kept, as ``parse_odds(..., only_bets=...)`` keeps them, so the
    cut-down page parses to exactly what the full page gives for that market.
    """
    return [{**item, "bookmakers": [
        {**book, "bets": [bet for bet in book["bets"] if isinstance(bet, Mapping) and bet.get("id") == bet_id]}
        for book in item["bookmakers"]]} for item in response]


# The provider's order of the comparison block, kept whatever order the JSON object has.
COMPARISON_ORDER: Final = ("form", "att", "def", "poisson_distribution", "h2h", "goals", "total")


def parse_predictions(response: Any, fixture_id: int | None = None) -> list[Prediction]:
    """``/predictions``. The body does not carry the fixture id: pass the request's ``fixture``.

    The per-team statistics and the ``h2h`` fixtures are not modelled (the app does not show
    them); a missing ``comparison`` block gives an empty tuple.
    """
    predictions: list[Prediction] = []
    for path, item in _objects(response):
        pred_path = f"{path}.predictions"
        pred = _obj(item, "predictions", path)

        winner_path = f"{pred_path}.winner"
        winner_obj = _opt_obj(pred, "winner", pred_path)
        # The API sends {"id": null, "name": null, "comment": null} when it picks no winner.
        winner: Team | None = None
        if _opt_int(winner_obj, "id", winner_path) is not None:
            winner = Team(
                id=_int(winner_obj, "id", winner_path), name=_str(winner_obj, "name", winner_path)
            )

        goals = _opt_obj(pred, "goals", pred_path)
        percent = _opt_obj(pred, "percent", pred_path)
        percent_path = f"{pred_path}.percent"

        comparison_path = f"{path}.comparison"
        comparison = _opt_obj(item, "comparison", path)
        rows: list[ComparisonRow] = []
        for name in COMPARISON_ORDER:
            row_value = _field(comparison, name)
            if row_value is None or row_value is _MISSING:
                continue
            row_path = f"{comparison_path}.{name}"
            row = _as_obj(row_value, row_path)
            rows.append(
                ComparisonRow(
                    name=name,
                    home=_percent(row, "home", row_path),
                    away=_percent(row, "away", row_path),
                )
            )

        league_path = f"{path}.league"
        league = _obj(item, "league", path)
        teams_path = f"{path}.teams"
        teams = _obj(item, "teams", path)
        predictions.append(
            Prediction(
                fixture_id=fixture_id,
                advice=_opt_str(pred, "advice", pred_path),
                winner=winner,
                winner_comment=_opt_str(winner_obj, "comment", winner_path),
                win_or_draw=_opt_bool(pred, "win_or_draw", pred_path),
                under_over=_opt_str(pred, "under_over", pred_path),
                goals_home=_opt_str(goals, "home", f"{pred_path}.goals"),
                goals_away=_opt_str(goals, "away", f"{pred_path}.goals"),
                percent_home=_percent(percent, "home", percent_path),
                percent_draw=_percent(percent, "draw", percent_path),
                percent_away=_percent(percent, "away", percent_path),
                comparison=tuple(rows),
                home=_team(teams, "home", teams_path),
                away=_team(teams, "away", teams_path),
                league_id=_int(league, "id", league_path),
                league_name=_str(league, "name", league_path),
            )
        )
    return predictions


def parse_status(response: Any) -> ApiStatus:
    """``/status``, whose ``response`` is an object, not a list.

    ``account`` (name, e-mail) is deliberately not read: nothing personal should reach the
    screen or the exports.
    """
    path = "response"
    body = _as_obj(response, path)
    sub_path = f"{path}.subscription"
    subscription = _obj(body, "subscription", path)
    req_path = f"{path}.requests"
    requests = _obj(body, "requests", path)
    return ApiStatus(
        plan=_str(subscription, "plan", sub_path),
        active=_bool(subscription, "active", sub_path),
        subscription_end=_opt_datetime(subscription, "end", sub_path),
        requests_current=_int(requests, "current", req_path),
        limit_day=_int(requests, "limit_day", req_path),
    )
