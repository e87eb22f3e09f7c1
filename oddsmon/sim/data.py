"""Deterministic generated data for the API-Football simulator.

Everything here is a pure function of ``SimConfig`` and the UTC date the simulator was built
on (its *anchor*): fixtures, teams and final scores are generated once, with seeded
``random.Random`` instances (never the global one); statuses, live scores and prices are then
derived lazily from the clock at each request.

Schedule: matchdays start every 3 then 4 days (alternately) from ``days_back`` days before
the anchor, and each matchday spreads over two days at the league's usual kickoff times (UTC).
With the defaults that is matchdays starting at anchor -3, 0, +4, +7, +11 and +14 days: the
3 days back are finished, the anchor day and the next hold the next matchday.

A fixture is live for 100 minutes after kickoff (1H 0-45, HT 45-55, 2H 55-100; elapsed 1..90),
then FT. Goal minutes are drawn up front, so live scores grow along the timeline.

Prices: team strengths give Poisson goal rates, hence true probabilities for every market.
A shared, deterministic drift moves the market (a multi-scale value noise keyed by
``floor(ts / move_period_s)``, plus rare persistent shocks that move one outcome by 8-20%),
then each bookmaker applies a small bounded noise and its margin (multiplicatively) and
rounds odds *down* to 2 decimals. Because all bookmakers share the market and their own
noise is bounded well under the lowest margin, a normal fixture never shows an arbitrage on
any market; the configured ``arbitrage_fixtures`` get one bookmaker whose Match Winner
book sums to about 0.97, a real arbitrage.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import catalogue as cat
from .markets import CORE, FULL, SubMarket
from .markets import probabilities as market_model

BET_MATCH_WINNER = 1
BET_EXACT_GOALS = 38

FIXTURE_ID_BASE = 1_380_000
LIVE_MINUTES = 100
# Unusual courses a fixture may take, so every status the provider documents is served.
FATES: tuple[str, ...] = ("TBD", "PST", "CANC", "ABD", "AWD", "WO", "SUSP", "INT", "ET", "AET", "LIVE")
TBD_UNTIL_S = 2 * 86400  # a TBD fixture's time is fixed this long before kickoff
_STATUS_LONG = {"TBD": "Time To Be Defined", "NS": "Not Started", "PST": "Match Postponed",
                "CANC": "Match Cancelled", "ABD": "Match Abandoned", "AWD": "Technical Loss",
                "WO": "WalkOver", "SUSP": "Match Suspended", "INT": "Match Interrupted",
                "ET": "Extra Time", "BT": "Break Time", "P": "Penalty In Progress",
                "AET": "Match Finished After Extra Time", "PEN": "Match Finished After Penalty",
                "LIVE": "In Progress", "FT": "Match Finished"}
HALF_TIME_AT = 45
SECOND_HALF_AT = 55

# Every bet id the simulator may price (the full catalogue; see markets.py).
PRICED_BETS: tuple[int, ...] = tuple(dict.fromkeys(m.bet_id for m in FULL))
# A price the book no longer offers odds on: the capture shows "1.00" on near-certain outcomes.
NO_PRICE_ABOVE = 0.995

# Drift: std (in log-probability) of the value noise at each level; level l holds its value
# for 2**l periods, so small moves happen every period and larger ones every few hours.
LEVEL_AMPS: tuple[float, ...] = (0.004, 0.004, 0.005, 0.006, 0.008, 0.010, 0.012)
SHOCK_BLOCK = 16          # periods per shock draw
SHOCK_PROB = 0.012        # per market per block
SHOCK_SIZE = (0.08, 0.20)  # |log-probability| move of one outcome, persistent
MARKET_OPEN_S = 15 * 86400
BOOKMAKER_NOISE = 0.005   # static and per-period bounds, each; 2x total stays < margin/2
ARB_BOOK = 0.97           # sum of 1/odds of the arbitrage bookmaker's Match Winner
MIN_ODD = 1.01
_SQRT3 = math.sqrt(3.0)


@dataclass
class SimConfig:
    """Scenario options for the simulator (validated on construction)."""

    seed: int = 1
    leagues: tuple[int, ...] = (39, 61, 140, 78, 135)
    season: int | None = None
    daily_limit: int = 100
    per_minute: int = 30
    bookmakers_per_fixture: int = 8
    arbitrage_fixtures: int = 1
    fixtures_per_matchday: int = 5
    # Prices move on the provider's cadence: pre-match odds are "updated every 3 hours".
    move_period_s: int = 3 * 3600
    days_ahead: int = 14
    days_back: int = 3
    odds_page_size: int = 10
    plan: str = "Free"
    # Real-size bookmaker entries (about 35 bets, 240 values, like the live service); False
    # prices only Match Winner, Over/Under, Both Teams Score and Exact Goals.
    full_markets: bool = True
    # The quota day starts this many seconds after midnight in ``quota_reset_tz`` (03:30 UTC by
    # default, not midnight: the provider's docs do not say when it resets, and RapidAPI's day
    # runs from the subscription time).
    quota_reset_s: int = 3 * 3600 + 30 * 60
    quota_reset_tz: str = "UTC"
    # "apisports" (direct) or "rapidapi" (the gateway: /v3 prefix, its headers and errors).
    gateway: str = "apisports"
    gateway_host: str = "api-football-v1.p.rapidapi.com"
    # (first, last) seasons the plan allows, like a Free plan; None allows every season.
    plan_seasons: tuple[int, int] | None = None
    # Leagues the provider has no odds for (coverage.odds false; /odds answers nothing).
    no_odds_leagues: tuple[int, ...] = ()
    # One fixture in this many gets an unusual fate (postponed, cancelled, abandoned, time to
    # be defined, suspended, extra time, ...); 0 keeps every fixture ordinary.
    odd_fate_every: int = 7

    def __post_init__(self) -> None:
        self.leagues = tuple(int(x) for x in self.leagues)
        if not self.leagues:
            raise ValueError("leagues must not be empty")
        if len(set(self.leagues)) != len(self.leagues):
            raise ValueError("leagues must not repeat")
        if any(lg <= 0 for lg in self.leagues):
            raise ValueError("league ids must be positive")
        _check_range("daily_limit", self.daily_limit, 0, None)
        _check_range("per_minute", self.per_minute, 1, None)
        _check_range("bookmakers_per_fixture", self.bookmakers_per_fixture, 1,
                     len(cat.PRICING_BOOKMAKERS))
        _check_range("arbitrage_fixtures", self.arbitrage_fixtures, 0, None)
        _check_range("fixtures_per_matchday", self.fixtures_per_matchday, 1, 400)
        _check_range("move_period_s", self.move_period_s, 1, None)
        _check_range("days_ahead", self.days_ahead, 0, 60)
        _check_range("days_back", self.days_back, 0, 30)
        _check_range("odds_page_size", self.odds_page_size, 1, None)
        if self.season is not None:
            _check_range("season", self.season, 1900, 2999)
        _check_range("quota_reset_s", self.quota_reset_s, 0, 86399)
        zone(self.quota_reset_tz)
        _check_range("odd_fate_every", self.odd_fate_every, 0, None)
        if self.gateway not in ("apisports", "rapidapi"):
            raise ValueError(f"gateway must be apisports or rapidapi, got {self.gateway!r}")

    @classmethod
    def big_day(cls, fixtures: int = 2000, fixtures_per_matchday: int = 20,
                **kwargs: Any) -> SimConfig:
        """A config with at least ``fixtures`` fixtures in the window, for benchmarks.

        Starts from the default leagues and adds catalogue leagues, then synthetic ones
        (ids 9001...), until the schedule holds enough fixtures.
        """
        base = cls(fixtures_per_matchday=fixtures_per_matchday, **kwargs)
        leagues = list(base.leagues)
        extra = [lg for lg in cat.LEAGUES if lg not in leagues]
        synthetic = 9001
        while count_scheduled(base, leagues) < fixtures:
            if extra:
                leagues.append(extra.pop(0))
            else:
                leagues.append(synthetic)
                synthetic += 1
        base.leagues = tuple(leagues)
        return base


def _check_range(name: str, value: Any, lo: int | None, hi: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if lo is not None and value < lo:
        raise ValueError(f"{name} must be >= {lo}, got {value}")
    if hi is not None and value > hi:
        raise ValueError(f"{name} must be <= {hi}, got {value}")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Paris``), or ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):  # ValueError: a path-like or empty name
        raise ValueError(f"unknown time zone {name!r} (an IANA name, like Europe/Paris)") from None


def matchday_offsets(config: SimConfig) -> list[int]:
    """Day offsets (from the anchor date) at which matchdays start."""
    offsets, day, gaps = [], -config.days_back, (3, 4)
    i = 0
    while day <= config.days_ahead:
        offsets.append(day)
        day += gaps[i % 2]
        i += 1
    return offsets


def _slots(league_id: int) -> tuple[tuple[int, int, int], ...]:
    return cat.SLOTS.get(league_id, cat.DEFAULT_SLOTS)


def count_scheduled(config: SimConfig, leagues: list[int] | tuple[int, ...] | None = None) -> int:
    """How many fixtures ``config`` generates (without generating them)."""
    total = 0
    for lg in leagues if leagues is not None else config.leagues:
        slots = _slots(lg)
        for start in matchday_offsets(config):
            for j in range(config.fixtures_per_matchday):
                day = start + slots[j % len(slots)][0]
                if -config.days_back <= day <= config.days_ahead:
                    total += 1
    return total


def season_for(when: datetime) -> int:
    """The football season convention: a season is named after the year it starts (July)."""
    return when.year if when.month >= 7 else when.year - 1


@dataclass(slots=True)
class Team:
    id: int
    name: str
    league_id: int
    venue_id: int
    venue_name: str
    venue_city: str
    attack: float
    defence: float

    @property
    def logo(self) -> str:
        return cat.team_logo(self.id)


@dataclass(slots=True)
class League:
    id: int
    name: str
    country: str
    code: str | None
    flag: str | None
    type: str
    teams: list[Team] = field(default_factory=list)

    @property
    def logo(self) -> str:
        return cat.league_logo(self.id)


@dataclass(slots=True)
class Fixture:
    id: int
    league: League
    season: int
    round: str
    round_no: int
    kickoff: int                     # POSIX seconds
    home: Team
    away: Team
    referee: str | None
    home_goal_minutes: tuple[int, ...]
    away_goal_minutes: tuple[int, ...]
    bookmakers: tuple[int, ...]
    lam_home: float
    lam_away: float
    arb_bookmaker: int | None = None
    fate: str | None = None  # an unusual course (FATES), None for an ordinary match

    @property
    def date_utc(self) -> str:
        return datetime.fromtimestamp(self.kickoff, UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True, slots=True)
class Status:
    short: str
    long: str
    elapsed: int | None
    goals_home: int | None
    goals_away: int | None
    ht_home: int | None
    ht_away: int | None
    ft_home: int | None
    ft_away: int | None
    first: int | None
    second: int | None

    @property
    def live(self) -> bool:
        return self.short in ("1H", "HT", "2H", "ET", "BT", "P", "SUSP", "INT", "LIVE")

    def became(self, short: str, elapsed: int | None = None) -> Status:
        """This status under another short code (a fate's), keeping the score."""
        return Status(short, _STATUS_LONG[short], self.elapsed if elapsed is None else elapsed,
                      self.goals_home, self.goals_away, self.ht_home, self.ht_away, self.ft_home,
                      self.ft_away, self.first, self.second)


def iso_plus00(ts: float) -> str:
    """``2020-05-15T09:49:32+00:00``, the provider's date format."""
    return datetime.fromtimestamp(int(ts), UTC).isoformat()


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# Price ladders, in hundredths: (below this price, step). Bookmakers round *down* onto
# their ladder (in their favour); exchanges and sharp books quote finer.
_LADDER = ((200, 1), (300, 2), (400, 5), (600, 10), (1000, 25), (2000, 50), (5000, 100))
_LADDER_FINE = ((1000, 1), (2000, 10), (5000, 50))
_LONG_SHOTS = (5100, 5600, 6100, 6700, 7100, 7600, 8100, 9100, 10100, 12600, 15100, 20100,
               25100, 30100, 40100, 50100, 100100)
FINE_LADDER_BOOKMAKERS = frozenset({3, 4})  # Betfair, Pinnacle


def _ladder_rung(cents: int, fine: bool) -> float:
    """A price in hundredths (above 1.01) rounded down onto a ladder."""
    for below, step in (_LADDER_FINE if fine else _LADDER):
        if cents < below:
            return (cents - cents % step) / 100.0
    if fine:
        return (cents - cents % 100) / 100.0
    return _LONG_SHOTS[max(bisect.bisect_right(_LONG_SHOTS, cents) - 1, 0)] / 100.0


# Every rung and its text below 50.00, looked up rather than searched: a big day rounds
# millions of prices.
_TABLE_TOP = 5000
_RUNGS = {fine: tuple(_ladder_rung(c, fine) if c > 101 else MIN_ODD for c in range(_TABLE_TOP))
          for fine in (False, True)}
_RUNG_TEXTS = {fine: tuple(f"{rung:.2f}" for rung in rungs) for fine, rungs in _RUNGS.items()}


def _cents(price: float) -> int:
    return max(math.floor(price * 100.0 + 1e-6), 101)


def to_ladder(price: float, fine: bool = False) -> float:
    """Round ``price`` down onto a bookmaker's price ladder (never below 1.01)."""
    cents = _cents(price)
    return _RUNGS[fine][cents] if cents < _TABLE_TOP else _ladder_rung(cents, fine)


def ladder_text(price: float, fine: bool = False) -> str:
    """:func:`to_ladder` as the API writes an odd ("7.25")."""
    cents = _cents(price)
    return _RUNG_TEXTS[fine][cents] if cents < _TABLE_TOP else f"{_ladder_rung(cents, fine):.2f}"


def _circle_pairs(n: int, r: int) -> list[tuple[int, int]]:
    """Round ``r`` of a round robin over ``n`` (even) teams, by the circle method."""
    rest = list(range(1, n))
    k = r % (n - 1)
    rest = rest[k:] + rest[:k]
    order = [0, *rest]
    pairs = []
    for i in range(n // 2):
        a, b = order[i], order[n - 1 - i]
        if (i == 0 and r % 2 == 1) or (i > 0 and i % 2 == 1):
            a, b = b, a
        pairs.append((a, b))
    return pairs


class SimData:
    """The generated world: leagues, teams, fixtures, and lazily computed prices."""

    def __init__(self, config: SimConfig, now: datetime) -> None:
        self.config = config
        now = now.astimezone(UTC)
        self.anchor = now.replace(hour=0, minute=0, second=0, microsecond=0)
        # The season of European leagues (named after the year it starts); leagues that play
        # the calendar year (MLS, Brazil) have their own: seasons are per league.
        self.season = config.season if config.season is not None else season_for(now)
        self.calendar_season = config.season if config.season is not None else now.year
        self.seed = config.seed
        self.period_s = config.move_period_s
        self.markets: tuple[SubMarket, ...] = FULL if config.full_markets else CORE
        self.offsets = tuple(sum(len(m.labels) for m in self.markets[:i])
                             for i in range(len(self.markets)))
        self.n_outcomes = sum(len(m.labels) for m in self.markets)
        self.bookmaker_margins = {bid: m for bid, _, m in cat.PRICING_BOOKMAKERS}
        self.bookmaker_names = dict(cat.BOOKMAKERS)
        self.leagues: dict[int, League] = {}
        self.teams: dict[int, Team] = {}
        self.fixtures: list[Fixture] = []
        self.by_id: dict[int, Fixture] = {}
        self.by_league: dict[int, list[Fixture]] = {}
        self.by_date: dict[str, list[Fixture]] = {}
        self._probs: dict[int, list[float]] = {}
        self._shocks: dict[int, list[tuple[int, int, float]]] = {}
        # Per (fixture, level): the latest block drawn and its noise (see ``_level_noise``).
        self._level_cache: dict[tuple[int, int], tuple[int, list[float]]] = {}
        self._bm_static: dict[tuple[int, int], list[float]] = {}
        # Per fixture: the latest period priced and its prices (see ``prices``).
        self._odds_cache: dict[int, tuple[int, dict[int, list[dict[str, Any]]]]] = {}
        self._predictions: dict[int, dict[str, Any]] = {}
        self._build(now)

    # ------------------------------------------------------------------ generation
    def _rng(self, *parts: Any) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def _build(self, now: datetime) -> None:
        cfg = self.config
        venue_ids: dict[tuple[str, str], int] = {}
        for lg_id in cfg.leagues:
            self.leagues[lg_id] = self._build_league(lg_id, venue_ids)
        offsets = matchday_offsets(cfg)
        next_id = FIXTURE_ID_BASE
        for lg_id in cfg.leagues:
            league = self.leagues[lg_id]
            n = len(league.teams)
            max_rounds = 2 * (n - 1)
            days_in = (self.anchor.date() - self.season_start(lg_id)).days
            first_round = 1 + max(0, days_in) // 7
            first_round = max(1, min(first_round, max_rounds - len(offsets) + 1))
            order = list(league.teams)
            self._rng("order", lg_id).shuffle(order)
            slots = _slots(lg_id)
            for k, start in enumerate(offsets):
                round_no = first_round + k
                r = (round_no - 1) % (n - 1)
                pairs = _circle_pairs(n, r)
                if round_no > n - 1:
                    pairs = [(b, a) for a, b in pairs]
                md_rng = self._rng("md", lg_id, round_no)
                chosen = md_rng.sample(pairs, min(cfg.fixtures_per_matchday, len(pairs)))
                for j, (hi, ai) in enumerate(chosen):
                    day_in_md, hh, mm = slots[j % len(slots)]
                    day = start + day_in_md
                    if not (-cfg.days_back <= day <= cfg.days_ahead):
                        continue
                    kickoff = self.anchor + timedelta(days=day, hours=hh, minutes=mm)
                    fx = self._build_fixture(next_id, league, round_no, int(kickoff.timestamp()),
                                             order[hi], order[ai], day)
                    next_id += 1
                    self.fixtures.append(fx)
        self.fixtures.sort(key=lambda f: (f.kickoff, f.id))
        for fx in self.fixtures:
            self.by_id[fx.id] = fx
            self.by_league.setdefault(fx.league.id, []).append(fx)
            self.by_date.setdefault(fx.date_utc, []).append(fx)
        self._choose_arbitrage(now)

    def _build_league(self, lg_id: int, venue_ids: dict[tuple[str, str], int]) -> League:
        cfg = self.config
        if lg_id in cat.LEAGUES:
            name, country, code, flag_code, ltype = cat.LEAGUES[lg_id]
        else:
            name, country, code, flag_code, ltype = f"Sim League {lg_id}", "World", None, None, "League"
        league = League(lg_id, name, country, code, cat.flag_url(flag_code), ltype)
        rng = self._rng("teams", lg_id)
        rows = list(cat.TEAMS.get(lg_id, ()))
        wanted = max(len(rows), 2 * cfg.fixtures_per_matchday, 18 if not rows else 0)
        if len(rows) < wanted:
            used = {r[1] for r in rows}
            combos = [f"{t} {s}" for t in cat.TOWNS for s in cat.SUFFIXES]
            rng.shuffle(combos)
            i = 0
            while len(rows) < wanted:
                base = combos[i % len(combos)]
                nm = base if i < len(combos) else f"{base} {i // len(combos) + 1}"
                i += 1
                if nm in used:
                    continue
                used.add(nm)
                city = nm.split(" ")[0] if not nm.startswith("Kestrel") else "Kestrel Bay"
                rows.append((200_000 + lg_id * 1000 + len(rows), nm, f"{city} Park", city))
        n = len(rows)
        for i, (tid, tname, vname, vcity) in enumerate(rows):
            s = 0.35 - 0.67 * i / max(1, n - 1) + rng.gauss(0.0, 0.08)
            vid = venue_ids.setdefault((vname, vcity), 500 + len(venue_ids) * 7)
            team = Team(tid, tname, lg_id, vid, vname, vcity,
                        attack=s + rng.gauss(0.0, 0.07), defence=s + rng.gauss(0.0, 0.07))
            league.teams.append(team)
            self.teams[tid] = team
        if len(league.teams) % 2:
            # Round robin needs an even number of teams: add a generated one.
            tid = 200_000 + lg_id * 1000 + 999
            team = Team(tid, f"{league.country} Select", lg_id, 499, "Municipal Stadium",
                        league.country, attack=-0.2, defence=-0.2)
            league.teams.append(team)
            self.teams[tid] = team
        return league

    def _build_fixture(self, fid: int, league: League, round_no: int, kickoff: int,
                       home: Team, away: Team, day: int) -> Fixture:
        rng = self._rng("fx", league.id, round_no, home.id, away.id)
        lam_h = 1.45 * math.exp(home.attack - away.defence)
        lam_a = 1.15 * math.exp(away.attack - home.defence)
        gh, ga = _poisson(rng, lam_h), _poisson(rng, lam_a)
        hm = tuple(sorted(rng.randint(1, 90) for _ in range(gh)))
        am = tuple(sorted(rng.randint(1, 90) for _ in range(ga)))
        refs = cat.REFEREES.get(league.country, cat.GENERIC_REFEREES)
        ref_name = rng.choice(refs)
        referee = f"{ref_name}, {league.country}" if day <= 4 else None
        pool = [b for b, _, _ in cat.PRICING_BOOKMAKERS]
        books = tuple(sorted(rng.sample(pool, self.config.bookmakers_per_fixture)))
        # Its own seeded draw, so adding fates changed no other generated value.
        fate_rng = self._rng("fate", fid)
        every = self.config.odd_fate_every
        fate = fate_rng.choice(FATES) if every and fate_rng.randrange(every) == 0 else None
        return Fixture(fid, league, self.season_of(league.id), f"Regular Season - {round_no}", round_no,
                       kickoff, home, away, referee, hm, am, books, lam_h, lam_a, fate=fate)

    def _choose_arbitrage(self, now: datetime) -> None:
        n = self.config.arbitrage_fixtures
        if n <= 0:
            self.arbitrage_fixture_ids: tuple[int, ...] = ()
            return
        t0 = now.timestamp() + 3600
        upcoming = [f for f in self.fixtures if f.kickoff > t0]
        soon = [f for f in upcoming if f.kickoff <= t0 + 3 * 86400]
        rng = self._rng("arbitrage")
        if len(soon) >= n:
            chosen = rng.sample(soon, n)
        else:
            later = [f for f in upcoming if f not in soon]
            chosen = soon + later[: n - len(soon)]
        for fx in chosen:
            fx.arb_bookmaker = rng.choice(fx.bookmakers)
        self.arbitrage_fixture_ids = tuple(sorted(f.id for f in chosen))

    # ------------------------------------------------------------------ queries
    def fixture(self, fixture_id: int) -> Fixture | None:
        return self.by_id.get(fixture_id)

    def status_at(self, fx: Fixture, ts: float) -> Status:
        st = self._course(fx, ts)
        fate, t = fx.fate, (ts - fx.kickoff) / 60.0
        if fate is None:
            return st
        if fate == "TBD":
            return st.became("TBD") if ts < fx.kickoff - TBD_UNTIL_S else st
        if fate in ("PST", "CANC") and ts >= fx.kickoff - 3 * 86400:
            return self._course(fx, fx.kickoff - 1).became(fate)
        if fate == "WO" and t >= 0:
            return st.became("WO")
        if fate == "ABD" and t >= 60:
            return self._course(fx, fx.kickoff + 60 * 60).became("ABD", 60)
        if fate == "AWD" and t >= LIVE_MINUTES:
            return st.became("AWD")
        if fate == "SUSP" and 30 <= t < 40:
            return self._course(fx, fx.kickoff + 30 * 60).became("SUSP")
        if fate == "INT" and 65 <= t < 70:
            return self._course(fx, fx.kickoff + 65 * 60).became("INT")
        if fate == "LIVE" and st.live:
            return st.became("LIVE")
        if fate in ("ET", "AET") and t >= LIVE_MINUTES:
            # Extra time, then the end (AET), or a break and penalties (ET -> BT -> P -> PEN).
            extra = t - LIVE_MINUTES
            if extra < 30:
                return st.became("ET", 90 + int(extra) + 1)
            if fate == "AET":
                return st.became("AET", 120)
            if extra < 35:
                return st.became("BT", 120)
            return st.became("P" if extra < 45 else "PEN", 120)
        return st

    def kickoff_at(self, fx: Fixture, ts: float) -> int:
        """The kickoff the provider shows at ``ts``: a TBD fixture has only its day until its
        time is set, so kickoffs change between two reads."""
        if fx.fate == "TBD" and ts < fx.kickoff - TBD_UNTIL_S:
            return fx.kickoff - fx.kickoff % 86400
        return fx.kickoff

    def _course(self, fx: Fixture, ts: float) -> Status:
        """The status of an ordinary match at ``ts``."""
        t = (ts - fx.kickoff) / 60.0
        if t < 0:
            return Status("NS", "Not Started", None, None, None, None, None, None, None, None, None)
        first = fx.kickoff
        second = fx.kickoff + SECOND_HALF_AT * 60
        ht_h = sum(1 for m in fx.home_goal_minutes if m <= 45)
        ht_a = sum(1 for m in fx.away_goal_minutes if m <= 45)
        if t < HALF_TIME_AT:
            el = min(45, int(t) + 1)
            gh = sum(1 for m in fx.home_goal_minutes if m <= el)
            ga = sum(1 for m in fx.away_goal_minutes if m <= el)
            return Status("1H", "First Half", el, gh, ga, None, None, None, None, first, None)
        if t < SECOND_HALF_AT:
            return Status("HT", "Halftime", 45, ht_h, ht_a, ht_h, ht_a, None, None, first, None)
        if t < LIVE_MINUTES:
            el = min(90, 45 + int(t - SECOND_HALF_AT) + 1)
            gh = sum(1 for m in fx.home_goal_minutes if m <= el)
            ga = sum(1 for m in fx.away_goal_minutes if m <= el)
            return Status("2H", "Second Half", el, gh, ga, ht_h, ht_a, None, None, first, second)
        gh, ga = len(fx.home_goal_minutes), len(fx.away_goal_minutes)
        return Status("FT", "Match Finished", 90, gh, ga, ht_h, ht_a, gh, ga, first, second)

    def league_block(self, league: League, season: int, with_round: str | None = None) -> dict[str, Any]:
        block = {"id": league.id, "name": league.name, "country": league.country,
                 "logo": league.logo, "flag": league.flag, "season": season}
        if with_round is not None:
            block["round"] = with_round
        return block

    def fixture_json(self, fx: Fixture, ts: float) -> dict[str, Any]:
        st = self.status_at(fx, ts)
        # Some fixtures have no known venue id or city (null fields, as the provider sends).
        venue = (fx.home.venue_id, fx.home.venue_name, fx.home.venue_city) if fx.id % 9 \
            else (None, fx.home.venue_name, None)
        return _fixture_dict(
            fid=fx.id, referee=fx.referee, kickoff=self.kickoff_at(fx, ts), first=st.first,
            second=st.second, venue=venue,
            status=(st.long, st.short, st.elapsed),
            league=self.league_block(fx.league, fx.season, fx.round),
            home=fx.home, away=fx.away, goals=(st.goals_home, st.goals_away),
            halftime=(st.ht_home, st.ht_away), fulltime=(st.ft_home, st.ft_away),
        )

    def season_of(self, league_id: int) -> int:
        """The league's current season."""
        return self.calendar_season if league_id in cat.CALENDAR_YEAR_LEAGUES else self.season

    def season_start(self, league_id: int, year: int | None = None) -> date:
        year = self.season_of(league_id) if year is None else year
        return date(year, 3, 1) if league_id in cat.CALENDAR_YEAR_LEAGUES else date(year, 8, 15)

    def seasons_of(self, league_id: int) -> list[int]:
        current = self.season_of(league_id)
        return [current - 2, current - 1, current]

    def league_json(self, league: League, seasons: list[int]) -> dict[str, Any]:
        out = []
        for y in seasons:
            current = y == self.season_of(league.id)
            start = self.season_start(league.id, y)
            end = date(y, 12, 6) if league.id in cat.CALENDAR_YEAR_LEAGUES else date(y + 1, 5, 24)
            out.append({
                "year": y, "start": start.isoformat(), "end": end.isoformat(), "current": current,
                "coverage": {
                    "fixtures": {"events": True, "lineups": True, "statistics_fixtures": True,
                                 "statistics_players": True},
                    "standings": True, "players": True, "top_scorers": True,
                    "top_assists": True, "top_cards": True, "injuries": True,
                    "predictions": True,
                    "odds": current and league.id not in self.config.no_odds_leagues,
                },
            })
        return {
            "league": {"id": league.id, "name": league.name, "type": league.type,
                       "logo": league.logo},
            "country": {"name": league.country, "code": league.code, "flag": league.flag},
            "seasons": out,
        }

    # ------------------------------------------------------------------ probabilities
    def probabilities(self, fx: Fixture) -> list[float]:
        """True probabilities, flat in ``self.markets`` order."""
        cached = self._probs.get(fx.id)
        if cached is None:
            cached = market_model(self.markets, fx.lam_home, fx.lam_away)
            self._probs[fx.id] = cached
        return cached

    # ------------------------------------------------------------------ prices
    def period(self, ts: float) -> int:
        return int(ts // self.period_s)

    def effective_period(self, fx: Fixture, ts: float) -> int:
        """Prices freeze at kickoff (pre-match odds)."""
        return min(self.period(ts), self.period(fx.kickoff - 1))

    def _level_noise(self, fid: int, level: int, block: int) -> list[float]:
        """One level's noise for ``block``; the slow levels' (a block of many periods) kept for
        the latest block of each fixture, which the periods after it ask for again: one entry
        a fixture and level, where a cache keyed by block grew with the session's length."""
        cached = self._level_cache.get((fid, level))
        if cached is not None and cached[0] == block:
            return cached[1]
        r = self._rng("lvl", fid, level, block).random
        amp = LEVEL_AMPS[level] * _SQRT3
        vals = [(2.0 * r() - 1.0) * amp for _ in range(self.n_outcomes)]
        if level > 0:
            self._level_cache[(fid, level)] = (block, vals)
        return vals

    def _shock_list(self, fx: Fixture) -> list[tuple[int, int, float]]:
        shocks = self._shocks.get(fx.id)
        if shocks is None:
            span = self.period_s * SHOCK_BLOCK
            first = (fx.kickoff - MARKET_OPEN_S) // span
            last = fx.kickoff // span
            r = self._rng("shock", fx.id).random
            n_markets = len(self.markets)
            cells = (last - first + 1) * n_markets
            log_q = math.log(1.0 - SHOCK_PROB)
            shocks = []
            # Geometric gaps between shocked (block, market) cells: same law as one Bernoulli
            # draw per cell, far fewer draws.
            pos = int(math.log(1.0 - r()) / log_q)
            while pos < cells:
                blk, m = first + pos // n_markets, pos % n_markets
                oi = self.offsets[m] + int(r() * len(self.markets[m].labels))
                size = SHOCK_SIZE[0] + (SHOCK_SIZE[1] - SHOCK_SIZE[0]) * r()
                shocks.append((blk, oi, size if r() < 0.5 else -size))
                pos += 1 + int(math.log(1.0 - r()) / log_q)
            self._shocks[fx.id] = shocks
        return shocks

    def market_drift(self, fx: Fixture, n: int) -> list[float]:
        """Shared log-probability drift of every outcome at period ``n``."""
        drift = [0.0] * self.n_outcomes
        for level in range(len(LEVEL_AMPS)):
            vals = self._level_noise(fx.id, level, n >> level)
            for i in range(self.n_outcomes):
                drift[i] += vals[i]
        blk = n // SHOCK_BLOCK
        for sblk, oi, size in self._shock_list(fx):
            if sblk > blk:
                break
            drift[oi] += size
        return drift

    def market_probabilities(self, fx: Fixture, n: int) -> list[float]:
        """The moved market at period ``n`` (each market renormalised to 1)."""
        base = self.probabilities(fx)
        drift = self.market_drift(fx, n)
        out = [0.0] * self.n_outcomes
        for m, market in enumerate(self.markets):
            o = self.offsets[m]
            count = len(market.labels)
            vals = [base[o + i] * math.exp(drift[o + i]) for i in range(count)]
            # Each group keeps its true mass (2 for double chance, under 1 for a score list).
            z = sum(vals) / sum(base[o:o + count])
            for i, v in enumerate(vals):
                out[o + i] = v / z
        return out

    def _static_noise(self, fid: int, bid: int) -> list[float]:
        key = (fid, bid)
        vals = self._bm_static.get(key)
        if vals is None:
            r = self._rng("bm", fid, bid).random
            vals = [(2.0 * r() - 1.0) * BOOKMAKER_NOISE for _ in range(self.n_outcomes)]
            self._bm_static[key] = vals
        return vals

    def prices(self, fx: Fixture, n: int) -> dict[int, list[dict[str, Any]]]:
        """Bets per bookmaker id at period ``n``, in the provider's shape. Cached for the latest
        period asked of each fixture: every read within a period asks for it again, and a
        period once past is not asked again (``odds_item`` asks for the current one), so the
        cache holds one entry a fixture. Keyed by period, it kept every period's prices of a
        long session, cleared only past 50,000 entries: the demo TUI grew 25 to 45 MB a
        simulated day (bench j's "hours passing")."""
        cached = self._odds_cache.get(fx.id)
        if cached is not None and cached[0] == n:
            return cached[1]
        market = self.market_probabilities(fx, n)
        base = self.probabilities(fx)
        result: dict[int, list[dict[str, Any]]] = {}
        for bid in fx.bookmakers:
            static = self._static_noise(fx.id, bid)
            r = self._rng("bmw", fx.id, bid, n).random
            walk = [(2.0 * r() - 1.0) * BOOKMAKER_NOISE for _ in range(self.n_outcomes)]
            overround = 1.0 + self.bookmaker_margins[bid]
            fine = bid in FINE_LADDER_BOOKMAKERS
            bets: list[dict[str, Any]] = []
            by_bet: dict[int, dict[str, Any]] = {}
            for m, sub in enumerate(self.markets):
                bet_id, bet_name, labels = sub.bet_id, sub.name, sub.labels
                if bet_id == BET_EXACT_GOALS and bid not in cat.EXACT_GOALS_BOOKMAKERS:
                    continue
                o = self.offsets[m]
                qs = [market[o + i] * math.exp(static[o + i] + walk[o + i])
                      for i in range(len(labels))]
                scale = overround * sum(market[o:o + len(labels)]) / sum(qs)
                qs = [q * scale for q in qs]
                if m == 0 and fx.arb_bookmaker == bid:
                    fav = max(range(3), key=lambda i: qs[i])
                    qs[fav] -= sum(qs) - ARB_BOOK
                else:
                    qs = _clamp_book(qs)
                values = [{"value": lab, "odd": "1.00" if base[o + i] > NO_PRICE_ABOVE
                           else ladder_text(1.0 / q, fine)}
                          for i, (lab, q) in enumerate(zip(labels, qs, strict=True))]
                bet = by_bet.get(bet_id)
                if bet is None:
                    bet = {"id": bet_id, "name": bet_name, "values": values}
                    by_bet[bet_id] = bet
                    bets.append(bet)
                else:
                    bet["values"].extend(values)
            result[bid] = bets
        self._odds_cache[fx.id] = (n, result)
        return result

    def odds_item(self, fx: Fixture, ts: float, bookmaker: int | None = None,
                  bet: int | None = None) -> dict[str, Any] | None:
        """One ``/odds`` response item, or None when the filters leave nothing."""
        if bookmaker is not None and bookmaker not in fx.bookmakers:
            return None
        n = self.effective_period(fx, ts)
        prices = self.prices(fx, n)
        books = []
        for bid in fx.bookmakers:
            if bookmaker is not None and bid != bookmaker:
                continue
            bets = prices[bid]
            if bet is not None:
                bets = [b for b in bets if b["id"] == bet]
                if not bets:
                    continue
            books.append({"id": bid, "name": self.bookmaker_names[bid], "bets": bets})
        if not books:
            return None
        return {
            "league": self.league_block(fx.league, fx.season),
            "fixture": {"id": fx.id, "timezone": "UTC", "date": iso_plus00(fx.kickoff),
                        "timestamp": fx.kickoff},
            "update": iso_plus00(n * self.period_s),
            "bookmakers": books,
        }

    # ------------------------------------------------------------------ predictions
    def prediction_json(self, fx: Fixture) -> dict[str, Any]:
        cached = self._predictions.get(fx.id)
        if cached is None:
            cached = _Predictor(self, fx).build()
            self._predictions[fx.id] = cached
        return cached


def _clamp_book(qs: list[float]) -> list[float]:
    """Cap implied probabilities at 1/1.01 (odds 1.01), as bookmakers quote a near-certainty,
    while the other outcomes keep their own prices: a long shot keeps its long price. (Handing
    the capped excess to the long shots shortened them by up to half at the books with the
    widest margins only, which a fair view read as +70-80 % value at the others.) Only a book
    the cap would take under 101 % has its other outcomes raised, by what it lacks, so no
    market turns into an arbitrage."""
    cap = 1.0 / MIN_ODD
    if max(qs) <= cap:
        return qs
    capped = [min(q, cap) for q in qs]
    lacking = _CAPPED_BOOK_FLOOR - sum(capped)
    rest = sum(q for q in capped if q < cap)
    if lacking <= 0.0 or rest <= 0.0:
        return capped
    return [q if q >= cap else q + lacking * q / rest for q in capped]


_CAPPED_BOOK_FLOOR = 1.01  # the least a book with a capped favourite adds up to


def _fixture_dict(*, fid: int, referee: str | None, kickoff: int, first: int | None,
                  second: int | None, venue: tuple[int | None, str, str | None],
                  status: tuple[str, str, int | None], league: dict[str, Any], home: Team,
                  away: Team, goals: tuple[int | None, int | None],
                  halftime: tuple[int | None, int | None],
                  fulltime: tuple[int | None, int | None]) -> dict[str, Any]:
    gh, ga = goals
    if gh is None or ga is None or gh == ga:
        hw = aw = None
    else:
        hw, aw = gh > ga, ga > gh
    return {
        "fixture": {
            "id": fid, "referee": referee, "timezone": "UTC", "date": iso_plus00(kickoff),
            "timestamp": kickoff, "periods": {"first": first, "second": second},
            "venue": {"id": venue[0], "name": venue[1], "city": venue[2]},
            "status": {"long": status[0], "short": status[1], "elapsed": status[2]},
        },
        "league": league,
        "teams": {
            "home": {"id": home.id, "name": home.name, "logo": home.logo, "winner": hw},
            "away": {"id": away.id, "name": away.name, "logo": away.logo, "winner": aw},
        },
        "goals": {"home": gh, "away": ga},
        "score": {
            "halftime": {"home": halftime[0], "away": halftime[1]},
            "fulltime": {"home": fulltime[0], "away": fulltime[1]},
            "extratime": {"home": None, "away": None},
            "penalty": {"home": None, "away": None},
        },
    }


def _pct(x: float) -> str:
    return f"{round(x)}%"


def _split(a: float, b: float) -> tuple[int, int]:
    if a + b <= 0:
        return 50, 50
    h = round(100.0 * a / (a + b))
    return h, 100 - h


def _avg_str(total: int, n: int) -> str:
    return f"{(total / n if n else 0.0):.1f}"


class _Predictor:
    """Builds one ``/predictions`` item in the provider's shape."""

    def __init__(self, data: SimData, fx: Fixture) -> None:
        self.data, self.fx = data, fx
        self.rng = data._rng("pred", fx.id)

    def _season_games(self, team: Team) -> list[tuple[bool, int, int]]:
        """(at home, goals for, goals against) of this season's games before the fixture."""
        played = max(0, self.fx.round_no - 1)
        league = self.fx.league
        others = [t for t in league.teams if t.id != team.id]
        rng = self.data._rng("season", team.id, self.fx.round_no)
        games = []
        for g in range(played):
            opp = others[g % len(others)] if others else team
            at_home = g % 2 == (0 if team.id % 2 else 1)
            if at_home:
                lf = 1.45 * math.exp(team.attack - opp.defence)
                la = 1.15 * math.exp(opp.attack - team.defence)
            else:
                lf = 1.15 * math.exp(team.attack - opp.defence)
                la = 1.45 * math.exp(opp.attack - team.defence)
            games.append((at_home, _poisson(rng, lf), _poisson(rng, la)))
        return games

    @staticmethod
    def _league_block(games: list[tuple[bool, int, int]]) -> dict[str, Any]:
        def split(pred: Any) -> dict[str, int]:
            h = sum(1 for g in games if g[0] and pred(g))
            a = sum(1 for g in games if not g[0] and pred(g))
            return {"home": h, "away": a, "total": h + a}

        played = split(lambda g: True)
        form = "".join("W" if f > a else "D" if f == a else "L" for _, f, a in games)
        gf = {"home": sum(g[1] for g in games if g[0]), "away": sum(g[1] for g in games if not g[0])}
        ga = {"home": sum(g[2] for g in games if g[0]), "away": sum(g[2] for g in games if not g[0])}
        gf["total"], ga["total"] = gf["home"] + gf["away"], ga["home"] + ga["away"]

        def avgs(totals: dict[str, int]) -> dict[str, str]:
            return {k: _avg_str(totals[k], played[k]) for k in ("home", "away", "total")}

        def streak(ch: str) -> int:
            best = cur = 0
            for c in form:
                cur = cur + 1 if c == ch else 0
                best = max(best, cur)
            return best

        def biggest(home: bool, win: bool) -> str | None:
            cands = [g for g in games if g[0] == home and ((g[1] > g[2]) if win else (g[1] < g[2]))]
            if not cands:
                return None
            g = max(cands, key=lambda x: (abs(x[1] - x[2]), x[1] + x[2]))
            # Written home-away, as the provider does.
            return f"{g[1]}-{g[2]}" if home else f"{g[2]}-{g[1]}"

        return {
            "form": form or None,
            "fixtures": {
                "played": played,
                "wins": split(lambda g: g[1] > g[2]),
                "draws": split(lambda g: g[1] == g[2]),
                "loses": split(lambda g: g[1] < g[2]),
            },
            "goals": {
                "for": {"total": gf, "average": avgs(gf)},
                "against": {"total": ga, "average": avgs(ga)},
            },
            "biggest": {
                "streak": {"wins": streak("W"), "draws": streak("D"), "loses": streak("L")},
                "wins": {"home": biggest(True, True), "away": biggest(False, True)},
                "loses": {"home": biggest(True, False), "away": biggest(False, False)},
                "goals": {
                    "for": {"home": max([g[1] for g in games if g[0]], default=0),
                            "away": max([g[1] for g in games if not g[0]], default=0)},
                    "against": {"home": max([g[2] for g in games if g[0]], default=0),
                                "away": max([g[2] for g in games if not g[0]], default=0)},
                },
            },
            "clean_sheet": split(lambda g: g[2] == 0),
            "failed_to_score": split(lambda g: g[1] == 0),
        }

    @staticmethod
    def _last5(games: list[tuple[bool, int, int]]) -> tuple[dict[str, Any], float, float, float, int]:
        last = games[-5:]
        pts = sum(3 if f > a else 1 if f == a else 0 for _, f, a in last)
        gf = sum(g[1] for g in last)
        ga = sum(g[2] for g in last)
        n = len(last)
        form = 100.0 * pts / (3 * n) if n else 0.0
        att = min(100.0, 100.0 * gf / (2.0 * n)) if n else 0.0
        dfn = max(0.0, 100.0 - 100.0 * ga / (2.0 * n)) if n else 0.0

        def avg(t: int) -> float | int:
            v = round(t / n, 1) if n else 0
            return int(v) if float(v).is_integer() else v

        block = {
            "form": _pct(form), "att": _pct(att), "def": _pct(dfn),
            "goals": {"for": {"total": gf, "average": avg(gf)},
                      "against": {"total": ga, "average": avg(ga)}},
        }
        return block, form, att, dfn, gf

    def _h2h(self) -> list[dict[str, Any]]:
        fx, data = self.fx, self.data
        a, b = sorted((fx.home.id, fx.away.id))
        rng = data._rng("h2h", a, b)
        meetings = rng.randint(0, 6)
        out = []
        for k in range(meetings):
            season = fx.season - 1 - k // 2
            start = datetime(season, 8, 20, tzinfo=UTC)
            day = rng.randint(0, 260) if k % 2 else rng.randint(0, 120)
            hh = rng.choice((12, 14, 15, 17, 19))
            mm = rng.choice((0, 0, 30, 45))
            kickoff = int((start + timedelta(days=day, hours=hh, minutes=mm)).timestamp())
            home, away = (fx.home, fx.away) if rng.random() < 0.5 else (fx.away, fx.home)
            gh = _poisson(rng, 1.45 * math.exp(home.attack - away.defence))
            ga = _poisson(rng, 1.15 * math.exp(away.attack - home.defence))
            hth, hta = rng.randint(0, gh), rng.randint(0, ga)
            refs = cat.REFEREES.get(fx.league.country, cat.GENERIC_REFEREES)
            out.append(_fixture_dict(
                fid=rng.randrange(200_000, 1_000_000), referee=f"{rng.choice(refs)}, {fx.league.country}",
                kickoff=kickoff, first=kickoff, second=kickoff + 3600,
                venue=(home.venue_id, home.venue_name, home.venue_city),
                status=("Match Finished", "FT", 90),
                league=data.league_block(fx.league, season, f"Regular Season - {rng.randint(1, 34)}"),
                home=home, away=away, goals=(gh, ga), halftime=(hth, hta), fulltime=(gh, ga),
            ))
        out.sort(key=lambda d: d["fixture"]["timestamp"], reverse=True)
        return out

    def build(self) -> dict[str, Any]:
        fx, data, rng = self.fx, self.data, self.rng
        probs = data.probabilities(fx)
        # The provider's model is not the market: distort it a little, deterministically.
        raw = [max(0.02, p * math.exp(rng.gauss(0.0, 0.15))) for p in probs[:3]]
        z = sum(raw)
        pp = [p / z for p in raw]
        percents = _fives(pp)
        fav_home = pp[0] >= pp[2]
        fav = fx.home if fav_home else fx.away
        p_fav = pp[0] if fav_home else pp[2]
        win_or_draw = p_fav < 0.55
        comment: str | None = "Win or draw" if win_or_draw else "Win"
        if rng.random() < 0.2:
            comment = None
        total = fx.lam_home + fx.lam_away
        under_over: str | None
        if total < 2.3:
            under_over = "-2.5"
        elif total < 2.6:
            under_over = "-3.5"
        elif total > 3.1:
            under_over = "+2.5"
        else:
            under_over = None
        if under_over is not None and rng.random() < 0.25:
            under_over = None

        def goal_line(lam: float) -> str | None:
            if rng.random() < 0.1:
                return None
            if lam < 0.9:
                return "-1.5"
            if lam < 1.6:
                return "-2.5"
            if lam < 2.2:
                return "+1.5"
            return "+2.5"

        goals = {"home": goal_line(fx.lam_home), "away": goal_line(fx.lam_away)}
        if win_or_draw and under_over:
            advice = f"Combo Double chance : {fav.name} or draw and {under_over} goals"
        elif win_or_draw:
            advice = f"Double chance : {fav.name} or draw"
        elif under_over:
            advice = f"Combo {fav.name} and {under_over} goals"
        else:
            advice = f"Winner : {fav.name}"

        home_games = self._season_games(fx.home)
        away_games = self._season_games(fx.away)
        h5, hform, hatt, hdef, hgf = self._last5(home_games)
        a5, aform, aatt, adef, agf = self._last5(away_games)
        h2h = self._h2h()
        hw = sum(1 for m in h2h if (m["teams"]["home"]["id"] == fx.home.id and m["teams"]["home"]["winner"])
                 or (m["teams"]["away"]["id"] == fx.home.id and m["teams"]["away"]["winner"]))
        aw = sum(1 for m in h2h if (m["teams"]["home"]["id"] == fx.away.id and m["teams"]["home"]["winner"])
                 or (m["teams"]["away"]["id"] == fx.away.id and m["teams"]["away"]["winner"]))
        draws = len(h2h) - hw - aw
        parts = {
            "form": _split(hform, aform),
            "att": _split(hatt, aatt),
            "def": _split(hdef, adef),
            "poisson_distribution": _split(fx.lam_home, fx.lam_away),
            "h2h": _split(hw + draws / 2, aw + draws / 2),
            "goals": _split(hgf, agf),
        }
        total_home = sum(v[0] for v in parts.values()) / len(parts)
        comparison: dict[str, dict[str, str]] = {k: {"home": f"{h}%", "away": f"{a}%"}
                                                 for k, (h, a) in parts.items()}
        comparison["total"] = {"home": f"{total_home:.1f}%", "away": f"{100 - total_home:.1f}%"}

        def team_block(team: Team, last5: dict[str, Any], games: list[tuple[bool, int, int]]) -> dict[str, Any]:
            return {"id": team.id, "name": team.name, "logo": team.logo, "last_5": last5,
                    "league": self._league_block(games)}

        return {
            "predictions": {
                "winner": {"id": fav.id, "name": fav.name, "comment": comment},
                "win_or_draw": win_or_draw,
                "under_over": under_over,
                "goals": goals,
                "advice": advice,
                "percent": {"home": f"{percents[0]}%", "draw": f"{percents[1]}%",
                            "away": f"{percents[2]}%"},
            },
            "league": data.league_block(fx.league, fx.season),
            "teams": {"home": team_block(fx.home, h5, home_games),
                      "away": team_block(fx.away, a5, away_games)},
            "comparison": comparison,
            "h2h": h2h,
        }


def _fives(ps: list[float]) -> list[int]:
    """Percentages in steps of 5 summing to 100 (largest remainder), each at least 5."""
    units = [p * 20.0 for p in ps]
    base = [max(1, int(u)) for u in units]
    while sum(base) > 20:
        i = max(range(len(base)), key=lambda k: base[k])
        base[i] -= 1
    order = sorted(range(len(ps)), key=lambda k: units[k] - int(units[k]), reverse=True)
    i = 0
    while sum(base) < 20:
        base[order[i % len(order)]] += 1
        i += 1
    return [b * 5 for b in base]
