"""Dashboard: the watched leagues' fixtures by kickoff, with score/status and the best prices.

Enter on a row opens that fixture on the Odds screen. The odds analytics (arbitrage and value
markers, biggest movers) come ready-made from ``Service.dashboard`` (``Dashboard.headlines``,
``Dashboard.movers``); this screen only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.widgets import DataTable, Static

from ..domain.market import Headline
from ..domain.models import Fixture
from ..domain.odds import format_price
from ..service import Dashboard, Page
from . import fmt
from .base import PageScreen
from .search import headline_numbers

# Tables use no cell padding and carry their own spacing, so that at 80 columns the kickoff,
# the match and the three prices all fit beside the sidebar.
COLUMNS = (("kickoff", "Kickoff "), ("match", "Match "), ("status", "St"),
           ("home", "     1"), ("draw", "     X"), ("away", "     2"), ("mark", "   "))
TEAM_W = 9
PRICE_W = 6


def match_name(fx: Fixture, width: int = TEAM_W, *, score: bool = False) -> str:
    """``Brentford – Newcastle``, or with ``score`` once it started: ``Brentford 2-1 Newcastle``."""
    def cut(name: str) -> str:
        return name if len(name) <= width else name[: width - 1] + "…"

    middle = "–"
    if score and not fx.is_upcoming and fx.goals_home is not None and fx.goals_away is not None:
        middle = f"{fx.goals_home}-{fx.goals_away}"
    return f"{cut(fx.home.name)} {middle} {cut(fx.away.name)}"


def status_text(fx: Fixture) -> str:
    """``NS``, ``FT``, ``HT``, or the minute while it is played (``67'``)."""
    if fx.is_live and fx.elapsed is not None and fx.status_short in ("1H", "2H", "ET"):
        return f"{fx.elapsed}'"
    return fx.status_short


class DashboardScreen(PageScreen):
    PAGE = "dashboard"
    LABEL = "Dashboard"
    SUB_TITLE = "Dashboard"

    def compose_body(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(id="fixtures", cursor_type="row", zebra_stripes=True,
                                          cell_padding=0)
        yield table
        yield Static("", id="movers", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#fixtures", DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.query_one("#movers").display = False

    async def fetch(self) -> Page[Dashboard]:
        return await self.oddsmon.service.dashboard(hidden_bookmakers=self.oddsmon.desk.hidden_bookmakers)

    def clear_page(self) -> None:
        self.query_one("#fixtures", DataTable).clear()
        self.query_one("#movers").display = False

    def render_page(self, page: Page[Dashboard]) -> None:
        board = page.data
        assert board is not None
        app = self.oddsmon
        now, tz = app.now(), app.tz
        style = app.price_format
        table = self.query_one("#fixtures", DataTable)
        table.clear()
        cursor = 0
        shown = app.desk.arrange(board.fixtures, headline_numbers(board.headlines))
        for i, fx in enumerate(shown):
            if fx.id == app.selected_fixture:
                cursor = i
            fx = board.live.get(fx.id, fx)  # in play: the live list's minute and score
            head = board.headlines.get(fx.id)
            prices = self.price_cells(head, style)
            # Text cells, never str: a str cell would be read as markup.
            table.add_row(Text(f"{fmt.short_time(fx.kickoff, tz, now)} "),
                          Text(f"{match_name(fx, score=True)} "), Text(status_text(fx)),
                          *prices, self.markers(head, live=fx.id in board.live), key=str(fx.id))
        if table.row_count:
            table.move_cursor(row=cursor)
        self.show_movers(board)
        self.status_suffix = app.desk.describe(len(shown), len(board.fixtures)) or f"{len(board.fixtures)} fixtures"

    # -- extension points for the odds analytics ---------------------------------------------------

    def price_cells(self, head: Headline | None, style: str) -> list[Text]:
        """The best Match Winner price per outcome; the best of the three stands out."""
        if head is None:
            return [Text("—".rjust(PRICE_W)) for _ in range(3)]
        return [Text(("—" if bp is None else format_price(bp.price, style)).rjust(PRICE_W))
                for bp in head.best]

    def markers(self, head: Headline | None, *, live: bool = False) -> Text:
        """``L`` in play, ``A`` an arbitrage, ``V`` a value bet, ``*`` pinned (see the legend)."""
        marks = "L" if live else ""
        if head is not None:
            marks += ("A" if head.arbitrage is not None else "") + ("V" if head.value else "") + \
                ("*" if head.fixture_id in self.oddsmon.desk.pinned else "")
        return Text(f" {marks}" if marks else "")

    def show_movers(self, board: Dashboard) -> None:
        movers = self.query_one("#movers", Static)
        names = {fx.id: match_name(fx, 8) for fx in board.fixtures}
        parts = [f"{names.get(h.fixture_id, h.fixture_id)} {h.move_pct:+.1f}%"
                 for h in board.movers[:3] if h.move_pct is not None]
        arbs = [f"arbitrage {names.get(fid, fid)} {h.arbitrage.profit * 100:+.1f}%"
                for fid, h in board.headlines.items() if h.arbitrage is not None]
        legend = "L in play (Live: l) · A arbitrage · V value · * pinned"
        lines = [f"{legend} · movers: {', '.join(parts)}" if parts else legend, *arbs[:3]]
        movers.update("\n".join(lines))
        movers.display = True

    # -- keys ----------------------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.oddsmon.selected_fixture = int(event.row_key.value)
            self.oddsmon.switch_mode("odds")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.oddsmon.selected_fixture = int(event.row_key.value)

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Open the highlighted fixture's odds (enter)",
                            "Show the Odds screen for the fixture under the cursor",
                            lambda: self.oddsmon.switch_mode("odds"))
