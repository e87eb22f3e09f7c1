"""What the pages and the collector ask for: each watched league's season (configured, or looked
up), the date window, and the requests behind a league's part of a page, built the same way
wherever they are sent so that pages, the warm and the collector share one cache entry."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..clock import Clock
from ..config import Settings
from ..domain.models import Fixture, League
from ..providers import (
    FixtureOddsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    LiveFixturesRequest,
    SeasonRequest,
)
from .page import Page, Provenance, combine
from .reader import ROWS, Reader

# Told of each season looked up (league, counted calls it took, what it answered): the warm
# lists them among its steps.
SeasonLookup = Callable[[int, int, Page[list[League]]], None]


@dataclass(frozen=True, slots=True)
class LeagueSeason:
    """The season a league's requests use, and what the provider covers in it."""

    league: int
    season: int | None  # None: not known (the lookup failed or was refused)
    odds: bool = True
    predictions: bool = True
    why: str | None = None  # why the season is not known

    def skip(self, what: str) -> str | None:
        """Why no call is spent on ``what`` (odds, predictions) for this league, if none is."""
        if self.season is None:
            return f"league {self.league}: no season known ({self.why})"
        if (what == "odds" and not self.odds) or (what == "predictions" and not self.predictions):
            return f"league {self.league}: the provider has no {what} for season {self.season}"
        return None


# The days of fixtures a league's odds answer spans: the provider prices a fixture from 14 days
# before kickoff and keeps its odds 7 days (docs/provider.md). A league page never fetched is
# reckoned as the window's fixtures spread over that span.
ODDS_SPAN_DAYS = 21


@dataclass(frozen=True, slots=True)
class OddsRoute:
    """How one league's pre-match odds are asked for now: its league page (every fixture the
    provider prices in the season, ten a call), or each fixture at hand (upcoming in the
    window) on its own, whichever takes fewer counted calls. A fixture's own entry holds its
    freshest odds either way: a league page writes each fixture's entry as it arrives."""

    league: int
    page: LeagueOddsRequest
    at_hand: tuple[FixtureOddsRequest, ...]  # the window's upcoming fixtures (none: not known)
    per_fixture: bool
    # What the league page takes now (0: fresh): its pages, and before its first fetch the
    # names of the fixtures it prices beyond the window (by ids, ``ids_per_call`` a call).
    page_calls: int
    fixture_calls: int  # what the fixtures at hand take now (their entries not fresh)
    known_at: datetime | None  # when the chosen source was fetched (its oldest part); None: never whole
    names: int = 0  # of ``page_calls``, the names calls


    @property
    def calls(self) -> int:
        return self.fixture_calls if self.per_fixture else self.page_calls

    @property
    def why(self) -> str:
        """The choice in words, with the two costs it was made on."""
        at_hand = f"{self.fixture_calls} call(s) for {len(self.at_hand)} fixture(s) at hand"
        page = f"{self.page_calls} call(s) for its league page" + (
            f" ({self.names} of them naming what it prices beyond the window)" if self.names else "")
        if self.per_fixture:
            return f"league {self.league} per fixture: {at_hand}, against {page}"
        if not self.page_calls:
            return f"league {self.league} by league page: fresh"
        return f"league {self.league} by league page: {page}, against {at_hand}"


def odds_plan_text(routes: Sequence[OddsRoute]) -> str:
    """What a plan chose for each league's odds and why, in one clause ('' when nothing to fetch)."""
    return "; ".join(r.why for r in routes if r.page_calls or r.fixture_calls)


def no_predictions(seasons: list[LeagueSeason]) -> dict[int, str]:
    """Leagues whose predictions cost calls for nothing, with why."""
    return {ls.league: why for ls in seasons if (why := ls.skip("predictions")) is not None}


def _covered(league: int, found: list[League] | None, why: str) -> LeagueSeason:
    """A league's current season as its lookup's answer ``found`` tells it."""
    current = next((lg for lg in found or [] if lg.id == league and lg.current_season), None)
    if current is None or current.current_season is None:
        return LeagueSeason(league, None, why=why)
    return LeagueSeason(league, current.current_season, odds=current.odds_covered is not False,
                        predictions=current.predictions_covered is not False)


class Requests:
    def __init__(self, settings: Settings, reader: Reader, clock: Clock) -> None:
        self.settings = settings
        self.reader = reader
        self.clock = clock

    def window(self) -> tuple[date, date]:
        today = self.clock.now().date()
        return today, today + timedelta(days=self.settings.watch.days_ahead)

    def fixtures(self, league: LeagueSeason) -> FixturesRequest:
        """A league's fixtures in the window: the same in a page read, a warm and the
        collector, so all of them hit one cache entry."""
        assert league.season is not None, "a league's requests wait for its season"
        return FixturesRequest(league.league, league.season, *self.window())

    def odds(self, league: LeagueSeason) -> LeagueOddsRequest:
        assert league.season is not None, "a league's requests wait for its season"
        return LeagueOddsRequest(league.league, league.season)

    def live_list(self) -> LiveFixturesRequest:
        """The watched leagues' fixtures in play: one request for all of them."""
        return LiveFixturesRequest(tuple(self.settings.watch.leagues))

    def season_request(self, league: int) -> SeasonRequest | None:
        """The request that finds one league's current season ("auto"), or None when the
        season is configured (nothing to look up)."""
        if self.settings.watch.fixed_season(league) is not None:
            return None
        return SeasonRequest(league)

    async def league_seasons(self, on_lookup: SeasonLookup | None = None) -> list[LeagueSeason]:
        """Each watched league's season: ``[watch.seasons]``, else ``[watch] season``, else
        (``"auto"``) the league's current season as the provider tells it, cached like the
        other league details. Seasons are per league: one year for all would ask some leagues
        for a season they are not playing, which the provider answers with nothing."""
        out = []
        for league in self.settings.watch.leagues:
            request = self.season_request(league)
            if request is None:
                out.append(LeagueSeason(league, self.settings.watch.fixed_season(league)))
                continue
            before = self.reader.provider.spent
            loaded = await self.reader.read(request)
            if on_lookup is not None:
                on_lookup(league, self.reader.provider.spent - before, loaded)
            out.append(_covered(league, loaded.data,
                                loaded.provenance.error or "the provider lists no current season"))
        return out

    def known_season(self, league: int) -> LeagueSeason:
        """One league's season without a call: the configured one, else the cached answer of
        its lookup (None until ``league_seasons`` or ``refresh_season`` has looked it up),
        with what the provider covers in it."""
        request = self.season_request(league)
        if request is None:
            return LeagueSeason(league, self.settings.watch.fixed_season(league))
        found, entry = self.reader.peek(request)
        return _covered(league, found, "not looked up yet" if entry is None
                        else "the provider lists no current season")

    def league_fixtures(self, league: int) -> FixturesRequest | None:
        """The request behind one league's part of the fixtures page, as pages send it (the
        season as ``league_seasons`` last found it: this sends nothing); None while the
        league's season is not known."""
        season = self.known_season(league)
        return None if season.season is None else self.fixtures(season)

    def league_odds(self, league: int) -> LeagueOddsRequest | None:
        """The same for one league's part of the odds page."""
        season = self.known_season(league)
        return None if season.season is None else self.odds(season)

    def page_items(self, in_window: int) -> int:
        """The fixtures a league page never fetched is reckoned to hold, from its fixtures in
        the window: the same schedule over the days the provider prices (``ODDS_SPAN_DAYS``)."""
        return math.ceil(in_window * max(1.0, ODDS_SPAN_DAYS / (self.settings.watch.days_ahead + 1)))

    def odds_route(self, league: LeagueSeason,
                   fixtures: Sequence[Fixture] | Callable[[], Sequence[Fixture] | None] | None, *,
                   refetch: Callable[[str], bool] = lambda key: False) -> OddsRoute:
        """How ``league``'s odds are asked for now, given its fixtures in the window (asked for
        only when its league page is not fresh; None: not known, so its league page). An entry
        costs nothing while fresh, unless ``refetch`` says it is fetched again all the same
        (forced, fetched before a resume). Per fixture when that takes fewer calls than the
        league page; a league page never fetched also prices fixtures beyond the window, whose
        names cost calls of their own, counted with it."""
        page = self.odds(league)
        now = self.clock.now()
        cache, provider = self.reader.store.cache, self.reader.provider
        entry = cache.get(page.key, body=False)
        known_at = entry.fetched_at if entry is not None else None
        if entry is not None and entry.fresh_at(now) and not refetch(page.key):
            return OddsRoute(league.league, page, (), False, 0, 0, known_at)
        listed = fixtures() if callable(fixtures) else fixtures
        items = cache.results(page.key) if entry is not None else None
        names = 0
        if items is None and listed is not None:
            items = self.page_items(len(listed))
            names = math.ceil((items - len(listed)) / provider.ids_per_call)
        page_calls = provider.refresh_calls(page, items) + names
        at_hand = tuple(FixtureOddsRequest(f.id) for f in sorted(listed or [], key=lambda f: (f.kickoff, f.id))
                        if f.is_upcoming)
        if listed is None:
            return OddsRoute(league.league, page, at_hand, False, page_calls, len(at_hand), known_at, names)
        seen: list[datetime | None] = []
        for request in at_hand:
            own = cache.get(request.key, body=False)
            seen.append(None if own is None or not own.fresh_at(now) or refetch(request.key) else own.fetched_at)
            if len(seen) - sum(1 for at in seen if at is not None) >= page_calls:
                # The league page is the cheaper already: the rest are counted as due, unread.
                seen += [None] * (len(at_hand) - len(seen))
                break
        stale = sum(1 for at in seen if at is None)
        if stale < page_calls:
            oldest = min((at for at in seen if at is not None), default=now)
            return OddsRoute(league.league, page, at_hand, True, page_calls, stale,
                             oldest if not stale else None, names)
        return OddsRoute(league.league, page, at_hand, False, page_calls, stale, known_at, names)

    def window_fixtures(self, league: LeagueSeason) -> list[Fixture] | None:
        """The league's fixtures in the window as cached (None: never fetched); sends nothing."""
        return self.reader.peek(self.fixtures(league))[0]

    async def refresh_odds(self, league: int) -> tuple[OddsRoute | None, Provenance]:
        """Make one league's pre-match odds fresh the cheaper way (the collector's ``odds``
        task): its league page, or its fixtures at hand whose entries are not fresh; the way
        chosen (None: no season known) and what came of it."""
        season = self.known_season(league)
        if season.season is None:
            return None, Provenance("none", None, None, False, error=f"league {league}: no season known")
        route = self.odds_route(season, self.window_fixtures(season))
        if not route.per_fixture:
            return route, (await self.reader.read(route.page, force=True, view=ROWS)).provenance
        provs = [(await self.reader.read(request, view=ROWS)).provenance for request in route.at_hand]
        return route, combine(provs, self.clock.now())

    async def refresh_season(self, league: int) -> Provenance:
        """Look one league's current season up now (the collector's ``seasons`` task): the
        same cache entry ``league_seasons`` reads, so pages and the collector agree."""
        request = self.season_request(league)
        if request is None:
            return Provenance("cache", None, None, False, None, None)
        return (await self.reader.read(request, force=True)).provenance

    async def refresh_fixtures(self, league: int) -> Provenance:
        """Fetch one league's fixtures (the window) now."""
        request = self.league_fixtures(league)
        if request is None:
            return Provenance("none", None, None, False, error=f"league {league}: no season known")
        return (await self.reader.read(request, force=True)).provenance
