"""What the pages and the collector ask for: each watched league's season (configured, or looked
up), the date window, and the requests behind a league's part of a page, built the same way
wherever they are sent so that pages, the warm and the collector share one cache entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from ..clock import Clock
from ..config import Settings
from ..domain.models import League
from ..providers import FixturesRequest, LeagueOddsRequest, LiveFixturesRequest, SeasonRequest
from .page import Page, Provenance
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

    async def refresh_season(self, league: int) -> Provenance:
        """Look one league's current season up now (the collector's ``seasons`` task): the
        same cache entry ``league_seasons`` reads, so pages and the collector agree."""
        request = self.season_request(league)
        if request is None:
            return Provenance("cache", None, None, False, None, None)
        return (await self.reader.read(request, force=True)).provenance

    async def refresh_league(self, kind: str, league: int) -> Provenance:
        """Fetch one league's fixtures (the window) or pre-match odds (every page) now."""
        request = self.league_fixtures(league) if kind == "fixtures" else self.league_odds(league)
        if request is None:
            return Provenance("none", None, None, False, error=f"league {league}: no season known")
        view = ROWS if isinstance(request, LeagueOddsRequest) else None
        return (await self.reader.read(request, force=True, view=view)).provenance
