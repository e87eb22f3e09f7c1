"""``oddsmon --picks [--format csv]``: the recorded picks with their closing price, closing line
value, result and profit, read from the shared store."""

from __future__ import annotations

import sys

from ..clock import Clock
from ..config import Settings
from ..desk.cells import writer
from ..desk.known import run_on_store
from ..desk.picks import COLUMNS, PickView, as_row, pick_views
from ..domain.odds import money
from ..store import Store
from ..supervision.common import iso
from .common import EXIT_OK

# The Odds screen's pick key (tui/odds.py; tests/unit/test_docs_match.py keeps them one).
NOTHING_RECORDED = "no picks recorded (press a on the Odds screen to record one)\n"


def _text(views: list[PickView], currency: str) -> str:
    if not views:
        return NOTHING_RECORDED
    lines = []
    for v in views:
        p = v.pick
        close = "—" if v.closing_price is None else f"{v.closing_price:.2f}"
        clv = "—" if v.clv_pct is None else f"{v.clv_pct:+.1f}%"
        profit = "" if v.profit is None else f" {money(v.profit, currency, sign=True)}"
        market = f"{v.market} {p.line}".strip()
        lines.append(f"#{p.id} {iso(p.created_at)} {p.match} · {market} · {p.outcome} @ {p.price:.2f} "
                     f"{p.bookmaker} stake {money(p.stake, currency)} ({p.basis}) · close {close} · CLV {clv} · {v.result}{profit}")
    return "\n".join(lines) + "\n"


def run(settings: Settings, fmt: str, clock: Clock | None = None) -> int:
    """``oddsmon --picks [--format csv]``: the pick log, read from the shared store."""
    from ..clock import SystemClock

    now = (clock or SystemClock()).now()

    def work(store: Store) -> int:
        views = pick_views(store, settings.odds.fair_method, now)
        if fmt == "csv":
            sheet = writer(sys.stdout)
            sheet.writerow(COLUMNS)
            sheet.writerows(as_row(v, settings.stakes.currency) for v in views)
        else:
            sys.stdout.write(_text(views, settings.stakes.currency))
        return EXIT_OK

    return run_on_store(settings, work)
