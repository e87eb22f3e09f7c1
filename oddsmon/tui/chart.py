"""The movement chart: one outcome's price at each bookmaker over time (``h`` on the Odds
screen, for the outcome under the cursor), opening, close and latest price beside each line,
kickoff marked under the chart. Drawn by :func:`oddsmon.domain.chart.price_chart`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..domain.chart import Chart
from . import fmt

NAME_W = 12  # "William Hill", "Marathonbet" whole
CHART_W = 34  # leaves room for the figures on an 80-column terminal


def chart_text(chart: Chart, names: dict[int, str], title: str, tz: object, now: object) -> str:
    lines = [title, f"{chart.low:.2f} ▁ … █ {chart.high:.2f}  (one scale for every bookmaker)"]
    for line in chart.lines:
        name = names.get(line.bookmaker_id, str(line.bookmaker_id))[:NAME_W].ljust(NAME_W)
        close = "—" if line.close is None else f"{line.close:.2f}"
        lines.append(f"{name} {line.cells} {line.opening:.2f}→{line.latest:.2f} close {close}")
    ruler = [" "] * CHART_W
    ruler[0] = "└"
    if chart.kickoff_column is not None:
        ruler[chart.kickoff_column] = "K"
    lines.append(" " * NAME_W + " " + "".join(ruler))
    lines.append(f"from {fmt.short_time(chart.start, tz, now)} to {fmt.short_time(chart.end, tz, now)}"  # type: ignore[arg-type]
                 f"{' · K kickoff' if chart.kickoff_column is not None else ''} · close = last price before kickoff")
    return "\n".join(lines)


class MovementDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape,h,q", "close", "Close")]

    def __init__(self, text: str) -> None:
        super().__init__(id="movement-dialog")
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="chart"):
            yield Static(self.text, id="movement-chart", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
