"""Find and filter, for the Dashboard, Predictions and Odds screens: ``/`` searches teams and
leagues, ``S`` cycles the sort, ``*`` pins the selected fixture (the watchlist, shown first),
``F`` toggles leagues and bookmakers. Filters and pins live in the shared store, so they are
remembered across restarts. The logic is in :mod:`oddsmon.domain.selection`; this module holds
the app's state, the two dialogs and the app's actions (:class:`DeskActions`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, SelectionList, Static
from textual.widgets.selection_list import Selection as Choice

from ..domain.selection import Numbers, Selection, next_sort
from .host import DeskState, Host

if TYPE_CHECKING:
    from ..domain.market import Headline

SEARCHABLE = ("dashboard", "predictions", "odds")  # the screens that list fixtures

DESK_BINDINGS = [
    Binding("slash", "search", "Search", tooltip="Find a team or a league"),
    Binding("S", "sort", "Sort", show=False, tooltip="Sort by kickoff, league, best price, margin, value"),
    Binding("asterisk", "pin", "Pin", show=False, tooltip="Pin or unpin the selected fixture (shown first)"),
    Binding("F", "filters", "Filters", show=False, tooltip="Show or hide leagues and bookmakers"),
]


def headline_numbers(headlines: Mapping[int, Headline]) -> dict[int, Numbers]:
    """The Dashboard's sortable figures: the best home price, lowest margin, largest value."""
    return {fid: Numbers(h.best[0].price if h.best and h.best[0] is not None else None, h.margin, h.edge)
            for fid, h in headlines.items()}


class SearchDialog(ModalScreen[str | None]):
    """One line of text: enter searches (empty clears), escape leaves it as it was."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str) -> None:
        super().__init__(id="search-dialog")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Search teams and leagues (empty: show all)", markup=False)
            yield Input(self.current, placeholder="e.g. arsenal, ligue 1", id="search-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class FiltersDialog(ModalScreen[None]):
    """Leagues and bookmakers, ticked when shown; each toggle is saved at once."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, leagues: Mapping[int, str], bookmakers: Mapping[int, str], state: DeskState) -> None:
        super().__init__(id="filters-dialog")
        self.leagues, self.bookmakers, self.state = leagues, bookmakers, state

    def compose(self) -> ComposeResult:
        hidden_l, hidden_b = self.state.selection.hidden_leagues, self.state.hidden_bookmakers
        choices: list[Choice[str]] = [Choice(f"league  {name}", f"l:{lid}", lid not in hidden_l)
                                      for lid, name in sorted(self.leagues.items(), key=lambda x: x[1])]
        choices += [Choice(f"bookie  {name}", f"b:{bid}", bid not in hidden_b)
                    for bid, name in sorted(self.bookmakers.items(), key=lambda x: x[1])]
        with Vertical(id="dialog"):
            yield Static("Shown leagues and bookmakers (space toggles, escape closes)", markup=False)
            yield SelectionList[str](*choices, id="filters-list")

    async def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        shown = set(event.selection_list.selected)
        hidden_l = frozenset(lid for lid in self.leagues if f"l:{lid}" not in shown)
        hidden_b = frozenset(bid for bid in self.bookmakers if f"b:{bid}" not in shown)
        self.state.selection = replace(self.state.selection, hidden_leagues=hidden_l)
        self.state.hidden_bookmakers = hidden_b
        await cast(Host, self.app).service.save_filters(hidden_l, hidden_b)

    def action_close(self) -> None:
        self.dismiss(None)


class DeskApp(Host, Protocol):
    """What the desk's actions use of the app they are mixed into."""

    _desk: DeskState | None

    @property
    def screen(self) -> Screen[object]: ...

    def push_screen(self, screen: Screen[Any], callback: Callable[[Any], None] | None = None) -> object: ...

    def _reload(self) -> None: ...


class DeskActions:
    """The app's search, sort, pin and filter actions (mixed into :class:`OddsmonApp`)."""

    _desk: DeskState | None = None

    @property
    def desk(self) -> DeskState:
        """The desk, once :meth:`load_desk` read it (every page load awaits that first)."""
        if self._desk is None:
            raise RuntimeError("the desk is read before load_desk()")
        return self._desk

    async def load_desk(self: DeskApp) -> DeskState:
        """The saved filters and pins, read once from the store (on the engine's thread);
        every page load awaits this first, so it is also where a page waits for the engine."""
        if self._desk is None:
            service = await self.engine_up()
            leagues, books = await service.filters()
            pinned = frozenset(await service.pinned())
            if self._desk is None:  # a concurrent load may have finished meanwhile
                self._desk = DeskState(Selection(hidden_leagues=leagues), pinned, books)
        return self._desk

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("search", "sort", "pin", "filters"):
            mode = getattr(self, "current_mode", "")
            return mode in SEARCHABLE
        return super().check_action(action, parameters)  # type: ignore[misc]

    def _reload(self: DeskApp) -> None:
        from .base import PageScreen

        if isinstance(self.screen, PageScreen):
            self.screen.load()

    async def action_search(self: DeskApp) -> None:
        desk = await self.load_desk()

        def done(query: str | None) -> None:
            if query is not None:
                desk.selection = replace(desk.selection, query=query)
                self._reload()

        self.push_screen(SearchDialog(desk.selection.query), done)

    async def action_sort(self: DeskApp) -> None:
        desk = await self.load_desk()
        desk.selection = replace(desk.selection, sort=next_sort(desk.selection.sort))
        self.notify(f"Sorted by {desk.selection.sort}.", title="Sort")
        self._reload()

    async def action_pin(self: DeskApp) -> None:
        desk = await self.load_desk()
        fid = self.selected_fixture
        if fid is None:
            self.notify("No fixture selected to pin.", title="Pin", severity="warning")
            return
        pinned = await self.service.toggle_pin(fid)
        desk.pinned = frozenset(await self.service.pinned())
        self.notify(f"Fixture {fid} {'pinned: shown first' if pinned else 'unpinned'}.", title="Pin")
        self._reload()

    async def action_filters(self: DeskApp) -> None:
        service = await self.engine_up()
        fixtures = await service.fixtures()
        books = await service.bookmakers()
        leagues = {f.league_id: f.league_name for f in fixtures.data or []}
        names = {b.id: b.name for b in books.data or []}

        def done(_: None) -> None:
            self._reload()

        self.push_screen(FiltersDialog(leagues, names, await self.load_desk()), done)
