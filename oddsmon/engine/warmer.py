"""The warm: the four critical pages made fresh with the fewest counted calls, as a plan of
typed steps (bookmakers, each league's fixtures and odds, the names of the fixtures the odds
cover beyond the window, then a prediction per upcoming fixture), stopping at the first outage
and never past the reserve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import iso_utc
from ..domain.models import Fixture
from ..providers import BookmakersRequest, FixturesRequest, LeagueOddsRequest, PredictionRequest, Request
from ..supervision import journal
from ..types import WarmSource
from .names import Names
from .page import Page
from .probes import Probes
from .reader import ROWS, Reader
from .requests import Requests, no_predictions


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


def step_source(calls: int, loaded: Page[Any]) -> WarmSource:
    """What a warm step did: fetched, refused, failed, already fresh, or nothing to show."""
    prov = loaded.provenance
    if prov.refused:
        return "refused"
    if calls and prov.source == "live":
        return "live"
    if prov.error:
        return "failed"  # a stale copy may still be served; the fetch did not work
    return "fresh" if loaded.data is not None else "none"


class Warmer:
    """The warm over the read path: it reads what a page reads, and stops where it would."""

    def __init__(self, reader: Reader, requests: Requests, probes: Probes, names: Names) -> None:
        self.reader = reader
        self.requests = requests
        self.probes = probes
        self.names = names
        self.settings = reader.settings
        self.store = reader.store
        self.machine = reader.machine
        self.clock = reader.clock

    async def warm(self, progress: WarmProgress | None = None, *, force: bool = False) -> WarmReport:
        """Make the four critical pages fresh with the fewest counted calls, never past the reserve.

        Fresh entries are not fetched again, except those fetched before the last resume (the
        runbook's closing checklist wants each critical page opened online after it) and,
        with ``force``, all of them; odds come as league-level pages; predictions are one call
        per upcoming fixture (there is no bulk form). Stops at the first outage.
        """
        reader, provider = self.reader, self.reader.provider
        report = WarmReport()
        if not reader.store_writable():
            report.stopped = f"nothing fetched: {reader.store_problem}"
            return report
        # A quota reset that came due while no oddsmon ran is checked (and journaled) first.
        await self.probes.quota_probe_if_due()
        reason = self.machine.gate()
        if reason in ("network", "key") and await self.probes.probe_now():
            reason = None
        if reason is not None:
            report.stopped = f"offline ({reason}): nothing fetched"
            return report
        start_calls = provider.spent
        resumed_at = self._last_resume()
        give_ups = provider.rate_limit_give_ups

        def season_step(league: int, calls: int, loaded: Page[Any]) -> None:
            step = WarmStep("dashboard", f"season league {league}", calls)
            step.source, step.error = step_source(calls, loaded), loaded.provenance.error
            report.steps.append(step)

        seasons = await self.requests.league_seasons(season_step)
        known = [ls for ls in seasons if ls.season is not None]
        # The plan up front so progress has a total; the names of what the odds cover and the
        # predictions join once the fixtures and odds are known.
        plan: list[tuple[WarmStep, Request[Any]]] = [(WarmStep("bookmakers", "bookmakers"), BookmakersRequest())]
        plan += [(WarmStep("dashboard", f"fixtures league {ls.league}"), self.requests.fixtures(ls))
                 for ls in known]
        plan += [(WarmStep("odds", f"odds league {ls.league}"), self.requests.odds(ls))
                 for ls in known if ls.odds]
        planned_at = len(plan)  # the step after which the rest is planned
        report.steps += [p[0] for p in plan]
        for ls in seasons:
            for what in ("fixtures", "odds", "predictions"):
                why = ls.skip(what)
                if why is not None and (ls.season is not None or what == "fixtures"):
                    report.steps.append(WarmStep(what, f"{what} league {ls.league}", 0, "skipped", why))
        skipped = no_predictions(seasons)
        fixtures: list[Fixture] = []
        done = 0
        # Progress is held back until the predictions are planned (after the fixtures), so
        # every report carries the same total: no "[3/7]" then "[4/12]".
        held: list[tuple[int, WarmStep]] = []
        planned = False
        while done < len(plan):
            step, request = plan[done]
            if self.machine.gate() is not None or reader.store_problem is not None:
                break
            before = provider.spent
            step.refetched = self._refetch_reason(request.key, resumed_at, force)
            # An odds page's answer is the rows its fetch writes: the warm neither keeps the
            # parsed page (hundreds of MB on a big day) nor reads a fresh one back.
            loaded = await reader.read(request, force=bool(step.refetched),
                                       view=ROWS if isinstance(request, LeagueOddsRequest) else None)
            step.calls = provider.spent - before
            step.source = step_source(step.calls, loaded)
            step.error = loaded.provenance.error
            done += 1
            if provider.rate_limit_give_ups != give_ups:
                # A rate limit that did not lift within the client's bounded retries: the
                # next steps would meet it too, so the warm ends and says why.
                report.stopped = f"rate limited: {step.error}"
                break
            if isinstance(request, FixturesRequest):
                fixtures.extend(loaded.data or [])
            if done == planned_at:
                upcoming = sorted((f for f in fixtures if f.is_upcoming and f.league_id not in skipped),
                                  key=lambda f: (f.kickoff, f.id))
                extra: list[tuple[WarmStep, Request[Any]]] = [
                    (WarmStep("dashboard", f"names of fixtures {batch.ids[0]}-{batch.ids[-1]} "
                                           f"({len(batch.ids)}, priced beyond the window)"), batch)
                    for batch in self.names.missing()]
                extra += [(WarmStep("predictions", f"prediction fixture {fx.id}"), PredictionRequest(fx.id))
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
        report.counted_calls = provider.spent - start_calls
        if report.stopped is None and self.machine.gate() is not None:
            view = self.machine.view()
            report.stopped = f"offline ({view.reason}): {view.detail or 'stopped'}"
        if reader.store_problem is not None:
            report.stopped = f"stopped: {reader.store_problem}"
            return report
        reader.flush_counters()
        # The runbook's journal lists the warms of an incident (also the one right after it).
        journal.record_action(self.store, self.clock.now(), "warm", report.summary)
        return report

    def _last_resume(self) -> datetime | None:
        """When the latest incident ended (None while one is open, or with none recorded)."""
        latest = self.store.incidents.recent(1)
        return latest[0].closed_at if latest else None

    def _refetch_reason(self, key: str, resumed_at: datetime | None, force: bool) -> str:
        if force:
            return "forced"
        entry = self.store.cache.get(key)
        if resumed_at is not None and entry is not None and entry.fetched_at < resumed_at:
            return f"fetched before the resume at {iso_utc(resumed_at)}"
        return ""
