"""The pages the screens and the collector read, assembled from cache entries: fixtures, odds,
bookmakers, predictions, in-play, and one fixture's market analysis."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from ..config import Settings
from ..domain.market import MarketView, analyse_market
from ..domain.models import (
    DEFAULT_GOALS_LINE,
    MARKETS,
    MATCH_WINNER,
    Bookmaker,
    Fixture,
    FixtureOdds,
    LiveOdds,
    Prediction,
)
from ..providers import (
    BookmakersRequest,
    FixtureOddsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    LiveOddsRequest,
    PredictionRequest,
)
from ..store import LiveBoard, Store
from ..types import FairMethod
from .page import Page, Provenance, combine
from .reader import ROWS, Reader
from .recorder import Recorder
from .requests import LeagueSeason, Requests, no_predictions

R = TypeVar("R", bound=FixturesRequest)
# A live list older than this says nothing about what is in play now.
_LIVE_LIST_RECENT = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LiveMatch:
    """A watched fixture in play: as the live list saw it, and its recorded in-play odds."""

    fixture: Fixture
    board: LiveBoard | None
    bet_names: dict[int, str] = field(default_factory=dict)  # live bet id -> its name


@dataclass(frozen=True, slots=True)
class BookmakerRow:
    bookmaker: Bookmaker
    fixtures: int | None  # watched fixtures it prices; None when no odds are cached
    markets: tuple[int, ...]  # the shown markets it offers on them


@dataclass(frozen=True, slots=True)
class BookmakersView:
    rows: list[BookmakerRow]  # pricing bookmakers first (most fixtures first), then by name
    odds_provenance: Provenance
    watched: int  # fixtures with odds in the cache


@dataclass(frozen=True, slots=True)
class ServedOdds:
    """The odds entries a page is read from: league pages (-> fetch time), whose fixtures are
    those they carried, and the fixtures at hand served by their own entries (asked for alone,
    and fresher than their league's page, if any)."""

    pages: dict[LeagueOddsRequest, datetime] = field(default_factory=dict)
    alone: frozenset[int] = frozenset()


def keyed(pages: Mapping[LeagueOddsRequest, datetime]) -> dict[str, datetime]:
    """Entries served (request -> fetch time) as the store keys them."""
    return {request.key: at for request, at in pages.items()}


def without_bookmakers(fo: FixtureOdds, hidden: frozenset[int]) -> FixtureOdds:
    return replace(fo, bookmakers=tuple(b for b in fo.bookmakers if b.bookmaker.id not in hidden)) if hidden else fo


class Pages:
    def __init__(self, settings: Settings, store: Store, reader: Reader, requests: Requests,
                 recorder: Recorder) -> None:
        self.settings = settings
        self.store = store
        self.reader = reader
        self.requests = requests
        self.recorder = recorder
        self.clock = reader.clock
        # The last fixtures list answered, by the entries it was read from: the same entries
        # answer the same list object, so the screens' memo of its arrangement (tui/host.py)
        # holds, instead of sorting 2,000 fixtures again at every switch. Read-only to callers.
        self._fixtures: tuple[frozenset[tuple[str, datetime]], list[Fixture]] | None = None

    async def bookmakers(self, *, force: bool = False) -> Page[list[Bookmaker]]:
        return await self.reader.read(BookmakersRequest(), force=force)

    async def _per_league(self, what: str, request: Callable[[LeagueSeason], R], *, force: bool,
                          fallback: bool = False) -> tuple[list[Any], Provenance, dict[R, datetime]]:
        """Each watched league's entry: the items read, their provenance, and the entries
        served (-> fetch time)."""
        items: list[Any] = []
        served: dict[R, datetime] = {}
        provs: list[Provenance] = []
        notes: list[str] = []
        leagues = await self.requests.league_seasons()
        with self.store.holding():  # the offline state before each league's read: read once
            for league in leagues:
                skip = league.skip(what)
                if skip is not None:
                    notes.append(skip)
                    continue
                asked = request(league)
                loaded = await self.reader.read(asked, force=force, fallback=fallback)
                provs.append(loaded.provenance)
                if loaded.data is not None and loaded.provenance.fetched_at is not None:
                    served[asked] = loaded.provenance.fetched_at
                if loaded.data is not None:
                    items.extend(loaded.data)
        return items, replace(combine(provs, self.clock.now()), notes=tuple(notes)), served

    async def fixtures(self, *, force: bool = False) -> Page[list[Fixture]]:
        """Fixtures of the watched leagues from today through ``days_ahead``, by kickoff."""
        items, prov, served = await self._per_league("fixtures", self.requests.fixtures, force=force, fallback=True)
        if prov.source == "none":
            return Page(None, prov)
        read_from = frozenset((r.key, at) for r, at in served.items())
        if self._fixtures is not None and self._fixtures[0] == read_from and len(self._fixtures[1]) == len(items):
            items = self._fixtures[1]
        else:
            items.sort(key=lambda f: (f.kickoff, f.id))
            self._fixtures = (read_from, items)
        if prov.source == "live":  # just fetched: the names the team's SQL views show
            self.store.history.note_fixtures(prov.fetched_at or self.clock.now(), [
                (f.id, f.kickoff, f.league_id, f.league_name, f.home.name, f.away.name) for f in items])
        return Page(items, prov)

    async def odds(self, *, force: bool = False) -> Page[dict[int, FixtureOdds]]:
        """Odds of the watched leagues' fixtures, by fixture id, each read from its own entry
        (the freshest of its league page and its own fetch)."""
        served, prov = await self.odds_pages(force)
        if prov.source == "none":
            return Page(None, prov)
        return Page({fo.fixture_id: self.recorder.watched(fo) for fo in self._carried_odds(served)}, prov)

    async def odds_pages(self, force: bool) -> tuple[ServedOdds, Provenance]:
        """Each watched league's odds, read or fetched the cheaper way (its league page, or its
        fixtures at hand one by one: ``Requests.odds_route``), and their provenance: the rows
        their fetches wrote are the answer, their bodies are not read."""
        leagues = await self.requests.league_seasons()
        with self.store.holding():
            # Each league page's entry times and whether it carried fixtures, read in two
            # statements instead of three a league (its route and its read ask for them).
            keys = [self.requests.odds(league).key for league in leagues if league.skip("odds") is None]
            self.store.cache.hold_times(keys)
            self.store.history.hold_carried(keys)
            return await self._odds_pages(leagues, force)

    async def _odds_pages(self, leagues: list[LeagueSeason], force: bool) -> tuple[ServedOdds, Provenance]:
        pages: dict[LeagueOddsRequest, datetime] = {}
        alone: set[int] = set()
        provs: list[Provenance] = []
        notes: list[str] = []
        for league in leagues:
            skip = league.skip("odds")
            if skip is not None:
                notes.append(skip)
                continue
            route = self.requests.odds_route(league, partial(self.requests.window_fixtures, league),
                                             refetch=lambda _key: force)
            if not route.per_fixture:
                loaded = await self.reader.read(route.page, force=force, view=ROWS)
                provs.append(loaded.provenance)
                if loaded.data is not None and loaded.provenance.fetched_at is not None:
                    pages[route.page] = loaded.provenance.fetched_at
                continue
            # The league page, if cached, still tells the fixtures no longer at hand (played
            # today); a fixture at hand is served by its own entry when no older than it.
            kept = self.store.cache.get(route.page.key, body=False)
            if kept is not None:
                pages[route.page] = kept.fetched_at
            for request in route.at_hand:
                # The rows its fetch wrote are the answer: another process reads the Dashboard
                # without parsing any odds body.
                loaded = await self.reader.read(request, force=force, view=ROWS)
                provs.append(loaded.provenance)
                at = loaded.provenance.fetched_at
                if loaded.data is not None and at is not None and (kept is None or at >= kept.fetched_at):
                    alone.add(request.fixture)
        prov = replace(combine(provs, self.clock.now()), notes=tuple(notes))
        return ServedOdds(pages, frozenset(alone)), prov

    def carried(self, served: ServedOdds) -> set[int]:
        """The fixtures whose odds those entries serve."""
        return set(self.store.history.carried(keyed(served.pages))) | served.alone

    def _carried_odds(self, served: ServedOdds) -> list[FixtureOdds]:
        """The whole odds of the fixtures those entries serve, from each fixture's entry."""
        return [fo for fid in sorted(self.carried(served))
                for fo in (self.fixture_entry(fid, None) or (None, []))[1]]

    def fixture_entry(self, fixture_id: int, bets: frozenset[int] | None
                      ) -> tuple[datetime, list[FixtureOdds]] | None:
        """A fixture's odds entry, when fetched and read (``bets`` only); None when there is
        none. One that is unreadable (or a refusal kept for it) reads as priced by nobody, as
        fetched then: nothing to show, and nothing to work out again until it is fetched again.
        Read past the memo: a scan of every fixture would only push the pages out of it."""
        request = FixtureOddsRequest(fixture_id)
        entry = self.store.cache.get(request.key)
        if entry is None:
            return None
        try:
            return entry.fetched_at, self.reader.provider.decode(request, entry.body, bets)
        except ValueError:
            return entry.fetched_at, []

    async def bookmakers_summary(self, *, force: bool = False) -> Page[BookmakersView]:
        """The Bookmakers screen: every known bookmaker, and which price the watched fixtures
        (one query over the rows the odds fetches wrote; the odds pages are not parsed)."""
        books = await self.bookmakers(force=force)
        if books.data is None:
            return Page(None, books.provenance)
        served, odds_prov = await self.odds_pages(force)
        watched, coverage = self.store.history.coverage(keyed(served.pages), MARKETS, self.settings.watch.bookmakers,
                                                        also=served.alone)
        known = {b.id: b.name for b in books.data}
        # A bookmaker pricing the watched fixtures but missing from the list is still shown,
        # named as its odds name it.
        names = {**self.store.history.bookmaker_names(), **known}
        cached = odds_prov.source != "none"
        rows = [BookmakerRow(Bookmaker(bid, name), coverage.get(bid, (0, ()))[0] if cached else None,
                             coverage.get(bid, (0, ()))[1]) for bid, name in names.items()
                if bid in coverage or bid in known]
        rows.sort(key=lambda r: (-(r.fixtures or 0), r.bookmaker.name.lower()))
        return Page(BookmakersView(rows, odds_prov, watched), books.provenance)

    async def prediction(self, fixture_id: int, *, force: bool = False) -> Page[Prediction]:
        loaded = await self.reader.read(PredictionRequest(fixture_id), force=force)
        preds = loaded.data
        return Page(preds[0] if preds else None, loaded.provenance)

    async def predictions(self, *, force: bool = False) -> Page[dict[int, Prediction]]:
        """Predictions of the upcoming fixtures in the window (one call per fixture: the API
        has no bulk form)."""
        fixtures = await self.fixtures()
        if fixtures.data is None:
            return Page(None, fixtures.provenance)
        out: dict[int, Prediction] = {}
        provs = []
        skipped = no_predictions(await self.requests.league_seasons())
        for fx in fixtures.data:
            if not fx.is_upcoming or fx.league_id in skipped:
                continue
            page = await self.prediction(fx.id, force=force)
            provs.append(page.provenance)
            if page.data is not None:
                out[fx.id] = page.data
        notes = tuple(skipped.values())
        if not provs:
            return Page(out, replace(fixtures.provenance, notes=notes))
        return Page(out, replace(combine(provs, self.clock.now()), notes=notes))

    async def fixture_odds(self, fixture_id: int, *, force: bool = False) -> Page[FixtureOdds]:
        """One fixture's odds: served from the entry its league page left, else fetched alone."""
        loaded = await self.reader.read(FixtureOddsRequest(fixture_id), force=force)
        items = loaded.data
        return Page(items[0] if items else None, loaded.provenance)

    async def market(self, fixture_id: int, market_id: int = MATCH_WINNER, *,
                     method: FairMethod | None = None, line: str = DEFAULT_GOALS_LINE,
                     force: bool = False, consensus: str = "all",
                     hidden_bookmakers: frozenset[int] = frozenset()) -> Page[MarketView]:
        """The Odds screen's analysis of one fixture and market, with the prediction beside it."""
        odds = await self.fixture_odds(fixture_id, force=force)
        if odds.data is None:
            return Page(None, odds.provenance)
        prediction = await self.prediction(fixture_id) if market_id in (MATCH_WINNER, 2, 12) else None
        history = [(p.bookmaker_id, p.outcome, p.observed_at, p.price)
                   for p in self.store.history.series(fixture_id, market_id)]
        shown = without_bookmakers(odds.data, hidden_bookmakers)
        view = analyse_market(shown, market_id, method=method or self.settings.odds.fair_method,
                              line=line, prediction=prediction.data if prediction else None,
                              history=history, consensus_mode=consensus)
        return Page(view, odds.provenance)

    # -- in play -------------------------------------------------------------------------------

    async def live_fixtures(self, *, force: bool = False) -> Page[list[Fixture]]:
        """The watched leagues' fixtures in play now: one call for all of them."""
        return await self.reader.read(self.requests.live_list(), force=force)

    async def live_odds(self, league: int, *, force: bool = False) -> Page[list[LiveOdds]]:
        """A league's fixtures in play with their in-play odds (recorded when fetched): one
        call for all of them."""
        return await self.reader.read(LiveOddsRequest(league), force=force)

    def in_play(self) -> dict[int, Fixture]:
        """Fixtures in play per the live list, if it is recent; sends nothing."""
        live, entry = self.reader.peek(self.requests.live_list())
        if entry is None or (self.clock.now() - entry.fetched_at) > _LIVE_LIST_RECENT:
            return {}
        return {fx.id: fx for fx in live or [] if fx.is_live}

    async def live(self, *, force: bool = False) -> Page[list[LiveMatch]]:
        """The Live screen: watched fixtures in play, minute and score, their in-play markets
        and the moves since kickoff. Fetches the live list, then each league's live odds."""
        listed = await self.live_fixtures(force=force)
        if listed.data is None:
            return Page(None, listed.provenance)
        playing = [fx for fx in listed.data if fx.is_live]
        provs = [listed.provenance]
        names: dict[int, dict[int, str]] = {}
        for league in sorted({fx.league_id for fx in playing}):
            page = await self.live_odds(league, force=force)
            provs.append(page.provenance)
            for lo in page.data or []:
                names[lo.fixture_id] = {bet.id: bet.name for bet in lo.bets}
        return Page([LiveMatch(fx, self.store.live.board(fx.id), names.get(fx.id, {})) for fx in playing],
                    combine(provs, self.clock.now()))
