"""Predictions: per upcoming fixture, the API's advice, winner, home/draw/away percentages,
goals and the team comparison. The table lists the fixtures; the panel under it details the
highlighted one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from ..domain.models import Fixture, Prediction
from ..engine.service import Page
from . import fmt
from .base import PageScreen
from .columns import Column, cut, layout
from .dashboard import NARROW, match_cell
from .host import FixtureSelected

# No cell padding (see dashboard.COLUMNS); the match and the advice share what the terminal has.
COLUMNS: tuple[Column, ...] = (
    Column("time", "Time", 10, narrow_below=NARROW), Column("kickoff", "Kickoff", 12, wide_from=NARROW),
    Column("match", "Match", share=1, min_width=15),
    Column("home", "   1", 5), Column("draw", "   X", 5), Column("away", "   2", 5),
    # Narrower, the panel under the table gives the highlighted fixture's advice in full.
    Column("advice", "  Advice", share=1, min_width=12, wide_from=100),
)


@dataclass(frozen=True, slots=True)
class PredictionsView:
    fixtures: list[Fixture]  # the upcoming fixtures, by kickoff
    predictions: dict[int, Prediction]


def detail_text(fx: Fixture | None, pred: Prediction | None) -> str:
    """The panel under the table, for one fixture (pure: easy to test and to extend)."""
    if pred is None:
        name = "" if fx is None else f"{fx.home.name} – {fx.away.name}: "
        return f"{name}no prediction cached for this fixture yet."
    lines = [f"{pred.home.name} – {pred.away.name} · {pred.league_name}"]
    winner = pred.winner.name if pred.winner else "none"
    if pred.winner_comment:
        winner += f" ({pred.winner_comment})"
    lines.append(f"Winner  {winner}")
    lines.append(f"1 X 2   {fmt.percent(pred.percent_home)} / {fmt.percent(pred.percent_draw)}"
                 f" / {fmt.percent(pred.percent_away)}")
    lines.append(f"Goals   home {pred.goals_home or '—'} · away {pred.goals_away or '—'}"
                 f" · under/over {pred.under_over or '—'}")
    lines.append(f"Advice  {pred.advice or '—'}")
    if pred.comparison:
        lines.append("")
        lines.append(f"{'Comparison':<14}{'home':>7}{'away':>7}")
        for row in pred.comparison:
            lines.append(f"{row.name.replace('_', ' '):<14}{fmt.percent(row.home):>7}"
                         f"{fmt.percent(row.away):>7}")
    return "\n".join(lines)


class PredictionsScreen(PageScreen):
    PAGE = "predictions"

    _view: PredictionsView | None = None

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="predictions", cursor_type="row", zebra_stripes=True, cell_padding=0)
        with VerticalScroll(id="prediction-detail"):
            yield Static("", id="prediction-text", markup=False)

    def redraw(self) -> None:
        if self._view is not None and self.provenance is not None:
            self.render_page(Page(self._view, self.provenance))

    async def fetch(self) -> Page[PredictionsView]:
        service = self.oddsmon.service
        preds = await service.predictions()
        if preds.data is None:
            return Page(None, preds.provenance)
        fixtures = await service.fixtures()
        upcoming = self.oddsmon.desk.arrange(f for f in fixtures.data or [] if f.is_upcoming)
        return Page(PredictionsView(upcoming, preds.data), preds.provenance)

    def clear_page(self) -> None:
        self._view = None
        self.query_one("#predictions", DataTable).clear()
        self.query_one("#prediction-text", Static).update("")

    def render_page(self, page: Page[PredictionsView]) -> None:
        view = page.data
        assert view is not None
        self._view = view
        app = self.oddsmon
        now, tz = app.now(), app.tz
        table: DataTable[Any] = self.query_one("#predictions", DataTable)
        table.clear(columns=True)
        shown = layout(COLUMNS, self.lay_out())
        widths = {c.key: w for c, w in shown}
        for col, width in shown:
            label = f"{col.label} {fmt.zone(now, tz)}" if col.key in ("kickoff", "time") else col.label
            table.add_column(Text(label), width=width, key=col.key)
        cursor = 0
        for i, fx in enumerate(view.fixtures):
            pred = view.predictions.get(fx.id)
            if fx.id == app.selected_fixture:
                cursor = i
            cells: dict[str, Text] = {"kickoff": Text(fmt.kickoff(fx.kickoff, tz, now)),
                                      "time": Text(fmt.short_time(fx.kickoff, tz, now)),
                                      # right-aligned percentages follow: no gap needed
                                      "match": Text(match_cell(fx, widths["match"], gap=0))}
            if pred is None:
                cells.update(home=Text("—".rjust(4)), draw=Text("—".rjust(4)),
                             away=Text("—".rjust(4)), advice=Text("  not cached"))
            else:
                cells.update(zip(("home", "draw", "away"),
                                 (Text(fmt.percent(p).rjust(4)) for p in
                                  (pred.percent_home, pred.percent_draw, pred.percent_away)), strict=True))
                cells["advice"] = Text(f"  {cut(pred.advice or '—', widths.get('advice', 0) - 2)}")
            table.add_row(*(cells[c.key] for c, _ in shown), key=str(fx.id))
        if table.row_count:
            table.move_cursor(row=cursor)
        self.status_suffix = f"{len(view.predictions)}/{len(view.fixtures)} predicted"
        self.show_detail(view.fixtures[cursor].id if view.fixtures else None)

    def show_detail(self, fixture_id: int | None) -> None:
        view = self._view
        text = self.query_one("#prediction-text", Static)
        if view is None or fixture_id is None:
            text.update("No upcoming fixture in the window.")
            return
        fx = next((f for f in view.fixtures if f.id == fixture_id), None)
        text.update(detail_text(fx, view.predictions.get(fixture_id)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            fid = int(event.row_key.value)
            self.post_message(FixtureSelected(fid))
            self.show_detail(fid)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.post_message(FixtureSelected(int(event.row_key.value), open_odds=True))

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Open the highlighted fixture's odds (enter)",
                            "Show the Odds screen for the fixture under the cursor",
                            lambda: self.app.switch_mode("odds"))
