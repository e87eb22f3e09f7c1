"""The one facade screens and headless modes call.

Online and fresh -> cache; expired -> fetch, and if the fetch fails serve the stale entry and go
offline; offline -> cache only, and a page never cached says so plainly. Every answer carries
its provenance. Data flows one way: caller -> Service -> (cache | API) -> store.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..alerts import Alert, AlertSender
from ..api import ApiClient, ApiError, Offline, ProviderError
from ..clock import Clock
from ..config import Settings
from ..desk.picks import PickView, pick_views
from ..domain.market import (
    Headline,
    MarketView,
    PriceDrop,
    ValueBet,
    analyse_market,
    headline,
    headline_from_row,
    headline_to_row,
    value_bets,
)
from ..domain.markets import SHOWN_BETS
from ..domain.models import (
    DEFAULT_GOALS_LINE,
    MARKETS,
    MATCH_WINNER,
    Bookmaker,
    Fixture,
    FixtureOdds,
    League,
    LiveOdds,
    ParseError,
    Prediction,
    parse_bookmakers,
    parse_fixtures,
    parse_leagues,
    parse_live_odds,
    parse_odds,
    parse_predictions,
)
from ..domain.odds_page import PageItem, decode_odds_page
from ..offline import ModeView, OfflineMachine
from ..store import (
    COLLECTOR_LEASE,
    CacheEntry,
    LiveBoard,
    LivePrice,
    LiveState,
    NewPick,
    Store,
    StoreWriteError,
    cache_key,
)
from ..store.cache import ANY
from ..supervision import export, journal
from ..supervision.metrics import Snapshot, collect
from ..types import FairMethod, Reason, Source
from . import warmer
from .alerting import Alerting
from .warmer import WarmProgress, WarmReport, WarmStep, step_source

T = TypeVar("T")

# Set by Service.cache_only(): reads answer from any cached copy, fresh or not, without the
# network; the context travels with the coroutines a screen hands to the engine's loop.
_CACHE_ONLY: ContextVar[bool] = ContextVar("oddsmon_cache_only", default=False)

CRITICAL_PAGES = ("predictions", "bookmakers", "odds", "dashboard")
_COUNTER_FLUSH_S = 1.0
_REOPEN_EVERY_S = 5.0
_MEMO_SIZE = 64
# A load_page view whose answer is the rows its fetch wrote (odds_latest, odds_fixtures,
# odds_books): the cached body is neither read nor parsed, only its provenance is.
ROWS = "rows"
# The Match Winner part of a league's odds: what its league entry keeps, the Dashboard's view.
_MW = frozenset({MATCH_WINNER})
_MW_VIEW = f"bets={sorted(_MW)}"
# Prices recorded in the odds history: every market the Odds screen shows, every line of them.
_HISTORY_BETS = SHOWN_BETS
# The provider refreshes in-play fixtures every 15 s and recommends one call a minute while
# live (docs/provider.md): the live list is fresh for a minute.
_LIVE_FIXTURES_TTL_S = 60
# A live list older than this says nothing about what is in play now.
_LIVE_LIST_RECENT = timedelta(minutes=15)
# Drop alerts watch the outcomes the screens show.
_ALERT_OUTCOMES = frozenset({(1, "Home"), (1, "Draw"), (1, "Away"), (5, "Over 2.5"), (5, "Under 2.5"),
                             (8, "Yes"), (8, "No")})
# What a value scan depends on besides the odds: fair method, consensus, hidden bookmakers.
_Scan = tuple[FairMethod, str, frozenset[int]]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an answer came from, and how old it is."""

    source: Source
    fetched_at: datetime | None
    age_s: float | None
    stale: bool  # past its time-to-live
    offline_reason: Reason | None = None  # set when offline mode decided how it was served
    error: str | None = None  # what went wrong when fetching, if anything
    missing: tuple[str, ...] = ()  # parts of a combined page that were never cached
    expires_at: datetime | None = None  # when its first part falls due again (auto-refresh)
    refused: bool = False  # the provider refused the request; ``error`` holds its message
    notes: tuple[str, ...] = ()  # why parts of a page are not asked for (coverage, season)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    data: T | None
    provenance: Provenance

    @property
    def cached_never(self) -> bool:
        return self.data is None and self.provenance.source == "none"


@dataclass(frozen=True, slots=True)
class Dashboard:
    fixtures: list[Fixture]
    odds: Mapping[int, FixtureOdds]  # Match Winner odds by fixture id, parsed on first use
    headlines: dict[int, Headline]  # by fixture id: best Match Winner prices and markers
    movers: list[Headline]  # biggest Match Winner moves since opening, largest first
    # Fixtures in play by id, as the live list last saw them (minute, score): the live marker.
    live: dict[int, Fixture] = field(default_factory=dict)


class _LazyOdds(Mapping[int, FixtureOdds]):
    """Odds by fixture id, loaded on first use: the Dashboard's headlines come ready-made, and
    parsing the odds behind them would cost more than the rest of the page."""

    __slots__ = ("_data", "load_page")

    def __init__(self, load: Callable[[], dict[int, FixtureOdds]]) -> None:
        self.load_page = load
        self._data: dict[int, FixtureOdds] | None = None

    def _loaded(self) -> dict[int, FixtureOdds]:
        if self._data is None:
            self._data = self.load_page()
        return self._data

    def __getitem__(self, fixture_id: int) -> FixtureOdds:
        return self._loaded()[fixture_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


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


class _FetchFailed(Exception):
    """A fetch that did not work: the offline reason it caused (if any) and what happened."""

    def __init__(self, reason: Reason | None, error: str, *, refused: bool = False) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error
        self.refused = refused


@dataclass(slots=True)
class _Loaded:
    data: Any
    provenance: Provenance


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


def _refusal_text(messages: Mapping[str, str], until: datetime) -> str:
    """The provider's refusal, kept until ``until``, with what to change."""
    text = "; ".join(f"{k}: {v}" for k, v in messages.items()) or "unknown error"
    hint = ""
    if "plan" in messages:
        hint = " Set [watch] season or [watch.seasons] to a season your plan allows, or upgrade the plan."
    elif "endpoint" in messages:
        hint = " This oddsmon asks for an endpoint the provider does not know: report it."
    elif messages:
        hint = f" Check the configuration behind {', '.join(messages)}."
    return (f"refused by the provider (not asked again before {until:%Y-%m-%d %H:%M} UTC): "
            f"{text}.{hint}")


def _refusal(body: str) -> dict[str, str] | None:
    """The ``errors`` of a kept refusal (an envelope whose errors are set), else None."""
    if '"errors":{' not in body and '"errors": {' not in body:
        return None  # the common case, answered without parsing a big body twice
    try:
        errors = json.loads(body).get("errors")
    except (ValueError, AttributeError):
        return None
    return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) and errors else None


class Service:
    def __init__(self, settings: Settings, store: Store, machine: OfflineMachine,
                 api: ApiClient, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.machine = machine
        self.api = api
        self.clock = clock
        self._pending: dict[str, int] = {}
        self._cache_reads: list[tuple[datetime, str, float]] = []
        # Set while the store cannot be written (disk full, read-only): pages are then served
        # from the cache and nothing is fetched, since nothing fetched could be kept.
        health = store.health()
        self.store_problem: str | None = None if health.writable else health.problem
        self._last_flush = clock.monotonic()
        self._reopen_tried = float("-inf")
        self._memo: dict[tuple[str, str], tuple[float, Any]] = {}
        self._headlines: dict[int, tuple[FixtureOdds, tuple[Any, ...], Headline]] = {}
        self._kept_heads: dict[int, tuple[str, Headline]] = {}  # the shown fixtures' kept text, decoded
        self._value_memo: dict[int, tuple[datetime, _Scan, list[ValueBet]]] = {}  # see value_board
        # A TUI sets this: while a collector holds the lease, it reads the store and sends
        # nothing (the collector keeps the cache current within its budget).
        self.defer_to_collector = False
        # The webhook (alerts.webhook_url), set by the wiring when one is configured.
        self.alert_sender: AlertSender | None = None
        # Price drops, mode changes and market alerts since the last ask (engine/alerting.py).
        self.alerting = Alerting(self)
        self.warm_seasons: list[WarmStep] | None = None  # a warm records its season lookups here

    @property
    def counted_calls(self) -> int:
        """Counted calls this process has spent so far (warm reports take differences)."""
        return self.api.spent

    async def aclose(self) -> None:
        self.flush_counters()
        await self.api.aclose()
        if self.alert_sender is not None:
            await self.alert_sender.aclose()

    # -- mode ----------------------------------------------------------------------------------

    def mode(self) -> ModeView:
        return self.machine.view()

    def set_offline(self) -> bool:
        return self.machine.go_offline("user", "manual offline")

    def set_online(self, detail: str = "manual resume") -> bool:
        return self.machine.go_online(detail)

    async def refresh_quota(self) -> str:
        """One free /status call so the quota ledger shows what the provider says now.

        After a manual resume the ledger may still hold the 0 it saw before (a plan upgraded,
        a reset): without this, the next counted call would be refused by the reserve.
        A failure changes nothing; the next request finds the outage.
        """
        try:
            await self.api.probe()
        except ApiError as exc:
            return f"quota not refreshed: /status failed: {exc}"
        remaining = self.store.ledger.quota().remaining_at(self.clock.now())
        text = f"quota refreshed from /status: {'?' if remaining is None else remaining} calls left today"
        reserve = self.settings.api.daily_reserve
        if remaining is not None and remaining <= reserve:
            # Online with nothing to spend: say it, rather than let the first page find out.
            text += (f"; no calls left above the reserve of {reserve}: the next counted call "
                     f"goes offline (quota) again until /status shows quota")
        return text

    async def supervise(self, *, warm_on_resume: bool = True,
                        progress: WarmProgress | None = None) -> WarmReport | None:
        """Apply what is due: the /status probe of a quota outage, or a network probe.

        When this process is the one that brings oddsmon back online, it rebuilds the cache
        (a warm, within the quota) and returns its report.
        """
        resumed = await self.quota_probe_if_due()
        if not resumed and self.machine.claim_probe():  # a network or key outage's probe
            resumed = await self._probe()
        if resumed and warm_on_resume:
            return await self.warm(progress)
        return None

    async def probe_now(self) -> bool:
        """One /status probe now, whatever the schedule (``--warm`` while the network is out)."""
        return await self._probe()

    async def quota_probe_if_due(self) -> bool:
        """At each probe slot of a quota outage (offline/machine.py): does /status show quota?"""
        if not self.machine.claim_quota_probe():
            return False
        try:
            await self.api.probe()
        except ApiError as exc:
            # No evidence of quota either way (the next slot asks again), unless the key is refused.
            self.machine.probe_result(False, f"probe failed: {exc}", exc.outage)
            return False
        return self.quota_seen()

    def quota_seen(self) -> bool:
        """After a /status answer: end a quota outage if more than the reserve is left now."""
        remaining = self.store.ledger.quota().remaining_at(self.clock.now())
        return self.machine.quota_probe_result(remaining, self.settings.api.daily_reserve)

    async def _probe(self) -> bool:
        try:
            await self.api.probe()
        except ApiError as exc:
            self.machine.probe_result(False, f"probe failed: {exc}", exc.outage)
            return False
        return self.machine.probe_result(True)

    # -- counters ------------------------------------------------------------------------------

    def _count(self, name: str) -> None:
        self._pending[name] = self._pending.get(name, 0) + 1
        if self.clock.monotonic() - self._last_flush >= _COUNTER_FLUSH_S:
            self.flush_counters()

    def flush_counters(self) -> None:
        """Write hit/miss counts and the cache-read log; batched so a cache hit does not cost a
        write transaction. A store that cannot be written keeps them for later."""
        self._last_flush = self.clock.monotonic()
        if self.store_problem is not None:
            return
        try:
            self.store.ledger.add_counts(self._pending)
            self._pending = {}
            self.store.ledger.log_cache_reads(self._cache_reads[-100:])
            self._cache_reads = []
        except StoreWriteError as exc:
            self.store_problem = str(exc)

    def store_writable(self) -> bool:
        """After a write failed: try one small real write to see whether it works again."""
        if self.store_problem is None:
            return True
        health = self.store.health()
        if not health.writable:
            # Opened read-only because the disk was full or failing: reopen for writing once
            # it allows it (a reopen checks the whole store, hence the pause between tries).
            now = self.clock.monotonic()
            if not health.degraded or now - self._reopen_tried < _REOPEN_EVERY_S:
                return False
            self._reopen_tried = now
            if not self.store.reopen_writable():
                return False
        try:
            self.store.ledger.set_meta("writable_at", str(self.clock.timestamp()))
        except StoreWriteError as exc:
            self.store_problem = str(exc)
            return False
        self.store_problem = None
        return True

    @staticmethod
    @contextlib.contextmanager
    def cache_only() -> Iterator[None]:
        """Within this block, a page with a cached copy is served from it at once, however old
        (a screen shows it, then refreshes); a page never cached is read as usual."""
        token = _CACHE_ONLY.set(True)
        try:
            yield
        finally:
            _CACHE_ONLY.reset(token)

    # -- the core read path ----------------------------------------------------------------------

    async def load_page(self, endpoint: str, params: Mapping[str, str | int], ttl_s: float,
                    parse: Callable[[Any], Any], *, force: bool = False, paged: bool = False,
                    fallback: Mapping[str, str] | None = None, view: str = "") -> _Loaded:
        """One cache entry: served, refreshed, or explained.

        ``fallback`` names params (like a date window) whose latest cached value may stand in
        when the exact request was never cached and cannot be fetched now. ``view`` names a
        partial ``parse`` so its result is memoised apart from the full one.
        """
        clean = {str(k): str(v) for k, v in params.items()}
        key = cache_key(endpoint, clean)
        now = self.clock.now()
        started = self.clock.monotonic()
        entry = self.store.cache.get(key, body=view != ROWS)
        reason = self.machine.gate()
        if entry is None and fallback and _CACHE_ONLY.get():
            entry = self._fallback_entry(endpoint, clean, fallback)
        if entry is not None and not force and _CACHE_ONLY.get() and reason is None \
                and not entry.fresh_at(now):
            # Expired and online: the caller shows it now and asks again for the fetch (a
            # fresh or offline copy goes the usual way below, which counts the hit).
            return self._from_cache(entry, parse, now, reason, None, view)
        if not self.store_writable():
            return self._unwritable(entry, endpoint, key, parse, now, reason, view)
        if reason is None and self.collector_elsewhere():
            # The collector keeps the cache current within its budget: even the refresh key
            # reads what it recorded.
            entry = entry or (self._fallback_entry(endpoint, clean, fallback) if fallback else None)
            if entry is None:
                return _Loaded(None, Provenance("none", None, None, False, None,
                                                "not collected yet (a collector runs)", (key,)))
            return self._from_cache(entry, parse, now, None, None, view)
        if entry is not None and not force and (reason is not None or entry.fresh_at(now)):
            loaded = self._from_cache(entry, parse, now, reason, None, view)
            self._cache_reads.append((now, endpoint, (self.clock.monotonic() - started) * 1000))
            self._count("hits")
            return loaded
        self._count("misses")
        if reason is None:
            try:
                return await self._fetch(endpoint, clean, key, ttl_s, parse, paged, view, now)
            except StoreWriteError as exc:
                self.store_problem = str(exc)
                return self._unwritable(entry, endpoint, key, parse, now, reason, view)
            except _FetchFailed as failed:
                reason, error = failed.reason, failed.error
                if failed.refused:
                    return _Loaded(None, Provenance("live", now, 0.0, False, None, error, refused=True))
        else:
            error = None
        if entry is None and fallback:
            entry = self._fallback_entry(endpoint, clean, fallback)
        if entry is not None:
            return self._from_cache(entry, parse, now, reason, error, view)
        return _Loaded(None, Provenance("none", None, None, False, reason, error, (key,)))

    def collector_elsewhere(self) -> bool:
        """A collector runs (in another process) and this one defers to it."""
        if not self.defer_to_collector:
            return False
        return self.store.collector.holder(COLLECTOR_LEASE) is not None

    def _unwritable(self, entry: CacheEntry | None, endpoint: str, key: str,
                    parse: Callable[[Any], Any], now: datetime, reason: Reason | None,
                    view: str) -> _Loaded:
        # Nothing fetched could be kept, and every fetch would be paid for again: serve the
        # cache and say why it is not refreshed.
        error = f"not refreshed: {self.store_problem}"
        if entry is None:
            return _Loaded(None, Provenance("none", None, None, False, reason, error, (key,)))
        return self._from_cache(entry, parse, now, reason, error, view)

    async def _fetch(self, endpoint: str, clean: dict[str, str], key: str, ttl_s: float,
                     parse: Callable[[Any], Any], paged: bool, view: str, now: datetime) -> _Loaded:
        """Fetch, parse and keep one entry. A failed fetch raises _FetchFailed (after going
        offline when it is an outage); a store that cannot be written raises StoreWriteError."""
        # A league's odds are stored page by page as they arrive (rows, history, one entry per
        # fixture), so a big league is never held whole; the league entry keeps its Match
        # Winner part, all the Dashboard reads (the rest is in the fixtures' entries).
        keep = self._odds_page_keeper(clean, now) if paged and endpoint == "/odds" else None
        try:
            fetched = await (self.api.get_all_pages(endpoint, clean, keep) if paged
                             else self.api.get(endpoint, clean))
            with _gc_paused():
                data = parse(fetched.envelope.get("response"))
        except ParseError as exc:
            raise _FetchFailed(None, f"{endpoint}: the API's answer did not parse ({exc}); "
                                     f"not cached") from None
        except Offline as exc:
            raise _FetchFailed(self.machine.gate(), str(exc)) from None
        except ProviderError as exc:
            # A refusal (plan, parameter, endpoint) is an answer: kept for the entry's TTL so
            # it is not paid for again at every open.
            if exc.body is None:
                raise _FetchFailed(None, str(exc)) from None
            self.store.cache.put(key, endpoint, exc.body, now, ttl_s)
            raise _FetchFailed(None, _refusal_text(exc.messages, now + timedelta(seconds=ttl_s)),
                               refused=True) from None
        except ApiError as exc:
            # A league's odds that failed part way (the reserve, the network): the pages
            # received were kept as they came, each fixture on them being whole; the league
            # entry, not whole, is not written.
            if exc.outage is not None:
                self.machine.go_offline(exc.outage, str(exc))
            raise _FetchFailed(exc.outage, str(exc)) from None
        if endpoint == "/fixtures":
            ttl_s = fixtures_ttl(data, now, ttl_s, self.settings.cache.fixtures_live_ttl_s)
        stored = self.store.cache.put(key, endpoint, fetched.body, now, ttl_s)
        if view != ROWS:  # the rows hold that answer: keeping the parsed page would only cost memory
            self._memo_put(key, view, stored.fetched_at, data)
        self.machine.note_quota(fetched.daily_remaining, self.settings.api.daily_reserve)
        if endpoint == "/odds":
            self.alerting.note_odds_fetched()
            if keep is None:  # one fixture's odds (a league's were kept page by page)
                self._record_history(data, now)
        elif endpoint == "/odds/live":
            self._record_live(data, now)
        return _Loaded(data, Provenance("live", now, 0.0, False, expires_at=stored.expires_at))

    def _from_cache(self, entry: CacheEntry, parse: Callable[[Any], Any], now: datetime,
                    reason: Reason | None, error: str | None, view: str) -> _Loaded:
        prov = Provenance("cache", entry.fetched_at, (now - entry.fetched_at).total_seconds(),
                          not entry.fresh_at(now), reason, error, expires_at=entry.expires_at)
        if view == ROWS and not entry.body and not self.store.history.carried_by(entry.key):
            # No row came from this page: an empty answer or a kept refusal, both small.
            entry = self.store.cache.get(entry.key) or entry
        # A memoised parse is never a refusal (refusals are not memoised): an unchanged entry
        # is answered before its body is scanned, which on a big odds page costs a pass over MBs.
        memo = self._memo.get((entry.key, view))
        if memo is not None and memo[0] == entry.fetched_at.timestamp():
            return _Loaded(memo[1], prov)
        refusal = _refusal(entry.body)
        if refusal is not None:
            return _Loaded(None, replace(prov, refused=True,
                                         error=_refusal_text(refusal, entry.expires_at)))
        if view == ROWS:
            return _Loaded(True, prov)
        try:
            with _gc_paused():
                data = parse(json.loads(entry.body).get("response"))
        except (ValueError, AttributeError, ParseError) as exc:
            # A cached body that no longer parses (an older oddsmon wrote it, or a bug) is
            # treated as never cached rather than crashing the page.
            return _Loaded(None, Provenance("none", None, None, False, reason,
                                            f"cached {entry.endpoint} is unreadable: {exc}", (entry.key,)))
        self._memo_put(entry.key, view, entry.fetched_at, data)
        return _Loaded(data, prov)

    def _memo_put(self, key: str, view: str, fetched_at: datetime, data: Any) -> None:
        # Parsed models of recent entries, keyed by fetch time: a re-read of an unchanged entry
        # skips json.loads and parsing, which dominate on a big odds page.
        self._memo.pop((key, view), None)
        self._memo[(key, view)] = (fetched_at.timestamp(), data)
        while len(self._memo) > _MEMO_SIZE:
            self._memo.pop(next(iter(self._memo)))

    def _fallback_entry(self, endpoint: str, params: dict[str, str],
                        fallback: Mapping[str, str]) -> CacheEntry | None:
        pattern = cache_key(endpoint, {k: (ANY if k in fallback else v) for k, v in params.items()})
        return self.store.cache.latest_matching(endpoint, pattern)

    def _odds_page_keeper(self, params: dict[str, str], at: datetime) -> Callable[[Any], list[Any]]:
        """What a league odds fetch does with each page as it arrives (its ``response`` as the
        JSON text received): decode it (a page that does not parse stops the fetch, and is
        not kept), keep each fixture's answer as the ``/odds?fixture=N`` entry it is, record
        rows and history; the league entry keeps the Match Winner part."""
        page = cache_key("/odds", params)

        def keep(response: Any) -> list[Any]:
            # Typed only as far as anything reads: the markets the screens show (rows,
            # history, headlines, coverage), about a quarter of a real page's values; the
            # rest stays in the fixture's entry as received.
            # One transaction for the page: one commit, and a page kept whole or not at all.
            # The collector paused throughout: a page is some 300,000 new objects (models,
            # rows), none of them garbage, which its passes would walk again and again.
            with _gc_paused(), self.store.transaction():
                items = decode_odds_page(response, _HISTORY_BETS)
                odds = [item.odds for item in items]
                self._keep_fixture_entries(items, at)
                self._record_history(odds, at, page)
                self._keep_headlines(odds, at)
            return [item.match_winner for item in items]

        return keep

    def _keep_fixture_entries(self, items: list[PageItem], at: datetime) -> None:
        # A league page holds every fixture's answer: store each as the /odds?fixture=N entry
        # it is, so opening one fixture reads a small row and never fetches it again.
        self.store.cache.put_many(
            [(cache_key("/odds", {"fixture": item.odds.fixture_id}), "/odds",
              _fixture_envelope(item.odds.fixture_id, item.body)) for item in items],
            at, self.settings.cache.odds_ttl_s)

    def _record_live(self, live: list[LiveOdds], at: datetime) -> None:
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

    def _record_history(self, odds: list[FixtureOdds], at: datetime, page: str | None = None) -> None:
        """``page``: the cache key of the league page these odds are (None: not a whole one)."""
        self.store.history.note_seen(at, [(fo.fixture_id, fo.kickoff) for fo in odds if fo.kickoff])
        self.store.history.note_priced(at, page, [(fo.fixture_id, fo.league_id, fo.season) for fo in odds],
                                       [(fo.fixture_id, bo.bookmaker.id, bo.bookmaker.name,
                                         [bet.id for bet in bo.bets]) for fo in odds for bo in fo.bookmakers])
        rows = [(fo.fixture_id, bo.bookmaker.id, bet.id, v.label, v.price)
                for fo in odds for bo in fo.bookmakers for bet in bo.bets if bet.id in _HISTORY_BETS
                for v in bet.values]
        # Only a shortened price on a market the screens show can raise a drop alert; the
        # window check waits until someone asks for alerts, so a big fetch stays fast.
        self.alerting.note_shortened(
            (c.fixture_id, c.bookmaker_id, c.bet_id, c.outcome)
            for c in self.store.history.record(at, rows, firsts=False)
            if c.previous is not None and c.price < c.previous and (c.bet_id, c.outcome) in _ALERT_OUTCOMES)

    def take_drop_alerts(self) -> list[PriceDrop]:
        """Prices shortened past ``odds.drop_alert_pct`` within the window, each reported once."""
        return self.alerting.take_drops()

    def take_alerts(self) -> list[Alert]:
        """What happened since the last call, as alerts named for people."""
        return self.alerting.take()

    async def dispatch_alerts(self) -> list[Alert]:
        """``take_alerts``, posted to the webhook unless a collector elsewhere posts them."""
        return await self.alerting.dispatch()

    # -- pages -------------------------------------------------------------------------------------

    def _window(self) -> tuple[date, date]:
        today = self.clock.now().date()
        return today, today + timedelta(days=self.settings.watch.days_ahead)

    async def bookmakers(self, *, force: bool = False) -> Page[list[Bookmaker]]:
        loaded = await self.load_page("/odds/bookmakers", {}, self.settings.cache.bookmakers_ttl_s,
                                  parse_bookmakers, force=force)
        return Page(loaded.data, loaded.provenance)

    def league_params(self, league: LeagueSeason, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A league-level request's params: the same in a page read and in a warm, so both
        hit one cache entry."""
        return {"league": str(league.league), "season": str(league.season), **(extra or {})}

    async def league_seasons(self) -> list[LeagueSeason]:
        """Each watched league's season: ``[watch.seasons]``, else ``[watch] season``, else
        (``"auto"``) the current season from ``/leagues?id=N&current=true``, cached like the
        other league details. Seasons are per league: one year for all would ask some leagues
        for a season they are not playing, which the provider answers with nothing."""
        out = []
        for league in self.settings.watch.leagues:
            fixed = self.settings.watch.fixed_season(league)
            if fixed is not None:
                out.append(LeagueSeason(league, fixed))
                continue
            before = self.counted_calls
            loaded = await self.load_page("/leagues", {"id": str(league), "current": "true"},
                                      self.settings.cache.leagues_ttl_s, parse_leagues)
            if self.warm_seasons is not None:
                step = WarmStep("dashboard", f"season league {league}", self.counted_calls - before)
                step.source, step.error = step_source(step.calls, loaded), loaded.provenance.error
                self.warm_seasons.append(step)
            found: list[League] = loaded.data or []
            current = next((lg for lg in found if lg.id == league and lg.current_season), None)
            if current is None or current.current_season is None:
                why = loaded.provenance.error or "the provider lists no current season"
                out.append(LeagueSeason(league, None, why=why))
                continue
            out.append(LeagueSeason(league, current.current_season,
                                    odds=current.odds_covered is not False,
                                    predictions=current.predictions_covered is not False))
        return out

    def window_params(self) -> dict[str, str]:
        first, last = self._window()
        return {"from": first.isoformat(), "to": last.isoformat()}

    async def _per_league(self, endpoint: str, extra: Mapping[str, str], ttl_s: float,
                          parse: Callable[[Any], list[Any]], *, force: bool, paged: bool,
                          fallback: Mapping[str, str] | None = None,
                          view: str = "") -> tuple[list[Any], Provenance, dict[str, datetime]]:
        """Each watched league's entry: the items parsed (none for the ``ROWS`` view, whose
        answer is in the rows), their provenance, and the entries served (key -> fetch time)."""
        items: list[Any] = []
        pages: dict[str, datetime] = {}
        provs: list[Provenance] = []
        notes: list[str] = []
        for league in await self.league_seasons():
            skip = league.skip("odds" if endpoint == "/odds" else "fixtures")
            if skip is not None:
                notes.append(skip)
                continue
            params = self.league_params(league, extra)
            loaded = await self.load_page(endpoint, params, ttl_s, parse, force=force, paged=paged,
                                      fallback=fallback, view=view)
            provs.append(loaded.provenance)
            if loaded.data is not None and loaded.provenance.fetched_at is not None:
                pages[cache_key(endpoint, params)] = loaded.provenance.fetched_at
            if loaded.data is not None and view != ROWS:
                items.extend(loaded.data)
        return items, replace(_combine(provs, self.clock.now()), notes=tuple(notes)), pages

    async def fixtures(self, *, force: bool = False) -> Page[list[Fixture]]:
        """Fixtures of the watched leagues from today through ``days_ahead``, by kickoff."""
        items, prov, _ = await self._per_league(
            "/fixtures", self.window_params(), self.settings.cache.fixtures_ttl_s, parse_fixtures, force=force, paged=False,
            fallback={"from": "", "to": ""})
        if prov.source == "none":
            return Page(None, prov)
        items.sort(key=lambda f: (f.kickoff, f.id))
        if prov.source == "live":  # just fetched: the names the team's SQL views show
            self.store.history.note_fixtures(prov.fetched_at or self.clock.now(), [
                (f.id, f.kickoff, f.league_id, f.league_name, f.home.name, f.away.name) for f in items])
        return Page(items, prov)

    async def odds(self, *, force: bool = False) -> Page[dict[int, FixtureOdds]]:
        """Odds of the watched leagues, one league-level paginated call each, by fixture id:
        the league entries keep Match Winner alone, so each fixture's answer is read from its
        own entry."""
        pages, prov = await self._odds_pages(force)
        if prov.source == "none":
            return Page(None, prov)
        return Page({fo.fixture_id: self._watched(fo) for fo in self._carried_odds(pages)}, prov)

    async def _odds_pages(self, force: bool) -> tuple[dict[str, datetime], Provenance]:
        """Each watched league's odds entry, read or fetched (key -> fetch time), and their
        provenance: the rows they wrote are the answer, their bodies are not read."""
        _, prov, pages = await self._per_league("/odds", {}, self.settings.cache.odds_ttl_s, parse_odds,
                                                force=force, paged=True, view=ROWS)
        return pages, prov

    def _carried_odds(self, pages: Mapping[str, datetime]) -> list[FixtureOdds]:
        """The whole odds of the fixtures those league pages carried, from each fixture's entry."""
        return [fo for fid in self.store.history.carried(pages)
                for fo in (self._fixture_entry(fid, None) or (None, []))[1]]

    def _fixture_entry(self, fixture_id: int, bets: frozenset[int] | None
                       ) -> tuple[datetime, list[FixtureOdds]] | None:
        """A fixture's odds entry, when fetched and parsed (``bets`` only); None when there is
        none, or it is unreadable (or a refusal kept for it): as a fixture never priced."""
        entry = self.store.cache.get(cache_key("/odds", {"fixture": fixture_id}))
        if entry is None:
            return None
        try:
            with _gc_paused():
                return entry.fetched_at, parse_odds(json.loads(entry.body).get("response"), only_bets=bets)
        except (ValueError, AttributeError, ParseError):
            return None

    async def bookmakers_summary(self, *, force: bool = False) -> Page[BookmakersView]:
        """The Bookmakers screen: every known bookmaker, and which price the watched fixtures
        (one query over the rows the odds fetches wrote; the odds pages are not parsed)."""
        books = await self.bookmakers(force=force)
        if books.data is None:
            return Page(None, books.provenance)
        pages, odds_prov = await self._odds_pages(force)
        watched, coverage = self.store.history.coverage(pages, MARKETS, self.settings.watch.bookmakers)
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
        loaded = await self.load_page(
            "/predictions", {"fixture": str(fixture_id)}, self.settings.cache.predictions_ttl_s,
            lambda r: parse_predictions(r, fixture_id=fixture_id), force=force)
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
        skipped = self.no_predictions(await self.league_seasons())
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
        return Page(out, replace(_combine(provs, self.clock.now()), notes=notes))

    @staticmethod
    def no_predictions(seasons: list[LeagueSeason]) -> dict[int, str]:
        """Leagues whose predictions cost calls for nothing, with why."""
        return {ls.league: why for ls in seasons if (why := ls.skip("predictions")) is not None}

    async def dashboard(self, *, force: bool = False,
                        hidden_bookmakers: frozenset[int] = frozenset()) -> Page[Dashboard]:
        """``hidden_bookmakers``: left out of the best prices (the desk's bookmaker filter).

        Each fixture's headline was computed when its odds were stored, and is read with one
        query; with bookmakers hidden, or a headline missing (a store from before them), they
        are computed here. The Match Winner odds behind them are parsed only if asked for.
        """
        fixtures = await self.fixtures(force=force)
        pages, odds_prov = await self._odds_pages(force)
        prov = _combine([fixtures.provenance, odds_prov], self.clock.now())
        if fixtures.data is None:
            return Page(None, prov)
        carried = set(self.store.history.carried(pages))
        shown = [f.id for f in fixtures.data if f.id in carried]
        odds = _LazyOdds(lambda: self._match_winner_odds(pages, hidden_bookmakers))
        kept = {} if hidden_bookmakers else self.store.headlines.get(shown, self._books_key())
        if all(fid in kept for fid in shown):
            # A headline whose kept text has not changed is not decoded again: most of a
            # 2,000-fixture Dashboard's refresh was these decodes.
            decoded = {fid: hit[1] for fid in shown
                       if (hit := self._kept_heads.get(fid)) is not None and hit[0] == kept[fid]}
            self._kept_heads = {fid: (kept[fid], decoded.get(fid) or headline_from_row(fid, kept[fid]))
                                for fid in shown}
            heads = {fid: self._kept_heads[fid][1] for fid in shown}
        else:
            openings = self._openings(shown)
            heads = {fid: self._headline(odds[fid], openings.get(fid)) for fid in shown if fid in odds}
            self._headlines = {fid: self._headlines[fid] for fid in shown if fid in self._headlines}
        movers = sorted((h for h in heads.values() if h.move_pct), key=lambda h: -abs(h.move_pct or 0))
        return Page(Dashboard(fixtures.data, odds, heads, movers[:10], self.in_play()), prov)

    def _match_winner_odds(self, pages: Mapping[str, datetime],
                           hidden: frozenset[int]) -> dict[int, FixtureOdds]:
        """The Match Winner odds the league entries ``pages`` keep, by fixture id."""
        parse = functools.partial(parse_odds, only_bets=_MW)
        now = self.clock.now()
        out: dict[int, FixtureOdds] = {}
        for key in pages:
            entry = self.store.cache.get(key)
            if entry is not None:
                for fo in self._from_cache(entry, parse, now, None, None, _MW_VIEW).data or []:
                    out[fo.fixture_id] = _without_bookmakers(self._watched(fo), hidden)
        return out

    def _openings(self, fixture_ids: list[int]) -> dict[int, dict[tuple[int, str], float]]:
        """Each fixture's first Match Winner price per (bookmaker, outcome)."""
        out: dict[int, dict[tuple[int, str], float]] = {}
        for (fid, bookmaker, outcome), price in self.store.history.openings(MATCH_WINNER, fixture_ids).items():
            out.setdefault(fid, {})[(bookmaker, outcome)] = price
        return out

    def _books_key(self) -> str:
        """The bookmakers a kept headline is computed over ('' all): ``watch.bookmakers``."""
        return ",".join(map(str, sorted(set(self.settings.watch.bookmakers))))

    def _watched(self, fo: FixtureOdds) -> FixtureOdds:
        wanted = set(self.settings.watch.bookmakers)
        return _only_bookmakers(fo, wanted) if wanted else fo

    def _keep_headlines(self, odds: list[FixtureOdds], at: datetime) -> None:
        """Compute and keep the Dashboard headline of each fixture whose odds were just stored."""
        shown = [self._watched(fo) for fo in odds]
        openings = self._openings([fo.fixture_id for fo in shown])
        self.store.headlines.put(at, self._books_key(), [
            (fo.fixture_id, headline_to_row(headline(fo, openings.get(fo.fixture_id)))) for fo in shown])

    def in_play(self) -> dict[int, Fixture]:
        """Fixtures in play per the live list, if it is recent; sends nothing."""
        live, entry = self.peek("/fixtures", self.live_list_params(), parse_fixtures)
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
                    _combine(provs, self.clock.now()))

    def closing_means(self, fixture_id: int, bet_id: int) -> dict[str, float]:
        """A market's close per outcome: the mean of each bookmaker's last pre-kickoff price."""
        by_outcome: dict[str, list[float]] = {}
        for (_fid, _book, bet, outcome), price in self.store.history.closing([fixture_id]).items():
            if bet == bet_id:
                by_outcome.setdefault(outcome, []).append(price)
        return {outcome: sum(prices) / len(prices) for outcome, prices in by_outcome.items()}

    def _headline(self, odds: FixtureOdds, openings: dict[tuple[int, str], float] | None) -> Headline:
        # A headline is a full market analysis; on a big day the Dashboard redraws thousands.
        # The parsed odds are memoised per cache entry, so the same object means the same
        # prices: reuse the headline until the prices or the openings change.
        key = (odds, tuple(sorted((openings or {}).items())))
        hit = self._headlines.get(odds.fixture_id)
        if hit is not None and hit[0] is key[0] and hit[1] == key[1]:
            return hit[2]
        head = headline(odds, openings)
        self._headlines[odds.fixture_id] = (key[0], key[1], head)
        return head

    # -- what the collector reads and refreshes -----------------------------------------------------

    def league_request(self, kind: str, league: int) -> tuple[str, dict[str, str]]:
        """The request behind one league's part of the fixtures or odds page, as pages send it
        (the season as ``league_seasons`` last found it: this sends nothing)."""
        season = self._known_season(league)
        if kind == "fixtures":
            return "/fixtures", self.league_params(season, self.window_params())
        return "/odds", self.league_params(season)

    def _known_season(self, league: int) -> LeagueSeason:
        """One league's season without a call: the configured one, else the cached answer of
        ``/leagues`` (None until ``league_seasons`` or ``refresh_season`` has looked it up),
        with what the provider covers in it."""
        fixed = self.settings.watch.fixed_season(league)
        if fixed is not None:
            return LeagueSeason(league, fixed)
        found, entry = self.peek("/leagues", {"id": str(league), "current": "true"}, parse_leagues)
        current = next((lg for lg in found or [] if lg.id == league and lg.current_season), None)
        if current is None or current.current_season is None:
            why = "not looked up yet" if entry is None else "the provider lists no current season"
            return LeagueSeason(league, None, why=why)
        return LeagueSeason(league, current.current_season,
                            odds=current.odds_covered is not False,
                            predictions=current.predictions_covered is not False)

    def known_season(self, league: int) -> LeagueSeason:
        """One league's season as last looked up, with its coverage; sends nothing."""
        return self._known_season(league)

    def season_request(self, league: int) -> tuple[str, dict[str, str]] | None:
        """The ``/leagues`` request that finds one league's current season ("auto"), or None
        when the season is configured (nothing to look up)."""
        if self.settings.watch.fixed_season(league) is not None:
            return None
        return "/leagues", {"id": str(league), "current": "true"}

    async def refresh_season(self, league: int) -> Provenance:
        """Look one league's current season up now (the collector's ``seasons`` task): the
        same cache entry ``league_seasons`` reads, so pages and the collector agree."""
        request = self.season_request(league)
        if request is None:
            return Provenance("cache", None, None, False, None, None)
        loaded = await self.load_page(*request, self.settings.cache.leagues_ttl_s, parse_leagues,
                                  force=True)
        return loaded.provenance

    async def refresh_league(self, kind: str, league: int) -> Provenance:
        """Fetch one league's fixtures (the window) or pre-match odds (every page) now."""
        endpoint, params = self.league_request(kind, league)
        if kind == "fixtures":
            loaded = await self.load_page(endpoint, params, self.settings.cache.fixtures_ttl_s,
                                      parse_fixtures, force=True)
        else:
            loaded = await self.load_page(endpoint, params, self.settings.cache.odds_ttl_s, parse_odds,
                                      force=True, paged=True, view=ROWS)
        return loaded.provenance

    def peek(self, endpoint: str, params: Mapping[str, str],
             parse: Callable[[Any], T]) -> tuple[T | None, CacheEntry | None]:
        """What the cache holds for a request, parsed, and its entry; sends nothing."""
        entry = self.store.cache.get(cache_key(endpoint, params))
        if entry is None:
            return None, None
        loaded = self._from_cache(entry, parse, self.clock.now(), None, None, "")
        return loaded.data, entry

    def live_list_params(self) -> dict[str, str]:
        return {"live": "-".join(str(lg) for lg in self.settings.watch.leagues)}

    async def live_fixtures(self, *, force: bool = False) -> Page[list[Fixture]]:
        """The watched leagues' fixtures in play now: one call for all of them."""
        loaded = await self.load_page("/fixtures", self.live_list_params(), _LIVE_FIXTURES_TTL_S,
                                  parse_fixtures, force=force)
        return Page(loaded.data, loaded.provenance)

    async def live_odds(self, league: int, *, force: bool = False) -> Page[list[LiveOdds]]:
        """A league's fixtures in play with their in-play odds (recorded when fetched): one
        call for all of them."""
        loaded = await self.load_page("/odds/live", {"league": str(league)},
                                  self.settings.collect.live_ttl_s, parse_live_odds, force=force)
        return Page(loaded.data, loaded.provenance)

    async def fixture_odds(self, fixture_id: int, *, force: bool = False) -> Page[FixtureOdds]:
        """One fixture's odds: served from the entry its league page left, else fetched alone."""
        loaded = await self.load_page("/odds", {"fixture": str(fixture_id)}, self.settings.cache.odds_ttl_s,
                                  parse_odds, force=force)
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
        shown = _without_bookmakers(odds.data, hidden_bookmakers)
        view = analyse_market(shown, market_id, method=method or self.settings.odds.fair_method,
                              line=line, prediction=prediction.data if prediction else None,
                              history=history, consensus_mode=consensus)
        return Page(view, odds.provenance)

    # -- the analyst's desk: picks and the watchlist (kept in the store, never sent) --------------

    def add_pick(self, pick: NewPick) -> int:
        return self.store.picks.add(pick, self.clock.now())

    async def picks(self) -> list[PickView]:
        # Async so the TUI runs it on the engine's loop: it reads every cached fixtures page.
        return pick_views(self.store, self.settings.odds.fair_method, self.clock.now())

    async def value_board(self, *, method: FairMethod | None = None, consensus: str = "all",
                          pinned: frozenset[int] = frozenset(),
                          hidden_leagues: frozenset[int] = frozenset(),
                          hidden_bookmakers: frozenset[int] = frozenset()) -> Page[list[ValueBet]]:
        """Every value bet and arbitrage of the watched fixtures (the pinned ones when any are
        pinned, else every upcoming fixture in a league not hidden), best edge first."""
        fixtures = await self.fixtures()
        pages, odds = await self._odds_pages(force=False)
        prov = _combine([fixtures.provenance, odds], self.clock.now())
        if fixtures.data is None or odds.source == "none":
            return Page(None, prov)
        carried = set(self.store.history.carried(pages))
        scan = (method or self.settings.odds.fair_method, consensus, hidden_bookmakers)
        memo: dict[int, tuple[datetime, _Scan, list[ValueBet]]] = {}
        # When each odds entry was fetched, in one query: what tells a kept scan still holds.
        fetched = self.store.cache.fetched_times("/odds") if self._value_memo else {}
        for f in fixtures.data:
            shown = f.id in pinned if pinned else f.is_upcoming and f.league_id not in hidden_leagues
            if shown and f.id in carried and (found := self._fixture_value(f.id, scan, fetched)) is not None:
                memo[f.id] = found
        # Kept for the next open: only the fixtures this one scanned, so the memo never
        # outgrows the watched ones.
        self._value_memo = memo
        return Page(sorted((bet for _, _, found in memo.values() for bet in found), key=lambda v: -v.edge), prov)

    def _fixture_value(self, fixture_id: int, scan: _Scan, fetched: Mapping[str, datetime]
                       ) -> tuple[datetime, _Scan, list[ValueBet]] | None:
        """One fixture's value bets, kept while its entry (``fetched``: entry times by key) and
        the scan's settings are unchanged: reopening the Value screen at 2,000 fixtures then
        reads no body."""
        hit = self._value_memo.get(fixture_id)
        if hit is not None and hit[1] == scan and fetched.get(cache_key("/odds", {"fixture": fixture_id})) == hit[0]:
            return hit
        # The markets value bets are looked for in: the rest of the answer is not parsed.
        entry = self._fixture_entry(fixture_id, SHOWN_BETS)
        if entry is None:
            return None
        method, consensus, hidden = scan
        return entry[0], scan, [bet for fo in entry[1]
                                for bet in value_bets(_without_bookmakers(self._watched(fo), hidden),
                                                      method=method, consensus_mode=consensus)]

    def movement(self, fixture_id: int, market_id: int, label: str) -> list[tuple[int, datetime, float]]:
        """Every stored price of one outcome, (bookmaker, observed_at, price), for the chart."""
        return [(p.bookmaker_id, p.observed_at, p.price)
                for p in self.store.history.series(fixture_id, market_id) if p.outcome == label]

    def filters(self) -> tuple[frozenset[int], frozenset[int]]:
        return self.store.picks.filters()

    def save_filters(self, hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int]) -> None:
        self.store.picks.save_filters(hidden_leagues, hidden_bookmakers)

    def pinned(self) -> set[int]:
        return self.store.picks.pinned()

    def toggle_pin(self, fixture_id: int) -> bool:
        return self.store.picks.toggle_pin(fixture_id, self.clock.now())

    async def refresh(self, page: str) -> Page[Any]:
        """Rebuild one screen's cache entries now (the refresh key)."""
        loaders: dict[str, Callable[[], Any]] = {
            "dashboard": lambda: self.dashboard(force=True),
            "predictions": lambda: self.predictions(force=True),
            "bookmakers": lambda: self.bookmakers(force=True),
            "odds": lambda: self.odds(force=True),
            "live": lambda: self.live(force=True),
        }
        if page not in loaders:
            raise ValueError(f"unknown page {page!r} (known: {', '.join(loaders)})")
        return await loaders[page]()

    # -- warm ----------------------------------------------------------------------------------------

    async def warm(self, progress: WarmProgress | None = None, *, force: bool = False) -> WarmReport:
        """Make the four critical pages fresh with the fewest counted calls (engine/warmer.py)."""
        return await warmer.warm(self, progress, force=force)

    # -- reports, for the TUI's client (engine/runtime.py runs them on the engine's thread) -----

    def snapshot(self) -> Snapshot:
        """Everything the supervision screen and the sidebar show, read from the store."""
        return collect(self.store, self.settings, self.clock)

    def sync_journal(self) -> None:
        """Bring the incident journal up to date with the store (at once when nothing changed)."""
        journal.sync(self.store, self.settings)

    def export_metrics(self, path: Path) -> None:
        """Write the metrics JSON to ``path`` as ``oddsmon --export`` does, journal included."""
        export.check_target(path)
        export.write(self.store, self.settings, self.clock, path, "json")
        self.sync_journal()


def fixtures_ttl(fixtures: Sequence[Fixture], now: datetime, day_ttl_s: float,
                 live_ttl_s: float) -> float:
    """How long a fixtures page stays fresh: a day (the provider updates fixtures daily), a
    minute while a fixture on it is live (updated every minute), and never past the next
    kickoff on it, so a match that starts is seen live within a minute of its kickoff."""
    if any(f.is_live for f in fixtures):
        return min(day_ttl_s, live_ttl_s)
    kickoffs = [f.kickoff for f in fixtures if f.is_upcoming and f.kickoff > now]
    if not kickoffs:
        return day_ttl_s
    return min(day_ttl_s, max(live_ttl_s, (min(kickoffs) - now).total_seconds()))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """A big odds page is about a million new objects, none of them garbage: the collector's
    passes over them were a third of a parse (half on a 26 MB page). Whoever paused it
    first turns it back on; a parse on another thread meanwhile just runs without it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fixture_envelope(fixture_id: int, item: bytes) -> bytes:
    """The body the API answers ``/odds?fixture=N`` with: the item as received (its bytes,
    not re-serialised), on one page."""
    return (b'{"get":"odds","parameters":{"fixture":"%d"},"errors":[],"results":1,'
            b'"paging":{"current":1,"total":1},"response":[%b]}' % (fixture_id, item))


def _without_bookmakers(fo: FixtureOdds, hidden: frozenset[int]) -> FixtureOdds:
    return replace(fo, bookmakers=tuple(b for b in fo.bookmakers if b.bookmaker.id not in hidden)) if hidden else fo


def _only_bookmakers(fo: FixtureOdds, wanted: set[int]) -> FixtureOdds:
    return replace(fo, bookmakers=tuple(b for b in fo.bookmakers if b.bookmaker.id in wanted))


def _combine(provs: list[Provenance], now: datetime) -> Provenance:
    """One provenance for a page built from several entries: as old as its oldest part."""
    if not provs:
        return Provenance("none", None, None, False)
    have = [p for p in provs if p.source != "none"]
    missing = tuple(m for p in provs for m in p.missing)
    reason = next((p.offline_reason for p in provs if p.offline_reason), None)
    error = next((p.error for p in provs if p.error), None)
    refused = any(p.refused for p in provs)
    if not have:
        return Provenance("none", None, None, False, reason, error, missing, refused=refused)
    oldest = min(have, key=lambda p: p.fetched_at or now)
    source: Source = "live" if all(p.source == "live" for p in have) else "cache"
    return Provenance(source, oldest.fetched_at, oldest.age_s, any(p.stale for p in have),
                      reason, error, missing,
                      expires_at=min((p.expires_at for p in have if p.expires_at is not None), default=None),
                      refused=refused)
