"""The collector's cycle: supervise, plan within the budget, fetch, alert, report.

It takes its clock injected (tests run a day on a fake clock without sleeping), sends nothing
while offline and resumes by itself when the offline machine says so. The loop that runs the
cycles under the store's ``collector`` lease (one per host), with the signals that stop it,
is ``oddsmon --collect``'s: commands/collect.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, get_args

from ..budget import budget_day, daily_budget, left_today
from ..clock import iso_utc
from ..engine.requests import OddsRoute
from ..engine.service import Service
from ..offline import KEY_FIX, ModeView
from ..providers import BookmakersRequest, LiveOddsRequest, PredictionRequest, Request
from ..store import COLLECTOR_LEASE, CollectorStatus
from ..types import Source
from .scheduler import URGENT, Cadence, Known, Plan, Task, Watched, plan

# Kinds whose answer changes what is due: a season makes its league's requests possible, new
# fixtures bring closing prices, a fresh live list the in-play odds.
_REPLAN = frozenset({"seasons", "fixtures", "live_fixtures"})
# A task's outcome when it went well: where its answer came from (else the error's words).
_SOURCES = frozenset(get_args(Source))


@dataclass(slots=True)
class CycleReport:
    at: datetime
    offline: str | None = None  # the offline reason when nothing could be sent, or met mid-cycle
    mode: ModeView | None = None  # the outage as the cycle ended: since when, next probe, why
    budget: int | None = None
    left: int = 0
    ran: list[tuple[Task, int, str]] = field(default_factory=list)  # task, counted calls, outcome
    deferred: int = 0
    next_due: datetime | None = None
    model: str | None = None  # why ``[model] file`` could not be read again, if it could not
    odds_plan: list[str] = field(default_factory=list)  # how each league's odds were asked for, and why

    @property
    def calls(self) -> int:
        return sum(n for _, n, _ in self.ran)

    def summary(self) -> str:
        text = self._sent()
        if self.odds_plan:
            text += f"; odds: {'; '.join(self.odds_plan)}"
        return f"{text}; {self.model}" if self.model else text

    def _sent(self) -> str:
        if self.offline and not self.ran:
            return self.outage()
        by_kind: dict[str, int] = {}
        for task, n, _ in self.ran:
            by_kind[task.kind] = by_kind.get(task.kind, 0) + n
        spent = ", ".join(f"{k} {n}" for k, n in by_kind.items() if n) or ("none" if self.ran else "nothing due")
        text = (f"{self.calls} counted call(s) ({spent}); {self.left} left of a budget of "
                f"{'?' if self.budget is None else self.budget} today; {self.deferred} deferred")
        if self.offline:
            # The cycle met an outage: what it did not run waits for the resume.
            outage = "" if self.mode is None else f"; {self.outage()}"  # since when, next probe
            return (f"{text}; went offline ({self.offline}) at {self.ran[-1][0].label}: the rest "
                    f"waits for the resume{outage}")
        failed = [(task, outcome) for task, _, outcome in self.ran if outcome not in _SOURCES]
        if failed:  # an error is said as one, not folded into a count
            task, outcome = failed[0]
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            text += f"; {len(failed)} not fetched: {task.label}: {outcome}{more}"
        return text

    def outage(self) -> str:
        """The outage in one line: what it is, that nothing but free probes is sent, when the
        next one goes, and for a refused key, what the operator does."""
        text = f"offline ({self.offline}): nothing sent"
        m = self.mode
        if m is None:
            return text
        if m.since is not None:
            text = f"offline ({self.offline}) since {iso_utc(m.since)}: nothing sent"
        if m.detail:
            text += f" ({m.detail})"
        if m.next_probe_at is not None:
            text += f"; next free /status probe {iso_utc(m.next_probe_at)}"
        if self.offline == "key":
            text += f"; to do: {KEY_FIX}"
        return text


class Collector:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.store = service.store
        self.clock = service.clock
        self.settings = service.settings
        self.pid = os.getpid()
        self._cycle_allowance = 0
        self._cycle_start = 0
        self._pages_memo: dict[str, tuple[datetime, int]] = {}
        # The calls spent when the value bets were last worked out: a cycle that fetched nothing
        # (offline, or nothing due) stored no odds, so it has nothing new to scan. None: not yet.
        self._scanned_at_calls: int | None = None
        self.service.provider.limit_counted(self._allow)

    # -- budget ----------------------------------------------------------------------------------

    def _allow(self) -> bool:
        return self.service.counted_calls - self._cycle_start < self._cycle_allowance

    def budget(self) -> tuple[int | None, int]:
        """(today's budget, calls left of it)."""
        now = self.clock.now()
        quota = self.store.ledger.quota()
        reserve = self.settings.api.daily_reserve
        budget = daily_budget(self.settings.collect.daily_budget, quota.daily_limit, reserve)
        if budget is None:
            return None, 0
        spent = sum(self.store.collector.spend(budget_day(now, quota.reset_offset_s)).values())
        return budget, left_today(budget, spent, quota.remaining_at(now), reserve)

    def _day(self) -> date:
        """Today's quota day, which the collector's spend is counted against."""
        return budget_day(self.clock.now(), self.store.ledger.quota().reset_offset_s)

    def routine_left(self) -> int:
        """Routine refreshes may take half of the day's budget; the rest is for what cannot
        wait (closing prices, matches in play)."""
        budget, _ = self.budget()
        if budget is None:
            return 0
        spent = self.store.collector.spend(self._day())
        return max(0, budget // 2 - sum(n for kind, n in spent.items() if kind not in URGENT))

    # -- what is known ---------------------------------------------------------------------------

    def cadence(self) -> Cadence:
        cache, collect = self.settings.cache, self.settings.collect
        return Cadence(fixtures_s=cache.fixtures_ttl_s, odds_s=cache.odds_ttl_s,
                       bookmakers_s=cache.bookmakers_ttl_s, live_s=collect.live_ttl_s,
                       live_fixtures_s=60.0, closing_window=timedelta(minutes=collect.closing_window_min),
                       seasons_s=cache.leagues_ttl_s)

    def known(self) -> Known:
        requests, now = self.service.requests, self.clock.now()
        reader, cache = self.service.reader, self.store.cache
        fetched: dict[tuple[str, int | None], datetime] = {}
        fixtures: dict[int, Watched] = {}
        pages: dict[int, int] = {}
        seasoned: list[int] = []
        looked_up: list[int] = []
        no_odds: set[int] = set()
        no_predictions: set[int] = set()
        # When each entry of the kinds read below was fetched, one query a kind.
        times: dict[str, dict[str, datetime]] = {}

        def fetched_at(request: Request[Any]) -> datetime | None:
            if request.kind not in times:
                times[request.kind] = cache.fetched_times(request.kind)
            return times[request.kind].get(request.key)

        for lg in self.settings.watch.leagues:
            # The season ("auto": its cached lookup) names every request below; a league whose
            # season is not known yet waits for its lookup (a "seasons" task).
            lookup = requests.season_request(lg)
            if lookup is not None:
                looked_up.append(lg)
                if (at := fetched_at(lookup)) is not None:
                    fetched[("seasons", lg)] = at
            season = requests.known_season(lg)
            if season.season is None:
                continue
            seasoned.append(lg)
            if season.skip("odds") is not None:
                no_odds.add(lg)
            if season.skip("predictions") is not None:
                no_predictions.add(lg)
            data, entry = reader.peek(requests.fixtures(season))
            if entry is not None:
                fetched[("fixtures", lg)] = entry.fetched_at
            for fx in data or []:
                fixtures[fx.id] = Watched(fx.id, lg, fx.kickoff, fx.status_short, fx.is_finished)
            if lg not in no_odds:
                # Its league page, or its fixtures at hand one by one: the cheaper now.
                route = requests.odds_route(season, data)
                if route.known_at is not None:
                    fetched[("odds", lg)] = route.known_at
                pages[lg] = len(route.at_hand) if route.per_fixture else self._pages(route)
            if (at := fetched_at(LiveOddsRequest(lg))) is not None:
                fetched[("live", lg)] = at
        live, live_entry = reader.peek(requests.live_list())
        in_play = frozenset(fx.id for fx in live or [] if fx.is_live and fx.id in fixtures)
        if live_entry is not None:
            fetched[("live_fixtures", None)] = live_entry.fetched_at
        predicted = frozenset(fid for fid in fixtures if fetched_at(PredictionRequest(fid)) is not None)
        if (at := fetched_at(BookmakersRequest())) is not None:
            fetched[("bookmakers", None)] = at
        seen = {fid: last for fid, (_ko, last) in self.store.history.closing_seen(fixtures).items()
                if last is not None}
        return Known(now, tuple(seasoned), tuple(fixtures.values()), in_play,
                     None if live_entry is None else live_entry.fetched_at, fetched, pages, seen,
                     predicted, tuple(looked_up), frozenset(no_odds), frozenset(no_predictions),
                     self.store.ledger.quota().reset_offset_s,
                     tuple(batch.ids[0] for batch in self.service.names.missing()))

    def _pages(self, route: OddsRoute) -> int:
        """Calls a league's page takes when due: as many as its last answer's pages (memoised
        per fetch), or as reckoned before its first."""
        if route.known_at is None:  # its names are a task of their own ("names")
            return route.page_calls - route.names
        memo = self._pages_memo.get(route.page.key)
        if memo is None or memo[0] != route.known_at:
            items = self.store.cache.results(route.page.key)
            memo = (route.known_at, self.service.provider.refresh_calls(route.page, items))
            self._pages_memo[route.page.key] = memo
        return memo[1]

    # -- one cycle -------------------------------------------------------------------------------

    async def cycle(self) -> CycleReport:
        svc = self.service
        report = CycleReport(self.clock.now())
        # Your own probabilities, read again when their file changed: the alerts below use them.
        report.model = svc.model_poll()
        await svc.supervise(warm_on_resume=False)  # a due quota reset or network probe (free)
        reason = svc.machine.gate()
        if reason is None and self.store.ledger.quota().daily_limit is None \
                and self.settings.collect.daily_budget == 0:
            await svc.refresh_quota()  # the free /status tells the plan's limit
        report.budget, report.left = self.budget()
        reason = svc.machine.gate()
        if reason is not None:
            report.offline = reason
        else:
            # Each league's season ("auto") is looked up by the plan's "seasons" tasks, within
            # the budget and counted in its spend like every other call.
            for _phase in range(5):
                chosen = plan(self.known(), self.cadence(), report.left, self.routine_left())
                report.deferred, report.next_due = len(chosen.deferred), chosen.next_due
                replan = await self._run(chosen, report)
                report.budget, report.left = self.budget()
                if not replan:
                    break
            report.offline = svc.machine.gate()  # an outage met mid-cycle
        if report.offline is not None:
            report.mode = svc.machine.view()
        # Enqueued only (a store write): the webhook's own task posts them, so a webhook
        # that hangs never holds a fetch back.
        await svc.dispatch_alerts()
        # The value bets of the odds just stored, worked out now so the Value screen reads rows.
        if self._scanned_at_calls != svc.counted_calls:
            await svc.scan_values()
            self._scanned_at_calls = svc.counted_calls
        svc.flush_counters()
        self.store.collector.set_status(CollectorStatus(
            self.pid, float(self.settings.collect.interval_s), report.at,
            report.next_due or report.at + timedelta(seconds=self.settings.collect.interval_s)))
        return report

    async def _run(self, chosen: Plan, report: CycleReport) -> bool:
        """Run the plan's tasks in order; True when it stopped early to plan again, after
        new fixtures or a fresh live list changed what is due (closing prices, what is in
        play): in-play odds then go out on the list just fetched."""
        svc = self.service
        self._cycle_start, self._cycle_allowance = svc.counted_calls, report.left
        day = self._day()
        tasks = list(chosen.tasks)
        for i, task in enumerate(tasks):
            if svc.machine.gate() is not None:
                break  # an outage mid-cycle: the rest waits for the resume
            before = svc.counted_calls
            outcome = await self._do(task, report)
            calls = svc.counted_calls - before
            self.store.collector.add_spend(day, {task.kind: calls})
            report.ran.append((task, calls, outcome))
            self.store.collector.renew(COLLECTOR_LEASE, self.clock.now(), self.pid)
            following = tasks[i + 1].kind if i + 1 < len(tasks) else None
            # A failed answer changes nothing that is due: planning again would only ask it again.
            if calls and task.kind in _REPLAN and following != task.kind and outcome in _SOURCES:
                self._cycle_allowance = 0
                return True
        self._cycle_allowance = 0
        return False

    async def _do(self, task: Task, report: CycleReport) -> str:
        svc = self.service
        assert task.target is not None or task.kind in ("live_fixtures", "bookmakers")
        if task.kind == "seasons":
            prov = await svc.requests.refresh_season(task.target)  # type: ignore[arg-type]
        elif task.kind == "fixtures":
            prov = await svc.requests.refresh_fixtures(task.target)  # type: ignore[arg-type]
        elif task.kind == "odds":
            route, prov = await svc.requests.refresh_odds(task.target)  # type: ignore[arg-type]
            if route is not None:
                report.odds_plan.append(route.why)
        elif task.kind == "closing":
            prov = (await svc.pages.fixture_odds(task.target, force=True)).provenance  # type: ignore[arg-type]
        elif task.kind == "live":
            prov = (await svc.pages.live_odds(task.target, force=True)).provenance  # type: ignore[arg-type]
        elif task.kind == "live_fixtures":
            prov = (await svc.pages.live_fixtures(force=True)).provenance
        elif task.kind == "names":
            batch = next((b for b in svc.names.missing() if b.ids[0] == task.target), None)
            if batch is None:
                return "named meanwhile"
            prov = (await svc.names.fetch(batch)).provenance
        elif task.kind == "prediction":
            prov = (await svc.pages.prediction(task.target)).provenance  # type: ignore[arg-type]
        else:
            prov = (await svc.pages.bookmakers(force=True)).provenance
        return prov.error or prov.source
