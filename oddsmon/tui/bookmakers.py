"""Bookmakers: every bookmaker the API knows, and which of them price the watched fixtures."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from ..engine.service import BookmakersView, Page
from .base import PageScreen

SHORT_MARKETS = {1: "1X2", 5: "O/U", 8: "BTTS"}


class BookmakersScreen(PageScreen):
    PAGE = "bookmakers"

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="bookmakers", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#bookmakers", DataTable)
        table.add_column("Id", key="id")
        table.add_column("Bookmaker", key="name")
        table.add_column("Prices", key="fixtures")
        table.add_column("Markets", key="markets")

    async def fetch(self) -> Page[BookmakersView]:
        return await self.oddsmon.service.bookmakers_summary()

    def clear_page(self) -> None:
        self.query_one("#bookmakers", DataTable).clear()

    def render_page(self, page: Page[BookmakersView]) -> None:
        view = page.data
        assert view is not None
        table: DataTable[Any] = self.query_one("#bookmakers", DataTable)
        table.clear()
        for row in view.rows:
            if row.fixtures is None:
                priced = Text("?", justify="right")
            else:
                priced = Text(f"{row.fixtures}/{view.watched}", justify="right")
            markets = " ".join(SHORT_MARKETS.get(m, str(m)) for m in row.markets) or "—"
            table.add_row(Text(str(row.bookmaker.id), justify="right"), Text(row.bookmaker.name),
                          priced, Text(markets), key=str(row.bookmaker.id))
        pricing = sum(1 for r in view.rows if r.fixtures)
        odds = view.odds_provenance
        prices = "watched prices never cached" if odds.source == "none" else f"{pricing} pricing"
        self.status_suffix = f"{len(view.rows)} known · {prices}"
