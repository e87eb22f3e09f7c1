"""A week in tmux, one day at a time: what an analyst's TUI lives through, as cycles a test and
``make bench`` (row j) repeat thousands of times, the app's clock jumped instead of waited for.

Each cycle starts and ends on the Dashboard with the page loaded; what it leaves behind (widgets,
Python objects, resident memory) is measured by :func:`held` between rounds.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from textual._styles_cache import StylesCache
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import WorkerCancelled

from oddsmon.offline import OfflineMachine
from oddsmon.store import Store
from oddsmon.tui.screens import SCREENS


class Ticks(Protocol):
    def tick(self) -> None: ...


class Jumps(Protocol):
    def advance(self, seconds: float) -> None: ...


KEYS = [spec.key for spec in SCREENS]
Cycle = Callable[[Pilot[Any], Ticks, Jumps], Awaitable[None]]


async def settle(pilot: Pilot[Any], rounds: int = 2) -> None:
    """The app's messages and workers done (events, never a time), then a repaint."""
    for _ in range(rounds):
        await pilot.pause()
        with contextlib.suppress(WorkerCancelled):  # an exclusive worker replaced by a newer one
            await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def keys(pilot: Pilot[Any], ticker: Ticks, *pressed: str) -> None:
    """Each key, then a tick of the app's clock and the page loaded, as an analyst reads it."""
    for key in pressed:
        await pilot.press(key)
        ticker.tick()
        await settle(pilot, rounds=1)


async def switch(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """Every screen in turn."""
    await keys(pilot, ticker, *KEYS)


async def refresh(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """r: the page rebuilt from the API."""
    await keys(pilot, ticker, "r")


async def warm(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """w: the four critical pages refreshed within the quota (a worker of its own)."""
    await keys(pilot, ticker, "w")
    await settle(pilot)


async def offline_and_back(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """f twice: this TUI goes offline (reason user), then back online."""
    await keys(pilot, ticker, "f", "f")


async def store_changes(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """Another process (the collector, a shell's ``oddsmon --offline``) changes the shared store:
    offline (network) then online; this TUI reads each change at its next tick."""
    app: Any = pilot.app
    settings = app.service.settings
    other = Store.open(Path(settings.paths.db))
    try:
        machine = OfflineMachine(other, app.service.clock, settings.supervision)
        machine.go_offline("network", "cut in another shell")
        ticker.tick()
        await settle(pilot)
        machine.go_online("restored in another shell")
        ticker.tick()
        await settle(pilot)
    finally:
        other.close()


async def dialogs(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """Search, filters, help and the messages log, each opened and closed."""
    await keys(pilot, ticker, "slash", "escape", "F", "escape", "question_mark", "escape",
               "M", "escape")


async def hours_pass(pilot: Pilot[Any], ticker: Ticks, clock: Jumps) -> None:
    """An hour without a key: pages expire and reload, the sidebar's ages and countdowns move."""
    clock.advance(3600)
    ticker.tick()
    await settle(pilot)


CYCLES: dict[str, Cycle] = {
    "screen switches": switch,
    "refreshes": refresh,
    "warms": warm,
    "offline and back": offline_and_back,
    "store changes": store_changes,
    "dialogs": dialogs,
    "hours passing": hours_pass,
}


def widgets() -> int:
    """Widgets the process still holds, on screen or not."""
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, Widget))


def objects() -> int:
    """Python objects the collector tracks (containers and instances: what a leak is made of)."""
    gc.collect()
    return len(gc.get_objects())


def orphan_line_caches() -> int:
    """Rendered-line caches (Textual's ``StylesCache``, one a widget) the process holds beyond
    one a live widget: a memo keyed by them (``get_inner_outer``, Textual issue #6665, keyed on
    its colours only by :mod:`oddsmon.tui.textual_fixes`) kept each removed widget's lines, 1,024
    of them, 4 to 5 MB after about 800 switches at 80x24."""
    gc.collect()
    things = gc.get_objects()
    return sum(isinstance(t, StylesCache) for t in things) - sum(isinstance(t, Widget) for t in things)


_MEMO = type(functools.lru_cache()(lambda: None))  # what functools.lru_cache returns


def kept_objects() -> int:
    """Python objects the process holds once Textual's and Rich's memo caches are emptied.
    Those caches are bounded (``functools.lru_cache`` with a maxsize) and keyed by values
    (regions, colours, styles, segments): what they hold is a plateau, not a leak, the
    fullest in the first hundreds of switches. Without them the count moves with what oddsmon
    itself keeps. (The one memo that kept widgets' lines is watched apart:
    :func:`orphan_line_caches`.)"""
    for thing in gc.get_objects():
        if isinstance(thing, _MEMO) and str(getattr(thing, "__module__", "")).startswith(("textual", "rich")):
            thing.cache_clear()
    return objects()


async def run_cycles(pilot: Pilot[Any], ticker: Ticks, clock: Jumps, cycle: Cycle, n: int) -> None:
    for _ in range(n):
        await cycle(pilot, ticker, clock)
    await keys(pilot, ticker, "d")  # back where the next cycle starts
