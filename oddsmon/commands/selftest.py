"""The runbook's "quick functional tests" for an installed oddsmon (``oddsmon --selftest`` and the
Supervision screen's ``t`` key).

Checks, each timed:

1. ``config``: the configuration loads (it did, or the command would have exited 2).
2. ``store``: the shared store opens as an oddsmon store and passes ``PRAGMA integrity_check``.
3. ``pages``: the four critical pages (Predictions, Bookmakers, Odds, Dashboard) are served
   and parsed from the cache alone: a read-only connection, a machine that keeps every request
   in, nothing written (not even hit counters).
4. ``simulator``: a round trip through the in-process API simulator (throwaway store): a
   ``/status`` probe, then bookmakers and the first watched league's odds (its next day) fetched
   live, then read back from the cache. It exercises the client, the envelope, the quota headers
   and the parsers, on real-size bodies, without spending a single call of the real quota.
5. ``journal``: the incident journal is oddsmon's format and writable.

The result (ok, time, each check) is recorded in the store (meta ``selftest.last``) so that
``--check`` reports the checklist item "quick functional tests", and as an action of the
current (or just closed) incident in the journal. ``oddsmon --selftest`` prints each check and
exits 0 when all passed, else 1.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..clock import Clock, SystemClock
from ..config import Settings
from ..store import Store, StoreError
from ..supervision.common import EXIT_FAIL, EXIT_OK, StateUnreadable, SupervisionError, iso, open_existing
from ..supervision.health import META_SELFTEST


@dataclass(slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    duration_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail,
                "duration_ms": round(self.duration_ms, 1)}


async def _timed(name: str, fn: Callable[[], Awaitable[str]]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = await fn()
        ok = True
    except Exception as exc:  # noqa: BLE001 - every failure is a result, never a crash
        ok, detail = False, str(exc) or type(exc).__name__
    return CheckResult(name, ok, detail, (time.perf_counter() - started) * 1000)


def _cache_only_service(settings: Settings, store: Store, clock: Clock) -> Any:
    """A Service that can only read the cache: every request is held back, nothing written."""
    import httpx

    from ..config import Secret
    from ..engine.service import Service
    from ..offline import OfflineMachine
    from ..providers import connect
    from ..types import Reason

    class _Sealed(OfflineMachine):
        def gate(self) -> Reason | None:
            return "user"

        def go_offline(self, reason: Reason, detail: str | None = None) -> bool:
            return False

        def note_quota(self, remaining: int | None, reserve: int) -> bool:
            return False

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("selftest: no request may leave", request=request)

    machine = _Sealed(store, clock, settings.supervision)
    provider = connect(settings.api, Secret("selftest-no-key"), store.ledger, clock,
                       transport=httpx.MockTransport(refuse), gate=machine.gate)
    # The store is open read-only: the service's counters are never written (engine/reader.py).
    return Service(settings, store, machine, provider, clock)


async def _pages(settings: Settings, clock: Clock) -> str:
    store = open_existing(settings)  # read-only
    try:
        service = _cache_only_service(settings, store, clock)
        try:
            parts = []
            problems = []
            for name, load, count in (
                ("predictions", service.predictions, lambda d: f"{len(d)} predictions"),
                ("bookmakers", service.bookmakers, lambda d: f"{len(d)} bookmakers"),
                ("odds", service.odds, lambda d: f"odds for {len(d)} fixtures"),
                ("dashboard", service.dashboard,
                 lambda d: f"dashboard of {len(d.fixtures)} fixtures"),
            ):
                page = await load()
                if page.data is None:
                    why = page.provenance.error or "never cached"
                    problems.append(f"{name}: {why}")
                else:
                    age = page.provenance.age_s
                    parts.append(f"{count(page.data)}"
                                 + (f" ({age / 60:.0f} min old)" if age is not None else ""))
        finally:
            await service.provider.aclose()
    finally:
        store.close()
    if problems:
        raise RuntimeError("; ".join(problems) + " (oddsmon --warm fills the cache)")
    return ", ".join(parts)


async def _simulator(settings: Settings) -> str:
    from dataclasses import replace

    from ..config import CacheSettings
    from ..engine.runtime import build_engine

    # Default time-to-lives: a config with 0 s (always refetch) must not defeat the read-back.
    # One league's next day is the whole round trip on real-size bodies: every watched league
    # over the whole window took 4 s of CPU for no more proof.
    watch = replace(settings.watch, leagues=settings.watch.leagues[:1],
                    days_ahead=min(1, settings.watch.days_ahead))
    engine = build_engine(replace(settings, cache=CacheSettings(), watch=watch), demo=True)
    try:
        service = engine.service
        await service.provider.status()
        books = await service.bookmakers(force=True)
        odds = await service.odds(force=True)
        if books.data is None or books.provenance.source != "live":
            raise RuntimeError(f"bookmakers not fetched live: {books.provenance.error}")
        if odds.data is None or odds.provenance.source != "live":
            raise RuntimeError(f"odds not fetched live: {odds.provenance.error}")
        again = await service.bookmakers()
        if again.provenance.source != "cache":
            raise RuntimeError("bookmakers were not served from the cache on the second read")
        calls = service.counted_calls
    finally:
        await engine.aclose()
    return (f"/status ok, {len(books.data)} bookmakers and odds for {len(odds.data)} fixtures "
            f"fetched live ({calls} simulated calls), cache read back")


async def run_checks(settings: Settings, clock: Clock) -> list[CheckResult]:
    from ..supervision import journal

    async def config() -> str:
        return f"loaded from {settings.source}" if settings.source else "built-in defaults"

    async def store() -> str:
        s = open_existing(settings)
        try:
            result = s.integrity_check()
            entries, _ = s.cache.stats()
            where = s.health().where
        finally:
            s.close()
        if result != "ok":
            raise RuntimeError(f"{where}: integrity_check: {result}")
        return f"{where}: integrity_check ok, {entries} cache entries"

    async def journal_ok() -> str:
        journal.check_usable(settings.paths.incidents)
        return f"{settings.paths.incidents}: oddsmon's format, writable"

    results = [await _timed("config", config), await _timed("store", store)]
    if results[1].ok:
        results.append(await _timed("pages", lambda: _pages(settings, clock)))
    else:
        results.append(CheckResult("pages", False, "skipped: the store is unusable", 0.0))
    results.append(await _timed("simulator", lambda: _simulator(settings)))
    results.append(await _timed("journal", journal_ok))
    return results


@dataclass(slots=True)
class Outcome:
    ok: bool
    summary: str
    results: list[CheckResult]
    problem: str | None = None  # why the result could not be recorded


def perform(settings: Settings, clock: Clock) -> Outcome:
    """Run the checks and record the result (store, journal): ``--selftest`` and the
    Supervision screen's ``t`` key share it."""
    from ..supervision import journal

    started_at = clock.now()
    started = time.perf_counter()
    results = asyncio.run(run_checks(settings, clock))
    took = time.perf_counter() - started
    ok = all(r.ok for r in results)
    passed = sum(r.ok for r in results)
    summary = f"selftest {'passed' if ok else 'FAILED'}: {passed}/{len(results)} checks in {took:.1f} s"
    record = json.dumps({"at": iso(started_at), "ok": ok, "duration_s": round(took, 3),
                         "checks": [r.as_dict() for r in results]})
    try:
        store = open_existing(settings, writable=True)
    except StateUnreadable as exc:
        return Outcome(ok, summary, results, f"result not recorded: {exc}")
    try:
        store.ledger.set_meta(META_SELFTEST, record)
        failed = ", ".join(r.name for r in results if not r.ok)
        journal.record_action(store, clock.now(), "selftest",
                              summary + (f" (failed: {failed})" if failed else ""))
        if results[-1].ok:
            journal.sync(store, settings)
    except (SupervisionError, StoreError) as exc:
        return Outcome(ok, summary, results, str(exc))
    finally:
        store.close()
    return Outcome(ok, summary, results)


def run(settings: Settings, clock: Clock | None = None) -> int:
    """``oddsmon --selftest``: run, print, record; exit 0 when every check passed, else 1."""
    outcome = perform(settings, clock or SystemClock())
    for r in outcome.results:
        print(f"  [{'ok' if r.ok else 'FAIL'}] {r.name:<10} {r.detail} ({r.duration_ms:.0f} ms)")
    print(outcome.summary)
    if outcome.problem is not None:
        print(f"oddsmon: {outcome.problem}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK if outcome.ok else EXIT_FAIL
