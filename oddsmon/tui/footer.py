"""A Footer that fits the terminal: one row when the keys fit, else two, and never a key cut.

Textual's Footer is one row that scrolls sideways: on an 80-column terminal the last keys
(quit among them) would be cut off. This footer lays the keys out on a two-row grid when one
row is too narrow, and when two rows are too narrow still (a screen with keys of its own, at 80
columns) it shows the keys that matter most and leaves the rest to ``?`` and the palette, which
list every key: help, quit and the offline key first, then the keys the screen names as its
essential ones (``FOOTER_FIRST``: the Odds screen's ``x``, without which its columns cannot all
be read at 80 columns), then the screen's other keys, then the app's, then the keys that show
another screen.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Select

PALETTE_W = 13  # "▏^p palette " docked on the right
# The actions every footer keeps: the way to the rest, out, and the runbook's offline key.
FIRST = ("help", "quit", "go_offline", "go_online")
ROWS = 2


class FooterKey(Protocol):
    """What Footer's key widgets say of themselves (their class is private to Textual)."""

    key: str
    key_display: str
    description: str
    action: str


def _is_key(widget: Widget) -> bool:
    return hasattr(widget, "key_display") and not widget.has_class("-command-palette")


def grid_width(widths: list[int], rows: int) -> int:
    """Columns the keys of these widths take on a grid of ``rows`` rows (one column between)."""
    cols = math.ceil(len(widths) / rows)
    return sum(max(widths[c::cols]) for c in range(cols)) + cols - 1


class WrappingFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0
        self._drawn: tuple[tuple[str, str, bool, str], ...] | None = None  # the keys composed

    def _shown(self) -> tuple[tuple[str, str, bool, str], ...]:
        return tuple((b.key, b.description, enabled, tooltip)
                     for _node, b, enabled, tooltip in self.screen.active_bindings.values() if b.show)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Footer makes every key again at each change of the screen's bindings; most change
        # nothing it shows (the focus moving, a poll refreshing them), and each remake
        # restyles every key: at start-up, several times over, a good part of the first frame.
        if self._drawn is not None and screen is self.screen and self._shown() == self._drawn:
            return
        # A drop-down list open for a moment (the Odds screen's fixture picker) keeps the keys
        # shown: remaking them for its one key (esc) and back took half of a fixture switch.
        focused = screen.focused
        if focused is not None and isinstance(focused.parent, Select) and focused.parent.expanded:
            return
        super().bindings_changed(screen)

    def _rank(self, key: FooterKey) -> int:
        """0 for :data:`FIRST`, 1 for the screen's essential keys (its ``FOOTER_FIRST``
        actions), 2 for its other keys, 3 for the app's, 4 for the keys that show another
        screen (the analyst learns those first; ``?`` lists them)."""
        if key.action in FIRST:
            return 0
        if key.action in getattr(self.screen, "FOOTER_FIRST", ()):
            return 1
        active = self.screen.active_bindings.get(key.key)
        if active is not None and active.node is not self.app:
            return 2
        return 4 if key.action.startswith("show(") else 3

    def _fitting(self, keys: list[FooterKey], width: int) -> list[FooterKey]:
        """The keys to show, in their order: by rank while they fit on the rows."""
        def cells(key: FooterKey) -> int:
            return len(key.key_display) + 1 + len(key.description)

        kept: set[int] = set()
        for n in sorted(range(len(keys)), key=lambda n: self._rank(keys[n])):
            tried = sorted(kept | {n})
            if grid_width([cells(keys[i]) for i in tried], ROWS) <= width:
                kept.add(n)
        return [keys[n] for n in sorted(kept)]

    def compose(self) -> ComposeResult:
        # Footer binds each key it makes to its ``compact`` (data_bind), and Textual drops a
        # watcher of a removed widget only when the watched value changes, which ``compact``
        # never does: every remake (each screen switch) kept the old keys alive for good.
        # Touching it now, the old keys removed and the new not yet bound, lets them go.
        self.mutate_reactive(Footer.compact)
        children: list[Widget] = list(super().compose())
        self._drawn = self._shown() if children else None
        width = self.app.size.width - PALETTE_W
        keys: list[Any] = [c for c in children if _is_key(c)]
        rest = [c for c in children if not _is_key(c)]
        one_row = sum(len(k.key_display) + 1 + len(k.description) + 1 for k in keys) - 1
        if keys and one_row > width:
            keys = self._fitting(keys, width)
            self.styles.layout = "grid"
            self.styles.grid_size_columns = math.ceil(len(keys) / ROWS)
            self.styles.grid_columns = "auto"
            self.styles.height = ROWS
            self.add_class("-wrapped")
        else:
            self.remove_class("-wrapped")
            self.styles.layout = "horizontal"
            self.styles.height = 1
        self._width = self.app.size.width
        yield from keys
        yield from rest

    def on_resize(self, event: Resize) -> None:
        if self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
