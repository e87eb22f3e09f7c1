"""Value: every value bet, arbitrage and middle across the watched fixtures (the pinned ones
when any are pinned, else every upcoming fixture in a shown league), best edge first, with its
Kelly stake. The scan is :func:`oddsmon.domain.market.value_bets` and
:func:`~oddsmon.domain.market.value_middles` over every market and line.

A door to the Odds screen: enter opens the row's fixture at its market and line with the cell
cursor on the price (``a`` then records it as a pick); ``o`` opens the row's fixture as it is.
``k`` cycles what value is worked out against (the market, your own probabilities once
imported); ``J`` sizes the outcomes of one market and line that are all listed together
(simultaneous Kelly) instead of one by one.

The board is read from the value scan kept after the odds were stored (engine/valuescan.py):
when fixtures are left to scan, the screen asks the engine to finish it and shows the board
again once done.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..domain.market import ValueBet
from ..domain.markets import BY_ID
from ..domain.models import Fixture
from ..domain.odds import stake_text
from ..engine.service import Page
from . import fmt
from .columns import Column, cut, fitting, layout, team_tag
from .dashboard import match_cell
from .listing import TableScreen
from .odds import OddsScreen

# Value, price, fair odds and stake first: the figures that matter fit in 80 columns. Tables
# carry their own spacing (no cell padding); the match takes what the others leave. Under
# NARROW columns (an 80-column terminal) the fair odds go to the line under the table (which
# says the highlighted row in full) and the edge takes a column less, so that the outcome
# (its line with it) and the match keep their names.
NARROW = 70
COLUMNS: tuple[Column, ...] = (
    Column("edge", "Edge", 8, wide_from=NARROW),
    Column("edge", "Edge", 7, narrow_below=NARROW),  # "+18.4%"
    Column("price", "Price", 6),
    Column("fair", "Fair", 6, wide_from=NARROW),  # narrower, the line under the table says it
    Column("stake", "Stake", 10, wide_from=NARROW),  # "Stake EUR": the heading names the currency
    Column("stake", "Stk", 8, narrow_below=NARROW),  # "Stk EUR"
    Column("market", "Market", share=1, min_width=8),
    # Twice the market's share: where the room is short (100 columns) the outcome keeps its
    # line (``Away/Over 2.5``); where it is not, it takes no more than its longest.
    Column("outcome", "Outcome", share=2, wide_from=NARROW, min_width=8),
    Column("outcome", "Outcome", 14, narrow_below=NARROW),  # "Draw/Over 4.5"
    Column("match", "Match", share=2, wide_from=NARROW, min_width=14),
    Column("match", "Match", share=1, narrow_below=NARROW, min_width=9),
    Column("kickoff", "Kickoff", 12, wide_from=100),  # "Kickoff UTC" and a space before Book
    Column("book", "Book", share=1, wide_from=110, min_width=9),
)


NARROW_MATCH = 16  # a match cell narrower than this tags the teams
STATUS_PREFIX = 36  # the rest of the status line: "cache 23s old · " and " · refresh in 2h 59m"
# The rows listed, best edge first: 2,000 real-size fixtures hold some 16,000 value bets, more
# than anyone reads and than a table draws quickly (the status line says how many there are).
ROWS = 1000
# Rows added before the first paint: more than the tallest table on screen. The rest follow
# once it is painted, in one step (each step costs the whole screen a layout): adding and
# measuring 1,000 rows at once held the first paint back by most of a second.
FIRST_ROWS = 60


def price_text(price: float) -> str:
    """A decimal price in five columns: ``2.35``, ``172`` (long shots need no pennies)."""
    return f"{price:.2f}" if price < 100 else f"{price:.0f}"


@dataclass(frozen=True, slots=True)
class ValueView:
    bets: list[ValueBet]
    fixtures: dict[int, Fixture]
    stakes: list[float]  # the Kelly stake of each bet, in money (0 for arbitrages and middles)
    pending: bool  # fixtures left to scan: the board is shown again once they are
    notes: tuple[str, ...]  # what the board says of itself: rows left out, fixtures left to scan


class ValueScreen(TableScreen):
    TABLE_ID = "value"
    PAGE = "odds"
    BINDINGS = [
        Binding("enter", "open_bet", "Open at price", tooltip="The row's fixture on the Odds screen, "
                "at its market and line, the cursor on the price"),
        Binding("o", "open_fixture", "Odds", tooltip="The row's fixture on the Odds screen"),
        Binding("k", "next_basis", "Value vs", tooltip="Value against the market, or your own probabilities "
                "(model) once imported"),
        Binding("J", "toggle_joint", "Joint Kelly", tooltip="Stake the listed outcomes of one market and "
                "line together (simultaneous Kelly) or one by one"),
    ]

    _view: ValueView | None = None
    _rows: Iterator[tuple[Text, ...]] | None = None  # the rows of the page shown, still being added
    basis: str = "market"  # what value is worked out against: one of service.value_sources()
    joint: bool = False  # simultaneous Kelly for outcomes of one market and line

    def compose_body(self) -> ComposeResult:
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True, cell_padding=0)
        yield Static("", id="value-line", markup=False)  # the highlighted row, nothing cut

    async def fetch(self) -> Page[ValueView]:
        app = self.oddsmon
        desk = app.desk
        page = await app.service.value_page(
            method=app.fair_method, pinned=desk.pinned, hidden_leagues=desk.selection.hidden_leagues,
            hidden_bookmakers=desk.hidden_bookmakers, basis=self.basis, limit=ROWS,  # type: ignore[arg-type]
            simultaneous=self.joint)
        if page.data is None:
            return Page(None, page.provenance)
        self.basis = page.data.basis
        board = page.data.board
        return Page(ValueView(board.bets, page.data.fixtures, page.data.stakes, board.pending > 0,
                              page.provenance.notes), page.provenance)

    def _present(self, page: Page[Any], force: bool) -> None:
        super()._present(page, force)
        view = page.data
        if isinstance(view, ValueView) and view.pending:
            self._finish_scan()

    @work(exclusive=True, group="value-scan", exit_on_error=False)
    async def _finish_scan(self) -> None:
        """The fixtures the board has not worked out yet, scanned on the engine's loop a few at a
        time; the board is shown again once they are."""
        app = self.oddsmon
        with app.reporting("Value: could not work out the value bets"):
            if await app.service.scan_values(method=app.fair_method, hidden_bookmakers=app.desk.hidden_bookmakers):
                self.load()

    def action_next_basis(self) -> None:
        self.run_worker(self._next_basis(), exclusive=True, group="basis")

    async def _next_basis(self) -> None:
        sources = list(await self.oddsmon.service.value_sources())
        if len(sources) < 2:
            self.notify("Value is worked out against the market: import your own probabilities "
                        "(oddsmon --import-probs, or [model] file) to see value against them.", title="Value")
        self.basis = sources[(sources.index(self.basis) + 1) % len(sources)] if self.basis in sources else sources[0]
        self.notify(f"Value against the {self.basis}.", title="Value")
        self.load()

    def action_toggle_joint(self) -> None:
        self.joint = not self.joint
        self.notify("Outcomes of one market and line listed together are staked together "
                    "(simultaneous Kelly)." if self.joint else "Each value bet staked on its own.", title="Value")
        self.load()

    def clear_page(self) -> None:
        self._view = self._rows = None
        super().clear_page()
        self.query_one("#value-line", Static).update("")

    def redraw(self) -> None:
        if self._view is not None and self.provenance is not None:
            self.render_page(Page(self._view, self.provenance))
            self.update_status()  # its suffix is laid out for the width too

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
            label = (f"Kickoff {fmt.zone(now, tz)}" if col.key == "kickoff" else
                     f"{col.label} {app.settings.stakes.currency}" if col.key == "stake" else col.label)
            right = col.key in ("edge", "price", "fair", "stake")
            table.add_column(Text(label.rjust(width - 1) + " " if right else label), width=width, key=col.key)
        widths = {c.key: w for c, w in shown}
        self._rows = rows = self._row_cells(view, shown, widths)
        self._add_rows(rows, max(FIRST_ROWS, cursor + 1))
        if 0 < cursor < table.row_count:
            table.move_cursor(row=cursor)
        self.show_bet()
        watched = f"{len(app.desk.pinned)} pinned fixtures" if app.desk.pinned else "every upcoming fixture"
        how = (f"value vs {self.basis}", f"Kelly {'joint' if self.joint else 'one by one'}")
        # One line beside the page's age: the shorter wordings where it is narrow.
        self.status_suffix = fitting([
            " · ".join((f"{len(bets):,} value bets, arbitrages and middles", *view.notes, watched, *how)),
            " · ".join((f"{len(bets):,} bets", watched, *how)), f"{len(bets):,} bets · vs {self.basis}"],
            self.lay_out() - STATUS_PREFIX)

    def _add_rows(self, rows: Iterator[tuple[Text, ...]], count: int | None) -> None:
        """Add ``count`` more of the rows being shown (None: all the rest), and the rest after
        the next repaint (unless another page was drawn since)."""
        if rows is not self._rows:
            return
        table = self.table
        for cells in islice(rows, count):
            table.add_row(*cells, key=str(table.row_count))
        if self._view is not None and table.row_count < len(self._view.bets):
            self.call_after_refresh(self._add_rows, rows, None)

    def _row_cells(self, view: ValueView, shown: list[tuple[Column, int]],
                   widths: dict[str, int]) -> Iterator[tuple[Text, ...]]:
        """Each bet's cells, made as the row is added."""
        app = self.oddsmon
        now, tz = app.now(), app.tz
        for i, bet in enumerate(view.bets):
            fx = view.fixtures.get(bet.fixture_id)
            cells = {
                "edge": f"{bet.edge * 100:+.1f}%",
                "price": "—" if bet.price is None else price_text(bet.price),
                "fair": "—" if not bet.fair_probability else price_text(1 / bet.fair_probability),
                "stake": self.stake_text(bet, view.stakes[i]),
                "market": self.market_text(bet),
                "outcome": bet.outcome,
                "match": str(bet.fixture_id) if fx is None else self.match_text(fx, widths["match"]),
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
            yield tuple(row)

    @staticmethod
    def match_text(fx: Fixture, width: int) -> str:
        """The match in a cell ``width`` wide: under NARROW_MATCH, a tag of each team
        (``Lens–Auxe``) rather than two cut names (``Le… – Au…``)."""
        if width >= NARROW_MATCH:
            return match_cell(fx, width)
        side = (width - 2) // 2
        return f"{team_tag(fx.home.name, side)}–{team_tag(fx.away.name, width - 2 - side)}"

    @staticmethod
    def market_text(bet: ValueBet) -> str:
        known = BY_ID.get(bet.market_id)
        short = bet.market if known is None else known.short
        # The line once: an outcome that names it (``Over 2.5``) leaves the room to the names.
        return short if bet.kind == "middle" or bet.line in bet.outcome.split() else f"{short} {bet.line}".strip()

    def stake_text(self, bet: ValueBet, stake: float) -> str:
        if bet.kind == "middle":
            return "middle"
        if bet.price is None or bet.fair_probability is None:
            return "arb"
        if stake == 0.0 and self.joint:
            return "0"  # simultaneous Kelly left this outcome out of its group
        return stake_text(bet.edge, stake, self.oddsmon.settings.stakes.round_to)

    def bet_line(self, bet: ValueBet, stake: float) -> str:
        """The bet in full, for the line under the table: ``Lens – Auxerre, Sat 15:00 UTC ·
        1X2+O/U Draw/Over 2.5 @ 202 (fair 171) Pinnacle · stake 12 EUR``."""
        app, view = self.oddsmon, self._view
        fx = None if view is None else view.fixtures.get(bet.fixture_id)
        match = str(bet.fixture_id) if fx is None else (
            f"{fmt.match_title(fx.home.name, fx.away.name)}, {fmt.short_time(fx.kickoff, app.tz, app.now())} "
            f"{fmt.zone(fx.kickoff, app.tz)}")
        price = "" if bet.price is None else f" @ {price_text(bet.price)}"
        if bet.price is not None and bet.fair_probability:
            price += f" (fair {price_text(1 / bet.fair_probability)})"
        shown = self.stake_text(bet, stake)  # an amount ("12", "<5"), or "arb", "middle", "no edge"
        staked = shown if shown[0].isalpha() else f"stake {shown} {app.settings.stakes.currency}"
        return f"{match} · {self.market_text(bet)} {bet.outcome}{price} {bet.bookmaker} · {staked}"

    def show_bet(self) -> None:
        bet, view = self._bet(), self._view
        self.query_one("#value-line", Static).update(
            "" if bet is None or view is None else self.bet_line(bet, view.stakes[self.table.cursor_row]))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_bet()

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
