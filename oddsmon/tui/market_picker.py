"""The Odds screen's market picker: every bet the fixture is priced in, filtered as you type
(words of the API's name, its alias or its short name), enter to jump to the one highlighted."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ..domain.markets import BY_ID


def matches(words: Sequence[str], bet_id: int, title: str) -> bool:
    """Every word typed is in the bet's name, alias or short name (any case)."""
    known = BY_ID.get(bet_id)
    text = f"{title} {'' if known is None else known.short}".lower()
    return all(word in text for word in words)


class MarketPicker(ModalScreen[int | None]):
    """Type to filter, up and down to move, enter to open, escape to leave as it was."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, bets: Sequence[tuple[int, str]], current: int) -> None:
        super().__init__(id="market-picker")
        self.bets = tuple(bets)
        self.current = current
        self.shown: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Jump to a market ({len(self.bets)} priced): type to filter, enter to open",
                         markup=False)
            yield Input(placeholder="e.g. corners, half, asian", id="market-filter")
            yield OptionList(id="market-list")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        options = self.query_one("#market-list", OptionList)
        options.clear_options()
        kept = [(bet_id, title) for bet_id, title in self.bets if matches(words, bet_id, title)]
        self.shown = [bet_id for bet_id, _ in kept]
        options.add_options([Option(title, id=str(bet_id)) for bet_id, title in kept])
        if kept:
            options.highlighted = self.shown.index(self.current) if self.current in self.shown else 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one("#market-list", OptionList).highlighted
        if highlighted is not None and 0 <= highlighted < len(self.shown):
            self.dismiss(self.shown[highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_move(self, step: int) -> None:
        options = self.query_one("#market-list", OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def action_cancel(self) -> None:
        self.dismiss(None)
