"""A Footer that wraps onto a second row when its keys do not fit the terminal's width.

Textual's Footer is one row that scrolls sideways: on an 80-column terminal the last keys
(quit among them) would be cut off. Every binding must stay visible, so when the keys are wider
than the screen this footer lays them out on a two-row grid instead.
"""

from __future__ import annotations

import math
from typing import Any

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer

PALETTE_W = 13  # "▏^p palette " docked on the right


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
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        # Footer binds each key it makes to its ``compact`` (data_bind), and Textual drops a
        # watcher of a removed widget only when the watched value changes, which ``compact``
        # never does: every remake (each screen switch) kept the old keys alive for good.
        # Touching it now, the old keys removed and the new not yet bound, lets them go.
        self.mutate_reactive(Footer.compact)
        children = list(super().compose())
        self._drawn = self._shown() if children else None
        # The keys Footer lays out: the screen's shown bindings, one per action (as Footer
        # does), less the palette's, which sits apart on the right.
        keys = {active.binding.action: active.binding
                for active in reversed(self.screen.active_bindings.values())
                if active.binding.show and active.binding.key != self.app.COMMAND_PALETTE_BINDING}
        need = sum(len(self.app.get_key_display(b)) + len(b.description) + 2 for b in keys.values())
        width = self.app.size.width - PALETTE_W
        if children and keys and need > width:
            self.styles.layout = "grid"
            self.styles.grid_size_columns = math.ceil(len(keys) / 2)
            self.styles.grid_columns = "auto"
            self.styles.height = 2
            self.add_class("-wrapped")
        else:
            self.remove_class("-wrapped")
            self.styles.layout = "horizontal"
            self.styles.height = 1
        self._width = self.app.size.width
        yield from children

    def on_resize(self, event: Resize) -> None:
        if self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
