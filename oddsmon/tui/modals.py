"""Dialogs: the confirmation asked before leaving a quota outage ahead of the reset."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmOnline(ModalScreen[bool]):
    """"Go online before the quota reset?" — answers True to go online, False to stay offline."""

    BINDINGS = [
        Binding("y", "answer(True)", "Go online anyway"),
        Binding("n,escape", "answer(False)", "Stay offline"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__(id="confirm-online")
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Go back online before the quota reset?", id="dialog-title",
                         markup=False)
            yield Static(self.message, id="dialog-text", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("y  Go online", id="yes", variant="warning")
                yield Button("n  Stay offline", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")
