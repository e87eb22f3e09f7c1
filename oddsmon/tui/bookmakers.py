"""Bookmakers: every bookmaker the API knows, and which of them price the watched fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from ..domain.models import MARKETS, Bookmaker, FixtureOdds
from ..service import Page, Provenance
from .base import PageScreen

SHORT_MARKETS = {1: "1X2", 5: "O/U", 8: "BTTS"}


@dataclass(frozen=True, slots=True)
class BookmakerRow:
    bookmaker: Bookmaker
    fixtures: int | None  # watched fixtures it prices; None when no odds are cached
    markets: tuple[int, ...]  # the shown markets it offers on them


@dataclass(frozen=True, slots=True)
class BookmakersView:
    rows: list[BookmakerRow]
    odds_provenance: Provenance
    watched: int  # fixtures with odds in the cache


def bookmaker_rows(bookmakers: list[Bookmaker], odds: dict[int, FixtureOdds] | None) -> list[BookmakerRow]:
    """Pricing bookmakers first (most fixtures first), then the rest by name."""
    count: dict[int, int] = {}
    markets: dict[int, set[int]] = {}
    names = {b.id: b for b in bookmakers}
    for fo in (odds or {}).values():
        for bo in fo.bookmakers:
            names.setdefault(bo.bookmaker.id, bo.bookmaker)
            count[bo.bookmaker.id] = count.get(bo.bookmaker.id, 0) + 1
            markets.setdefault(bo.bookmaker.id, set()).update(b.id for b in bo.bets if b.id in MARKETS)
    rows = [BookmakerRow(b, None if odds is None else count.get(b.id, 0),
                         tuple(sorted(markets.get(b.id, ())))) for b in names.values()]
    return sorted(rows, key=lambda r: (-(r.fixtures or 0), r.bookmaker.name.lower()))


class BookmakersScreen(PageScreen):
    PAGE = "bookmakers"
    LABEL = "Bookmakers"
    SUB_TITLE = "Bookmakers"

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
        service = self.oddsmon.service
        books = await service.bookmakers()
        if books.data is None:
            return Page(None, books.provenance)
        odds = await service.odds()
        view = BookmakersView(bookmaker_rows(books.data, odds.data), odds.provenance,
                              len(odds.data or {}))
        return Page(view, books.provenance)

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
        if odds.source == "none":
            prices = "watched prices never cached"
        else:
            prices = f"{pricing} pricing"
        self.status_suffix = f"{len(view.rows)} known · {prices}"
