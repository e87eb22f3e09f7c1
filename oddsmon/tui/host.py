"""What screens and widgets may ask of the app, and the messages they send it.

Screens and the sidebar are composed by the app, yet they need its shared state (the snapshot,
the selected fixture, the display choices) and its services. They see the app through the
:class:`Host` protocol below rather than the app class itself, so ``tui/app.py`` imports the
screens and no screen imports the app back. They *tell* the app something by posting a message
(:class:`FixtureSelected`, :class:`PageLoaded`), which the app handles with ``@on``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.message import Message

from ..domain.selection import Numbers, Selection, arrange

if TYPE_CHECKING:  # types only: the first frame is painted before httpx and the store load
    from ..config import Settings
    from ..domain.models import Fixture
    from ..engine.runtime import EngineClient
    from ..engine.service import Provenance
    from ..supervision.metrics import Snapshot
    from ..types import FairMethod, PriceFormat


@dataclass(frozen=True, slots=True)
class WarmProgress:
    done: int
    total: int
    label: str


@dataclass
class DeskState:
    """The desk every fixture list is arranged by: the search, sort and filters, the pins."""

    selection: Selection = field(default_factory=Selection)
    pinned: frozenset[int] = frozenset()
    hidden_bookmakers: frozenset[int] = frozenset()
    # The last list arranged, as it was given, with its desk and what it gave: the Odds screen
    # arranges the service's same memoised list of 2,000 fixtures at every fixture switch, and
    # sorting it again took some 80 ms of the screen's thread. Holding the list keeps its
    # identity from being reused by another.
    _last: tuple[list[Fixture], Selection, frozenset[int], list[Fixture]] | None = field(
        default=None, repr=False, compare=False)

    def arrange(self, fixtures: Iterable[Fixture], numbers: Mapping[int, Numbers] | None = None) -> list[Fixture]:
        if numbers is not None or not isinstance(fixtures, list):
            return arrange(fixtures, self.selection, pinned=self.pinned, numbers=numbers)
        last = self._last
        if last is None or last[0] is not fixtures or last[1] != self.selection or last[2] != self.pinned:
            last = self._last = (fixtures, self.selection, self.pinned,
                                 arrange(fixtures, self.selection, pinned=self.pinned))
        return list(last[3])

    def describe(self, shown: int, total: int) -> str:
        text = self.selection.describe(shown, total)
        pins = f"{len(self.pinned)} pinned" if self.pinned else ""
        return " · ".join(x for x in (text, pins) if x)


@runtime_checkable
class Host(Protocol):
    """The app as its screens see it. The four shared values are reactives on the app:
    screens and the sidebar watch them rather than being handed them."""

    settings: Settings  # known from the start; the engine and its service come up after
    demo: bool  # on the bundled simulator (--demo)

    @property
    def service(self) -> EngineClient: ...  # the engine, as screens may use it: nothing else of it

    snapshot: Snapshot | None  # the last supervision snapshot polled from the shared store
    selected_fixture: int | None  # shared by Dashboard, Predictions, Odds and Live
    price_format: PriceFormat
    fair_method: FairMethod
    warm_progress: WarmProgress | None
    shown_at: datetime  # the instant the screens show, set by the app's tick

    @property
    def tz(self) -> tzinfo: ...

    @property
    def desk(self) -> DeskState: ...

    async def load_desk(self) -> DeskState: ...

    async def engine_up(self) -> EngineClient: ...

    @property
    def engine_ready(self) -> bool: ...

    def now(self) -> datetime: ...

    def reporting(self, what: str, *, once: str | None = None) -> AbstractContextManager[None]: ...

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = False, topic: str = "") -> None: ...

    def show_messages(self) -> None: ...

    def poll_now(self) -> None: ...


class FixtureSelected(Message):
    """A screen's cursor or picker chose a fixture; ``open_odds`` asks for its Odds screen."""

    def __init__(self, fixture_id: int, *, open_odds: bool = False) -> None:
        super().__init__()
        self.fixture_id = fixture_id
        self.open_odds = open_odds


class PageLoaded(Message):
    """A screen showed a page; the app says what the analyst should know about it (a
    refresh's outcome, an error, leagues left out)."""

    def __init__(self, label: str, provenance: Provenance, *, forced: bool) -> None:
        super().__init__()
        self.label = label
        self.provenance = provenance
        self.forced = forced
