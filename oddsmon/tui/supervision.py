"""Supervision: the runbook's page, live (redrawn from the shared store every second).

State, reason and since; ``quota_reset`` in UTC and local time with its countdown; the daily
quota and the per-minute window; cache size, hits, misses and hit ratio; probe status; the last
requests; open and recent incidents; the closing checklist of runbook section 6. ``e`` exports
the metrics JSON (the same code as ``oddsmon --export``) to the path it names on screen; ``t``
runs the quick functional tests (the same code as ``oddsmon --selftest``), so the whole closing
checklist can be ticked from here, in the demo too.

In ``--demo`` the simulator's controls are here too, to rehearse the runbook: cut and restore
its network (``n``), burn its daily quota (``x``), refill it (``z``). oddsmon notices on its
next request, which these keys send at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..engine.service import Page, Provenance
from ..offline import KEY_FIX
from ..supervision.metrics import Snapshot
from . import fmt
from .base import OFFLINE_KEY, WARM_KEY, PageScreen

if TYPE_CHECKING:
    from ..engine.runtime import EngineClient


LABEL_W = 9


def _row(label: str, text: str) -> str:
    return f"{label:<{LABEL_W}}{text}"


def hanging(text: str, indent: int = LABEL_W) -> Table:
    """``text``'s lines with their first ``indent`` characters (the label, ``[x]``) in a column of
    their own: a line too long for the terminal wraps under its text, never under the label."""
    grid = Table.grid()
    grid.add_column(width=indent, no_wrap=True)
    grid.add_column()
    for line in text.splitlines():
        grid.add_row(Text(line[:indent]), Text(line[indent:]))  # Text: never read as markup
    return grid


def state_text(snap: Snapshot, tz: tzinfo, now: datetime) -> str:
    m = snap.mode
    lines = []
    if m.offline:
        lines.append(_row("State", f"OFFLINE ({m.reason}) since {fmt.stamp_zone(m.since, tz, now)}"))
    elif m.since:
        lines.append(_row("State", f"ONLINE since {fmt.stamp_zone(m.since, tz, now)}"))
    else:
        lines.append(_row("State", "ONLINE, never offline on this store"))
    if m.detail:
        lines.append(_row("", f"last change: {m.detail}"))
    lines.append(_row("Status", f"{snap.status.label} (oddsmon --check exits {snap.status.code})"))
    if m.offline and m.resume_at is not None:
        lines.append(_row("Resume", f"automatic at {fmt.stamp_zone(m.resume_at, tz, now)}, in "
                                    f"{fmt.countdown((m.resume_at - now).total_seconds())}"))
    elif m.offline and m.reason in ("network", "key"):
        nxt = f", next {fmt.stamp_zone(m.next_probe_at, tz, now)}" if m.next_probe_at else ""
        lines.append(_row("Resume", f"when a /status probe succeeds{nxt} ({WARM_KEY} probes now)"))
        if m.reason == "key":
            lines.append(_row("To do", KEY_FIX))
    elif m.offline:
        lines.append(_row("Resume", f"on request: key {OFFLINE_KEY}"))
    return "\n".join(lines)


def quota_text(snap: Snapshot, tz: tzinfo, now: datetime) -> str:
    q = snap.quota
    reset = snap.quota_reset
    local = reset.astimezone(tz)
    lines = [_row("Reset", f"quota_reset {reset.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"),
             _row("", f"{local:%a %H:%M:%S %Z} local · in "
                      f"{fmt.countdown((reset - now).total_seconds())}"),
             _row("", f"basis: {snap.quota_reset_basis}")]
    if q.daily_limit is None and q.daily_remaining is None:
        lines.append(_row("Quota", "not observed yet (no counted response)"))
    else:
        def n(v: int | None) -> str:
            return "?" if v is None else str(v)

        lines.append(_row("Quota", f"used {n(q.daily_used)} · left {n(q.daily_remaining)} · "
                                   f"limit {n(q.daily_limit)} · reserve {q.reserve}"))
    minute = f"{q.minute_used} counted in the last 60 s"
    if q.minute_limit is not None:
        minute += f" of {q.minute_limit}/min"
    lines.append(_row("Minute", minute))
    if snap.header_note:
        lines.append(_row("", f"note: {snap.header_note}"))
    return "\n".join(lines)


def cache_text(snap: Snapshot) -> str:
    c = snap.cache
    ratio = "—" if c.hit_ratio is None else fmt.percent(c.hit_ratio, 1)
    return "\n".join([
        _row("Cache", f"{c.entries} entries · {fmt.size(c.size_bytes)} on disk"),
        _row("", f"hits {c.hits} · misses {c.misses} · hit ratio {ratio}"),
    ])


def pages_text(snap: Snapshot, tz: tzinfo, now: datetime) -> str:
    """When each critical page was last fetched (runbook: rebuild them after a resume)."""
    lines = []
    for i, (page, at) in enumerate(snap.page_fetched_at.items()):
        when = "never cached" if at is None else \
            f"{fmt.stamp_zone(at, tz, now)} ({fmt.age((now - at).total_seconds())} ago)"
        lines.append(_row("Pages" if i == 0 else "", f"{page:<12}{when}"))
    return "\n".join(lines)


def probe_text(snap: Snapshot, tz: tzinfo, now: datetime) -> str:
    m = snap.mode
    if m.last_probe_at is None:
        last = "no probe yet"
    else:
        outcome = "ok" if m.last_probe_ok else "failed"
        last = f"last {fmt.stamp_zone(m.last_probe_at, tz, now)} {outcome}"
    nxt = f" · next {fmt.stamp_zone(m.next_probe_at, tz, now)}" if m.next_probe_at else ""
    fails = f" · {m.probe_failures} failure(s)" if m.probe_failures else ""
    return _row("Probe", f"{last}{nxt}{fails}")


def collector_text(snap: Snapshot, tz: tzinfo, now: datetime) -> str:
    """``oddsmon --collect``: running or not, its last cycle, today's budget by kind."""
    col = snap.collector
    if col is None:
        return ""
    budget = "?" if col.budget is None else str(col.budget)
    last = "never" if col.last_cycle is None else \
        f"{fmt.stamp(col.last_cycle, tz, now)} ({fmt.age((now - col.last_cycle).total_seconds())} ago)"
    state = f"running · pid {col.pid}" if col.running else "not running (oddsmon --collect)"
    lines = [_row("Collect", state), _row("", f"last cycle {last}"),
             _row("", f"budget {col.spent}/{budget} today"
                      + ("" if not col.spent_by_kind else " · " + ", ".join(
                          f"{k} {n}" for k, n in col.spent_by_kind.items())))]
    if col.running and col.next_due is not None:
        lines.append(_row("", f"next due {fmt.stamp(col.next_due, tz, now)}"))
    alerts = snap.alerts
    if alerts is not None and alerts.dead:
        lines.append(_row("Alerts", f"DEAD LETTERS: {alerts.dead_text()} never reached {alerts.target or 'the webhook'}"
                                    + (f" · {alerts.last_error}" if alerts.last_error else "")))
    return "\n".join(lines)


def incidents_text(snap: Snapshot, tz: tzinfo, now: datetime) -> str:
    lines = []
    inc = snap.open_incident
    if inc is not None:
        lines.append(_row("Incident", f"#{inc.id} OPEN ({inc.reason}) since "
                                      f"{fmt.stamp_zone(inc.opened_at, tz, now)}"))
        for action in inc.actions[-3:]:
            lines.append(_row("", f"{fmt.stamp_zone(action.at, tz, now)} {action.kind}: {action.text}"))
    else:
        lines.append(_row("Incident", "none open"))
    closed = [i for i in snap.recent_incidents if not i.open][:4]
    for i in closed:
        assert i.closed_at is not None
        took = fmt.age((i.closed_at - i.opened_at).total_seconds())
        lines.append(_row("", f"#{i.id} {i.reason} {fmt.stamp_zone(i.opened_at, tz, now)} ({took})"))
    return "\n".join(lines)


def requests_table(snap: Snapshot, tz: tzinfo, limit: int = 8) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, expand=False,
                  title="Last requests (sent, or from the cache)", title_justify="left")
    table.add_column(f"Time {fmt.zone(snap.generated_at, tz)}")
    table.add_column("Endpoint")
    table.add_column("Status")
    table.add_column("ms", justify="right")
    table.add_column("From")
    for r in snap.recent_requests[:limit]:
        source = "cache" if r.from_cache else ("API, counted" if r.counted else "API, free")
        table.add_row(*(Text(cell) for cell in (
            fmt.clock_time(r.at, tz), r.endpoint, r.status, f"{r.duration_ms:.0f}", source)))
    if not snap.recent_requests:
        table.add_row("—", "no request yet", "", "", "")
    return table


CHECKLIST_TITLE = "Closing checklist (runbook §6)"


def checklist_text(snap: Snapshot) -> str:
    lines = []
    for item in snap.checklist:
        lines.append(f"[{'x' if item.done else ' '}] {item.label}")
        lines.append(f"    {item.why}")
    if not snap.checklist:
        lines.append("(not evaluated)")
    return "\n".join(lines)


class SupervisionScreen(PageScreen):
    PAGE = ""
    BINDINGS = [
        Binding("e", "export", "Export", tooltip="Write the metrics JSON (as oddsmon --export)"),
        Binding("t", "selftest", "Selftest",
                tooltip="The runbook's quick functional tests (as oddsmon --selftest)"),
        Binding("n", "cut_network", "Cut net", tooltip="Demo: cut the simulator's network"),
        Binding("n", "restore_network", "Restore net", tooltip="Demo: restore the simulator's network"),
        Binding("x", "burn_quota", "Burn quota", tooltip="Demo: use up the simulator's daily quota"),
        Binding("z", "refill_quota", "Refill", tooltip="Demo: give the simulator its daily quota back"),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="supervision"):
            yield Static("", id="sup-demo", classes="sup-block", markup=False)
            yield Static("", id="sup-keys", classes="sup-block", markup=False)
            yield Static("", id="sup-state", classes="sup-block", markup=False)
            yield Static("", id="sup-quota", classes="sup-block", markup=False)
            yield Static("", id="sup-cache", classes="sup-block", markup=False)
            yield Static("", id="sup-pages", classes="sup-block", markup=False)
            yield Static("", id="sup-probe", classes="sup-block", markup=False)
            yield Static("", id="sup-collector", classes="sup-block", markup=False)
            yield Static("", id="sup-incidents", classes="sup-block", markup=False)
            yield Static("", id="sup-requests", classes="sup-block", markup=False)
            yield Static("", id="sup-checklist", classes="sup-block", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sup-demo", Static).display = False
        if self.oddsmon.engine_ready:
            self._show_keys(self.oddsmon.service)
        else:  # shown during the start: its keys come with the engine
            self._keys_when_up()
        self.watch(self.app, "snapshot", self._snapshot_polled, init=False)

    def _show_keys(self, service: EngineClient) -> None:
        demo = service.demo is not None
        block = self.query_one("#sup-demo", Static)
        block.display = demo
        if demo:
            block.update("Demo drill: n network · x burn quota · z refill")
        target = service.export_target()
        self.query_one("#sup-keys", Static).update(
            f"e exports the metrics to {target}\nt runs the quick functional tests (selftest)")

    @work(group="keys", exit_on_error=False)
    async def _keys_when_up(self) -> None:
        self._show_keys(await self.oddsmon.engine_up())
        self.refresh_bindings()

    def _snapshot_polled(self, snap: Snapshot | None) -> None:
        if snap is not None and self.app.screen is self:
            self.show_snapshot(snap)

    # The page is the snapshot the app polls every second: no fetch, nothing sent.
    async def fetch(self) -> Page[Snapshot]:
        snap = self.oddsmon.snapshot
        now = self.oddsmon.now()
        return Page(snap, Provenance("live", now, 0.0, False))

    def load(self, force: bool = False) -> None:
        app = self.oddsmon
        if force:
            app.poll_now()
        if app.snapshot is not None:
            self.show_snapshot(app.snapshot)

    def sidebar_age(self) -> str | None:
        return "live (1 s)"

    def show_snapshot(self, snap: Snapshot) -> None:
        app = self.oddsmon
        now, tz = app.now(), app.tz
        self.provenance = Provenance("live", snap.generated_at, 0.0, False)
        self.query_one("#page-status", Static).update(
            f"live from the shared store · {fmt.stamp_zone(snap.generated_at, tz, now)}")
        self.query_one("#sup-state", Static).update(hanging(state_text(snap, tz, now)))
        self.query_one("#sup-quota", Static).update(hanging(quota_text(snap, tz, now)))
        self.query_one("#sup-cache", Static).update(hanging(cache_text(snap)))
        self.query_one("#sup-pages", Static).update(hanging(pages_text(snap, tz, now)))
        self.query_one("#sup-probe", Static).update(hanging(probe_text(snap, tz, now)))
        self.query_one("#sup-collector", Static).update(hanging(collector_text(snap, tz, now)))
        self.query_one("#sup-incidents", Static).update(hanging(incidents_text(snap, tz, now)))
        self.query_one("#sup-requests", Static).update(requests_table(snap, tz))
        self.query_one("#sup-checklist", Static).update(
            Group(Text(CHECKLIST_TITLE), hanging(checklist_text(snap), indent=4)))

    # -- keys ------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.oddsmon.engine_ready:
            return False  # every key here acts through the engine: none before it is up
        demo = self.oddsmon.service.demo
        if action in ("cut_network", "restore_network", "burn_quota", "refill_quota"):
            if demo is None:
                return False
            if action == "cut_network":
                return not demo.network_down
            if action == "restore_network":
                return demo.network_down
        return True

    def action_export(self) -> None:
        self._export()

    @work(group="export", exit_on_error=False)
    async def _export(self) -> None:
        """The same code as ``oddsmon --export`` (journal included), on the engine's thread."""
        app = self.oddsmon
        path = app.service.export_target()
        with app.reporting("Export"):
            await app.service.export_metrics(path)
            app.notify(f"Metrics written to {path}", title="Export")
            app.poll_now()

    def action_selftest(self) -> None:
        self.oddsmon.notify("Selftest running…", title="Selftest", topic="selftest")
        self._selftest()

    @work(group="selftest", exit_on_error=False)
    async def _selftest(self) -> None:
        import asyncio

        from ..commands.selftest import perform  # the checks of oddsmon --selftest, loaded on use

        app = self.oddsmon
        outcome = None
        with app.reporting("Selftest"):
            # They open their own store connection and simulator: in a thread of their own,
            # not the engine's, which keeps serving pages meanwhile.
            outcome = await asyncio.to_thread(perform, app.service.settings, app.service.clock)
        if outcome is None:
            return
        failed = [f"{r.name}: {r.detail}" for r in outcome.results if not r.ok]
        text = outcome.summary + (f" ({'; '.join(failed)})" if failed else "")
        if outcome.problem:
            text += f"; {outcome.problem}"
        app.notify(text, title="Selftest", topic="selftest",
                   severity="information" if outcome.ok and not outcome.problem else "error")
        app.poll_now()

    def action_cut_network(self) -> None:
        demo = self.oddsmon.service.demo
        if demo is None:
            return
        demo.cut_network()
        self.refresh_bindings()
        self.oddsmon.notify("Simulator network cut: oddsmon sends one request now and should go "
                            "OFFLINE (network).", title="Demo", topic="demo")
        self._poke()

    def action_restore_network(self) -> None:
        demo = self.oddsmon.service.demo
        if demo is None:
            return
        demo.restore_network()
        self.refresh_bindings()
        self.oddsmon.notify(f"Simulator network restored: oddsmon comes back at its next probe "
                            f"(or press {WARM_KEY} to probe and warm now).", title="Demo",
                            topic="demo")

    def action_burn_quota(self) -> None:
        demo = self.oddsmon.service.demo
        if demo is None:
            return
        demo.exhaust_quota()
        self.oddsmon.notify("Simulator quota burnt: oddsmon sends one request now and should go "
                            "OFFLINE (quota) until the reset.", title="Demo", topic="demo")
        self._poke()

    def action_refill_quota(self) -> None:
        demo = self.oddsmon.service.demo
        if demo is None:
            return
        demo.refill_quota()
        self.oddsmon.notify(f"Simulator quota refilled. oddsmon stays offline until the reset, "
                            f"or press {OFFLINE_KEY} to go online early (it asks first).",
                            title="Demo", topic="demo")

    @work(group="demo", exit_on_error=False)
    async def _poke(self) -> None:
        """One real request, so oddsmon meets the fault now rather than at its next fetch."""
        app = self.oddsmon
        with app.reporting("Demo"):
            await app.service.bookmakers(force=True)
        app.poll_now()

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Export metrics (e)", "Write the metrics JSON, as oddsmon --export",
                            self.action_export)
        yield SystemCommand("Quick functional tests (t)", "The runbook's selftest, as oddsmon --selftest",
                            self.action_selftest)
        demo = self.oddsmon.service.demo
        if demo is None:
            return
        if demo.network_down:
            yield SystemCommand("Demo: restore the simulator's network (n)",
                                "oddsmon comes back at its next probe", self.action_restore_network)
        else:
            yield SystemCommand("Demo: cut the simulator's network (n)",
                                "Watch oddsmon go offline (network)", self.action_cut_network)
        yield SystemCommand("Demo: burn the simulator's quota (x)",
                            "Watch oddsmon go offline (quota)", self.action_burn_quota)
        yield SystemCommand("Demo: refill the simulator's quota (z)",
                            "Give the simulator its daily calls back", self.action_refill_quota)
