"""The warm: the four critical pages made fresh with the fewest counted calls, as a plan of
typed steps (bookmakers, each league's fixtures and odds, then a prediction per upcoming
fixture), stopping at the first outage and never past the reserve."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..clock import iso_utc
from ..domain.models import Fixture, parse_bookmakers, parse_fixtures, parse_odds, parse_predictions
from ..store.cache import cache_key
from ..supervision import journal
from ..types import WarmSource

if TYPE_CHECKING:
    from .service import Provenance, Service


class Loaded(Protocol):
    """What a warm step reads of a page it loaded."""

    @property
    def data(self) -> Any: ...

    @property
    def provenance(self) -> Provenance: ...


@dataclass(slots=True)
class WarmStep:
    page: str
    label: str
    calls: int = 0
    source: WarmSource = "skipped"
    error: str | None = None
    refetched: str = ""  # why a page still fresh was fetched again ("forced", "since the resume ...")


@dataclass(slots=True)
class WarmReport:
    steps: list[WarmStep] = field(default_factory=list)
    counted_calls: int = 0
    stopped: str | None = None  # why the warm stopped before the end, None when it finished

    @property
    def fetched(self) -> list[WarmStep]:
        return [s for s in self.steps if s.source == "live"]

    @property
    def complete(self) -> bool:
        """Every page fetched now or already fresh, and nothing stopped the warm."""
        return self.stopped is None and all(s.source in ("live", "fresh") for s in self.steps)

    @property
    def summary(self) -> str:
        fresh = sum(1 for s in self.steps if s.source == "fresh")
        text = (f"{len(self.fetched)} page(s) fetched, {fresh} already fresh, "
                f"{self.counted_calls} counted call(s) spent")
        why = sorted({s.refetched for s in self.fetched if s.refetched})
        if why:
            again = sum(1 for s in self.fetched if s.refetched)
            text += f" ({again} refetched though fresh: {'; '.join(why)})"
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


WarmProgress = Callable[[int, int, WarmStep], None]


def step_source(calls: int, loaded: Loaded) -> WarmSource:
    """What a warm step did: fetched, refused, failed, already fresh, or nothing to show."""
    prov = loaded.provenance
    if prov.refused:
        return "refused"
    if calls and prov.source == "live":
        return "live"
    if prov.error:
        return "failed"  # a stale copy may still be served; the fetch did not work
    return "fresh" if loaded.data is not None else "none"


async def warm(service: Service, progress: WarmProgress | None = None, *,
               force: bool = False) -> WarmReport:
    """Make the four critical pages fresh with the fewest counted calls, never past the reserve.

    Fresh entries are not fetched again, except those fetched before the last resume (the
    runbook's closing checklist wants each critical page opened online after it) and,
    with ``force``, all of them; odds come as league-level pages; predictions are one call
    per upcoming fixture (there is no bulk form). Stops at the first outage.
    """
    from .service import ROWS  # the read path's name for "an odds page is its rows"

    report = WarmReport()
    if not service.store_writable():
        report.stopped = f"nothing fetched: {service.store_problem}"
        return report
    # A quota reset that came due while no oddsmon ran is checked (and journaled) first.
    await service.quota_probe_if_due()
    reason = service.machine.gate()
    if reason in ("network", "key") and await service.probe_now():
        reason = None
    if reason is not None:
        report.stopped = f"offline ({reason}): nothing fetched"
        return report
    start_calls = service.counted_calls
    resumed_at = _last_resume(service)
    give_ups = service.api.rate_limit_give_ups
    cache = service.settings.cache
    window = service.window_params()
    service.warm_seasons = report.steps
    try:
        seasons = await service.league_seasons()
    finally:
        service.warm_seasons = None
    known = [ls for ls in seasons if ls.season is not None]
    # The plan up front so progress has a total; predictions join once fixtures are known.
    plan: list[tuple[WarmStep, str, dict[str, str], float, Callable[[Any], Any], bool]] = [
        (WarmStep("bookmakers", "bookmakers"), "/odds/bookmakers", {}, cache.bookmakers_ttl_s,
         parse_bookmakers, False)]
    plan += [(WarmStep("dashboard", f"fixtures league {ls.league}"), "/fixtures",
              service.league_params(ls, window), cache.fixtures_ttl_s,
              parse_fixtures, False) for ls in known]
    plan += [(WarmStep("odds", f"odds league {ls.league}"), "/odds",
              service.league_params(ls), cache.odds_ttl_s, parse_odds, True)
             for ls in known if ls.odds]
    report.steps += [p[0] for p in plan]
    for ls in seasons:
        for what in ("fixtures", "odds", "predictions"):
            why = ls.skip(what)
            if why is not None and (ls.season is not None or what == "fixtures"):
                report.steps.append(WarmStep(what, f"{what} league {ls.league}", 0, "skipped", why))
    no_predictions = service.no_predictions(seasons)
    fixtures: list[Fixture] = []
    done = 0
    # Progress is held back until the predictions are planned (after the fixtures), so
    # every report carries the same total: no "[3/7]" then "[4/12]".
    held: list[tuple[int, WarmStep]] = []
    planned = False
    while done < len(plan):
        step, endpoint, params, ttl, parse, paged = plan[done]
        if service.machine.gate() is not None or service.store_problem is not None:
            break
        before = service.counted_calls
        step.refetched = _refetch_reason(service, cache_key(endpoint, params), resumed_at, force)
        # An odds page's answer is the rows its fetch writes: the warm neither keeps the
        # parsed page (hundreds of MB on a big day) nor reads a fresh one back.
        loaded = await service.load_page(endpoint, params, ttl, parse, paged=paged,
                                  force=bool(step.refetched),
                                  view=ROWS if endpoint == "/odds" else "")
        step.calls = service.counted_calls - before
        step.source = step_source(step.calls, loaded)
        step.error = loaded.provenance.error
        done += 1
        if service.api.rate_limit_give_ups != give_ups:
            # A rate limit that did not lift within the client's bounded retries: the
            # next steps would meet it too, so the warm ends and says why.
            report.stopped = f"rate limited: {step.error}"
            break
        if endpoint == "/fixtures":
            fixtures.extend(loaded.data or [])
            if done == 1 + len(known):
                upcoming = sorted((f for f in fixtures if f.is_upcoming
                                   and f.league_id not in no_predictions),
                                  key=lambda f: (f.kickoff, f.id))
                extra = [(WarmStep("predictions", f"prediction fixture {fx.id}"), "/predictions",
                          {"fixture": str(fx.id)}, cache.predictions_ttl_s,
                          functools.partial(parse_predictions, fixture_id=fx.id), False)
                         for fx in upcoming]
                plan += extra
                report.steps += [p[0] for p in extra]
                planned = True
        held.append((done, step))
        if planned and progress is not None:
            for d, s in held:
                progress(d, len(plan), s)
            held.clear()
    if progress is not None:  # stopped before the plan was whole: the total so far
        for d, s in held:
            progress(d, len(plan), s)
    report.counted_calls = service.counted_calls - start_calls
    if report.stopped is not None:
        pass  # stopped by the loop, which said why
    elif service.machine.gate() is not None:
        report.stopped = _stop_reason(service)
    if service.store_problem is not None:
        report.stopped = f"stopped: {service.store_problem}"
        return report
    service.flush_counters()
    # The runbook's journal lists the warms of an incident (also the one right after it).
    journal.record_action(service.store, service.clock.now(), "warm", report.summary)
    return report

def _last_resume(service: Service) -> datetime | None:
    """When the latest incident ended (None while one is open, or with none recorded)."""
    latest = service.store.incidents.recent(1)
    return latest[0].closed_at if latest else None

def _refetch_reason(service: Service, key: str, resumed_at: datetime | None, force: bool) -> str:
    if force:
        return "forced"
    entry = service.store.cache.get(key)
    if resumed_at is not None and entry is not None and entry.fetched_at < resumed_at:
        return f"fetched before the resume at {iso_utc(resumed_at)}"
    return ""

def _stop_reason(service: Service) -> str:
    view = service.machine.view()
    return f"offline ({view.reason}): {view.detail or 'stopped'}"
