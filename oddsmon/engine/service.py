"""The engine's parts, put together, and the one facade screens and headless modes call.

Each part has one job: ``reader`` reads a page through the cache, ``recorder`` records what
arrives, ``requests`` builds what the pages and the collector ask for, ``pages`` and
``dashboard`` assemble the screens' pages, ``desk`` is the analyst's, ``names`` names every priced fixture, ``probes`` the offline
mode's, ``reports`` the supervision's, ``warmer`` rebuilds the cache, ``alerting`` tells what
happened. The facade's methods only hand each call to its part: what the TUI's client runs on
the engine's loop, and what commands and tests ask.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ..alerts import Alert, Deliverer
from ..clock import Clock
from ..config import Settings
from ..desk.picks import PickView
from ..domain.market import MarketView, PriceDrop, ValueBet
from ..domain.models import DEFAULT_GOALS_LINE, MATCH_WINNER, Bookmaker, Fixture, FixtureOdds, Prediction
from ..offline import ModeView, OfflineMachine
from ..providers import Provider
from ..store import NewPick, Store
from ..store.picks import Scope
from ..supervision.metrics import Snapshot
from ..types import FairMethod
from .alerting import Alerting
from .dashboard import Dashboard, DashboardPage
from .desk import Desk, ValueBasis, ValueBoard, ValuePage
from .names import Names
from .page import Page, Provenance
from .pages import BookmakerRow, BookmakersView, LiveMatch, Pages
from .probes import Probes
from .reader import Reader
from .recorder import Recorder
from .reports import Reports
from .requests import LeagueSeason, Requests
from .team import HostCopy
from .warmer import Warmer, WarmProgress, WarmReport, WarmStep

# The screens' answer types, importable from the facade they come from.
__all__ = ["CRITICAL_PAGES", "BookmakerRow", "BookmakersView", "Dashboard", "LeagueSeason", "LiveMatch",
           "Page", "Provenance", "Service", "ValueBoard", "WarmReport", "WarmStep"]

CRITICAL_PAGES = ("predictions", "bookmakers", "odds", "dashboard")


class Service:
    def __init__(self, settings: Settings, store: Store, machine: OfflineMachine,
                 provider: Provider, clock: Clock, *, deliverer: Deliverer | None = None) -> None:
        self.settings = settings
        self.store = store
        self.machine = machine
        self.provider = provider
        self.clock = clock
        self.recorder = Recorder(settings, store)
        self.reader = Reader(settings, store, machine, provider, clock, self.recorder)
        self.requests = Requests(settings, self.reader, clock)
        self.pages = Pages(settings, store, self.reader, self.requests, self.recorder)
        self.board = DashboardPage(self.pages)
        self.desk = Desk(self.pages)
        self.probes = Probes(settings, store, machine, provider, clock)
        self.reports = Reports(settings, store, clock)
        self.names = Names(self.reader)
        self.warmer = Warmer(self.reader, self.requests, self.probes, self.names)
        self.alerting = Alerting(self.reader, self.requests, self.recorder, deliverer)
        self.copy = HostCopy(store, clock)
        self._delivery: asyncio.Task[None] | None = None
        # Context managers: within them, pages are served from any cached copy at once (and with
        # stored_only, one never cached is not fetched).
        self.cache_only = self.reader.cache_only
        self.stored_only = self.reader.stored_only

    @property
    def defer_to_collector(self) -> bool:
        """Set by a TUI: while a collector holds the lease, read what it records, send nothing."""
        return self.reader.defer_to_collector

    @defer_to_collector.setter
    def defer_to_collector(self, value: bool) -> None:
        self.reader.defer_to_collector = value

    @property
    def counted_calls(self) -> int:
        """Counted calls this process has spent so far (warm reports take differences)."""
        return self.provider.spent

    async def aclose(self) -> None:
        await asyncio.to_thread(self.copy.close)  # a copy still running ends before the store closes
        self.reader.flush_counters()
        await self.provider.aclose()
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
        if self.alerting.deliverer is not None:
            await self.alerting.deliverer.aclose()

    def start_delivery(self) -> None:
        """Start the webhook's own task on the running loop (the collector's, the TUI's
        engine loop), when a webhook is configured: cycles and screens only enqueue. A TUI's
        leaves the posting to a collector while one runs."""
        if self.alerting.deliverer is not None and self._delivery is None:
            self._delivery = asyncio.get_running_loop().create_task(
                self.alerting.deliverer.run(self.reader.collector_elsewhere), name="oddsmon-alerts")

    # -- composed of several parts ---------------------------------------------------------------

    async def supervise(self, *, warm_on_resume: bool = True,
                        progress: WarmProgress | None = None) -> WarmReport | None:
        """Apply what is due: the /status probe of a quota outage, or a network probe.

        When this process is the one that brings oddsmon back online, it rebuilds the cache
        (a warm, within the quota) and returns its report.
        """
        if await self.probes.due() and warm_on_resume:
            return await self.warmer.warm(progress)
        return None

    async def refresh(self, page: str) -> Page[Any]:
        """Rebuild one screen's cache entries now (the refresh key)."""
        loaders: dict[str, Callable[[], Any]] = {
            "dashboard": lambda: self.board.dashboard(force=True),
            "predictions": lambda: self.pages.predictions(force=True),
            "bookmakers": lambda: self.pages.bookmakers(force=True),
            "odds": lambda: self.pages.odds(force=True),
            "live": lambda: self.pages.live(force=True),
        }
        if page not in loaders:
            raise ValueError(f"unknown page {page!r} (known: {', '.join(loaders)})")
        return await loaders[page]()

    # -- delegation: pages -------------------------------------------------------------------------

    async def bookmakers(self, *, force: bool = False) -> Page[list[Bookmaker]]:
        return await self.pages.bookmakers(force=force)

    async def bookmakers_summary(self, *, force: bool = False) -> Page[BookmakersView]:
        return await self.pages.bookmakers_summary(force=force)

    async def fixtures(self, *, force: bool = False) -> Page[list[Fixture]]:
        return await self.pages.fixtures(force=force)

    async def odds(self, *, force: bool = False) -> Page[dict[int, FixtureOdds]]:
        return await self.pages.odds(force=force)

    async def fixture_odds(self, fixture_id: int, *, force: bool = False) -> Page[FixtureOdds]:
        return await self.pages.fixture_odds(fixture_id, force=force)

    async def prediction(self, fixture_id: int, *, force: bool = False) -> Page[Prediction]:
        return await self.pages.prediction(fixture_id, force=force)

    async def predictions(self, *, force: bool = False) -> Page[dict[int, Prediction]]:
        return await self.pages.predictions(force=force)

    async def live(self, *, force: bool = False) -> Page[list[LiveMatch]]:
        return await self.pages.live(force=force)

    async def live_fixtures(self, *, force: bool = False) -> Page[list[Fixture]]:
        return await self.pages.live_fixtures(force=force)

    def in_play(self) -> dict[int, Fixture]:
        return self.pages.in_play()

    async def market(self, fixture_id: int, market_id: int = MATCH_WINNER, *,
                     method: FairMethod | None = None, line: str = DEFAULT_GOALS_LINE,
                     force: bool = False, consensus: str = "all",
                     hidden_bookmakers: frozenset[int] = frozenset()) -> Page[MarketView]:
        return await self.pages.market(fixture_id, market_id, method=method, line=line, force=force,
                                       consensus=consensus, hidden_bookmakers=hidden_bookmakers)

    async def dashboard(self, *, force: bool = False,
                        hidden_bookmakers: frozenset[int] = frozenset()) -> Page[Dashboard]:
        return await self.board.dashboard(force=force, hidden_bookmakers=hidden_bookmakers)

    # -- delegation: the desk -----------------------------------------------------------------------

    def add_pick(self, pick: NewPick) -> int:
        return self.desk.add_pick(pick)

    async def picks(self, scope: Scope = "mine") -> list[PickView]:
        """This analyst's picks, or with ``team`` every analyst's."""
        return await self.desk.picks(scope)

    async def value_board(self, *, method: FairMethod | None = None, consensus: str = "all",
                          pinned: frozenset[int] = frozenset(),
                          hidden_leagues: frozenset[int] = frozenset(),
                          hidden_bookmakers: frozenset[int] = frozenset(),
                          basis: ValueBasis = "market", limit: int | None = None) -> Page[ValueBoard]:
        return await self.desk.value_board(method=method, consensus=consensus, pinned=pinned,
                                           hidden_leagues=hidden_leagues, hidden_bookmakers=hidden_bookmakers,
                                           basis=basis, limit=limit)

    async def value_page(self, *, method: FairMethod | None = None, pinned: frozenset[int] = frozenset(),
                         hidden_leagues: frozenset[int] = frozenset(),
                         hidden_bookmakers: frozenset[int] = frozenset(), basis: ValueBasis = "market",
                         limit: int | None = None, simultaneous: bool = False) -> Page[ValuePage]:
        """The Value screen's page: the board, its stakes and fixtures, and the basis used."""
        return await self.desk.value_page(method=method, pinned=pinned, hidden_leagues=hidden_leagues,
                                          hidden_bookmakers=hidden_bookmakers, basis=basis, limit=limit,
                                          simultaneous=simultaneous)

    async def scan_values(self, *, method: FairMethod | None = None, consensus: str = "all",
                          hidden_bookmakers: frozenset[int] | None = None) -> int:
        """Work out and keep the value bets of the fixtures whose odds changed since their last
        scan (what ``value_board`` reads); how many were scanned."""
        return await self.desk.scan_values(method=method, consensus=consensus, hidden_bookmakers=hidden_bookmakers)

    def kelly_stakes(self, bets: Sequence[ValueBet], *, simultaneous: bool = False) -> list[float]:
        """Money stakes for ``bets``; ``simultaneous``: outcomes of one market sized together."""
        return self.desk.kelly_stakes(bets, simultaneous=simultaneous)

    def value_sources(self) -> tuple[ValueBasis, ...]:
        """What value can be worked out against now, in the order ``k`` cycles them: the
        market's fair view, and your own probabilities ("model") once a set is imported."""
        return self.desk.value_sources()

    def model_poll(self) -> str | None:
        """Read ``[model] file`` again if it changed; the problem when it does not read."""
        return self.desk.model_poll()

    def movement(self, fixture_id: int, market_id: int, label: str) -> list[tuple[int, datetime, float]]:
        return self.desk.movement(fixture_id, market_id, label)

    def closing_means(self, fixture_id: int, bet_id: int) -> dict[str, float]:
        return self.desk.closing_means(fixture_id, bet_id)

    def filters(self) -> tuple[frozenset[int], frozenset[int]]:
        return self.desk.filters()

    def save_filters(self, hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int]) -> None:
        self.desk.save_filters(hidden_leagues, hidden_bookmakers)

    def pinned(self, scope: Scope = "mine") -> set[int]:
        return self.desk.pinned(scope)

    def toggle_pin(self, fixture_id: int) -> bool:
        return self.desk.toggle_pin(fixture_id)

    # -- delegation: mode, warm, alerts, reports -------------------------------------------------

    def mode(self) -> ModeView:
        return self.probes.mode()

    def set_offline(self) -> bool:
        return self.probes.set_offline()

    def set_online(self, detail: str = "manual resume") -> bool:
        return self.probes.set_online(detail)

    async def refresh_quota(self) -> str:
        return await self.probes.refresh_quota()

    def quota_seen(self) -> bool:
        return self.probes.quota_seen()

    async def warm(self, progress: WarmProgress | None = None, *, force: bool = False) -> WarmReport:
        """Make the four critical pages fresh with the fewest counted calls (engine/warmer.py)."""
        return await self.warmer.warm(progress, force=force)

    def flush_counters(self) -> dict[str, int]:
        return self.reader.flush_counters()

    def take_drop_alerts(self) -> list[PriceDrop]:
        """Prices shortened past ``odds.drop_alert_pct`` within the window, each reported once."""
        return self.alerting.take_drops()

    async def dispatch_alerts(self) -> list[Alert]:
        """What happened since the last call, enqueued for the webhook unless a collector
        elsewhere does it (a store write; the webhook's own task posts them)."""
        return self.alerting.dispatch()

    def snapshot(self) -> Snapshot:
        # Polled every second: while a team's server is away, what tries it again (paced).
        self.reader.store_writable()
        return self.reports.snapshot()

    def keep_copy(self, *, wait: bool = True) -> int | None:
        """After a page is shown: this host's copy of a team's store brought up to date, when
        due (the rows written); ``wait=False`` (the TUI's): on a thread of its own."""
        if not wait:
            self.copy.in_background()
            return None
        return self.copy.after_page()

    def sync_journal(self) -> None:
        self.reports.sync_journal()

    def export_metrics(self, path: Path) -> None:
        self.reports.export_metrics(path)
