"""Messages that hide nothing: one line above the footer, and the whole log on a key.

Textual's toasts stack over the right half of an 80x24 terminal, which is where the prices and
the Value column are. oddsmon's messages go to a log instead; the line under the content shows
the newest with how many more there are, and ``l`` opens the log. A message about a state (the
mode, the fair method, one match's price drops) carries a *topic*: a newer message on the same
topic replaces the older one, so a stale "OFFLINE" never sits above "back ONLINE".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from . import fmt

LOG_KEY = "M"  # l is the Live screen
KEEP = 100  # messages kept for the log; older ones are dropped
MARKS = {"information": " ", "warning": "!", "error": "✖"}  # readable without colour


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    text: str
    title: str = ""
    severity: str = "information"
    topic: str = ""  # "" for an event of its own; else the state it describes


class MessageLog:
    """The app's messages, newest last (pure: no Textual, so tests read it directly)."""

    def __init__(self) -> None:
        self.notes: list[Note] = []

    def add(self, note: Note) -> None:
        if note.topic:
            self.notes = [n for n in self.notes if n.topic != note.topic]
        self.notes.append(note)
        del self.notes[:-KEEP]

    def end(self, topic: str) -> bool:
        """The state ``topic`` described holds no more: its message goes (True if there was one)."""
        kept = [n for n in self.notes if n.topic != topic]
        ended, self.notes = len(kept) != len(self.notes), kept
        return ended

    @property
    def latest(self) -> Note | None:
        return self.notes[-1] if self.notes else None


def note_line(note: Note, tz: tzinfo, now: datetime) -> str:
    """``! 10:02:11 CET Offline: oddsmon is OFFLINE (quota)``: the time carries its zone."""
    title = f"{note.title}: " if note.title else ""
    return f"{MARKS.get(note.severity, ' ')} {fmt.stamp_zone(note.at, tz, now)} {title}{note.text}"


class MessageBar(Static):
    """The newest message on one line, under the content and above the footer."""

    def __init__(self) -> None:
        super().__init__("", id="messages", markup=False)

    def show(self, log: MessageLog, tz: tzinfo, now: datetime) -> None:
        note = log.latest
        if note is None:
            self.update(Text(f"  no messages · {LOG_KEY} log · ? help", style="dim"))
            self.set_classes("")
            return
        more = len(log.notes) - 1
        hint = f" · {more} more: {LOG_KEY}" if more else ""
        text = Text(note_line(note, tz, now).replace("\n", " "), no_wrap=True, overflow="ellipsis")
        text.append(hint, style="dim")
        self.update(text)
        self.set_classes(f"-{note.severity}")


class MessagesScreen(ModalScreen[None]):
    """Every message kept, newest first; Escape (or ``l``, ``q``) closes it."""

    BINDINGS = [Binding(f"escape,{LOG_KEY},q", "dismiss_log", "Close")]

    def __init__(self, log: MessageLog, tz: tzinfo, now: datetime) -> None:
        super().__init__(id="messages-screen")
        self.lines = [note_line(n, tz, now) for n in reversed(log.notes)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="log-box"):
            yield Static("Messages, newest first (Escape closes)", classes="overlay-title",
                         markup=False)
            yield Static("\n".join(self.lines) or "No messages yet.", markup=False)

    def action_dismiss_log(self) -> None:
        self.dismiss(None)
