"""What drives the app's once-a-second tick (poll, supervise, auto-refresh, clocks).

Injected like the clock: the app runs on Textual's interval timer, a test on a ticker it
advances itself, so a Pilot test ticks the app instead of waiting on real seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textual.app import App


class Ticker(Protocol):
    def start(self, app: App[Any], every_s: float, tick: Callable[[], None]) -> None:
        """Call ``tick`` every ``every_s`` seconds while ``app`` runs."""


class IntervalTicker:
    """Textual's interval timer, on real time."""

    def start(self, app: App[Any], every_s: float, tick: Callable[[], None]) -> None:
        app.set_interval(every_s, tick)
