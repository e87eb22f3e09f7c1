"""Live: the watched fixtures in play, their minute and score, their in-play markets and how
each price moved since kickoff (the first in-play price recorded).

Everything comes from ``Service.live``: the live list (one call for every watched league)
and the in-play odds recorded from ``/odds/live`` (by this app, or by a collector, which this
screen then only reads). The page reloads by itself when the live data expires.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from ..domain.odds import format_price
from ..engine.runtime import LivePrice
from ..engine.service import LiveMatch, Page
from ..types import PriceFormat
from .base import PageScreen
from .dashboard import match_name, status_text


def live_price_rows(match: LiveMatch, style: PriceFormat) -> list[tuple[str, str, str, str]]:
    """(market, outcome, now, since kickoff) for each main line of the match's markets; a
    price that is no offer (suspended, or the match blocked, stopped or finished) says why in
    place of a price, and "not bettable" in place of its move."""
    board = match.board
    if board is None:
        return []
    rows = []
    prices: list[LivePrice] = sorted(board.now.values(), key=lambda p: (p.bet_id, p.handicap, p.seq))
    for p in prices:
        if p.main is False:  # an alternative line: the main one says it all
            continue
        name = match.bet_names.get(p.bet_id, f"bet {p.bet_id}")
        outcome = f"{p.outcome} {p.handicap}".strip()
        why = board.unbettable(p)
        if why is not None or p.price is None:
            rows.append((name, outcome, why or "suspended", "not bettable"))
            continue
        first = board.first.get(p.key)
        move = "" if first is None else \
            f"{format_price(first, style)}→{format_price(p.price, style)} {(p.price / first - 1) * 100:+.1f}%"
        rows.append((name, outcome, format_price(p.price, style), move))
    return rows


class LiveScreen(PageScreen):
    PAGE = "live"

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="live-fixtures", cursor_type="row", zebra_stripes=True, cell_padding=1)
        yield DataTable(id="live-markets", cursor_type="none", zebra_stripes=True, cell_padding=1)

    def on_mount(self) -> None:
        super().on_mount()
        fixtures = self.query_one("#live-fixtures", DataTable)
        for label in ("Min", "Match", "League"):
            fixtures.add_column(label)
        markets = self.query_one("#live-markets", DataTable)
        for label in ("Market", "Outcome", "Now", "Since kickoff"):
            markets.add_column(label)
        self._matches: dict[str, LiveMatch] = {}

    async def fetch(self) -> Page[list[LiveMatch]]:
        return await self.oddsmon.service.live()

    def clear_page(self) -> None:
        self.query_one("#live-fixtures", DataTable).clear()
        self.query_one("#live-markets", DataTable).clear()

    def render_page(self, page: Page[list[LiveMatch]]) -> None:
        matches = page.data or []
        table: DataTable[Any] = self.query_one("#live-fixtures", DataTable)
        table.clear()
        self._matches = {str(m.fixture.id): m for m in matches}
        for m in matches:
            table.add_row(Text(status_text(m.fixture)), Text(match_name(m.fixture, 14, score=True)),
                          Text(m.fixture.league_name), key=str(m.fixture.id))
        self.status_suffix = f"{len(matches)} in play" if matches else "none in play"
        self.show_markets(matches[0] if matches else None)

    def show_markets(self, match: LiveMatch | None) -> None:
        markets: DataTable[Any] = self.query_one("#live-markets", DataTable)
        markets.clear()
        if match is None:
            return
        for name, outcome, now, move in live_price_rows(match, self.oddsmon.price_format):
            markets.add_row(Text(name), Text(outcome), Text(now, justify="right"), Text(move))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "live-fixtures" and event.row_key.value in self._matches:
            self.show_markets(self._matches[event.row_key.value])
