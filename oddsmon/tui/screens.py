"""Every screen of the app, declared once: its key, its footer label, its title, what it is for
and the module it lives in. The app derives its modes, key bindings, help and command palette
from :data:`SCREENS`; a new screen is one row here and its module.

A screen's module is imported the first time the screen is made (shown, or built while idle:
:data:`PREBUILT`), so the start path holds the Dashboard alone, not the other screens' imports.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    name: str  # the app's mode
    key: str
    label: str  # in the footer
    title: str  # in the header, the help and the palette; the screen's messages start with it
    help: str  # what it is for, in the palette and the help
    module: str  # oddsmon.tui.<module>
    cls: str  # the screen's class in that module
    in_footer: bool = True  # the desk's own screens stay out of it (one row at 120 columns)

    def make(self) -> Screen[Any]:
        """The screen, its module imported now (the first time only: Python keeps it)."""
        from .prebuild import styled_now

        screen: Screen[Any] = getattr(importlib.import_module(f".{self.module}", __package__), self.cls)()
        screen.sub_title = self.title
        styled_now(screen)
        return screen


SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("dashboard", "d", "Dash", "Dashboard", "Upcoming fixtures with their best Match Winner prices",
               "dashboard", "DashboardScreen"),
    ScreenSpec("predictions", "p", "Preds", "Predictions", "The API's predictions for the upcoming fixtures",
               "predictions", "PredictionsScreen"),
    ScreenSpec("bookmakers", "b", "Books", "Bookmakers",
               "Bookmakers, and which of them price the watched fixtures", "bookmakers", "BookmakersScreen"),
    ScreenSpec("odds", "o", "Odds", "Odds", "One fixture's market, a row per bookmaker with its margin",
               "odds", "OddsScreen"),
    ScreenSpec("supervision", "s", "Superv", "Supervision",
               "Live supervision: mode, quota reset, quota, cache, incidents", "supervision", "SupervisionScreen"),
    ScreenSpec("picks", "P", "Picks", "Picks", "Recorded picks with closing price, CLV, result and profit",
               "picks", "PicksScreen", in_footer=False),
    ScreenSpec("value", "V", "Value", "Value", "Every value bet and arbitrage of the watched fixtures, by edge",
               "value", "ValueScreen", in_footer=False),
    ScreenSpec("live", "l", "Live", "Live",
               "Watched fixtures in play: minute, score, in-play odds, moves since kickoff", "live", "LiveScreen"),
)
BY_NAME = {spec.name: spec for spec in SCREENS}
FIRST = SCREENS[0].name  # the screen the app opens on
# Built while idle once the first screen is up, in this order: the keys the analyst presses next.
# The Value screen too, since its board is read from the kept scan (about 0.1 s of the engine at
# 2,000 fixtures): built on V, it waited behind that read and its own first layouts (0.48 s in a
# real terminal at 2,000 fixtures), built while idle it is on screen at V (0.14 s).
PREBUILT = ("bookmakers", "odds", "value")
