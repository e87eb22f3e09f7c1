"""Odds: one fixture, one market, a row per bookmaker with its prices and its margin.

The analysis comes ready-made from ``Service.market`` (:class:`~oddsmon.domain.market.MarketView`):
best price per outcome (highlighted), margins, fair view, value, arbitrage, movement. This
screen lays it out; the odds analytics grow in :meth:`OddsScreen.render_analytics` and the
``#odds-analytics`` container without touching the rest.

Keys: ``g`` picks the fixture, ``.`` / ``,`` step to the next / previous one in its order (read
ahead while the analyst reads this one, so shown in the frame the key makes), ``m`` cycles every
bet the fixture is priced in (the catalogue's :data:`oddsmon.domain.markets.SPECS` in its order,
then any other the API sends), ``j`` jumps to one by name (type to filter), ``]`` / ``[`` the
next / previous line (Over/Under 2.5 first); the market chosen stays chosen on the next fixture.
``v`` cycles the margin-removal method, ``n`` the consensus (all bookmakers, the reference
bookmaker, outliers dropped), ``k`` what value stakes are sized against (the market's fair view
or the prediction), ``c`` cycles the price format (decimal, fractional, American), ``a`` records
a pick: the price under the cell cursor, with its Kelly stake, and ``h`` charts that outcome's
price at every bookmaker over time; with the focus on the Fair view (Tab), both act on the best
price of the outcome under its cursor. The screen
opens on the fixture selected elsewhere (Dashboard, Predictions), else the next by kickoff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.css.scalar import Scalar
from textual.events import Resize
from textual.widgets import DataTable, Select, Sparkline, Static

from ..domain.chart import price_chart
from ..domain.market import CONSENSUS_MODES, MarketView, OutcomeView
from ..domain.markets import BY_ID, SPECS, split_label
from ..domain.middles import Middle
from ..domain.models import MATCH_WINNER, Fixture
from ..domain.odds import (
    FAIR_METHODS,
    PRICE_FORMATS,
    amount_text,
    arbitrage_stakes,
    format_price,
    kelly_fraction,
    money,
    round_stake,
    share_stake,
    stake_text,
)
from ..engine.runtime import NewPick
from ..engine.service import Page
from ..types import FairMethod, PriceFormat
from . import fmt
from .base import REFRESH_KEY, WARM_KEY, PageScreen
from .chart import CHART_W, MovementDialog, chart_text
from .columns import cut, fitting, rotating
from .dashboard import match_name
from .host import FixtureSelected
from .market_picker import MarketPicker
from .tables import refill, retext

STAKE_BASES = ("market", "prediction")  # what a value stake is sized against
MOVE_ROWS = 10  # movement rows made once: HT/FT's nine outcomes, the eight likeliest scores
MIDDLES_SHOWN = 3  # the middles with the smallest worst case, below the arbitrage banner
BOOK_FLOOR = 4  # the bookmaker table's least: its header and three rows (two over a scrollbar)
LOADING_OPACITY = 0.5  # the last fixture's prices while the next one loads slowly
LOADING_DIM_S = 0.5  # a read taking this long dims them (at the app's next tick)


@dataclass(frozen=True, slots=True)
class OddsView:
    fixtures: list[Fixture]  # the picker's choices, by kickoff
    fixture: Fixture | None  # the one shown
    market: MarketView | None  # None when its odds were never cached
    closes: dict[str, float] = field(default_factory=dict)  # started fixtures: the close per outcome


def margin_text(margin: float | None) -> str:
    """A bookmaker's margin as a percentage with two decimals: ``0.0487 -> "4.87%"``."""
    return "—" if margin is None else f"{margin * 100:.2f}%"


def pct_text(p: float | None, signed: bool = False) -> str:
    """A probability or a return as a percentage with one decimal: ``0.312 -> "31.2%"``."""
    if p is None:
        return "—"
    return f"{p * 100:+.1f}%" if signed else f"{p * 100:.1f}%"


def move_text(outcome: OutcomeView, style: PriceFormat, close: float | None = None) -> str:
    """Opening price, current price, change: ``3.40→3.29 ▼-3.2%``; once the fixture started,
    with its close between them: ``3.40→3.35→3.29``."""
    mv = outcome.movement
    if mv.opening is None or mv.current is None:
        return "no history yet"
    change = mv.change_pct or 0.0
    middle = "" if close is None else f"{format_price(close, style)}→"
    return (f"{format_price(mv.opening, style)}→{middle}{format_price(mv.current, style)} "
            f"{mv.arrow}{change:+.1f}%")


def price_at(market: MarketView, outcome: str | None, bookmaker: str) -> tuple[int, int] | None:
    """(bookmaker row, outcome index) of ``bookmaker``'s price of ``outcome`` (the first
    outcome when None), else of that outcome's best price; None when the market has neither."""
    labels = market.labels
    column = 0 if outcome is None else labels.index(outcome) if outcome in labels else -1
    if column < 0:
        return None
    rows = [i for i, r in enumerate(market.rows) if r.bookmaker.name == bookmaker and r.prices[column] is not None]
    rows += [i for i, r in enumerate(market.rows) if r.best[column]]
    return (rows[0], column) if rows else None


def outcome_window(widths: list[int], room: int, start: int) -> tuple[list[int], int | None]:
    """The outcome columns (indexes into ``widths``, each its content and padding) that fit
    ``room`` one after another from ``start``, and where the next ``x`` starts (None: they all
    fit). A window of neighbours, never wrapped round, so it reads "outcomes 5-8 of 9"; after
    the last window, the first again."""
    if sum(widths) <= room:
        return list(range(len(widths))), None
    start = start if 0 <= start < len(widths) else 0
    shown = [start + i for i in rotating(widths[start:], room, 0)]
    return shown, shown[-1] + 1 if shown[-1] + 1 < len(widths) else 0


def pick_fixture(fixtures: list[Fixture], selected: int | None) -> Fixture | None:
    """The selected fixture if it is in the list, else the next upcoming one, else the first."""
    for fx in fixtures:
        if fx.id == selected:
            return fx
    return next((fx for fx in fixtures if fx.is_upcoming), fixtures[0] if fixtures else None)


def stepped(ids: list[int], at: int | None, step: int) -> int:
    """The id ``step`` places from ``at`` in ``ids`` (non-empty), round from the last to the first
    and back; from the first (or the last, going back) when ``at`` is not in it."""
    i = ids.index(at) if at in ids else -1 if step > 0 else 0
    return ids[(i + step) % len(ids)]


def share_height(room: int, book: int, fair: int, floor: int = BOOK_FLOOR) -> tuple[int, int]:
    """The lines the bookmaker table and the Fair view get of ``room`` (the page's height less
    the lines between them), given the lines each takes whole (``book``, ``fair``: header, rows,
    scrollbar). The Fair view whole first (every outcome's price, fair, value and stake on the
    first screen: HT/FT's nine at 80x24), the bookmaker table what is left down to ``floor``
    (it scrolls under its header, its cursor in view); past that the Fair view scrolls too."""
    if book + fair <= room:
        return book, fair
    book_lines = max(min(book, floor), room - fair)
    return book_lines, max(min(fair, floor), room - book_lines)


# The Fair view's columns (label, its narrower form): price, fair, value and stake first, what
# 80 columns must show; where the rest do not all fit, a few at a time (x shows the next ones).
# Stakes are money: the full label says its currency (the narrower leaves it to the title).
FAIR_COLUMNS = (("Outcome", "Outcome"), ("Best", "Best"), ("Fair", "Fair"), ("Value", "Value"),
                ("Stake {currency}", "Stake"), ("at", "at"), ("Market", "Mkt"), ("Predicted", "Pred"),
                ("Value/pred", "V/pred"))
FAIR_ESSENTIAL = 5  # the first five: always shown
CELL_PADDING = 1  # the Fair view's, on each side of a cell


class OddsTable(DataTable[Any]):
    """The bookmaker table; the best-price style lives in the stylesheet."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"odds-table--best"}


class OddsScreen(PageScreen):
    PAGE = "odds"
    BINDINGS = [
        Binding("g", "pick_fixture", "Fixture", tooltip="Choose the fixture"),
        # The next and previous fixture in the picker's order without opening it: what flicking
        # through a day's fixtures wants, and a switch with no drop-down to close and lay out.
        Binding("full_stop", "step_fixture(1)", "Next", key_display=".",
                tooltip="The next fixture in the picker's order"),
        # Its name says it all: on the help's line of such keys (the glossary starts on its
        # first page at 80x24).
        Binding("comma", "step_fixture(-1)", "Previous fixture", key_display=",", show=False),
        Binding("m", "next_market", "Market", tooltip="Every bet the fixture is priced in, one after another"),
        Binding("j", "find_market", "Find market", tooltip="Jump to a bet by name (type to filter)"),
        # ] and [ step through lines: l is the Live screen's key on every screen.
        Binding("right_square_bracket", "next_line(1)", "Line", key_display="]",
                tooltip="The next line (Over/Under, handicaps)"),
        Binding("left_square_bracket", "next_line(-1)", "Line back", key_display="[", show=False,
                tooltip="The previous line"),
        Binding("v", "next_method", "Method", tooltip=", ".join(FAIR_METHODS)),
        Binding("n", "next_consensus", "Consensus",
                tooltip="All bookmakers, the reference bookmaker, or no outliers"),
        Binding("k", "next_basis", "Stake vs", tooltip="Size value stakes against the market or the prediction"),
        Binding("a", "add_pick", "Pick", tooltip="Record a pick: the price under the cursor, with its stake"),
        # Only where the Fair view's columns or the bookmaker table's outcomes do not all fit
        # (80 columns; HT/FT at 100): before the keys the footer leaves to ? there (Chart,
        # Format), so that it shows.
        Binding("x", "more_columns", "Columns",
                tooltip="The outcomes and columns left out, a few at a time"),
        Binding("h", "chart", "Chart", tooltip="The price movement of the outcome under the cursor"),
        Binding("c", "next_format", "Format", tooltip="Prices as decimal, fractional or American"),
        # At 80x24 the value table is below the fold: the page keys scroll the screen, not
        # the bookmaker table's cursor (priority: the focused table would take them first).
        Binding("pagedown", "page('down')", "Page down", show=False, priority=True),
        Binding("pageup", "page('up')", "Page up", show=False, priority=True),
    ]

    # The reads a page makes once shown (the pages beside it, the one read ahead again) wait
    # this long after its frame: the terminal draws the frame first. At once, they took a core
    # from it on a loaded machine (2 cores: the frame reached the screen tens of ms later).
    AFTER_FRAME_S: ClassVar[float] = 0.15

    # The footer's first keys after help, quit and offline, whatever the footer's room (the
    # offline key's longer label at 80x24 left x out): the fixture, the market, a pick, and x,
    # without which the columns left out cannot be read.
    FOOTER_FIRST: ClassVar[tuple[str, ...]] = ("pick_fixture", "next_market", "add_pick", "more_columns")

    market_id: int = MATCH_WINNER
    market_title: str = BY_ID[MATCH_WINNER].title  # the chosen bet's name, kept where it is not priced
    line: str = ""  # "" until the market's lines are known: its usual one is then chosen
    consensus: str = CONSENSUS_MODES[0]
    stake_basis: str = STAKE_BASES[0]
    _view: OddsView | None = None
    # Where the cell cursor goes once the page shows: (outcome label or None for the first,
    # bookmaker); set by the Value screen's door.
    _cursor_at: tuple[str | None, str] | None = None
    _picker_choices: tuple[tuple[int, ...], date] | None = None  # what the picker was filled with
    _listed: list[Fixture] | None = None  # the fixtures the load under way chooses from (None: read them)
    _loading_since: datetime | None = None  # when the fixture loading was chosen (None: none is)
    # The neighbours' pages read ahead, each with the choices it was read under (_choice).
    _ahead: dict[int, tuple[tuple[object, ...], Page[OddsView]]] = {}  # replaced whole, never changed in place
    # The Fair view's optional columns: the first shown, and the next ``x`` shows (None: all fit).
    _fair_start: int = 0
    _fair_next: int | None = None
    # The bookmaker table's outcome columns likewise (HT/FT's nine, a score's dozens do not fit
    # 100 columns): the outcomes shown, in column order, the first and the next ``x`` shows.
    _book_shown: tuple[int, ...] = ()
    _book_start: int = 0
    _book_next: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Select[int]([], prompt="fixture", allow_blank=True, compact=True, id="fixture-picker")
        # Above the scrolling body: the market's name stays whatever is scrolled or focused.
        yield Static("", id="market-line", markup=False)
        with VerticalScroll(id="odds-body"):
            # A cell cursor: a pick is one bookmaker's price for one outcome.
            # The bookmaker's name stays while the cursor goes right through many outcomes.
            yield OddsTable(id="odds-table", cursor_type="cell", zebra_stripes=True, fixed_columns=1)
            yield Static("", id="best-line", markup=False)
            yield Static("", id="market-note", markup=False)
            with Vertical(id="odds-analytics"):
                yield Static("", id="arb-banner", classes="arbitrage", markup=False)
                yield Static("", id="fair-title", classes="analytics-title", markup=False)
                # A row cursor: ``a`` and ``h`` act on its outcome's best price from here too.
                yield DataTable(id="fair-table", cursor_type="row", cell_padding=CELL_PADDING)
                # Under the Fair view: at 80x24 its price, fair, value and stake come first.
                yield Static("", id="middles", markup=False)
                yield Static("Movement since the first price stored (market mean)",
                             classes="analytics-title", markup=False)
                # Rows made once and refilled; a bet with more outcomes shows the first ones.
                for i in range(MOVE_ROWS):
                    with Horizontal(id=f"move-{i}", classes="move-row"):
                        yield Static("", classes="move-label", markup=False)
                        yield Sparkline([0.0], classes="move-spark")
                        yield Static("", classes="move-text", markup=False)

    @property
    def method(self) -> FairMethod:
        return self.oddsmon.fair_method

    @property
    def price_style(self) -> PriceFormat:
        return self.oddsmon.price_format

    @property
    def shown(self) -> MarketView | None:
        """The market on screen, as its tables show it (None before the first page)."""
        return None if self._view is None else self._view.market

    @property
    def read_ahead(self) -> frozenset[int]:
        """The fixtures whose pages are read ahead: chosen, they are drawn in the key's frame."""
        return frozenset(self._ahead)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#odds-table").focus()
        self.watch(self.app, "selected_fixture", self._fixture_selected, init=False)
        # The picker's value, watched rather than its Changed message: the choice is seen as the
        # drop-down makes it, so a fixture read ahead is drawn with the drop-down's closing, in
        # one layout and paint (Changed comes after the closing's own frame).
        self.watch(self.query_one("#fixture-picker", Select), "value", self._picked, init=False)
        for choice in ("price_format", "fair_method"):
            self.watch(self.app, choice, self._view_changed, init=False)

    def on_screen_resume(self) -> None:
        """Shown again, or for the first time after being built while idle: a fixture chosen
        elsewhere since (the Dashboard's cursor) is not the one drawn here. Its loading sign,
        not the other fixture's prices, until it is read (PageScreen's resume reads it)."""
        view, chosen = self._view, self.oddsmon.selected_fixture
        if view is not None and view.fixture is not None and chosen is not None \
                and chosen != view.fixture.id and self.app.screen is self:
            self.show_loading(chosen)

    def _fixture_selected(self, fixture_id: int | None) -> None:
        """Another fixture chosen here (the picker, . and ,) while on show: its page read ahead
        drawn at once, in the frame the key makes (then read again, for what changed since),
        else its loading sign while it is read."""
        view = self._view
        shown = None if view is None or view.fixture is None else view.fixture.id
        if view is None or fixture_id is None or fixture_id == shown or self.app.screen is not self:
            return
        if view.market is not None and shown is not None and self.provenance is not None:
            # The page left is beside the next one: back to it at once too.
            self._ahead = {**self._ahead, shown: (self._choice(), Page(view, self.provenance))}
        ahead = self._ahead.get(fixture_id)
        if ahead is not None and ahead[0] == self._choice() and ahead[1].data is not None \
                and ahead[1].data.fixtures is view.fixtures:
            # A read still under way (a fixture chosen before) would draw its page over this one.
            self.workers.cancel_group(self, "page")
            # Read again once it is on the terminal, for what changed since.
            self.set_timer(self.AFTER_FRAME_S, self.load_choice)
            self._present(ahead[1], False)
            # All of it in the next frame: each widget changed says so when it is next idle, and
            # the frame a key makes comes at once, before some have (the Fair view a frame later,
            # behind the read again). The screen repainted whole draws what each holds now.
            self.refresh()
            return
        self.show_loading(fixture_id)
        self.load_choice()

    def _view_changed(self) -> None:
        """The price format or the fair method changed: the page is read again in it."""
        if self.app.screen is self:
            self.load_choice()

    def load(self, force: bool = False, *, listed: list[Fixture] | None = None) -> None:
        """``listed``: the fixtures to choose from, not read again (None: read them)."""
        self._listed = listed or None
        super().load(force)

    def load_choice(self) -> None:
        """Load after a choice made on this screen (a fixture in its picker, a market, a line,
        the consensus, the method or the format): the market again, chosen from the fixtures the
        picker lists, which are not read and sorted again (2,000 of them took most of the
        service's part of a fixture switch). A reload (the refresh key, the page expired, the
        screen shown again) reads them."""
        self.load(listed=None if self._view is None else self._view.fixtures)

    async def fetch(self) -> Page[OddsView]:
        service = self.oddsmon.service
        ordered, listing = self._listed, None
        if ordered is None:
            fixtures = await service.fixtures()
            if fixtures.data is None:
                return Page(None, fixtures.provenance)
            ordered, listing = self.oddsmon.desk.arrange(fixtures.data), fixtures.provenance
        fx = pick_fixture(ordered, self.oddsmon.selected_fixture)
        if fx is None:
            assert listing is not None  # a list given is never empty: it gives a fixture
            return Page(OddsView(ordered, None, None), listing)
        return await self._page_of(ordered, fx)

    async def _page_of(self, ordered: list[Fixture], fx: Fixture) -> Page[OddsView]:
        """``fx``'s page as the choices made on this screen have it, among ``ordered``."""
        service = self.oddsmon.service
        market = await service.market(fx.id, self.market_id, method=self.method, line=self.line,
                                      consensus=self.consensus,
                                      hidden_bookmakers=self.oddsmon.desk.hidden_bookmakers)
        closes = {} if fx.kickoff > self.oddsmon.now() else await service.closing_means(fx.id, self.market_id)
        return Page(OddsView(ordered, fx, market.data, closes), market.provenance)

    def _choice(self) -> tuple[object, ...]:
        """What a page depends on besides its fixture: a page read ahead under other choices is
        not shown."""
        return self.market_id, self.line, self.consensus, self.method, self.oddsmon.desk.hidden_bookmakers

    def clear_page(self) -> None:
        self._view = None
        self._loading_since = None
        self.query_one("#odds-table", OddsTable).clear(columns=True)
        retext(self.query_one("#best-line", Static), "")
        retext(self.query_one("#market-line", Static), "")
        self.query_one("#odds-analytics").display = False

    def render_page(self, page: Page[OddsView]) -> None:
        view = page.data
        assert view is not None
        previous, self._view = self._view, view
        self._fill_picker(view)
        table = self.query_one("#odds-table", OddsTable)
        # A reload of the same fixture and market (the refresh key, an automatic refresh) keeps
        # the cell under the cursor: the analyst was reading it.
        same = previous is not None and previous.fixture is not None and view.fixture is not None \
            and previous.fixture.id == view.fixture.id and previous.market is not None \
            and view.market is not None and previous.market.market_id == view.market.market_id
        cursor = table.cursor_coordinate if same else None
        market = view.market
        if market is None or view.fixture is None:  # else its rows replace the last ones in place
            table.clear(columns=True)
            for note in ("#best-line", "#market-note"):
                retext(self.query_one(note, Static), "")
            self.query_one("#odds-analytics").display = False
        self._loading_since = None
        for dimmed in (table, self.query_one("#fair-table", DataTable)):
            if dimmed.styles.text_opacity != 1.0:
                dimmed.styles.text_opacity = 1.0  # the slow read's dimming, over
        if market is not None and market.priced:
            self.market_title = market.market_name
        name = self.market_title
        if view.fixture is None:
            retext(self.query_one("#market-line", Static), "No fixture in the window.")
            return
        self.post_message(FixtureSelected(view.fixture.id))
        if market is not None and market.line:
            self.line = market.line
            name = f"{name} {market.line} ({len(market.lines)} lines: [ ])"
        fx, app = view.fixture, self.oddsmon
        kickoff = f"{fmt.kickoff(fx.kickoff, app.tz, app.now())} {fmt.zone(fx.kickoff, app.tz)}"
        shown = f"{self.price_style} · fair: {self.method}"
        # One line: where it is narrow, the kickoff and then the league go (the fixture picker
        # above says the kickoff and the teams); a line too long for that (a lined market's
        # count and keys) puts the price format and method on a second line.
        width = self.lay_out()
        retext(self.query_one("#market-line", Static), fitting(
            [f"{name} · {fx.league_name} · {kickoff} · {shown}", f"{name} · {fx.league_name} · {shown}",
             f"{name} · {shown}"], width) if len(f"{name} · {shown}") <= width
            else f"{cut(name, width)}\n{cut(shown, width)}")
        if market is None:
            self.show_notice(
                f"Never cached: the odds of {match_name(view.fixture)} were never fetched on "
                f"this host. Once online, press {REFRESH_KEY} to fetch them "
                f"(or {WARM_KEY} to warm every page).")
            retext(self.query_one("#best-line", Static), "")
            self.status_suffix = ""
            return
        self.show_notice(None)
        target, self._cursor_at = self._cursor_at, None
        at = None if target is None else price_at(market, *target)
        self.render_market(table, market, None if at is None else at[1])
        unpriced = "" if market.priced else (
            f"{name} is not priced for this fixture: m or j for the {len(market.bets)} bets it is")
        outcomes = self._book_shown
        window = "" if self._book_next is None or not outcomes else \
            f"outcomes {outcomes[0] + 1}–{outcomes[-1] + 1} of {len(market.labels)} (x)"
        retext(self.query_one("#market-note", Static),
            " · ".join(x for x in (unpriced, window, f"consensus: {market.consensus}" if market.consensus else "",
                                   "" if unpriced else market.note or "") if x))
        if at is not None:
            cursor = Coordinate(at[0], outcomes.index(at[1]) + 1)
        elif cursor is None and market.rows:
            cursor = Coordinate(0, 1)  # a new market: on its first price, where a and h act
        if cursor is not None:
            table.cursor_coordinate = cursor
        self.render_analytics(market, view.closes)
        self.status_suffix = f"{len(market.rows)} bookmakers"
        self.set_timer(self.AFTER_FRAME_S, self._read_neighbours)

    def render_market(self, table: OddsTable, market: MarketView, want: int | None = None) -> None:
        """The bookmaker table: a row per bookmaker, its name, its price of each outcome shown
        and its margin. Where the outcomes do not all fit the page's width (HT/FT's nine at
        80 and 100 columns, a score's dozens at any), the neighbours that fit from the window's
        first (``x`` the next ones), and the window that holds outcome ``want`` if it is not
        shown (the Value screen's door)."""
        style = self.price_style
        best_style = table.get_component_rich_style("odds-table--best", partial=True)
        prices = [["—" if price is None else format_price(price, style) for price in row.prices]
                  for row in market.rows]
        margins = [margin_text(row.margin) for row in market.rows]

        def width(label: str, cells: Iterable[str]) -> int:
            return max([cell_len(label), *(cell_len(c) for c in cells)]) + 2 * table.cell_padding

        # Less the table's own scrollbar: its rows are cut where the Fair view needs the lines.
        room = self.lay_out() - 1 - width("Bookmaker", (r.bookmaker.name for r in market.rows)) \
            - width("Margin", margins)
        wide = [width(label, (p[i] for p in prices)) for i, label in enumerate(market.labels)]
        if not 0 <= self._book_start < len(wide):
            self._book_start = 0
        before = self._book_next
        shown, self._book_next = outcome_window(wide, room, self._book_start)
        if want is not None and want not in shown:
            self._book_start = want
            shown, self._book_next = outcome_window(wide, room, want)
        self._book_shown = tuple(shown)
        if (before is None) != (self._book_next is None):
            self.refresh_bindings()  # x shows in the footer only while outcomes are left out
        columns = [("Bookmaker", "bookmaker"), *((market.labels[i], f"o:{market.labels[i]}") for i in shown),
                   ("Margin", "margin")]
        rows: list[list[Any]] = []
        for row, texts, margin in zip(market.rows, prices, margins, strict=True):
            cells: list[Any] = [Text(row.bookmaker.name)]
            cells += [Text(texts[i], justify="right", style=best_style if row.best[i] else "") for i in shown]
            cells.append(Text(margin, justify="right"))
            rows.append(cells)
        refill(table, columns, rows)
        parts = [f"{o.label} {format_price(o.best.price, style)} {o.best.bookmaker}"
                 for o in market.outcomes if o.best is not None]
        text = "Best  " + " · ".join(parts) if parts else ""
        best_line = self.query_one("#best-line", Static)
        retext(best_line, text)
        # Shown where it fits on its line; else the Fair view's Best and "at" columns say it.
        best_line.display = len(text) <= self.lay_out()

    def render_analytics(self, market: MarketView, closes: dict[str, float] | None = None) -> None:
        """Arbitrage banner, the market's fair view beside the prediction, value, movement
        (opening -> close -> now once the fixture started)."""
        box = self.query_one("#odds-analytics", Vertical)
        box.display = True
        style = self.price_style
        banner = self.query_one("#arb-banner", Static)
        arb = market.arbitrage
        banner.display = arb is not None
        stakes = self.oddsmon.settings.stakes
        if arb is not None:
            split_stakes = arbitrage_stakes(arb.prices, stakes.bankroll, stakes.round_to)
            split = " · ".join(f"{label} {self.money(stake)} {book}" for label, stake, book
                               in zip(market.labels, split_stakes.stakes, arb.bookmakers, strict=True))
            retext(banner, f"arbitrage {arb.profit * 100:+.1f}% · stakes {split} · returns at least "
                          f"{self.money(split_stakes.guaranteed_return)} on {self.money(split_stakes.staked)} "
                          f"(rounding to {stakes.round_to:g}: {split_stakes.rounding_effect:+.2f})")
        middles = self.query_one("#middles", Static)
        middles.display = bool(market.middles)
        if market.middles:
            shown = market.middles[:MIDDLES_SHOWN]
            width = self.lay_out()
            retext(middles, "\n".join([fitting([
                f"Middles across the lines ({len(market.middles)}; {len(shown)} smallest worst case "
                f"first, stakes of {self.money(stakes.bankroll)}):",
                f"Middles across the lines ({len(market.middles)}; smallest worst case first):",
                f"Middles ({len(market.middles)}; smallest worst case first):"], width),
                *(self.middle_text(m, width) for m in shown)]))
        sizing = f"{stakes.kelly_fraction:g} Kelly of {self.money(stakes.bankroll)}"
        # One line, the stake's basis kept to the last (the market line says the method).
        retext(self.query_one("#fair-title", Static), fitting([
            f"Fair view ({self.method}); value = best price against the market's fair probability "
            f"and the prediction's; stakes: {sizing} against the {self.stake_basis} (k)",
            f"Fair view ({self.method}) · stakes: {sizing} against the {self.stake_basis} (k)",
            f"Stakes: {sizing} against the {self.stake_basis} (k)",
            f"Stakes: {sizing} vs the {self.stake_basis} (k)"], self.lay_out()))
        rows = [[o.label,
                 "—" if o.best is None else format_price(o.best.price, style),
                 "—" if o.fair_odds is None else format_price(o.fair_odds, style),
                 pct_text(o.value, signed=True),
                 self.stake_text(o),
                 "—" if o.best is None else o.best.bookmaker,
                 pct_text(o.implied if market.kind == "partial" else o.fair_probability),
                 pct_text(o.predicted),
                 pct_text(o.value_vs_prediction, signed=True)] for o in market.outcomes]
        columns = self.fair_columns(rows)
        # The outcomes' rows refilled in place (the next fixture's of the same market).
        refill(self.query_one("#fair-table", DataTable), [(label, str(i)) for i, label in columns], [
            [Text(cells[i], style="bold" if i == 3 and o.value is not None and o.value > 0 else "")
             for i, _ in columns] for o, cells in zip(market.outcomes, rows, strict=True)])
        for i in range(MOVE_ROWS):
            row = self.query_one(f"#move-{i}", Horizontal)
            row.display = i < len(market.outcomes)
            if not row.display:
                continue
            o = market.outcomes[i]
            name, moves = row.query(Static)
            retext(name, o.label)
            row.query_one(Sparkline).data = list(o.movement.series) or [0.0]
            retext(moves, move_text(o, style, (closes or {}).get(o.label)))
        # The heights in this same update (one layout shows the page), from the lines between
        # the tables as last laid out; checked once laid out, where only a change in those
        # lines (an arbitrage banner, a wrapped note) costs one more layout.
        self._fit_tables()
        self.call_after_refresh(self._fit_tables)

    def fair_columns(self, rows: list[list[str]]) -> list[tuple[int, str]]:
        """The Fair view's columns (index in :data:`FAIR_COLUMNS`, label) that fit the page's
        width with ``rows``' cells: all under their labels where they fit, else under the
        narrower ones; past that the first five and the others a few at a time (``x``)."""
        room = self.lay_out() - 1  # less its own scrollbar, when its rows are cut
        currency = self.oddsmon.settings.stakes.currency

        def widths(labels: list[str]) -> list[int]:
            return [max([cell_len(label), *(cell_len(row[i]) for row in rows)]) + 2 * CELL_PADDING
                    for i, label in enumerate(labels)]

        labels = [full.format(currency=currency) for full, _ in FAIR_COLUMNS]
        if sum(widths(labels)) > room:
            labels = [narrow for _, narrow in FAIR_COLUMNS]
        wide = widths(labels)
        before, shown = self._fair_next, list(range(len(labels)))
        if sum(wide) <= room:
            self._fair_next = None
        else:
            rest = rotating(wide[FAIR_ESSENTIAL:], room - sum(wide[:FAIR_ESSENTIAL]), self._fair_start)
            self._fair_next = (self._fair_start + len(rest)) % len(wide[FAIR_ESSENTIAL:])
            shown = [*range(FAIR_ESSENTIAL), *(FAIR_ESSENTIAL + i for i in rest)]
        if (before is None) != (self._fair_next is None):
            self.refresh_bindings()  # x shows in the footer only while columns are left out
        return [(i, labels[i]) for i in shown]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "more_columns":
            return self._fair_next is not None or self._book_next is not None
        return super().check_action(action, parameters)

    def action_more_columns(self) -> None:
        """The next of the Fair view's columns and of the bookmaker table's outcomes, where
        they do not all fit."""
        if self._view is None or self._view.market is None:
            return
        if self._fair_next is not None:
            self._fair_start = self._fair_next
        if self._book_next is not None:
            self._book_start = self._book_next
        self.redraw()  # the page's note says which outcomes show

    def on_resize(self, event: Resize) -> None:  # PageScreen's runs too (Textual calls each class's)
        self.call_after_refresh(self._fit_tables)

    def _fit_tables(self) -> None:
        """Both tables' heights out of the page's (:func:`share_height`)."""
        body = self.query_one("#odds-body", VerticalScroll)
        book = self.query_one("#odds-table", OddsTable)
        fair = self.query_one("#fair-table", DataTable)
        if not self.query_one("#odds-analytics").display or not body.size.height or not fair.region:
            return  # not laid out yet: the check after the next layout fits them
        # Header, rows and a horizontal scrollbar's line (a cap: unused if none is needed); from
        # the rows, since a table measures itself only when idle, maybe after this.
        book_lines, fair_lines = share_height(body.scrollable_content_region.height - self._lines_between(book, fair),
                                              book.header_height + book.row_count + 1,
                                              fair.header_height + fair.row_count + 1)
        for table, lines in ((book, book_lines), (fair, fair_lines)):
            if table.styles.max_height != Scalar.from_number(lines):
                table.styles.max_height = lines

    def _lines_between(self, book: OddsTable, fair: DataTable[Any]) -> int:
        """The lines between the two tables (the best line, the notes, the Fair view's title)
        with what this update wrote there: as last laid out, each note's text measured again at
        its width (as a layout measures it) in place of the lines it took then."""
        width = self.query_one("#fair-title", Static).region.width
        lines = fair.region.y - book.region.bottom
        for note in (self.query_one(f"#{name}", Static) for name in ("best-line", "market-note", "arb-banner")):
            now = note.get_content_height(note.container_size, self.app.size, width - note.styles.gutter.width) \
                + note.styles.gutter.height if note.display else 0
            lines += now - note.region.height
        return lines

    def kelly_share(self, price: float, o: OutcomeView) -> float | None:
        """The full-Kelly share of the bankroll for ``price`` against the chosen basis, None
        without one. Against the market, pushes and half results count (``OutcomeView.kelly_at``)."""
        if self.stake_basis == "market":
            return o.kelly_at(price)
        p = o.predicted
        return None if p is None or not 0 <= p <= 1 else kelly_fraction(price, p)

    def stake_for(self, share: float) -> float:
        """The money to stake for a Kelly ``share`` (``[stakes]``: fraction, bankroll, rounding)."""
        cfg = self.oddsmon.settings.stakes
        return share_stake(share, cfg.bankroll, cfg.kelly_fraction, cfg.round_to)

    def middle_text(self, m: Middle, width: int) -> str:
        """One middle on one line of ``width``: its two legs, where both win, the worst and best
        case, the stakes; where narrow, the fullest of shorter forms (the worst case stays)."""
        style, cfg = self.price_style, self.oddsmon.settings.stakes
        # A handicap's count is the home side's goal margin; a total's, the goals (or corners).
        handicap = m.up.label.startswith("Home")
        counted = "a home margin of" if handicap else "a total of"
        both = ", ".join(f"{c:+d}" if handicap else str(c) for c in m.both_win) or "none"
        up, down = (round_stake(cfg.bankroll * s, cfg.round_to) for s in m.stakes)
        up_price, down_price = format_price(m.up.price, style), format_price(m.down.price, style)
        legs = f"{m.up.label} {up_price} {m.up.bookmaker} + {m.down.label} {down_price} {m.down.bookmaker}"
        bare = f"{m.up.label} {up_price} + {m.down.label} {down_price}"  # the bookmakers are in the table
        worst, best = f"worst {m.worst * 100:+.1f}%", f"best {m.best * 100:+.1f}%"
        return "  " + fitting([
            f"{legs}: both win on {counted} {both} · {worst} · {best} · "
            f"stakes {self.money(up)} / {self.money(down)}",
            f"{legs} · both win: {'margin' if handicap else 'total'} {both} · {worst} · {best} · "
            f"stakes {amount_text(up)} / {self.money(down)}",
            f"{legs} · both win: {both} · {worst} · {best}",
            f"{legs} · {worst} · {best}",
            f"{bare} · both: {both} · {worst} · {best}",
            f"{bare} · {worst} · {best}",
            f"{bare} · {worst}"], width - 2)

    def money(self, amount: float) -> str:
        """An amount of the bankroll's money, with its currency (``[stakes] currency``)."""
        return money(amount, self.oddsmon.settings.stakes.currency)

    def stake_text(self, o: OutcomeView) -> str:
        share = None if o.best is None else self.kelly_share(o.best.price, o)
        if share is None:
            return "—"
        return stake_text(share, self.stake_for(share), self.oddsmon.settings.stakes.round_to)

    def redraw(self) -> None:
        if self._view is not None and self.provenance is not None:
            self.render_page(Page(self._view, self.provenance))

    def action_page(self, direction: str) -> None:
        body = self.query_one("#odds-body", VerticalScroll)
        if direction == "down":
            body.scroll_page_down(animate=False)
        else:
            body.scroll_page_up(animate=False)

    def show_loading(self, fixture_id: int) -> None:
        """While another fixture loads, its name and a loading sign above the last prices, which
        the next fixture's replace in place (clearing them first cost the screen two more layouts
        a switch). Two lines repainted, no layout: the prices are dimmed only once the read has
        taken a while (:meth:`_tick`), since dimming and undimming them repaints every cell of
        both tables, two thirds of a switch whose read takes a few milliseconds."""
        view = self._view
        fx = None if view is None else next((f for f in view.fixtures if f.id == fixture_id), None)
        name = "the fixture" if fx is None else fmt.match_title(fx.home.name, fx.away.name)
        line = self.query_one("#market-line", Static)
        retext(line, f"⧗ loading {name}…")
        self.query_one("#page-status", Static).update("loading…", layout=False)  # one line, fixed
        self._loading_since = self.oddsmon.now()

    def _tick(self, now: datetime) -> None:
        """The app's 1 s tick: a fixture still loading LOADING_DIM_S after it was chosen (a slow
        store, a fetch) has the last fixture's prices dimmed under its loading sign."""
        super()._tick(now)
        since = self._loading_since
        if since is not None and (now - since).total_seconds() >= LOADING_DIM_S:
            self._loading_since = None
            for dimmed in (self.query_one("#odds-table", OddsTable), self.query_one("#fair-table", DataTable)):
                dimmed.styles.text_opacity = LOADING_OPACITY

    def _present(self, page: Page[Any], force: bool) -> None:
        # The page's every change in one repaint.
        with self.app.batch_update():
            super()._present(page, force)

    def action_next_method(self) -> None:
        app = self.oddsmon
        app.fair_method = FAIR_METHODS[(FAIR_METHODS.index(app.fair_method) + 1) % len(FAIR_METHODS)]
        app.notify(f"Fair odds by the {app.fair_method} method.", title="Odds", topic="odds-view")

    def action_next_format(self) -> None:
        app = self.oddsmon
        app.price_format = PRICE_FORMATS[(PRICE_FORMATS.index(app.price_format) + 1) % len(PRICE_FORMATS)]

    # -- picker and market -----------------------------------------------------------------------

    def _fill_picker(self, view: OddsView) -> None:
        picker: Select[int] = self.query_one("#fixture-picker", Select)
        app = self.oddsmon
        now, tz = app.now(), app.tz
        # The choices are made again only when they changed (a new list, another day):
        # 2,000 of them took longer than the rest of switching fixture.
        choices = (tuple(fx.id for fx in view.fixtures), now.astimezone(tz).date())
        # Filled by the page, not chosen by the user: the fixture it sets is the one shown, which
        # _picked leaves alone.
        if choices != self._picker_choices:
            picker.set_options([(Text(f"{fmt.kickoff(fx.kickoff, tz, now)} {fmt.zone(fx.kickoff, tz)}  "
                                      f"{match_name(fx, 20)}"), fx.id) for fx in view.fixtures])
            self._picker_choices = choices
        if view.fixture is not None:
            picker.value = view.fixture.id

    def _picked(self, value: object) -> None:
        """A fixture chosen in the picker (the page filling it sets the one it shows: nothing to do)."""
        view = self._view
        if isinstance(value, int) and view is not None and (view.fixture is None or value != view.fixture.id):
            self.oddsmon.selected_fixture = value

    def action_pick_fixture(self) -> None:
        picker = self.query_one("#fixture-picker", Select)
        picker.focus()
        picker.action_show_overlay()

    def action_step_fixture(self, step: int) -> None:
        """The fixture ``step`` places after the one chosen (the one loading, else the one
        shown) in the picker's order."""
        view = self._view
        if view is None or not view.fixtures:
            return
        ids = [fx.id for fx in view.fixtures]
        chosen = self.oddsmon.selected_fixture
        if chosen not in ids:
            chosen = None if view.fixture is None else view.fixture.id
        self.oddsmon.selected_fixture = stepped(ids, chosen, step)

    def _read_neighbours(self) -> None:
        """Once the page is on the terminal: the pages of the fixtures before and after it, read
        while the analyst reads this one, so that ``.``, ``,`` or the picker's next line shows
        them in the frame the key makes (their read and the page's own frame took half a switch)."""
        view = self._view
        # Not built while idle (the next screens are built then: the analyst opens this one first).
        if view is not None and view.fixture is not None and len(view.fixtures) > 1 and self.app.screen is self:
            self._read_ahead(view)

    @work(exclusive=True, group="ahead", exit_on_error=False)
    async def _read_ahead(self, view: OddsView) -> None:
        assert view.fixture is not None
        choice, ids = self._choice(), [fx.id for fx in view.fixtures]
        kept: dict[int, tuple[tuple[object, ...], Page[OddsView]]] = {}
        for step in (1, -1):
            fx = view.fixtures[ids.index(stepped(ids, view.fixture.id, step))]
            ahead = self._ahead.get(fx.id)
            if ahead is None or ahead[0] != choice:
                # What is stored only: reading ahead never spends a call, and a fixture never
                # fetched is read (and fetched) when chosen.
                with self.oddsmon.service.stored_only():
                    page = await self._page_of(view.fixtures, fx)
                if self._choice() != choice:
                    return  # read under a choice made meanwhile (another market): not what it says
                if page.data is None or page.data.market is None:
                    continue
                ahead = (choice, page)
            kept[fx.id] = ahead
        self._ahead = kept

    def _bets(self) -> tuple[tuple[int, str], ...]:
        """Every bet the shown fixture is priced in (id, name), the catalogue's first."""
        market = None if self._view is None else self._view.market
        if market is not None and market.bets:
            return market.bets
        return tuple((m.id, m.title) for m in SPECS)

    def action_next_market(self) -> None:
        order = [bet_id for bet_id, _ in self._bets()]
        i = order.index(self.market_id) if self.market_id in order else -1
        self.show_market(order[(i + 1) % len(order)])

    def show_market(self, market_id: int, line: str = "") -> None:
        """Show ``market_id`` at ``line`` (its usual line when empty) on this fixture and the next."""
        self.market_id = market_id
        self.market_title = dict(self._bets()).get(market_id, self.market_title)
        self.line = line
        self._book_start = 0  # another market's outcomes: from its first
        self.load_choice()

    def open_at(self, market_id: int, line: str, outcome: str | None, bookmaker: str) -> None:
        """Show ``market_id`` at ``line`` with the cell cursor on ``bookmaker``'s price of
        ``outcome`` (the best price of it when that bookmaker is not shown; the first
        outcome when None)."""
        self._cursor_at = (outcome, bookmaker)
        self.show_market(market_id, line)

    def action_find_market(self) -> None:
        def chosen(market_id: int | None) -> None:
            if market_id is not None:
                self.show_market(market_id)

        self.app.push_screen(MarketPicker(self._bets(), self.market_id), chosen)

    def action_next_line(self, step: int) -> None:
        market = None if self._view is None else self._view.market
        if market is None or not market.lines:
            self.notify(f"{BY_ID[self.market_id].name} has no lines.", title="Odds")
            return
        i = market.lines.index(market.line) if market.line in market.lines else 0
        self.line = market.lines[(i + step) % len(market.lines)]
        self.load_choice()

    def action_next_consensus(self) -> None:
        self.consensus = CONSENSUS_MODES[(CONSENSUS_MODES.index(self.consensus) + 1) % len(CONSENSUS_MODES)]
        self.load_choice()

    def action_next_basis(self) -> None:
        self.stake_basis = STAKE_BASES[(STAKE_BASES.index(self.stake_basis) + 1) % len(STAKE_BASES)]
        self.notify(f"Stakes sized against the {self.stake_basis}.", title="Odds")
        if self._view is not None and self._view.market is not None:
            self.render_analytics(self._view.market)

    async def action_chart(self) -> None:
        view = self._view
        if view is None or view.fixture is None or view.market is None or not view.market.outcomes:
            return
        market = view.market
        _, index = self.price_under_cursor(market)
        outcome = market.outcomes[min(max(index, 0), len(market.outcomes) - 1)]
        app = self.oddsmon
        now = app.now()
        chart = price_chart(await app.service.movement(view.fixture.id, market.market_id, outcome.label),
                            view.fixture.kickoff, now, CHART_W)
        if chart is None:
            self.notify(f"No stored price yet for {outcome.label}.", title="Chart")
            return
        names = {r.bookmaker.id: r.bookmaker.name for r in market.rows}
        title = f"{match_name(view.fixture)} · {market.market_name} · {outcome.label}"
        self.app.push_screen(MovementDialog(chart_text(chart, names, title, app.tz, now)))

    def price_under_cursor(self, market: MarketView) -> tuple[int, int]:
        """The price the keys act on, as (bookmaker row, outcome index; -1 off the prices): the
        bookmaker table's cursor's, or where the Fair view has the focus, the best price of the
        outcome under that table's cursor (shown in the bookmaker table or not)."""
        fair = self.query_one("#fair-table", DataTable)
        if fair.has_focus and 0 <= fair.cursor_row < len(market.outcomes):
            o = market.outcomes[fair.cursor_row]
            at = price_at(market, o.label, "" if o.best is None else o.best.bookmaker)
            if at is not None:
                return at
        row, column = self.query_one("#odds-table", OddsTable).cursor_coordinate
        shown = self._book_shown
        return row, shown[column - 1] if 1 <= column <= len(shown) else -1

    async def action_add_pick(self) -> None:
        view = self._view
        if view is None or view.fixture is None or view.market is None:
            self.notify("No market to pick from.", title="Pick", severity="warning")
            return
        market = view.market
        row, index = self.price_under_cursor(market)
        if not 0 <= row < len(market.rows) or not 0 <= index < len(market.outcomes):
            self.notify("Move the cursor onto a price to pick it.", title="Pick", severity="warning")
            return
        book, outcome = market.rows[row], market.outcomes[index]
        price = book.prices[index]
        if price is None:
            self.notify(f"{book.bookmaker.name} has no price for {outcome.label}.", title="Pick",
                        severity="warning")
            return
        share = self.kelly_share(price, outcome) or 0.0
        stake = self.stake_for(share)
        name, line = split_label(BY_ID[market.market_id], outcome.label) or (outcome.label, "")
        fx = view.fixture
        pick_id = await self.oddsmon.service.add_pick(NewPick(
            fx.id, fx.kickoff, f"{fx.home.name} – {fx.away.name}", fx.league_name, market.market_id, line, name,
            outcome.label, book.bookmaker.id, book.bookmaker.name, price, stake, basis=self.stake_basis))
        why = ("" if stake else " (no edge at this price)" if not share else
               f" (Kelly stakes less than half of {self.money(self.oddsmon.settings.stakes.round_to)})")
        self.notify(f"Pick #{pick_id}: {outcome.label} @ {format_price(price, self.price_style)} "
                    f"{book.bookmaker.name}, stake {self.money(stake)}{why}.", title="Pick")

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Choose the fixture (g)", "Open the fixture picker", self.action_pick_fixture)
        yield SystemCommand("Next market (m)", "Every bet the fixture is priced in, one after another",
                            self.action_next_market)
        yield SystemCommand("Find a market (j)", "Jump to a bet by name", self.action_find_market)
        yield SystemCommand("Next fair-odds method (v)", ", ".join(FAIR_METHODS), self.action_next_method)
        yield SystemCommand("Next price format (c)", "Decimal, fractional, American", self.action_next_format)
        if self._fair_next is not None or self._book_next is not None:
            yield SystemCommand("Next columns (x)", "The outcomes and the Fair view's at, Market, Predicted, "
                                "Value/pred, a few at a time", self.action_more_columns)
