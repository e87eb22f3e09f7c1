"""Value: every value bet and arbitrage across the watched fixtures (the pinned ones when any
are pinned, else every upcoming fixture in a shown league), best edge first, with its Kelly
stake. The scan is :func:`oddsmon.domain.market.value_bets` over every market and line."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from ..domain.market import ValueBet
from ..domain.markets import BY_ID
from ..domain.models import Fixture
from ..domain.odds import kelly_stake
from ..engine.service import Page
from . import fmt
from .dashboard import match_name
from .listing import TableScreen
from .odds import money_text

# Edge first and short market names: the figures that matter fit in 80 columns.
COLUMNS = ("Edge", "Kickoff", "Match", "Market", "Outcome", "Price", "Book", "Stake")


@dataclass(frozen=True, slots=True)
class ValueView:
    bets: list[ValueBet]
    fixtures: dict[int, Fixture]


class ValueScreen(TableScreen):
    TABLE_ID = "value"
    COLUMNS = COLUMNS
    PAGE = "odds"

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

    def render_page(self, page: Page[ValueView]) -> None:
        view = page.data
        assert view is not None
        app = self.oddsmon
        now, tz, cfg = app.now(), app.tz, app.settings.stakes
        table = self.table
        table.clear()
        for i, bet in enumerate(view.bets):
            fx = view.fixtures.get(bet.fixture_id)
            if bet.price is None or bet.fair_probability is None:
                stake = "arbitrage"
            else:
                stake = money_text(kelly_stake(bet.price, bet.fair_probability, cfg.bankroll,
                                               cfg.kelly_fraction, cfg.round_to))
            table.add_row(Text(f"{bet.edge * 100:+.1f}%", style="bold"),
                          Text("—" if fx is None else fmt.short_time(fx.kickoff, tz, now)),
                          Text(str(bet.fixture_id) if fx is None else match_name(fx, 8)),
                          Text(f"{BY_ID[bet.market_id].short} {bet.line}".strip()), Text(bet.outcome),
                          Text("—" if bet.price is None else f"{bet.price:.2f}"), Text(bet.bookmaker),
                          Text(stake), key=str(i))
        watched = f"{len(app.desk.pinned)} pinned fixtures" if app.desk.pinned else "every upcoming fixture"
        self.status_suffix = f"{len(view.bets)} value bets and arbitrages · {watched}"
