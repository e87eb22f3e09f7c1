"""Reading one page through the cache: served, refreshed, or explained.

Online and fresh -> cache; expired -> fetch, and if the fetch fails serve the stale entry and go
offline; offline -> cache only, and a page never cached says so plainly. Every answer carries
its provenance. What a fetch brings is recorded (engine/recorder.py) before it is answered.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ..api import ApiClient, ApiError, Offline, ProviderError
from ..clock import Clock
from ..config import Settings
from ..domain.models import Fixture, ParseError
from ..offline import OfflineMachine
from ..store import COLLECTOR_LEASE, CacheEntry, Store, StoreWriteError, cache_key
from ..store.cache import ANY
from ..types import Reason
from .page import Page, Provenance
from .recorder import Recorder, gc_paused

T = TypeVar("T")

# Set by Reader.cache_only(): reads answer from any cached copy, fresh or not, without the
# network; the context travels with the coroutines a screen hands to the engine's loop.
_CACHE_ONLY: ContextVar[bool] = ContextVar("oddsmon_cache_only", default=False)

_COUNTER_FLUSH_S = 1.0
_REOPEN_EVERY_S = 5.0
_MEMO_SIZE = 64
# A load view whose answer is the rows its fetch wrote (odds_latest, odds_fixtures,
# odds_books): the cached body is neither read nor parsed, only its provenance is.
ROWS = "rows"


class _FetchFailed(Exception):
    """A fetch that did not work: the offline reason it caused (if any) and what happened."""

    def __init__(self, reason: Reason | None, error: str, *, refused: bool = False) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error
        self.refused = refused


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

    def __init__(self, settings: Settings, store: Store, machine: OfflineMachine, api: ApiClient,
                 clock: Clock, recorder: Recorder) -> None:
        self.settings = settings
        self.store = store
        self.machine = machine
        self.api = api
        self.clock = clock
        self.recorder = recorder
        self._pending: dict[str, int] = {}
        self._cache_reads: list[tuple[datetime, str, float]] = []
        # Set while the store cannot be written (disk full, read-only): pages are then served
        # from the cache and nothing is fetched, since nothing fetched could be kept.
        self.store_problem: str | None = store.db.report.message() if store.db.read_only else None
        self._last_flush = clock.monotonic()
        self._reopen_tried = float("-inf")
        self._memo: dict[tuple[str, str], tuple[float, Any]] = {}
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
        if self.store.db.read_only and not self.store.db.degraded:
            # Opened read-only on purpose (--selftest's cache read): nothing is ever written.
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
        """After a write failed: try one small real write to see whether it works again."""
        if self.store_problem is None:
            return True
        if self.store.db.read_only:
            # Opened read-only because the disk was full or failing: reopen for writing once
            # it allows it (a reopen costs a quick_check, hence the pause between tries).
            now = self.clock.monotonic()
            if not self.store.db.degraded or now - self._reopen_tried < _REOPEN_EVERY_S:
                return False
            self._reopen_tried = now
            if not self.store.db.reopen_writable():
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

    def collector_elsewhere(self) -> bool:
        """A collector runs (in another process) and this one defers to it."""
        if not self.defer_to_collector:
            return False
        return self.store.collector.holder(COLLECTOR_LEASE) is not None

    # -- the read path -------------------------------------------------------------------------

    async def load(self, endpoint: str, params: Mapping[str, str | int], ttl_s: float,
                   parse: Callable[[Any], Any], *, force: bool = False, paged: bool = False,
                   fallback: Mapping[str, str] | None = None, view: str = "") -> Page[Any]:
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
            return self.from_cache(entry, parse, now, reason, None, view)
        if not self.store_writable():
            return self._unwritable(entry, key, parse, now, reason, view)
        if reason is None and self.collector_elsewhere():
            # The collector keeps the cache current within its budget: even the refresh key
            # reads what it recorded.
            entry = entry or (self._fallback_entry(endpoint, clean, fallback) if fallback else None)
            if entry is None:
                return Page(None, Provenance("none", None, None, False, None,
                                             "not collected yet (a collector runs)", (key,)))
            return self.from_cache(entry, parse, now, None, None, view)
        if entry is not None and not force and (reason is not None or entry.fresh_at(now)):
            loaded = self.from_cache(entry, parse, now, reason, None, view)
            self._cache_reads.append((now, endpoint, (self.clock.monotonic() - started) * 1000))
            self._count("hits")
            return loaded
        self._count("misses")
        if reason is None:
            try:
                return await self._fetch(endpoint, clean, key, ttl_s, parse, paged, view, now)
            except StoreWriteError as exc:
                self.store_problem = str(exc)
                return self._unwritable(entry, key, parse, now, reason, view)
            except _FetchFailed as failed:
                reason, error = failed.reason, failed.error
                if failed.refused:
                    return Page(None, Provenance("live", now, 0.0, False, None, error, refused=True))
        else:
            error = None
        if entry is None and fallback:
            entry = self._fallback_entry(endpoint, clean, fallback)
        if entry is not None:
            return self.from_cache(entry, parse, now, reason, error, view)
        return Page(None, Provenance("none", None, None, False, reason, error, (key,)))

    def peek(self, endpoint: str, params: Mapping[str, str],
             parse: Callable[[Any], T]) -> tuple[T | None, CacheEntry | None]:
        """What the cache holds for a request, parsed, and its entry; sends nothing."""
        entry = self.store.cache.get(cache_key(endpoint, params))
        if entry is None:
            return None, None
        return self.from_cache(entry, parse, self.clock.now(), None, None, "").data, entry

    def _unwritable(self, entry: CacheEntry | None, key: str, parse: Callable[[Any], Any],
                    now: datetime, reason: Reason | None, view: str) -> Page[Any]:
        # Nothing fetched could be kept, and every fetch would be paid for again: serve the
        # cache and say why it is not refreshed.
        error = f"not refreshed: {self.store_problem}"
        if entry is None:
            return Page(None, Provenance("none", None, None, False, reason, error, (key,)))
        return self.from_cache(entry, parse, now, reason, error, view)

    async def _fetch(self, endpoint: str, clean: dict[str, str], key: str, ttl_s: float,
                     parse: Callable[[Any], Any], paged: bool, view: str, now: datetime) -> Page[Any]:
        """Fetch, parse and keep one entry. A failed fetch raises _FetchFailed (after going
        offline when it is an outage); a store that cannot be written raises StoreWriteError."""
        # A league's odds are stored page by page as they arrive (rows, history, one entry per
        # fixture), so a big league is never held whole; the league entry keeps its Match
        # Winner part, all the Dashboard reads (the rest is in the fixtures' entries).
        keep = self.recorder.odds_page_keeper(clean, now) if paged and endpoint == "/odds" else None
        try:
            fetched = await (self.api.get_all_pages(endpoint, clean, keep) if paged
                             else self.api.get(endpoint, clean))
            with gc_paused():
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
            self.recorder.odds_arrived(data if keep is None else None, now)
        elif endpoint == "/odds/live":
            self.recorder.record_live(data, now)
        return Page(data, Provenance("live", now, 0.0, False, expires_at=stored.expires_at))

    def from_cache(self, entry: CacheEntry, parse: Callable[[Any], Any], now: datetime,
                   reason: Reason | None, error: str | None, view: str) -> Page[Any]:
        """A cached entry as an answer (parsed once per fetch: re-reads hit the memo)."""
        prov = Provenance("cache", entry.fetched_at, (now - entry.fetched_at).total_seconds(),
                          not entry.fresh_at(now), reason, error, expires_at=entry.expires_at)
        if view == ROWS and not entry.body and not self.store.history.carried_by(entry.key):
            # No row came from this page: an empty answer or a kept refusal, both small.
            entry = self.store.cache.get(entry.key) or entry
        # A memoised parse is never a refusal (refusals are not memoised): an unchanged entry
        # is answered before its body is scanned, which on a big odds page costs a pass over MBs.
        memo = self._memo.get((entry.key, view))
        if memo is not None and memo[0] == entry.fetched_at.timestamp():
            return Page(memo[1], prov)
        refusal = _refusal(entry.body)
        if refusal is not None:
            return Page(None, replace(prov, refused=True,
                                      error=_refusal_text(refusal, entry.expires_at)))
        if view == ROWS:
            return Page(True, prov)
        try:
            with gc_paused():
                data = parse(json.loads(entry.body).get("response"))
        except (ValueError, AttributeError, ParseError) as exc:
            # A cached body that no longer parses (an older oddsmon wrote it, or a bug) is
            # treated as never cached rather than crashing the page.
            return Page(None, Provenance("none", None, None, False, reason,
                                         f"cached {entry.endpoint} is unreadable: {exc}", (entry.key,)))
        self._memo_put(entry.key, view, entry.fetched_at, data)
        return Page(data, prov)

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
