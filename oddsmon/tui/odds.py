"""Odds: one fixture, one market, a row per bookmaker with its prices and its margin.

The analysis comes ready-made from ``Service.market`` (:class:`~oddsmon.domain.market.MarketView`):
best price per outcome (highlighted), margins, fair view, value, arbitrage, movement. This
screen lays it out; the odds analytics grow in :meth:`OddsScreen.render_analytics` and the
``#odds-analytics`` container without touching the rest.

Keys: ``g`` picks the fixture, ``m`` cycles the market (Match Winner, Goals Over/Under 2.5,
Both Teams Score), ``v`` cycles the margin-removal method, ``c`` cycles the price format
(decimal, fractional, American). The screen opens on the fixture selected elsewhere
(Dashboard, Predictions), else the next by kickoff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Select, Sparkline, Static

from ..domain.market import MarketView, OutcomeView
from ..domain.models import MARKETS, MATCH_WINNER, Fixture
from ..domain.odds import FAIR_METHODS, ODDS_FORMATS, format_price
from ..service import Page
from . import fmt
from .base import REFRESH_KEY, WARM_KEY, PageScreen
from .dashboard import match_name

MARKET_ORDER: tuple[int, ...] = tuple(MARKETS)  # Match Winner first


@dataclass(frozen=True, slots=True)
class OddsView:
    fixtures: list[Fixture]  # the picker's choices, by kickoff
    fixture: Fixture | None  # the one shown
    market: MarketView | None  # None when its odds were never cached


def margin_text(margin: float | None) -> str:
    """A bookmaker's margin as a percentage with two decimals: ``0.0487 -> "4.87%"``."""
    return "—" if margin is None else f"{margin * 100:.2f}%"


def pct_text(p: float | None, signed: bool = False) -> str:
    """A probability or a return as a percentage with one decimal: ``0.312 -> "31.2%"``."""
    if p is None:
        return "—"
    return f"{p * 100:+.1f}%" if signed else f"{p * 100:.1f}%"


def move_text(outcome: OutcomeView, style: str) -> str:
    """Opening price, current price, change: ``3.40→3.29 ▼-3.2%``."""
    mv = outcome.movement
    if mv.opening is None or mv.current is None:
        return "no history yet"
    change = mv.change_pct or 0.0
    return (f"{format_price(mv.opening, style)}→{format_price(mv.current, style)} "
            f"{mv.arrow}{change:+.1f}%")


def pick_fixture(fixtures: list[Fixture], selected: int | None) -> Fixture | None:
    """The selected fixture if it is in the list, else the next upcoming one, else the first."""
    for fx in fixtures:
        if fx.id == selected:
            return fx
    return next((fx for fx in fixtures if fx.is_upcoming), fixtures[0] if fixtures else None)


class OddsTable(DataTable[Any]):
    """The bookmaker table; the best-price style lives in the stylesheet."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"odds-table--best"}


class OddsScreen(PageScreen):
    PAGE = "odds"
    LABEL = "Odds"
    SUB_TITLE = "Odds"
    BINDINGS = [
        Binding("g", "pick_fixture", "Fixture", tooltip="Choose the fixture"),
        Binding("m", "next_market", "Market", tooltip="Match Winner, Goals O/U 2.5, Both Teams Score"),
        Binding("v", "next_method", "Method", tooltip="Margin removal: " + ", ".join(FAIR_METHODS)),
        Binding("c", "next_format", "Format", tooltip="Prices as decimal, fractional or American"),
        # At 80x24 the value table is below the fold: the page keys scroll the screen, not
        # the bookmaker table's cursor (priority: the focused table would take them first).
        Binding("pagedown", "page('down')", "Page down", show=False, priority=True),
        Binding("pageup", "page('up')", "Page up", show=False, priority=True),
    ]

    market_id: int = MATCH_WINNER
    _view: OddsView | None = None
    _filling = False

    def compose_body(self) -> ComposeResult:
        yield Select[int]([], prompt="fixture", allow_blank=True, compact=True, id="fixture-picker")
        with VerticalScroll(id="odds-body"):
            yield Static("", id="market-line", markup=False)
            yield OddsTable(id="odds-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="best-line", markup=False)
            with Vertical(id="odds-analytics"):
                yield Static("", id="arb-banner", classes="arbitrage", markup=False)
                yield Static("", id="fair-title", classes="analytics-title", markup=False)
                yield DataTable(id="fair-table", cursor_type="none", cell_padding=1)
                yield Static("Movement since the first price stored (market mean)",
                             classes="analytics-title", markup=False)
                # At most three outcomes (Home/Draw/Away): rows are made once and refilled.
                for i in range(3):
                    with Horizontal(id=f"move-{i}", classes="move-row"):
                        yield Static("", classes="move-label", markup=False)
                        yield Sparkline([0.0], classes="move-spark")
                        yield Static("", classes="move-text", markup=False)

    @property
    def method(self) -> str:
        return self.oddsmon.fair_method

    @property
    def price_style(self) -> str:
        return self.oddsmon.price_format

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#odds-table").focus()

    async def fetch(self) -> Page[OddsView]:
        service = self.oddsmon.service
        fixtures = await service.fixtures()
        if fixtures.data is None:
            return Page(None, fixtures.provenance)
        ordered = sorted(fixtures.data, key=lambda f: (f.kickoff, f.id))
        fx = pick_fixture(ordered, self.oddsmon.selected_fixture)
        if fx is None:
            return Page(OddsView(ordered, None, None), fixtures.provenance)
        market = await service.market(fx.id, self.market_id, method=self.method)
        return Page(OddsView(ordered, fx, market.data), market.provenance)

    def clear_page(self) -> None:
        self._view = None
        self.query_one("#odds-table", OddsTable).clear(columns=True)
        self.query_one("#best-line", Static).update("")
        self.query_one("#market-line", Static).update("")
        self.query_one("#odds-analytics").display = False

    def render_page(self, page: Page[OddsView]) -> None:
        view = page.data
        assert view is not None
        self._view = view
        self._fill_picker(view)
        table = self.query_one("#odds-table", OddsTable)
        table.clear(columns=True)
        name = MARKETS[self.market_id][0]
        if view.fixture is None:
            self.query_one("#market-line", Static).update("No fixture in the window.")
            return
        self.oddsmon.selected_fixture = view.fixture.id
        self.query_one("#market-line", Static).update(
            f"{name} · {view.fixture.league_name} · "
            f"{fmt.kickoff(view.fixture.kickoff, self.oddsmon.tz, self.oddsmon.now())} "
            f"{fmt.zone(view.fixture.kickoff, self.oddsmon.tz)} · "
            f"{self.price_style} · fair: {self.method}")
        market = view.market
        if market is None:
            self.show_notice(
                f"Never cached: the odds of {match_name(view.fixture)} were never fetched on "
                f"this host. Once online, press {REFRESH_KEY} to fetch them "
                f"(or {WARM_KEY} to warm every page).")
            self.query_one("#best-line", Static).update("")
            self.status_suffix = ""
            return
        self.show_notice(None)
        self.render_market(table, market)
        self.render_analytics(market)
        self.status_suffix = f"{len(market.rows)} bookmakers"

    def render_market(self, table: OddsTable, market: MarketView) -> None:
        style = self.price_style
        best_style = table.get_component_rich_style("odds-table--best", partial=True)
        table.add_column("Bookmaker", key="bookmaker")
        for label in market.labels:
            table.add_column(label, key=f"o:{label}")
        table.add_column("Margin", key="margin")
        for row in market.rows:
            cells: list[Any] = [Text(row.bookmaker.name)]
            for price, best in zip(row.prices, row.best):
                text = "—" if price is None else format_price(price, style)
                cells.append(Text(text, justify="right", style=best_style if best else ""))
            cells.append(Text(margin_text(row.margin), justify="right"))
            table.add_row(*cells, key=str(row.bookmaker.id))
        parts = [f"{o.label} {format_price(o.best.price, style)} {o.best.bookmaker}"
                 for o in market.outcomes if o.best is not None]
        self.query_one("#best-line", Static).update("Best  " + " · ".join(parts) if parts else "")

    def render_analytics(self, market: MarketView) -> None:
        """Arbitrage banner, the market's fair view beside the prediction, value, movement."""
        box = self.query_one("#odds-analytics", Vertical)
        box.display = True
        style = self.price_style
        banner = self.query_one("#arb-banner", Static)
        arb = market.arbitrage
        banner.display = arb is not None
        if arb is not None:
            stakes = " · ".join(f"{label} {stake * 100:.0f}% {book}" for label, stake, book
                                in zip(market.labels, arb.stakes, arb.bookmakers))
            banner.update(f"arbitrage {arb.profit * 100:+.1f}% · stakes {stakes}")
        self.query_one("#fair-title", Static).update(
            f"Fair view ({self.method}); value = best price against the market's fair probability")
        fair = self.query_one("#fair-table", DataTable)
        fair.clear(columns=True)
        for label in ("Outcome", "Best", "at", "Fair", "Market", "Predicted", "Value"):
            fair.add_column(label)
        for o in market.outcomes:
            value = o.value
            fair.add_row(Text(o.label),
                         Text("—" if o.best is None else format_price(o.best.price, style)),
                         Text("—" if o.best is None else o.best.bookmaker),
                         Text("—" if o.fair_odds is None else format_price(o.fair_odds, style)),
                         Text(pct_text(o.fair_probability)), Text(pct_text(o.predicted)),
                         Text(pct_text(value, signed=True),
                              style="bold" if value is not None and value > 0 else ""))
        for i in range(3):
            row = self.query_one(f"#move-{i}", Horizontal)
            row.display = i < len(market.outcomes)
            if not row.display:
                continue
            o = market.outcomes[i]
            label, text = row.query(Static)
            label.update(o.label)
            row.query_one(Sparkline).data = list(o.movement.series) or [0.0]
            text.update(move_text(o, style))

    def action_page(self, direction: str) -> None:
        body = self.query_one("#odds-body", VerticalScroll)
        if direction == "down":
            body.scroll_page_down(animate=False)
        else:
            body.scroll_page_up(animate=False)

    def show_loading(self, fixture_id: int) -> None:
        """While another fixture loads, its name and a loading sign, not the old prices."""
        view = self._view
        fx = None if view is None else next((f for f in view.fixtures if f.id == fixture_id), None)
        name = "the fixture" if fx is None else fmt.match_title(fx.home.name, fx.away.name)
        self.query_one("#market-line", Static).update(f"⧗ loading {name}…")
        self.query_one("#odds-table", OddsTable).clear(columns=True)
        self.query_one("#best-line", Static).update("")
        self.query_one("#odds-analytics").display = False
        self.query_one("#page-status", Static).update("loading…")

    def action_next_method(self) -> None:
        app = self.oddsmon
        app.fair_method = FAIR_METHODS[(FAIR_METHODS.index(app.fair_method) + 1) % len(FAIR_METHODS)]
        app.notify(f"Fair odds by the {app.fair_method} method.", title="Odds", topic="odds-view")
        self.load()

    def action_next_format(self) -> None:
        app = self.oddsmon
        app.price_format = ODDS_FORMATS[(ODDS_FORMATS.index(app.price_format) + 1) % len(ODDS_FORMATS)]
        self.load()

    # -- picker and market -----------------------------------------------------------------------

    def _fill_picker(self, view: OddsView) -> None:
        picker: Select[int] = self.query_one("#fixture-picker", Select)
        app = self.oddsmon
        now, tz = app.now(), app.tz
        options = [(Text(f"{fmt.kickoff(fx.kickoff, tz, now)} {fmt.zone(fx.kickoff, tz)}  "
                         f"{match_name(fx, 20)}"), fx.id)
                   for fx in view.fixtures]
        self._filling = True
        try:
            picker.set_options(options)
            if view.fixture is not None:
                picker.value = view.fixture.id
        finally:
            self.call_after_refresh(self._done_filling)

    def _done_filling(self) -> None:
        self._filling = False

    def on_select_changed(self, event: Select.Changed) -> None:
        if self._filling or not isinstance(event.value, int):
            return
        if self._view is not None and self._view.fixture is not None and event.value == self._view.fixture.id:
            return
        self.oddsmon.selected_fixture = event.value
        self.show_loading(event.value)
        self.load()

    def action_pick_fixture(self) -> None:
        picker = self.query_one("#fixture-picker", Select)
        picker.focus()
        picker.action_show_overlay()

    def action_next_market(self) -> None:
        i = MARKET_ORDER.index(self.market_id)
        self.market_id = MARKET_ORDER[(i + 1) % len(MARKET_ORDER)]
        self.load()

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Choose the fixture (g)", "Open the fixture picker", self.action_pick_fixture)
        yield SystemCommand("Next market (m)", "Match Winner, Goals Over/Under 2.5, Both Teams Score",
                            self.action_next_market)
        yield SystemCommand("Next fair-odds method (v)", ", ".join(FAIR_METHODS), self.action_next_method)
        yield SystemCommand("Next price format (c)", "Decimal, fractional, American", self.action_next_format)
