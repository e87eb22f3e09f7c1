"""The next screens, built while idle: the one module of oddsmon that uses Textual's private API.

Textual has no public way to compose a mode's screen without switching to it. So that the
analyst's next key finds its screen composed and filled, :class:`Prebuild` does what
``App.switch_mode`` does for a mode's first screen (``App._init_mode``) without the switch, and
marks the new screen as styled by the stylesheet as it is now (``_css_update_count`` on the app
and the screen): unmarked, its key would restyle every screen on the way (``App.refresh_css``).

Those names are checked before their first use (:func:`missing`). A Textual release without
them turns the prebuild off, says so once in the log, and each screen is then built when first
shown, as it is without the prebuild. ``tests/tui/test_prebuild.py`` fails on such a release,
so the fence is noticed rather than silently shut.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App

from .. import log as oddsmon_log

APP_PRIVATE = ("_init_mode", "_css_update_count")  # what the prebuild reads and calls on the app
SCREEN_PRIVATE = ("_css_update_count",)  # what it sets on the screen it built


def missing(app: App[Any]) -> list[str]:
    """The private names the prebuild needs that this Textual lacks, read on the running app
    and its screen (none: the prebuild may run)."""
    gone = [f"App.{name}" for name in APP_PRIVATE if not hasattr(app, name)]
    return gone + [f"Screen.{name}" for name in SCREEN_PRIVATE if not hasattr(app.screen, name)]


class Prebuild:
    """The modes still to build while idle, one a call to :meth:`next`."""

    def __init__(self, app: App[Any], modes: Iterable[str]) -> None:
        self.app = app
        self.waiting = list(modes)
        self.checked = False

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
            app._init_mode(mode)
            app.get_screen_stack(mode)[0]._css_update_count = app._css_update_count
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
