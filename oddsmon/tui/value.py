"""Value: every value bet, arbitrage and middle across the watched fixtures (the pinned ones
when any are pinned, else every upcoming fixture in a shown league), best edge first, with its
Kelly stake. The scan is :func:`oddsmon.domain.market.value_bets` and
:func:`~oddsmon.domain.market.value_middles` over every market and line.

A door to the Odds screen: enter opens the row's fixture at its market and line with the cell
cursor on the price (``a`` then records it as a pick); ``o`` opens the row's fixture as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from ..domain.market import ValueBet
from ..domain.markets import BY_ID
from ..domain.models import Fixture
from ..domain.odds import kelly_stake
from ..engine.service import Page
from . import fmt
from .columns import Column, cut, layout
from .dashboard import match_cell
from .listing import TableScreen
from .odds import OddsScreen, money_text

# Value, price, fair odds and stake first: the figures that matter fit in 80 columns. Tables
# carry their own spacing (no cell padding); the match takes what the others leave.
COLUMNS: tuple[Column, ...] = (
    Column("edge", "Edge", 8),
    Column("price", "Price", 6),
    Column("fair", "Fair", 6),
    Column("stake", "Stake", 7),
    Column("market", "Market", share=1, min_width=8),
    Column("outcome", "Outcome", share=1, min_width=8),
    Column("match", "Match", share=2, min_width=14),
    Column("kickoff", "Kickoff", 11, wide_from=100),
    Column("book", "Book", share=1, wide_from=110, min_width=9),
)


def price_text(price: float) -> str:
    """A decimal price in five columns: ``2.35``, ``172`` (long shots need no pennies)."""
    return f"{price:.2f}" if price < 100 else f"{price:.0f}"


@dataclass(frozen=True, slots=True)
class ValueView:
    bets: list[ValueBet]
    fixtures: dict[int, Fixture]


class ValueScreen(TableScreen):
    TABLE_ID = "value"
    PAGE = "odds"
    BINDINGS = [
        Binding("enter", "open_bet", "Open at price", tooltip="The row's fixture on the Odds screen, "
                "at its market and line, the cursor on the price"),
        Binding("o", "open_fixture", "Odds", tooltip="The row's fixture on the Odds screen"),
    ]

    _view: ValueView | None = None

    def compose_body(self) -> ComposeResult:
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True, cell_padding=0)

    async def fetch(self) -> Page[ValueView]:
        app = self.oddsmon
        desk = app.desk
        board = await app.service.value_board(
            method=app.fair_method, pinned=desk.pinned,
            hidden_leagues=desk.selection.hidden_leagues, hidden_bookmakers=desk.hidden_bookmakers)
        if board.data is None:
            return Page(None, board.provenance)
        fixtures = await app.service.fixtures()
        return Page(ValueView(board.data, {f.id: f for f in fixtures.data or []}), board.provenance)

    def clear_page(self) -> None:
        self._view = None
        super().clear_page()

    def redraw(self) -> None:
        if self._view is not None and self.provenance is not None:
            self.render_page(Page(self._view, self.provenance))

    def render_page(self, page: Page[ValueView]) -> None:
        view = page.data
        assert view is not None
        self._view = view
        app = self.oddsmon
        now, tz = app.now(), app.tz
        table = self.table
        cursor = table.cursor_row
        table.clear(columns=True)
        bets = view.bets
        want = {"market": max((len(self.market_text(b)) + 1 for b in bets), default=0),
                "outcome": max((len(b.outcome) + 1 for b in bets), default=0),
                "match": max((len(fmt.match_title(f.home.name, f.away.name)) + 1
                              for f in view.fixtures.values()), default=0),
                "book": max((len(b.bookmaker) + 1 for b in bets), default=0)}
        shown = layout(COLUMNS, self.lay_out(), want)
        for col, width in shown:
            label = f"Kickoff {fmt.zone(now, tz)}" if col.key == "kickoff" else col.label
            right = col.key in ("edge", "price", "fair", "stake")
            table.add_column(Text(label.rjust(width - 1) + " " if right else label), width=width, key=col.key)
        widths = {c.key: w for c, w in shown}
        for i, bet in enumerate(bets):
            fx = view.fixtures.get(bet.fixture_id)
            cells = {
                "edge": f"{bet.edge * 100:+.1f}%",
                "price": "—" if bet.price is None else price_text(bet.price),
                "fair": "—" if not bet.fair_probability else price_text(1 / bet.fair_probability),
                "stake": self.stake_text(bet),
                "market": self.market_text(bet),
                "outcome": bet.outcome,
                "match": str(bet.fixture_id) if fx is None else match_cell(fx, widths["match"]),
                "kickoff": "—" if fx is None else fmt.short_time(fx.kickoff, tz, now),
                "book": bet.bookmaker,
            }
            row = []
            for col, width in shown:
                text = cells[col.key]
                if col.key in ("edge", "price", "fair", "stake"):
                    row.append(Text(text.rjust(width - 1) + " ", style="bold" if col.key == "edge" else ""))
                else:
                    row.append(Text(cut(text, width - 1)))
            table.add_row(*row, key=str(i))
        if 0 < cursor < table.row_count:
            table.move_cursor(row=cursor)
        watched = f"{len(app.desk.pinned)} pinned fixtures" if app.desk.pinned else "every upcoming fixture"
        self.status_suffix = f"{len(bets)} value bets, arbitrages and middles · {watched}"

    @staticmethod
    def market_text(bet: ValueBet) -> str:
        known = BY_ID.get(bet.market_id)
        short = bet.market if known is None else known.short
        return short if bet.kind == "middle" else f"{short} {bet.line}".strip()

    def stake_text(self, bet: ValueBet) -> str:
        if bet.kind == "middle":
            return "middle"
        if bet.price is None or bet.fair_probability is None:
            return "arb"
        cfg = self.oddsmon.settings.stakes
        return money_text(kelly_stake(bet.price, bet.fair_probability, cfg.bankroll, cfg.kelly_fraction,
                                      cfg.round_to))

    # -- the door ---------------------------------------------------------------------------------

    def _bet(self) -> ValueBet | None:
        view, table = self._view, self.table
        if view is None or not table.row_count or not 0 <= table.cursor_row < len(view.bets):
            return None
        return view.bets[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.run_worker(self._open(True), exclusive=True, group="door")

    async def action_open_bet(self) -> None:
        await self._open(True)

    async def action_open_fixture(self) -> None:
        await self._open(False)

    async def _open(self, at_price: bool) -> None:
        """The row's fixture on the Odds screen; ``at_price``: at the bet's market and line,
        the cell cursor on its price (an arbitrage's first outcome, a middle's first leg)."""
        bet = self._bet()
        if bet is None:
            self.notify("No value bet under the cursor.", title="Value")
            return
        self.oddsmon.selected_fixture = bet.fixture_id
        await self.app.switch_mode("odds")
        odds = self.app.screen
        if at_price and isinstance(odds, OddsScreen):
            outcome = bet.outcome.split(" + ")[0] if bet.kind == "middle" else bet.outcome
            book = bet.bookmaker.split(", ")[0] if bet.kind != "value" else bet.bookmaker
            odds.open_at(bet.market_id, bet.line, None if bet.kind == "arbitrage" else outcome, book)
