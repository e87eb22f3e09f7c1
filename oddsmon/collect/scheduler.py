"""What the collector should fetch now: a pure function of what is known, the budget and the clock.

Value order (highest first): the closing price of a fixture about to kick off (it is the one
price that can never be fetched again), then the state and in-play odds of fixtures in play,
then each league's season (looked up when ``[watch] season = "auto"``: nothing about a league
can be asked before its season is known), the watched fixtures, the pre-match odds on the
provider's cadence (each league's page, or its fixtures at hand one by one when that is fewer
calls), one prediction per fixture, the bookmakers list, and the names of the
fixtures those odds price beyond the watch window (by ids, a batch a call). Tasks are taken in
that order while the budget holds; calls still needed today for closing prices are kept back
from everything else, and the routine refreshes (season lookups included) may take only their
share (half of the day's budget), so the afternoon's matches are not starved by the morning's
refreshes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..clock import next_reset

# A fixture is presumed in play from kickoff until this long after it, unless the live list
# says otherwise (90 minutes, half time, stoppages, extra time).
IN_PLAY_GUESS = timedelta(minutes=150)
# The closing fetch goes out this long before kickoff (within the closing window).
CLOSING_LEAD = timedelta(minutes=10)
# A live list fetched this long after kickoff that does not hold the fixture: it is not in play.
LIST_GRACE = timedelta(minutes=5)
# Predictions are fetched for fixtures kicking off within this (the provider updates them
# hourly and recommends one call a day): later ones wait for the day they are played.
PREDICTION_AHEAD = timedelta(hours=24)

# Names last: they are of fixtures beyond the watch window (days away), named any day before.
KINDS = ("closing", "live_fixtures", "live", "seasons", "fixtures", "odds", "prediction",
         "bookmakers", "names")
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}
# What cannot be fetched later: the close, and the match while it is played.
URGENT = frozenset({"closing", "live_fixtures", "live"})


@dataclass(frozen=True, slots=True)
class Watched:
    """A watched fixture as the store knows it."""

    id: int
    league: int
    kickoff: datetime
    status: str  # the provider's short status as last fetched
    finished: bool  # FT/AET/PEN as last seen (also from the live list dropping it)


@dataclass(frozen=True, slots=True)
class Task:
    kind: str
    # league (seasons, fixtures, odds, live), fixture id (closing, prediction; names: the
    # batch's first), None for whole-plan tasks
    target: int | None
    cost: int  # counted calls it is expected to take

    @property
    def label(self) -> str:
        return self.kind if self.target is None else f"{self.kind} {self.target}"


@dataclass(frozen=True, slots=True)
class Known:
    """Everything the plan rests on, read from the store before a cycle."""

    now: datetime
    leagues: tuple[int, ...]  # watched leagues whose season is known: their requests can be sent
    fixtures: Sequence[Watched]
    in_play: frozenset[int]  # in the live list as last fetched
    live_list_at: datetime | None  # when the live list was fetched
    fetched: Mapping[tuple[str, int | None], datetime]  # (kind, target) -> last fetch
    # league -> calls its odds take when due: its league page's pages (as last answered), or
    # its fixtures at hand when asked for one by one (whichever is cheaper: Requests.odds_route)
    odds_pages: Mapping[int, int] = field(default_factory=dict)
    seen_before_kickoff: Mapping[int, datetime] = field(default_factory=dict)
    predicted: frozenset[int] = frozenset()
    # Leagues whose season is looked up ("auto"): each lookup is ``fetched[("seasons", lg)]``.
    season_leagues: tuple[int, ...] = ()
    # Leagues the provider has no odds, or no predictions, for in their season.
    no_odds: frozenset[int] = frozenset()
    no_predictions: frozenset[int] = frozenset()
    # The provider's quota day (the budget's) begins this long after 00:00 UTC.
    reset_offset_s: int = 0
    # Priced fixtures nothing names yet, in the batches one call each asks for (their first ids).
    unnamed: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Cadence:
    fixtures_s: float
    odds_s: float
    bookmakers_s: float
    live_s: float
    live_fixtures_s: float
    closing_window: timedelta
    seasons_s: float = 86400.0  # a league's season is looked up again this often ("auto")


@dataclass(frozen=True, slots=True)
class Plan:
    tasks: tuple[Task, ...]
    deferred: tuple[Task, ...]  # due, but the budget cannot pay for them now
    kept_back: int  # calls kept for the closing prices still to come today
    next_due: datetime | None  # when something becomes due next (for the sleep and --check)


def _due(known: Known, kind: str, target: int | None, every_s: float) -> bool:
    at = known.fetched.get((kind, target))
    return at is None or (known.now - at).total_seconds() >= every_s


def _needs_close(known: Known, fx: Watched, window: timedelta) -> bool:
    """Still to kick off, and its odds not yet observed within the closing window."""
    if fx.finished or fx.kickoff <= known.now:
        return False
    seen = known.seen_before_kickoff.get(fx.id)
    return seen is None or seen < fx.kickoff - window


def _close_at(fx: Watched, window: timedelta) -> datetime:
    """When the closing fetch goes out: as late as safely can be (the close is the last price),
    with ten one-minute cycles to spare for a hiccup."""
    return fx.kickoff - min(CLOSING_LEAD, window)


def _closing_due(known: Known, fx: Watched, window: timedelta) -> bool:
    return _needs_close(known, fx, window) and known.now >= _close_at(fx, window)


def _maybe_in_play(known: Known, fx: Watched) -> bool:
    """In the live list, or past kickoff and not yet seen out of it: worth asking the list."""
    if fx.finished:
        return False
    if fx.id in known.in_play:
        return True
    return fx.kickoff <= known.now < fx.kickoff + IN_PLAY_GUESS and (
        known.live_list_at is None or known.live_list_at < fx.kickoff + LIST_GRACE)


def live_every(base_s: float, now: datetime, left: int, calls_per_round: int,
               reset_offset_s: int = 0) -> float:
    """Seconds between two in-play rounds: the provider's cadence, stretched so that rounds
    until the quota day ends (its reset, ``reset_offset_s`` after 00:00 UTC) fit in what is
    left of the budget."""
    day_left = (next_reset(now, reset_offset_s) - now).total_seconds()
    return max(base_s, day_left / max(1, left) * calls_per_round)


def plan(known: Known, cadence: Cadence, left: int, routine_left: int) -> Plan:
    """The tasks to run now, best first, within ``left`` counted calls, of which routine
    refreshes (fixtures, pre-match odds, predictions, bookmakers) may take ``routine_left``."""
    now = known.now
    day_ends = next_reset(now, known.reset_offset_s)
    # Kept back: one closing call for each fixture still to kick off this quota day, not yet due.
    kept_back = sum(1 for fx in known.fixtures
                    if fx.kickoff <= day_ends and _needs_close(known, fx, cadence.closing_window)
                    and not _closing_due(known, fx, cadence.closing_window))
    due = [Task("closing", fx.id, 1) for fx in known.fixtures
           if _closing_due(known, fx, cadence.closing_window)]
    live_leagues = sorted({fx.league for fx in known.fixtures if fx.id in known.in_play
                           and not fx.finished and fx.league not in known.no_odds})
    every = live_every(cadence.live_s, now, left - kept_back, 1 + len(live_leagues),
                       known.reset_offset_s)
    if any(_maybe_in_play(known, fx) for fx in known.fixtures) and _due(
            known, "live_fixtures", None, max(cadence.live_fixtures_s, every)):
        due.append(Task("live_fixtures", None, 1))
    # In-play odds only on a live list of this very round: a fixture that ended since the
    # last list is not asked for, so a round costs the list plus one call per league in play.
    list_fresh = known.live_list_at is not None and \
        (now - known.live_list_at).total_seconds() < cadence.live_fixtures_s
    if list_fresh:
        due += [Task("live", lg, 1) for lg in live_leagues if _due(known, "live", lg, every)]
    due += [Task("seasons", lg, 1) for lg in known.season_leagues
            if _due(known, "seasons", lg, cadence.seasons_s)]
    due += [Task("fixtures", lg, 1) for lg in known.leagues
            if _due(known, "fixtures", lg, cadence.fixtures_s)]
    # A league with nothing at hand to price (asked per fixture, none upcoming) costs nothing.
    due += [Task("odds", lg, known.odds_pages.get(lg, 1)) for lg in known.leagues
            if lg not in known.no_odds and known.odds_pages.get(lg, 1) > 0
            and _due(known, "odds", lg, cadence.odds_s)]
    due += [Task("prediction", fx.id, 1) for fx in sorted(known.fixtures, key=lambda f: f.kickoff)
            if now < fx.kickoff <= now + PREDICTION_AHEAD and not fx.finished
            and fx.id not in known.predicted and fx.league not in known.no_predictions]
    if _due(known, "bookmakers", None, cadence.bookmakers_s):
        due.append(Task("bookmakers", None, 1))
    due += [Task("names", first, 1) for first in known.unnamed]
    due.sort(key=lambda t: _PRIORITY[t.kind])
    chosen: list[Task] = []
    deferred: list[Task] = []
    spend = routine = 0
    for task in due:
        # Closing prices may use the calls kept back for them; nothing else may.
        room = left if task.kind == "closing" else left - kept_back
        fits = spend + task.cost <= room
        if task.kind not in URGENT:
            fits = fits and routine + task.cost <= routine_left
        if fits:
            chosen.append(task)
            spend += task.cost
            routine += 0 if task.kind in URGENT else task.cost
        else:
            deferred.append(task)
    return Plan(tuple(chosen), tuple(deferred), kept_back, _next_due(known, cadence, every))


def _next_due(known: Known, cadence: Cadence, live_s: float) -> datetime | None:
    """The earliest instant something else falls due, assuming nothing is fetched meanwhile."""
    now = known.now
    candidates: list[datetime] = []
    for fx in known.fixtures:
        if fx.finished:
            continue
        candidates += [_close_at(fx, cadence.closing_window), fx.kickoff]
    periods = {"seasons": cadence.seasons_s, "fixtures": cadence.fixtures_s, "odds": cadence.odds_s,
               "bookmakers": cadence.bookmakers_s, "live": live_s,
               "live_fixtures": max(live_s, cadence.live_fixtures_s)}
    for (kind, _target), at in known.fetched.items():
        if kind in periods:
            candidates.append(at + timedelta(seconds=periods[kind]))
    later = [c for c in candidates if c > now]
    return min(later) if later else None
