"""Dialogs: the confirmation asked before going online when the quota cannot pay for it (a
quota outage ahead of its reset, or no calls left above the reserve)."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmOnline(ModalScreen[bool | str]):
    """"Go online before the quota reset?" — answers True to go online, False to stay offline,
    ``"manual"`` to stay offline as a manual offline that keeps the reset (runbook 3.2: during
    a quota outage ``f`` means "End offline", so this is where the manual offline is taken)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Go online anyway"),
        Binding("n,escape", "answer(False)", "Stay offline"),
        Binding("m", "manual", "Manual offline"),
    ]

    def __init__(self, message: Callable[[], str], *,
                 title: str = "Go back online before the quota reset?", manual: bool = True) -> None:
        """``message`` says what going online costs from the app's state as it is now: asked
        again at every poll and tick, so the dialog follows the quota (a refill, the reset
        coming closer) while it is up."""
        super().__init__(id="confirm-online")
        self.message = message
        self.title_text = title
        self.manual = manual  # offer the manual offline that keeps a pending reset

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="dialog-title", markup=False)
            yield Static(self.message(), id="dialog-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("y  Go online", id="yes", variant="warning")
                if self.manual:
                    yield Button("m  Manual offline", id="manual")
                yield Button("n  Stay offline", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()
        for name in ("snapshot", "shown_at"):
            self.watch(self.app, name, self._follow, init=False)

    def _follow(self) -> None:
        self.query_one("#dialog-text", Static).update(self.message())

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_manual(self) -> None:
        if self.manual:
            self.dismiss("manual")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss("manual" if event.button.id == "manual" else event.button.id == "yes")
