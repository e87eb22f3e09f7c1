"""The next screens, built while idle: the one module of oddsmon that uses Textual's private API.

Textual has no public way to compose a mode's screen without switching to it. So that the
analyst's next key finds its screen composed and filled, :class:`Prebuild` does what
``App.switch_mode`` does for a mode's first screen (``App._init_mode``) without the switch.

Every mode's screen is marked, as it is made, as styled by the stylesheet as it is now
(:func:`styled_now`: ``_css_update_count`` on the app and the screen). Unmarked, a mode's first
showing restyles the whole app twice (``App._init_mode`` and ``App.switch_mode`` each call
``App.refresh_css``: the stylesheet parsed again and every widget of the screen on show styled
again), which was a fifth of the Value screen's first open; a prebuild unmarked would restyle
every screen on the way.

Those names are checked before their use (:func:`missing`). A Textual release without
them turns the prebuild off, says so once in the log, and each screen is then built when first
shown, restyled as Textual does, as it is without the prebuild. ``tests/tui/test_prebuild.py``
fails on such a release, so the fence is noticed rather than silently shut.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import Any

from textual.app import App, ScreenStackError, UnknownModeError
from textual.screen import Screen

from .. import log as oddsmon_log

APP_PRIVATE = ("_init_mode", "_css_update_count")  # what the prebuild reads and calls on the app
SCREEN_PRIVATE = ("_css_update_count",)  # what it sets on each mode's screen as it is made


def missing(app: App[Any]) -> list[str]:
    """The private names the prebuild needs that this Textual lacks, read on the running app
    and its screen (none: the prebuild may run)."""
    gone = [f"App.{name}" for name in APP_PRIVATE if not hasattr(app, name)]
    return gone + [f"Screen.{name}" for name in SCREEN_PRIVATE if not hasattr(app.screen, name)]


def styled_now(screen: Screen[Any]) -> None:
    """Make ``screen``, made for a mode while another is shown, styled as the screen on show
    is: with its size's classes (the app's breakpoints: ``-narrow``, ``-short``), which Textual
    sets at the screen's first resize otherwise, restyling and laying out all of it again; and
    marked as styled by the stylesheet as it is now (the widgets it composes are styled by it
    as they mount), so Textual need not restyle the app when the mode is first shown. The
    first screen is left to Textual (its restyle is the one that applies the theme), and so is
    every screen on a Textual without these names."""
    app = screen.app
    try:
        gone, shown = missing(app), app.screen.classes
    except (ScreenStackError, UnknownModeError):
        return  # the first screen: none on show yet
    sizes = {name for _, name in (*(app.HORIZONTAL_BREAKPOINTS or ()), *(app.VERTICAL_BREAKPOINTS or ()))}
    screen.add_class(*(sizes & shown), update=False)
    if not gone:
        screen._css_update_count = app._css_update_count


class Prebuild:
    """The modes still to build while idle, one a call to :meth:`next`."""

    def __init__(self, app: App[Any], modes: Iterable[str]) -> None:
        self.app = app
        self.waiting = list(modes)
        self.checked = False
        self.frozen = not self.waiting  # nothing built while idle: nothing to freeze either

    def freeze(self) -> bool:
        """Once the screens built while idle are up (called as each page arrives): what the app
        made so far (Textual's styles, every screen, the engine and its memos) is moved out of
        the collector's full passes (``gc.freeze``), the first time only (True then). It lives as
        long as the app, and each full pass walked it all: 100-370 ms of the screen's thread at
        2,000 real-size fixtures, every second or so while keys are pressed (a third of the Odds
        screen's fixture switches took one). Passes now walk what came since: 15-40 ms."""
        if self.frozen or self.waiting:
            return False
        self.frozen = True
        gc.collect()  # the start-up's garbage first: frozen, it would never be freed
        gc.freeze()
        return True

    def next(self) -> None:
        """Compose the next waiting mode's screen, unless shown already; it loads its page as it
        mounts. One screen a call: a key typed meanwhile is served between two."""
        if self.waiting and not self.checked:
            self._check()
        app = self.app
        while self.waiting:
            mode = self.waiting.pop(0)
            try:
                app.get_screen_stack(mode)
                continue  # shown already: its key switched to it
            except KeyError:
                pass
            app._init_mode(mode)  # its screen marked as it was made (styled_now)
            return

    def _check(self) -> None:
        """Whether this Textual has what the prebuild needs, checked at the first call: when it
        has not, nothing is built (said once, in the log)."""
        self.checked = True
        gone = missing(self.app)
        if gone:
            import textual

            oddsmon_log.log.warning(
                "Textual %s has no %s: the screens are built when first shown, not while idle",
                textual.__version__, ", ".join(gone))
            self.waiting.clear()
