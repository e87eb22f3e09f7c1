"""The sidebar on every screen: mode, reason, since, auto-resume countdown, quota, cache, age.

It holds no state of its own: the app polls the shared store every second into its
``snapshot`` reactive, which the sidebar watches (with the app's ``shown_at`` tick and
``warm_progress``), and the screen's ``provenance`` is bound to it, so a change made by another
process on the host appears here within two seconds. Everything it says is readable without
colour.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import Label, ProgressBar, Static

from . import fmt
from .host import Host
from .tables import retext

if TYPE_CHECKING:  # types only: the first frame is painted before httpx and the store load
    from ..engine.service import Provenance
    from ..supervision.metrics import Snapshot

LABEL_W = 8
DEMO_LABEL = "DEMO: simulated prices"  # no key: nothing on screen is a real price
DEMO_KEY_HINT = "real key: see ?"  # the help says how (the sidebar is 19 columns at 80)


def _row(label: str, value: str) -> str:
    return f"{label:<{LABEL_W}}{value}"


def mode_lines(snap: Snapshot, tz: tzinfo, now: datetime, offline_key: str) -> list[str]:
    """The lines under the ONLINE/OFFLINE badge (pure, so tests can read them).

    The sidebar is 19 columns wide at 80: its times sit under one line naming their zone.
    """
    mode = snap.mode
    zone = _row("times", fmt.zone(now, tz))
    # quota_reset with what it rests on: "observed 03:30 UTC" or "presumed 00:00 UTC".
    basis, _, at = snap.quota_reset_basis.partition(" ")
    reset = [_row("reset", at), _row("", basis)]
    if snap.store_copy_at is not None:  # a team's server away: this host's copy, its time in the zone above
        zone = "\n".join([zone, _row("store", "unreachable"), _row("copy", fmt.short_time(snap.store_copy_at, tz, now))])
    if not mode.offline:
        return [zone, _row("since", fmt.stamp(mode.since, tz, now)) if mode.since
                else "never offline", *reset]
    lines = [zone, _row("reason", mode.reason or "?"), _row("since", fmt.stamp(mode.since, tz, now))]
    if mode.scope is not None:  # a team's store: every host, or this one alone
        lines.append(_row("for", "every host" if mode.scope == "team" else "this host"))
    if mode.resume_at is not None:
        left = (mode.resume_at - now).total_seconds()
        lines += [_row("resumes", fmt.short_time(mode.resume_at, tz, now)),
                  _row("in", fmt.countdown(left))]
    elif mode.reason in ("network", "key"):
        lines.append(_row("resumes", "on probe"))
        if mode.next_probe_at is not None:
            lines.append(_row("probe", fmt.clock_time(mode.next_probe_at, tz)))
    else:
        lines.append(_row("resumes", f"press {offline_key}"))
    return lines + reset


class Sidebar(Vertical):
    """One per screen, redrawn whenever the app's shared state or its screen's page changes."""

    provenance: var[Provenance | None] = var(None)  # bound to the screen's (data_bind)

    def __init__(self, *, offline_key: str, age_override: str | None = None) -> None:
        super().__init__(id="sidebar")
        self.offline_key = offline_key  # the key that ends offline, named under the badge
        self.age_override = age_override  # said instead of the page's age (Supervision)

    def compose(self) -> ComposeResult:
        yield Static("…", id="badge", markup=False)
        yield Static("", id="mode-lines", markup=False)
        yield Static("quota left", id="quota-label", classes="side-label", markup=False)
        yield Static("—", id="quota-value", markup=False)
        yield Static("", id="quota-bar", markup=False)
        yield Static("", id="cache-line", markup=False)
        yield Static("", id="age-line", markup=False)
        # The warm's progress box is made at the first warm (see draw): on every screen's
        # sidebar from the start, its bar was a good part of the first frame.

    def on_mount(self) -> None:
        for name in ("snapshot", "shown_at", "warm_progress"):
            self.watch(self.app, name, self.draw)

    def watch_provenance(self) -> None:
        if self.is_mounted:
            self.draw()

    def draw(self) -> None:
        host = cast(Host, self.app)
        now = host.now()
        badge = self.query_one("#badge", Static)
        snap = host.snapshot
        if snap is None:
            retext(badge, "…")
            return
        offline = snap.mode.offline
        retext(badge, "○ OFFLINE" if offline else "● ONLINE")
        badge.set_class(offline, "-offline")
        badge.set_class(not offline, "-online")
        lines = mode_lines(snap, host.tz, now, self.offline_key)
        retext(self.query_one("#mode-lines", Static), "\n".join(
            [DEMO_LABEL, DEMO_KEY_HINT, *lines] if host.demo else lines))

        quota = snap.quota
        remaining, limit = quota.daily_remaining, quota.daily_limit
        value = "not known yet" if remaining is None or limit is None else f"{remaining}/{limit}"
        retext(self.query_one("#quota-value", Static), value)
        bar = self.query_one("#quota-bar", Static)
        width = max(4, self.content_region.width or 16)
        retext(bar, fmt.text_bar(remaining, limit, width))
        bar.set_class(quota.low or (remaining is not None and remaining <= quota.reserve), "-low")

        ratio = snap.cache.hit_ratio
        retext(self.query_one("#cache-line", Static), _row("cache", f"{fmt.percent(ratio)} hits"
                                                       if ratio is not None else "no reads"))
        age = self.age_override if self.age_override is not None \
            else fmt.page_age(self.provenance, now)
        retext(self.query_one("#age-line", Static), _row("age", age))

        warm = host.warm_progress
        if warm is not None and not self.query("#warm-box"):
            box = Vertical(id="warm-box")
            self.mount(box)  # the box and its two widgets are in the DOM from here on
            box.mount(Label("warming", id="warm-label", markup=False),
                      ProgressBar(id="warm-bar", show_eta=False, show_percentage=False))
        for shown in self.query("#warm-box"):
            shown.display = warm is not None
        if warm is not None:
            retext(self.query_one("#warm-label", Label), f"warm {warm.done}/{warm.total}")
            self.query_one("#warm-bar", ProgressBar).update(total=max(1, warm.total),
                                                            progress=warm.done)
