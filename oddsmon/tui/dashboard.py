"""Dashboard: the watched leagues' fixtures, live and upcoming first by kickoff, finished ones
after them; with the league, score/status, the best prices and who offers them.

The cursor starts on the next kickoff. Columns are declared once in :data:`COLUMNS`: names
grow with the terminal, league and bookmaker columns appear when there is room, and the line
under the table always names the highlighted fixture's league and best bookmakers (80
columns included). Enter on a row opens that fixture on the Odds screen. The odds analytics (arbitrage and value
markers, biggest movers) come ready-made from ``Service.dashboard`` (``Dashboard.headlines``,
``Dashboard.movers``); this screen only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.widgets import DataTable, Static

from ..domain.odds import format_price
from . import fmt
from .base import PageScreen
from .columns import Column, cut, layout, short_name
from .host import FixtureSelected
from .search import headline_numbers

if TYPE_CHECKING:  # types only: the first frame is painted before httpx and the store load
    from ..domain.market import Headline
    from ..domain.models import Fixture
    from ..engine.service import Dashboard, Page
    from ..types import PriceFormat

# Tables use no cell padding and carry their own spacing. At 80 columns the kickoff (``21:00``
# today, else ``Wed 21:00``), the match, the three prices and the markers fit beside the
# sidebar, the match taking what is left; wider, the kickoff says ``today``, and the league,
# the status and the bookmakers of the best prices get columns of their own.
PRICE_W = 6
NARROW = 90
COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", 10, narrow_below=NARROW),
    Column("kickoff", "Kickoff", 12, wide_from=NARROW),
    Column("match", "Match", share=2, min_width=15),
    Column("league", "League", share=1, wide_from=NARROW, min_width=8),
    Column("status", "St", 4, wide_from=NARROW),  # narrower, the time cell says it
    Column("home", "1".rjust(PRICE_W), PRICE_W), Column("draw", "X".rjust(PRICE_W), PRICE_W),
    Column("away", "2".rjust(PRICE_W), PRICE_W),
    Column("books", "  best at", share=2, wide_from=110, min_width=12),
    Column("mark", "   ", 3),
)
TEAM_W = 9  # when a caller gives no width (messages name matches in full instead)


def _middle(fx: Fixture, score: bool) -> str:
    if score and not fx.is_upcoming and fx.goals_home is not None and fx.goals_away is not None:
        return f"{fx.goals_home}-{fx.goals_away}"
    return "–"


def match_name(fx: Fixture, width: int = TEAM_W, *, score: bool = False) -> str:
    """``Brentford – Newcastle``, or with ``score`` once it started: ``Brentford 2-1 Newcastle``;
    each team in at most ``width`` characters (:func:`~oddsmon.tui.columns.short_name`)."""
    middle = _middle(fx, score)
    return f"{short_name(fx.home.name, width)} {middle} {short_name(fx.away.name, width)}"


def match_cell(fx: Fixture, width: int, gap: int = 1) -> str:
    """The match in ``width`` columns, ``gap`` spaces kept after it (none before a right-aligned
    column): both names in full when they fit; else the shorter keeps its length when it fits
    in half, the longer takes the rest."""
    middle = _middle(fx, score=True)
    home, away = fx.home.name, fx.away.name
    room = width - len(middle) - 2 - gap
    if len(home) + len(away) <= room:
        return f"{home} {middle} {away}"
    half = room // 2
    if len(home) <= half:
        widths = (len(home), room - len(home))
    elif len(away) <= half:
        widths = (room - len(away), len(away))
    else:
        widths = (half, room - half)
    return f"{short_name(home, widths[0])} {middle} {short_name(away, widths[1])}"


def next_kickoff(fixtures: list[Fixture]) -> Fixture | None:
    """The next fixture to kick off, else the first of the list."""
    return next((f for f in fixtures if f.is_upcoming), fixtures[0] if fixtures else None)


def status_text(fx: Fixture) -> str:
    """``NS``, ``FT``, ``HT``, or the minute while it is played (``67'``)."""
    if fx.is_live and fx.elapsed is not None and fx.status_short in ("1H", "2H", "ET"):
        return f"{fx.elapsed}'"
    return fx.status_short


class DashboardScreen(PageScreen):
    PAGE = "dashboard"

    _board: Dashboard | None = None

    def compose_body(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(id="fixtures", cursor_type="row", zebra_stripes=True,
                                          cell_padding=0)
        yield table
        yield Static("", id="fixture-line", markup=False)
        yield Static("", id="movers", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#movers").display = False

    def redraw(self) -> None:
        if self._board is not None and self.provenance is not None:
            from ..engine.service import Page  # a board shown: the engine is up

            self.render_page(Page(self._board, self.provenance))

    async def fetch(self) -> Page[Dashboard]:
        return await self.oddsmon.service.dashboard(hidden_bookmakers=self.oddsmon.desk.hidden_bookmakers)

    def clear_page(self) -> None:
        self._board = None
        self.query_one("#fixtures", DataTable).clear()
        self.query_one("#fixture-line", Static).update("")
        self.query_one("#movers").display = False

    def render_page(self, page: Page[Dashboard]) -> None:
        board = page.data
        assert board is not None
        self._board = board
        app = self.oddsmon
        now, tz = app.now(), app.tz
        style = app.price_format
        table = self.query_one("#fixtures", DataTable)
        table.clear(columns=True)
        width = self.lay_out()
        # The match column is followed by right-aligned prices or by the league's leading space.
        want = {"match": max((len(match_name(f, 10_000, score=True)) for f in board.fixtures),
                             default=0),
                "league": max((len(f.league_name) + 1 for f in board.fixtures), default=0),
                "books": max((len(self.books_text(h)) + 2 for h in board.headlines.values()), default=0)}
        shown = layout(COLUMNS, width, want)
        for col, width in shown:
            label = f"{col.label} {fmt.zone(now, tz)}" if col.key in ("kickoff", "time") else col.label
            table.add_column(Text(label), width=width, key=col.key)
        widths = {c.key: w for c, w in shown}
        ordered = app.desk.arrange(board.fixtures, headline_numbers(board.headlines))
        selected = next((f for f in ordered if f.id == app.selected_fixture), None) \
            or next_kickoff(ordered)
        for fx in ordered:
            fx = board.live.get(fx.id, fx)  # in play: the live list's minute and score
            head = board.headlines.get(fx.id)
            # Text cells, never str: a str cell would be read as markup.
            cells: dict[str, Text] = {
                "kickoff": Text(fmt.kickoff(fx.kickoff, tz, now)),
                "time": Text(fmt.short_time(fx.kickoff, tz, now) if fx.is_upcoming
                             else status_text(fx)),
                "match": Text(match_cell(fx, widths["match"], gap=0)),
                "league": Text(" " + cut(fx.league_name, widths.get("league", 0) - 1)),
                "status": Text(status_text(fx)),
                "books": Text("  " + cut(self.books_text(head), widths.get("books", 0) - 2)),
                "mark": self.markers(head, live=fx.id in board.live),
            }
            cells.update(zip(("home", "draw", "away"), self.price_cells(head, style), strict=True))
            table.add_row(*(cells[c.key] for c, _ in shown), key=str(fx.id))
        if table.row_count and selected is not None:
            table.move_cursor(row=ordered.index(selected))
            self.show_fixture(selected.id)
        self.show_movers(board)
        self.status_suffix = app.desk.describe(len(ordered), len(board.fixtures)) or f"{len(board.fixtures)} fixtures"

    @staticmethod
    def books_text(head: Headline | None) -> str:
        """Who offers each best price: ``Bet365 / Bwin / Pinnacle``."""
        if head is None:
            return "—"
        return " / ".join("—" if bp is None else bp.bookmaker for bp in head.best)

    def show_fixture(self, fixture_id: int) -> None:
        """The line under the table: the highlighted fixture in full, its league, who offers
        each best price (what 80 columns have no room for in the table)."""
        board = self._board
        line = self.query_one("#fixture-line", Static)
        fx = None if board is None else next((f for f in board.fixtures if f.id == fixture_id), None)
        if board is None or fx is None:
            line.update("")
            return
        head = board.headlines.get(fx.id)
        best = ("no odds cached" if head is None else " · ".join(
            f"{label} {'—' if bp is None else format_price(bp.price, self.oddsmon.price_format)} "
            f"{'' if bp is None else bp.bookmaker}".rstrip()
            for label, bp in zip(("1", "X", "2"), head.best, strict=True)))
        line.update(f"{fmt.match_title(fx.home.name, fx.away.name)} · {fx.league_name}\n"
                    f"best {best}")

    # -- extension points for the odds analytics ---------------------------------------------------

    def price_cells(self, head: Headline | None, style: PriceFormat) -> list[Text]:
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
            self.post_message(FixtureSelected(int(event.row_key.value), open_odds=True))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.post_message(FixtureSelected(int(event.row_key.value)))
            self.show_fixture(int(event.row_key.value))

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Open the highlighted fixture's odds (enter)",
                            "Show the Odds screen for the fixture under the cursor",
                            lambda: self.app.switch_mode("odds"))
