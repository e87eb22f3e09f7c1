"""Picks: every pick recorded with ``a`` on the Odds screen, with its closing price, closing line
value, and once the fixture has ended its result and profit. Read from the shared store (the
same list ``oddsmon --picks`` prints); nothing here is sent anywhere."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from ..desk.picks import PickView
from ..domain.odds import money
from ..engine.service import Page, Provenance
from .listing import TableScreen

COLUMNS = ("#", "Match", "Market", "Pick", "Price", "Book", "Stake", "Close", "CLV", "Result", "P/L")


def pick_cells(v: PickView, currency: str) -> list[Text]:
    p = v.pick
    market = f"{v.market} {p.line}".strip()
    return [Text(str(p.id)), Text(p.match), Text(market), Text(p.outcome), Text(f"{p.price:.2f}"),
            Text(p.bookmaker), Text(money(p.stake, currency)),
            Text("—" if v.closing_price is None else f"{v.closing_price:.2f}"),
            Text("—" if v.clv_pct is None else f"{v.clv_pct:+.1f}%",
                 style="bold" if v.clv_pct is not None and v.clv_pct > 0 else ""),
            Text(v.result), Text("" if v.profit is None else money(v.profit, currency, sign=True))]


class PicksScreen(TableScreen):
    TABLE_ID = "picks"
    COLUMNS = COLUMNS
    PAGE = ""  # local data: nothing to refresh from the API
    BINDINGS = [Binding("t", "toggle_team", "Mine/team", tooltip="This analyst's picks, or the whole team's")]
    team = False  # every analyst's picks, each with its author, instead of this analyst's

    async def fetch(self) -> Page[list[PickView]]:
        app = self.oddsmon
        now = app.now()
        return Page(await app.service.picks("team" if self.team else "mine"), Provenance("live", now, 0.0, False))

    def action_toggle_team(self) -> None:
        self.team = not self.team
        self.load()

    def render_page(self, page: Page[list[PickView]]) -> None:
        views = page.data or []
        table = self.table
        table.clear()
        currency = self.oddsmon.settings.stakes.currency
        for v in views:
            cells = pick_cells(v, currency)
            if self.team and v.pick.author:  # whose, beside the match
                cells[1] = Text(f"{v.pick.match} · {v.pick.author}")
            table.add_row(*cells, key=str(v.pick.id))
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
