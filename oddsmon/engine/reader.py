"""Reading one page through the cache: served, refreshed, or explained.

Online and fresh -> cache; expired -> fetch, and if the fetch fails serve the stale entry and go
offline; offline -> cache only, and a page never cached says so plainly. Every answer carries
its provenance. What a fetch brings is recorded (engine/recorder.py) before it is answered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from ..clock import Clock
from ..config import Settings
from ..domain.models import Fixture
from ..offline import OfflineMachine
from ..providers import (
    ApiError,
    BookmakersRequest,
    FixtureOddsRequest,
    FixturesByIdsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    LiveFixturesRequest,
    LiveOddsRequest,
    Offline,
    PredictionRequest,
    Provider,
    Refused,
    Request,
    SeasonRequest,
)
from ..store import COLLECTOR_LEASE, CacheEntry, Store, StoreWriteError, cache_key
from ..store.cache import ANY
from ..types import Reason
from .page import Page, Provenance
from .recorder import Recorder

T = TypeVar("T")

# How much of an entry a read answers with: all of it (None), the rows its fetch wrote
# (``ROWS``: odds_latest, odds_fixtures, odds_books; the body is neither read nor parsed), or
# odds typed for some bets only. Each is memoised apart.
ROWS = "rows"
_View = frozenset[int] | str | None

# Set by Reader.cache_only(): reads answer from any cached copy, fresh or not, without the
# network; the context travels with the coroutines a screen hands to the engine's loop.
_CACHE_ONLY: ContextVar[bool] = ContextVar("oddsmon_cache_only", default=False)
# Set by Reader.stored_only(): reads answer from the cached copy as it is, and a page never
# cached answers nothing; nothing is ever sent (a screen reading ahead of the analyst).
_STORED_ONLY: ContextVar[bool] = ContextVar("oddsmon_stored_only", default=False)

_COUNTER_FLUSH_S = 1.0
_REOPEN_EVERY_S = 5.0
# Tries that fail wait twice as long each time, up to this: a team's server away for hours is
# not knocked on every few seconds (each try of a cut network waits out its connect timeout).
_REOPEN_MAX_S = 120.0
_MEMO_SIZE = 64
# The provider refreshes in-play fixtures every 15 s and recommends one call a minute while
# live (docs/provider.md): the live list is fresh for a minute.
LIVE_FIXTURES_TTL_S = 60


class _FetchFailed(Exception):
    """A fetch that did not work: the offline reason it caused (if any) and what happened."""

    def __init__(self, reason: Reason | None, error: str, *, refused: bool = False) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error
        self.refused = refused


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


class Reader:
    """The cache in front of the API, the counters of its hits and misses, and whether the
    store can keep what a fetch would bring."""

    def __init__(self, settings: Settings, store: Store, machine: OfflineMachine, provider: Provider,
                 clock: Clock, recorder: Recorder) -> None:
        self.settings = settings
        self.store = store
        self.machine = machine
        self.provider = provider
        self.clock = clock
        self.recorder = recorder
        self._pending: dict[str, int] = {}
        self._cache_reads: list[tuple[datetime, str, float]] = []
        # Set while the store cannot be written (disk full, read-only): pages are then served
        # from the cache and nothing is fetched, since nothing fetched could be kept.
        health = store.health()
        self.store_problem: str | None = None if health.writable else health.problem
        # Opened read-only on purpose (--selftest's cache read): its counters are never written.
        self._never_writes = not health.writable and not health.degraded
        self._last_flush = clock.monotonic()
        self._reopen_tried = float("-inf")
        self._reopen_wait = _REOPEN_EVERY_S
        self._memo: dict[tuple[str, _View], tuple[float, Any]] = {}
        # A TUI sets this: while a collector holds the lease, it reads the store and sends
        # nothing (the collector keeps the cache current within its budget).
        self.defer_to_collector = False

    # -- counters ------------------------------------------------------------------------------

    def _count(self, name: str) -> None:
        self._pending[name] = self._pending.get(name, 0) + 1
        if self.clock.monotonic() - self._last_flush >= _COUNTER_FLUSH_S:
            self.flush_counters()

    def flush_counters(self) -> dict[str, int]:
        """Write hit/miss counts and the cache-read log; batched so a cache hit does not cost a
        write transaction. A store that cannot be written keeps them for later. Returns the
        counts written."""
        self._last_flush = self.clock.monotonic()
        if self._never_writes:
            self._pending.clear()
            self._cache_reads.clear()
            return {}
        if self.store_problem is not None:
            return {}
        written = self._pending
        try:
            self.store.ledger.add_counts(written)
            self._pending = {}
            self.store.ledger.log_cache_reads(self._cache_reads[-100:])
            self._cache_reads = []
        except StoreWriteError as exc:
            self.store_problem = str(exc)
        return written if not self._pending else {}

    def store_writable(self) -> bool:
        """After a write failed, or while a team's server is away: try one small real write to
        see whether it works again (the server first: paced, with backoff, on the clock)."""
        if self.store_problem is None:
            away = self.store.away
            if away is None:
                return True
            self.store_problem = away
        health = self.store.health()
        if not health.writable:
            # Opened read-only because the disk was full or failing (or a team's server is
            # away): reopen for writing once it allows it (a reopen checks the whole store, or
            # waits for a connection, hence the pause between tries).
            now = self.clock.monotonic()
            if not health.degraded or now - self._reopen_tried < self._reopen_wait:
                return False
            self._reopen_tried = now
            if not self.store.reopen_writable():
                self._reopen_wait = min(self._reopen_wait * 2, _REOPEN_MAX_S)
                return False
            self._reopen_wait = _REOPEN_EVERY_S
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

    @staticmethod
    @contextlib.contextmanager
    def stored_only() -> Iterator[None]:
        """Within this block, a page is served from its cached copy however old, and one never
        cached is answered as such: nothing is fetched (and no hit counted), whatever the mode,
        so reading ahead of the analyst spends no call."""
        token = _STORED_ONLY.set(True)
        try:
            yield
        finally:
            _STORED_ONLY.reset(token)

    def collector_elsewhere(self) -> bool:
        """A collector runs (in another process) and this one defers to it."""
        if not self.defer_to_collector:
            return False
        return self.store.collector.holder(COLLECTOR_LEASE) is not None

    def ttl(self, request: Request[Any]) -> float:
        """How long an answer to ``request`` stays fresh (a fixtures list: see fixtures_ttl)."""
        cache = self.settings.cache
        match request:
            case BookmakersRequest():
                return cache.bookmakers_ttl_s
            case SeasonRequest():
                return cache.leagues_ttl_s
            case FixturesRequest() | FixturesByIdsRequest():
                # By ids: names, asked once a TTL; the window's pages follow kickoffs and play.
                return cache.fixtures_ttl_s
            case LiveFixturesRequest():
                return LIVE_FIXTURES_TTL_S
            case LeagueOddsRequest() | FixtureOddsRequest():
                return cache.odds_ttl_s
            case LiveOddsRequest():
                return self.settings.collect.live_ttl_s
            case PredictionRequest():
                return cache.predictions_ttl_s
        raise TypeError(f"no time-to-live for {type(request).__name__}")

    # -- the read path -------------------------------------------------------------------------

    async def read(self, request: Request[T], *, force: bool = False, fallback: bool = False,
                   view: _View = None) -> Page[T]:
        """One cache entry: served, refreshed, or explained.

        ``fallback``: the latest cached window of the request may stand in when its own was
        never cached and cannot be fetched now. ``view``: how much of the entry to answer with.
        """
        key = request.key
        now = self.clock.now()
        started = self.clock.monotonic()
        entry = self.store.cache.get(key, body=view != ROWS)
        reason = self.machine.gate()
        if _STORED_ONLY.get():
            if entry is None:
                return Page(None, Provenance("none", None, None, False, reason, None, (key,)))
            return self._from_cache(request, entry, now, reason, None, view)
        if entry is None and fallback and _CACHE_ONLY.get():
            entry = self._fallback_entry(request)
        if entry is not None and not force and _CACHE_ONLY.get() and reason is None \
                and not entry.fresh_at(now):
            # Expired and online: the caller shows it now and asks again for the fetch (a
            # fresh or offline copy goes the usual way below, which counts the hit).
            return self._from_cache(request, entry, now, reason, None, view)
        if not self.store_writable():
            return self._unwritable(request, entry, now, reason, view)
        if reason is None and self.collector_elsewhere():
            # The collector keeps the cache current within its budget: even the refresh key
            # reads what it recorded.
            entry = entry or (self._fallback_entry(request) if fallback else None)
            if entry is None:
                return Page(None, Provenance("none", None, None, False, None,
                                             "not collected yet (a collector runs)", (key,)))
            return self._from_cache(request, entry, now, None, None, view)
        if entry is not None and not force and (reason is not None or entry.fresh_at(now)):
            loaded = self._from_cache(request, entry, now, reason, None, view)
            self._cache_reads.append((now, self.provider.describe(request),
                                      (self.clock.monotonic() - started) * 1000))
            self._count("hits")
            return loaded
        self._count("misses")
        if reason is None:
            try:
                return await self._fetch(request, view, now)
            except StoreWriteError as exc:
                self.store_problem = str(exc)
                return self._unwritable(request, entry, now, reason, view)
            except _FetchFailed as failed:
                reason, error = failed.reason, failed.error
                if failed.refused:
                    return Page(None, Provenance("live", now, 0.0, False, None, error, refused=True))
        else:
            error = None
        if entry is None and fallback:
            entry = self._fallback_entry(request)
        if entry is not None:
            return self._from_cache(request, entry, now, reason, error, view)
        return Page(None, Provenance("none", None, None, False, reason, error, (key,)))

    def peek(self, request: Request[T], view: _View = None) -> tuple[T | None, CacheEntry | None]:
        """What the cache holds for a request, read, and its entry; sends nothing."""
        entry = self.store.cache.get(request.key)
        if entry is None:
            return None, None
        return self._from_cache(request, entry, self.clock.now(), None, None, view).data, entry

    def _unwritable(self, request: Request[T], entry: CacheEntry | None, now: datetime,
                    reason: Reason | None, view: _View) -> Page[T]:
        # Nothing fetched could be kept, and every fetch would be paid for again: serve the
        # cache and say why it is not refreshed.
        error = f"not refreshed: {self.store_problem}"
        if entry is None:
            return Page(None, Provenance("none", None, None, False, reason, error, (request.key,)))
        return self._from_cache(request, entry, now, reason, error, view)

    async def _fetch(self, request: Request[T], view: _View, now: datetime) -> Page[T]:
        """Fetch, keep and record one entry. A failed fetch raises _FetchFailed (after going
        offline when it is an outage); a store that cannot be written raises StoreWriteError."""
        ttl_s = self.ttl(request)
        # A league's odds are kept page by page as they arrive (rows, history, one entry per
        # fixture), so a big league is never held whole; the league entry keeps its Match
        # Winner part, all the Dashboard reads (the rest is in the fixtures' entries).
        keeper = self.recorder.league_keeper(request, now) if isinstance(request, LeagueOddsRequest) else None
        try:
            fetched = await self.provider.fetch(request, keeper)
        except Offline as exc:
            raise _FetchFailed(self.machine.gate(), str(exc)) from None
        except Refused as exc:
            # A refusal (plan, parameter, endpoint) is an answer: kept for the entry's TTL so
            # it is not paid for again at every open.
            self.store.cache.put(request.key, request.kind, exc.body, now, ttl_s)
            raise _FetchFailed(None, exc.refusal.text(now + timedelta(seconds=ttl_s)), refused=True) from None
        except ApiError as exc:
            # A league's odds that failed part way (the reserve, the network): the pages
            # received were kept as they came, each fixture on them being whole; the league
            # entry, not whole, is not written.
            if exc.outage is not None:
                self.machine.go_offline(exc.outage, str(exc))
            raise _FetchFailed(exc.outage, str(exc)) from None
        data = fetched.data
        if isinstance(request, FixturesRequest | LiveFixturesRequest):
            ttl_s = fixtures_ttl(cast(list[Fixture], data), now, ttl_s, self.settings.cache.fixtures_live_ttl_s)
        stored = self.store.cache.put(request.key, request.kind, fetched.body, now, ttl_s)
        if view != ROWS:  # the rows hold that answer: keeping it read would only cost memory
            self._memo_put(request.key, view, stored.fetched_at, data)
        self.machine.note_quota(fetched.quota_left, self.settings.api.daily_reserve)
        self.recorder.arrived(request, data, now)
        return Page(data, Provenance("live", now, 0.0, False, expires_at=stored.expires_at))

    def _from_cache(self, request: Request[T], entry: CacheEntry, now: datetime,
                    reason: Reason | None, error: str | None, view: _View) -> Page[T]:
        """A cached entry as an answer (read once per fetch: re-reads hit the memo)."""
        prov = Provenance("cache", entry.fetched_at, (now - entry.fetched_at).total_seconds(),
                          not entry.fresh_at(now), reason, error, expires_at=entry.expires_at)
        if view == ROWS and not entry.body and not self.store.history.carried_by(entry.key):
            # No row came from this page: an empty answer or a kept refusal, both small.
            entry = self.store.cache.get(entry.key) or entry
        # A memoised answer is never a refusal (refusals are not memoised): an unchanged entry
        # is answered before its body is scanned, which on a big odds page costs a pass over MBs.
        memo = self._memo.get((entry.key, view))
        if memo is not None and memo[0] == entry.fetched_at.timestamp():
            return Page(memo[1], prov)
        refusal = self.provider.refusal(entry.body)
        if refusal is not None:
            return Page(None, replace(prov, refused=True, error=refusal.text(entry.expires_at)))
        if view == ROWS:
            return Page(cast(T, True), prov)
        try:
            data = self.provider.decode(request, entry.body, None if isinstance(view, str) else view)
        except ValueError as exc:
            # A cached body that no longer reads (an older oddsmon wrote it, or a bug) is
            # treated as never cached rather than crashing the page.
            return Page(None, Provenance("none", None, None, False, reason,
                                         f"cached {self.provider.describe(request)} is unreadable: {exc}",
                                         (entry.key,)))
        self._memo_put(entry.key, view, entry.fetched_at, data)
        return Page(data, prov)

    def _memo_put(self, key: str, view: _View, fetched_at: datetime, data: Any) -> None:
        # Answers of recent entries, keyed by fetch time: a re-read of an unchanged entry
        # skips json.loads and parsing, which dominate on a big odds page.
        self._memo.pop((key, view), None)
        self._memo[(key, view)] = (fetched_at.timestamp(), data)
        while len(self._memo) > _MEMO_SIZE:
            self._memo.pop(next(iter(self._memo)))

    def _fallback_entry(self, request: Request[Any]) -> CacheEntry | None:
        """The newest entry of ``request`` in any window (see FixturesRequest.window)."""
        if not request.window:
            return None
        pattern = cache_key(request.kind, {k: (ANY if k in request.window else v)
                                           for k, v in request.params().items()})
        return self.store.cache.latest_matching(request.kind, pattern)
