"""The warm: the four critical pages made fresh with the fewest counted calls, as a plan of
typed steps (bookmakers, each league's fixtures, then its odds by league page or fixture by
fixture, whichever is cheaper for its fixtures at hand, the names of the fixtures the odds
cover beyond the window, then a prediction per upcoming fixture), stopping at the first outage
and never past the reserve."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import iso_utc
from ..domain.models import Fixture
from ..providers import (
    BookmakersRequest,
    FixtureOddsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    PredictionRequest,
    Request,
)
from ..supervision import journal
from ..types import WarmSource
from .names import Names
from .page import Page
from .probes import Probes
from .reader import ROWS, Reader
from .requests import OddsRoute, Requests, no_predictions, odds_plan_text


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
    cap: int | None = None  # [warm] max_calls, None with --force
    # Pages the cap left out (never tried), and the kickoff of the nearest prediction among them.
    left_out: list[WarmStep] = field(default_factory=list)
    left_out_from: datetime | None = None
    notes: list[str] = field(default_factory=list)  # what the provider said that was ignored
    odds: list[OddsRoute] = field(default_factory=list)  # how each league's odds were asked for

    @property
    def fetched(self) -> list[WarmStep]:
        return [s for s in self.steps if s.source == "live"]

    @property
    def complete(self) -> bool:
        """Every page fetched now or already fresh, and nothing stopped the warm."""
        return self.stopped is None and not self.left_out and all(s.source in ("live", "fresh") for s in self.steps)

    @property
    def left_out_text(self) -> str | None:
        """What the cap left out and how to get it, or None when nothing was."""
        if not self.left_out:
            return None
        predictions = [s for s in self.left_out if s.page == "predictions"]
        parts = [s.label + (f" (about {s.calls} call(s))" if s.calls else "") for s in self.left_out
                 if s.page != "predictions"]
        if predictions:
            since = f", kickoffs from {iso_utc(self.left_out_from)}" if self.left_out_from else ""
            parts.append(f"{len(predictions):,} prediction(s){since}")
        return (f"left out, over [warm] max_calls = {self.cap}: {', '.join(parts)}; "
                f"oddsmon --warm --force fetches them (or raise [warm] max_calls)")

    @property
    def summary(self) -> str:
        fresh = sum(1 for s in self.steps if s.source == "fresh")
        text = (f"{len(self.fetched)} page(s) fetched, {fresh} already fresh, "
                f"{self.counted_calls} counted call(s) spent")
        why = sorted({s.refetched for s in self.fetched if s.refetched})
        if why:
            again = sum(1 for s in self.fetched if s.refetched)
            text += f" ({again} refetched though fresh: {'; '.join(why)})"
        if self.left_out:
            text += f"; {len(self.left_out):,} page(s) left out over [warm] max_calls = {self.cap}"
        if plan := odds_plan_text(self.odds):
            text += f"; odds: {plan}"
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
        """Make the four critical pages fresh with the fewest counted calls, never past the
        reserve nor, without ``force``, past ``[warm] max_calls``.

        Fresh entries are not fetched again, except those fetched before the last resume (the
        runbook's closing checklist wants each critical page opened online after it) and,
        with ``force``, all of them; each league's odds come by its league page or fixture by
        fixture, whichever takes fewer calls for its fixtures at hand (``Requests.odds_route``);
        predictions are one call per upcoming fixture (there is no bulk form), nearest kickoff
        first, as many as the cap leaves room for. Stops at the first outage.
        """
        cap = None if force else self.settings.warm.max_calls
        provider = self.reader.provider
        if cap is None:
            return await self._warm(progress, force, None)
        start = provider.spent
        # The cap holds whatever a step costs (a league's odds may take more pages than its
        # last fetch did): past it, nothing more is sent.
        provider.limit_counted(lambda: provider.spent - start < cap)
        try:
            return await self._warm(progress, force, cap)
        finally:
            provider.limit_counted(None)

    async def _warm(self, progress: WarmProgress | None, force: bool, cap: int | None) -> WarmReport:
        reader, provider = self.reader, self.reader.provider
        report = WarmReport(cap=cap)
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
        notes_before = len(provider.notes)
        resumed_at = self._last_resume()
        give_ups = provider.rate_limit_give_ups

        def season_step(league: int, calls: int, loaded: Page[Any]) -> None:
            step = WarmStep("dashboard", f"season league {league}", calls)
            step.source, step.error = step_source(calls, loaded), loaded.provenance.error
            report.steps.append(step)

        seasons = await self.requests.league_seasons(season_step)
        known = [ls for ls in seasons if ls.season is not None]
        # The plan up front so progress has a total; the odds (by league page or by fixture)
        # join once the fixtures are known, the names of what the odds cover and the
        # predictions once the odds are.
        plan: list[tuple[WarmStep, Request[Any]]] = [(WarmStep("bookmakers", "bookmakers"), BookmakersRequest())]
        plan += [(WarmStep("dashboard", f"fixtures league {ls.league}"), self.requests.fixtures(ls))
                 for ls in known]
        report.steps += [p[0] for p in plan]
        for ls in seasons:
            for what in ("fixtures", "odds", "predictions"):
                why = ls.skip(what)
                if why is not None and (ls.season is not None or what == "fixtures"):
                    report.steps.append(WarmStep(what, f"{what} league {ls.league}", 0, "skipped", why))
        skipped = no_predictions(seasons)
        fixtures: list[Fixture] = []
        in_window: dict[int, list[Fixture]] = {}  # each league's fixtures, when its page read
        done = 0
        # Progress is held back until the predictions (after the fixtures) and the names (after
        # the odds) are planned, so every report carries the same total: no "[3/7]" then "[4/12]".
        held: list[tuple[int, WarmStep]] = []
        predicted = named = planned = odds_planned = False
        while True:
            if not odds_planned and not any(isinstance(r, FixturesRequest) for _, r in plan[done:]):
                # Every fixture is known: each league's odds the cheaper way for its fixtures at hand.
                report.odds = [self.requests.odds_route(ls, in_window.get(ls.league),
                                                        refetch=lambda key: bool(
                                                            self._refetch_reason(key, resumed_at, force)))
                               for ls in known if ls.odds]
                odds = self._odds_steps(report.odds)
                plan[done:done] = odds
                report.steps += [step for step, _ in odds]
                odds_planned = True
            if not predicted and not any(isinstance(r, FixturesRequest) for _, r in plan[done:]):
                # Every fixture is known: the predictions join, nearest kickoff first, as many
                # as the cap leaves room for once the pages still ahead are paid for.
                room = None
                if cap is not None:
                    room = cap - (provider.spent - start_calls)
                    for _, ahead in plan[done:]:  # what they will take (a page over the cap won't)
                        cost = self._cost(ahead, self._refetch_reason(ahead.key, resumed_at, force), fixtures)
                        room -= cost if cost <= room else 0
                extra = self._predictions(fixtures, skipped, room, resumed_at, force, report)
                plan += extra
                report.steps += [p[0] for p in extra]
                predicted = True
            if odds_planned and not named and not any(isinstance(r, LeagueOddsRequest | FixtureOddsRequest)
                                                      for _, r in plan[done:]):
                # The odds are read: the fixtures they price beyond the window are named next,
                # ahead of the predictions (a page the cap cannot pay for is left out below).
                self._plan_names(plan, done, report)
                named = True
            planned = predicted and named
            if done >= len(plan):
                break
            step, request = plan[done]
            if self.machine.gate() is not None or reader.store_problem is not None:
                break
            before = provider.spent
            step.refetched = self._refetch_reason(request.key, resumed_at, force)
            cost = self._cost(request, step.refetched, fixtures)
            if cap is not None and cost and before - start_calls + cost > cap:
                # Over the cap: never tried, named in the report (a later, cheaper page may fit).
                step.calls, step.error = cost, f"left out: about {cost} call(s), over [warm] max_calls = {cap}"
                report.left_out.append(step)
                report.steps.remove(step)
                del plan[done]
                continue
            # An odds page's answer is the rows its fetch writes: the warm neither keeps the
            # parsed page (hundreds of MB on a big day) nor reads a fresh one back.
            loaded = await reader.read(request, force=bool(step.refetched),
                                       view=ROWS if isinstance(request, LeagueOddsRequest | FixtureOddsRequest) else None)
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
                if loaded.data is not None:
                    in_window[request.league] = loaded.data
            held.append((done, step))
            if planned and progress is not None:
                for d, s in held:
                    progress(d, len(plan), s)
                held.clear()
        if progress is not None:  # stopped before the plan was whole: the total so far
            for d, s in held:
                progress(d, len(plan), s)
        report.counted_calls = provider.spent - start_calls
        report.notes = provider.notes[notes_before:]
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

    @staticmethod
    def _odds_steps(routes: list[OddsRoute]) -> list[tuple[WarmStep, Request[Any]]]:
        """Each league's odds as its route asks for them: its league page, or its fixtures at
        hand, nearest kickoff first."""
        steps: list[tuple[WarmStep, Request[Any]]] = []
        for route in routes:
            if route.per_fixture:
                steps += [(WarmStep("odds", f"odds fixture {r.fixture} (league {route.league})"), r)
                          for r in route.at_hand]
            else:
                steps.append((WarmStep("odds", f"odds league {route.league}"), route.page))
        return steps

    def _plan_names(self, plan: list[tuple[WarmStep, Request[Any]]], at: int, report: WarmReport) -> None:
        """Put the requests naming every priced fixture nothing names yet at ``plan[at]``, and
        their steps before the predictions' in ``report``."""
        names: list[tuple[WarmStep, Request[Any]]] = [
            (WarmStep("dashboard", f"names of fixtures {batch.ids[0]}-{batch.ids[-1]} "
                                   f"({len(batch.ids)}, priced beyond the window)"), batch)
            for batch in self.names.missing()]
        plan[at:at] = names
        first = next((report.steps.index(s) for s, r in plan[at + len(names):]
                      if isinstance(r, PredictionRequest)), len(report.steps))
        report.steps[first:first] = [step for step, _ in names]

    def _predictions(self, fixtures: list[Fixture], skipped: Collection[int], room: int | None,
                     resumed_at: datetime | None, force: bool,
                     report: WarmReport) -> list[tuple[WarmStep, Request[Any]]]:
        """A prediction per upcoming fixture, nearest kickoff first, within ``room`` counted
        calls (None: no cap); those that do not fit go to ``report.left_out``."""
        upcoming = sorted((f for f in fixtures if f.is_upcoming and f.league_id not in skipped),
                          key=lambda f: (f.kickoff, f.id))
        planned: list[tuple[WarmStep, Request[Any]]] = []
        for fx in upcoming:
            step, request = WarmStep("predictions", f"prediction fixture {fx.id}"), PredictionRequest(fx.id)
            if room is not None:
                cost = self._cost(request, self._refetch_reason(request.key, resumed_at, force), fixtures)
                if cost > room:
                    step.calls = cost
                    report.left_out.append(step)
                    report.left_out_from = report.left_out_from or fx.kickoff
                    room = 0  # nearest kickoff first: the rest wait for another warm
                    continue
                room -= cost
            planned.append((step, request))
        return planned

    def _cost(self, request: Request[Any], refetched: str, fixtures: list[Fixture]) -> int:
        """Counted calls reading ``request`` is expected to take now: none while its entry is
        fresh (and not to be fetched again), a league's odds a call per page of its last
        answer (or of its fixtures in the window, never fetched yet), one otherwise."""
        entry = self.store.cache.get(request.key, body=False)
        if entry is not None and not refetched and entry.fresh_at(self.clock.now()):
            return 0
        if isinstance(request, LeagueOddsRequest):
            items = self.store.cache.results(request.key) if entry is not None else None
            if items is None:
                items = self.requests.page_items(sum(1 for f in fixtures if f.league_id == request.league))
            return self.reader.provider.refresh_calls(request, items)
        return 1

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
