"""Recording what arrives: odds as rows and history, each fixture's odds entry and Dashboard
headline, in-play prices; and what moved since the alerts last asked (engine/alerting.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from ..config import Settings
from ..domain.market import headline, headline_to_row
from ..domain.models import MATCH_WINNER, FixtureOdds, LiveOdds
from ..domain.odds_page import PageBook, page_book
from ..providers import (
    FixtureOddsRequest,
    LeagueOddsRequest,
    LiveOddsRequest,
    OddsKeeper,
    OddsPage,
    Request,
    gc_paused,
)
from ..store import LivePrice, LiveState, Store

# Drop alerts watch the outcomes the screens show.
_ALERT_OUTCOMES = frozenset({(1, "Home"), (1, "Draw"), (1, "Away"), (5, "Over 2.5"), (5, "Under 2.5"),
                             (8, "Yes"), (8, "No")})

Shortened = tuple[int, int, int, str]  # (fixture, bookmaker, bet, outcome)


def only_bookmakers(fo: FixtureOdds, wanted: set[int]) -> FixtureOdds:
    return replace(fo, bookmakers=tuple(b for b in fo.bookmakers if b.bookmaker.id in wanted))


class Recorder:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        # What moved since the alerts last asked: shortened prices on a market the screens
        # show (drop candidates), and whether odds were fetched (arbitrage and value are due).
        self._shortened: set[Shortened] = set()
        self._odds_fetched = False

    # -- what the alerts take ----------------------------------------------------------------

    def take_shortened(self) -> list[Shortened]:
        keys, self._shortened = sorted(self._shortened), set()
        return keys

    def moved_since(self, start: datetime) -> list[Shortened]:
        """Every series of the watched outcomes that changed from ``start``, as the history
        holds them: what a process starting up looks at for drops a dead one never alerted on."""
        return [k for k in self.store.history.moved_since(start) if (k[2], k[3]) in _ALERT_OUTCOMES]

    def take_odds_fetched(self) -> bool:
        fetched, self._odds_fetched = self._odds_fetched, False
        return fetched

    # -- the watched bookmakers ----------------------------------------------------------------

    def watched(self, fo: FixtureOdds) -> FixtureOdds:
        """``fo`` restricted to ``watch.bookmakers`` (all of them when none is set)."""
        wanted = set(self.settings.watch.bookmakers)
        return only_bookmakers(fo, wanted) if wanted else fo

    def books_key(self) -> str:
        """The bookmakers a kept headline is computed over ('' all): ``watch.bookmakers``."""
        return ",".join(map(str, sorted(set(self.settings.watch.bookmakers))))

    def openings(self, fixture_ids: list[int]) -> dict[int, dict[tuple[int, str], float]]:
        """Each fixture's first Match Winner price per (bookmaker, outcome)."""
        out: dict[int, dict[tuple[int, str], float]] = {}
        for (fid, bookmaker, outcome), price in self.store.history.openings(MATCH_WINNER, fixture_ids).items():
            out.setdefault(fid, {})[(bookmaker, outcome)] = price
        return out

    # -- arrivals ------------------------------------------------------------------------------

    def league_keeper(self, request: LeagueOddsRequest, at: datetime) -> OddsKeeper:
        """What a league odds fetch does with each page as it arrives: keep each fixture's
        entry, record rows and history, and the Dashboard's headlines."""

        def keep(page: OddsPage) -> None:
            # One transaction for the page: one commit, and a page kept whole or not at all.
            # The collector paused throughout: a page is some 300,000 new objects (models,
            # rows), none of them garbage, which its passes would walk again and again.
            with gc_paused(), self.store.transaction():
                # A league page holds every fixture's answer: each is kept as its own entry,
                # so opening one fixture reads a small row and never fetches it again.
                self.store.cache.put_many([(r.key, r.kind, body) for r, body in page.entries],
                                          at, self.settings.cache.odds_ttl_s)
                self.record_history(page.odds, at, request.key, page.books)
                self._keep_headlines(page.odds, at)

        # Every bet read: the history records every price the API gives (docs/markets.md). Only
        # Match Winner typed, all a headline reads: the rest go from the JSON to the history.
        return OddsKeeper(None, keep, frozenset({MATCH_WINNER}))

    def arrived(self, request: Request[Any], data: Any, at: datetime) -> None:
        """A fetch's answer: odds (a league's were kept page by page already), in-play odds."""
        if isinstance(request, LeagueOddsRequest | FixtureOddsRequest):
            self._odds_fetched = True
        if isinstance(request, FixtureOddsRequest):
            # Fetched alone (the cheaper way, a close, the Odds screen): the freshest odds of the
            # fixture, so its Dashboard headline too.
            self.record_history(cast(list[FixtureOdds], data), at)
            self._keep_headlines(cast(list[FixtureOdds], data), at)
        elif isinstance(request, LiveOddsRequest):
            self.record_live(cast(list[LiveOdds], data), at)

    def record_live(self, live: list[LiveOdds], at: datetime) -> None:
        states = [LiveState(lo.fixture_id, at, lo.status) for lo in live]
        prices = []
        for lo in live:
            for bet in lo.bets:
                seen: dict[tuple[str, str], int] = {}
                for v in bet.values:
                    # The feed repeats (outcome, handicap) pairs within a bet: number the repeats.
                    hc = v.handicap or ""
                    seq = seen[(v.label, hc)] = seen.get((v.label, hc), -1) + 1
                    prices.append(LivePrice(lo.fixture_id, bet.id, v.label, hc, seq, v.price, v.main,
                                            v.suspended))
        self.store.live.record(at, states, prices)

    def record_history(self, odds: list[FixtureOdds], at: datetime, page: str | None = None,
                       books: list[tuple[int, PageBook]] | None = None) -> None:
        """``page``: the cache key of the league's odds these are (None: not a whole league's);
        ``books``: each (fixture id, bookmaker's entry) as the page's decode read it (None:
        read from ``odds``, every bet typed)."""
        if books is None:
            books = [(fo.fixture_id, page_book(bo)) for fo in odds for bo in fo.bookmakers]
        self.store.history.note_seen(at, [(fo.fixture_id, fo.kickoff) for fo in odds if fo.kickoff])
        self.store.history.note_priced(at, page, [(fo.fixture_id, fo.league_id, fo.season) for fo in odds],
                                       [(f, b.bookmaker.id, b.bookmaker.name, [bet for bet, _ in b.bets])
                                        for f, b in books],
                                       {bet for _, b in books for bet in b.bets})
        # Every bet, every line: what moved is all the history writes (store/history.py).
        prices = [(f, b.bookmaker.id, b.prices) for f, b in books]
        # Only a shortened price on a market the screens show can raise a drop alert; the
        # window check waits until someone asks for alerts, so a big fetch stays fast.
        self._shortened.update(
            (c.fixture_id, c.bookmaker_id, c.bet_id, c.outcome)
            for c in self.store.history.record_books(at, prices, firsts=False)
            if c.previous is not None and c.price < c.previous and (c.bet_id, c.outcome) in _ALERT_OUTCOMES)

    def _keep_headlines(self, odds: list[FixtureOdds], at: datetime) -> None:
        """Compute and keep the Dashboard headline of each fixture whose odds were just stored."""
        shown = [self.watched(fo) for fo in odds]
        openings = self.openings([fo.fixture_id for fo in shown])
        self.store.headlines.put(at, self.books_key(), [
            (fo.fixture_id, headline_to_row(headline(fo, openings.get(fo.fixture_id)))) for fo in shown])
