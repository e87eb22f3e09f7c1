"""``?`` / F1: the current screen's keys, then a short glossary; Escape closes it.

Built from what is bound where the user stands (the screen's and the app's bindings, not the
widgets' dozen scroll keys), so a new screen gets its help for free; new terms go in
:data:`GLOSSARY`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

HELP_KEYS = "question_mark,f1"

# Term -> one explanation a new analyst can act on. Order is reading order.
GLOSSARY: dict[str, str] = {
    "Margin": "the bookmaker's cut: sum of 1/price over the outcomes, minus 1. "
              "4.87% means the prices are about 5% worse than fair.",
    "Fair odds": "the prices with the margin taken out, so the implied probabilities add up to "
                 "100%. Methods (key v): multiplicative (scale every probability alike), additive "
                 "(take the same amount off each), power, shin (allows for insider money) and "
                 "odds_ratio; they differ most on long shots.",
    "Market": "the fair probability averaged over the bookmakers (Fair view table).",
    "Predicted": "the API's prediction for the outcome, beside the market's view.",
    "Value": "expected return of the best price against the market's fair probability: "
             "best price x fair probability - 1. Positive (bold) is a value bet.",
    "Arbitrage": "the best prices of every outcome, at different bookmakers, add up to less "
                 "than 100% implied: staking as shown wins the same whatever the result.",
    "A / V": "Dashboard markers: A an arbitrage on that match, V a value bet on it.",
    "Best": "the highest price per outcome and the bookmaker offering it (bold underlined "
            "in the table).",
    "Age / stale": "how old the cached copy on screen is; stale means past its freshness "
                   "and not refetched (offline, or the fetch failed).",
    "Offline reasons": "user (someone pressed f or ran oddsmon --offline), network (the API "
                       "cannot be reached), quota (the day's calls are used up, or the "
                       "reserve is reached).",
}


def _declared(cls: type) -> set[tuple[str, str]]:
    """(action, key) of each binding oddsmon's classes declare (the class and its oddsmon
    bases), never one inherited from Textual's (a screen's focus and copy keys)."""
    return {(b.action, key.strip()) for klass in cls.__mro__ if klass.__module__.startswith("oddsmon.")
            for b in vars(klass).get("BINDINGS", ()) if isinstance(b, Binding)
            for key in b.key.split(",")}


def key_lines(screen: Screen[Any]) -> list[str]:
    """The screen's own keys one a line with what they do (those whose name says it all, like
    Page up, together on one), then the keys that work on every screen packed on a line or two
    (so the glossary starts on the first page at 80x24).

    Only oddsmon's own: those its app and screen classes declare, not Textual's focus, copy
    and quit keys nor a widget's dozen scroll keys.
    """
    own, everywhere = _declared(type(screen)), _declared(type(screen.app))
    lines: list[str] = []
    plain: list[str] = []  # the screen's keys that need no word more (Page up): one line for all
    plain_at = 0
    common: list[str] = []
    seen: set[str] = set()  # actions: ? and F1 are one help, Textual's ctrl+q is our q
    for active in screen.active_bindings.values():
        binding = active.binding
        if not active.enabled or not binding.description or binding.system or binding.action in seen:
            continue
        shown = screen.app.get_key_display(binding)
        if active.node is screen and (binding.action, binding.key) in own:
            what = binding.tooltip or binding.description
            if what == binding.description:
                plain_at = plain_at if plain else len(lines)
                plain.append(f"{shown:>6}  {what}" if not plain else f"{shown}  {what}")
            else:
                lines.append(f"{shown:>6}  {binding.description}: {what}")
        elif active.node is screen.app and (binding.action, binding.key) in everywhere:
            common.append(f"{shown} {binding.description}")
        else:
            continue
        seen.add(binding.action)
    if plain:
        lines.insert(plain_at, " · ".join(plain))
    if common:
        # The help box's text width (its padding and scrollbar off the terminal's).
        lines.extend(packed("Everywhere:", common, screen.app.size.width - 4))
    return lines


def packed(head: str, items: list[str], width: int) -> list[str]:
    """``head`` then ``items`` joined by `` · `` in lines of at most ``width`` characters, each
    line broken between two items (never inside ``f Go offline``)."""
    lines = [head]
    for item in items:
        joined = f"{lines[-1]} · {item}" if lines[-1] != head else f"{head} {item}"
        if len(joined) + len(" ·") <= width or lines[-1] == head:  # room left for the " ·"
            lines[-1] = joined
        else:
            lines[-1] += " ·"
            lines.append(item)
    return lines


def glossary_lines(glossary: dict[str, str]) -> Iterable[str]:
    for term, text in glossary.items():
        yield f"{term}: {text}"


class HelpScreen(ModalScreen[None]):
    """The help for one screen, over the whole terminal (80x24 loses nothing to a side panel)."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, title: str, keys: list[str], intro: str = "", extra: str = "") -> None:
        """``extra``: a last section (the demo's way to a real key)."""
        super().__init__(id="help-screen")
        self.title_text = title
        self.keys = keys
        self.intro = intro
        self.extra = extra

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            more = " · a real key: at the end" if self.extra else ""
            yield Static(f"Help: {self.title_text} (Escape closes{more})", classes="overlay-title",
                         markup=False)
            if self.intro:
                yield Static(self.intro, classes="help-block", markup=False)
            yield Static("Keys", classes="help-head", markup=False)
            yield Static("\n".join(self.keys), classes="help-block", markup=False)
            yield Static("Glossary", classes="help-head", markup=False)
            yield Static("\n".join(glossary_lines(GLOSSARY)), classes="help-block", markup=False)
            if self.extra:
                yield Static("A real key", classes="help-head", markup=False)
                yield Static(self.extra, classes="help-block", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
