"""Picks: every pick recorded with ``a`` on the Odds screen, with its closing price, closing line
value, and once the fixture has ended its result and profit. Read from the shared store (the
same list ``oddsmon --picks`` prints); nothing here is sent anywhere.

At 80 columns the table keeps what a pick is judged by (match, market, pick, price, close, CLV);
the line under it gives the highlighted pick in full (bookmaker, stake, result, profit), and
wider terminals give those columns of their own.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ..desk.picks import PickView
from ..domain.odds import money
from ..engine.service import Page, Provenance
from .columns import Column, cut, layout
from .listing import TableScreen

# No cell padding: numbers are right-aligned with a space after them, text cut with room after.
COLUMNS: tuple[Column, ...] = (
    Column("id", "#", 4),
    Column("match", "Match", share=3, min_width=12),
    Column("market", "Market", share=2, min_width=8),
    Column("pick", "Pick", share=1, min_width=6),
    Column("price", "Price", 6), Column("close", "Close", 6), Column("clv", "CLV", 7),
    Column("book", "Book", share=1, min_width=8, wide_from=90),
    Column("stake", "Stake", share=1, min_width=8, wide_from=90),
    Column("result", "Result", share=1, min_width=8, wide_from=110),
    Column("pl", "P/L", share=1, min_width=8, wide_from=110),
)
RIGHT = frozenset({"id", "price", "close", "clv", "stake", "pl"})


def pick_texts(v: PickView, currency: str) -> dict[str, str]:
    """A pick's cells by column key, whole (:func:`layout` decides what is shown and how wide)."""
    p = v.pick
    return {"id": str(p.id), "match": p.match, "market": f"{v.market} {p.line}".strip(),
            "pick": p.outcome, "price": f"{p.price:.2f}", "book": p.bookmaker,
            "stake": money(p.stake, currency),
            "close": "—" if v.closing_price is None else f"{v.closing_price:.2f}",
            "clv": "—" if v.clv_pct is None else f"{v.clv_pct:+.1f}%",
            "result": v.result, "pl": "" if v.profit is None else money(v.profit, currency, sign=True)}


def pick_line(texts: dict[str, str]) -> str:
    """The highlighted pick in full, under the table."""
    t = texts
    line = (f"#{t['id']} {t['match']} · {t['market']} {t['pick']} @ {t['price']} {t['book']} · "
            f"stake {t['stake']} · close {t['close']} · CLV {t['clv']} · {t['result']}")
    return line + (f" · P/L {t['pl']}" if t["pl"] else "")


class PicksScreen(TableScreen):
    TABLE_ID = "picks"
    PAGE = ""  # local data: nothing to refresh from the API
    BINDINGS = [Binding("t", "toggle_team", "Mine/team", tooltip="This analyst's picks, or the whole team's")]
    team = False  # every analyst's picks, each with its author, instead of this analyst's
    _page: Page[list[PickView]] | None = None  # the last shown, laid out again on a resize
    _texts: dict[str, dict[str, str]] | None = None  # row key -> the pick's cells in full

    def compose_body(self) -> ComposeResult:
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True, cell_padding=0)
        yield Static("", id="pick-line", markup=False)

    async def fetch(self) -> Page[list[PickView]]:
        app = self.oddsmon
        now = app.now()
        return Page(await app.service.picks("team" if self.team else "mine"), Provenance("live", now, 0.0, False))

    def action_toggle_team(self) -> None:
        self.team = not self.team
        self.load()

    def redraw(self) -> None:
        if self._page is not None:
            self.render_page(self._page)

    def render_page(self, page: Page[list[PickView]]) -> None:
        self._page = page
        views = page.data or []
        table = self.table
        table.clear(columns=True)
        currency = self.oddsmon.settings.stakes.currency
        rows = []
        for v in views:
            texts = pick_texts(v, currency)
            if self.team and v.pick.author:  # whose, beside the match
                texts["match"] += f" · {v.pick.author}"
            rows.append((str(v.pick.id), texts))
        self._texts = dict(rows)
        want = {key: max((len(t[key]) + 1 for _, t in rows), default=0)
                for key in ("match", "market", "pick", "book", "stake", "result", "pl")}
        shown = layout(COLUMNS, self.lay_out(), want)
        for col, width in shown:
            label = col.label.rjust(width - 1) + " " if col.key in RIGHT else col.label
            table.add_column(Text(label), width=width, key=col.key)
        for key, texts in rows:
            table.add_row(*(Text(texts[c.key].rjust(w - 1) + " ", style=self._style(c.key, texts))
                            if c.key in RIGHT else Text(cut(texts[c.key], w - 1)) for c, w in shown),
                          key=key)
        self.show_pick(rows[0][0] if rows else None)
        settled = [v.profit for v in views if v.profit is not None]
        clvs = [v.clv_pct for v in views if v.clv_pct is not None]
        parts = [f"{len(views)} picks{' of the team' if self.team else ''}"]
        if clvs:
            parts.append(f"mean CLV {sum(clvs) / len(clvs):+.1f}%")
        if settled:
            parts.append(f"P/L {money(sum(settled), currency, sign=True)}")
        self.status_suffix = " · ".join(parts)
        if not views:
            self.show_notice("No picks yet: on the Odds screen, move the cursor onto a price and press a.")

    @staticmethod
    def _style(key: str, texts: dict[str, str]) -> str:
        return "bold" if key == "clv" and texts["clv"].startswith("+") else ""

    def show_pick(self, key: str | None) -> None:
        texts = None if key is None or self._texts is None else self._texts.get(key)
        self.query_one("#pick-line", Static).update("" if texts is None else pick_line(texts))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_pick(event.row_key.value)

    def clear_page(self) -> None:
        super().clear_page()
        self._page = self._texts = None
        self.show_pick(None)
