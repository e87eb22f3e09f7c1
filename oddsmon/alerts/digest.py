"""A burst of alerts as one message: what a webhook receives at most once per
``alerts.min_interval_s``.

A move is one price shortening at every bookmaker that moved it (same match, market, line and
outcome): one line naming the match, market, line, outcome and each bookmaker's old and new
price. The digest names the first moves (offline/online first, then arbitrages, value bets and
the largest drops) and says "and N more" of the rest; the JSON targets carry every alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Alert

MAX_LINES = 10  # moves named in a digest; the rest are counted
_ORDER = {"offline": 0, "online": 0, "arbitrage": 1, "value": 2, "drop": 3}


@dataclass(frozen=True, slots=True)
class Digest:
    title: str
    lines: tuple[str, ...]  # the moves named
    more: int  # moves not named
    alerts: tuple[Alert, ...]  # every alert it stands for

    @property
    def kind(self) -> str:
        """The alerts' kind when they share one, else "digest"."""
        kinds = {a.kind for a in self.alerts}
        return kinds.pop() if len(kinds) == 1 else "digest"

    @property
    def urgent(self) -> bool:
        """oddsmon went offline: the one an on-call person must see now."""
        return any(a.kind == "offline" for a in self.alerts)

    def text(self, max_chars: int | None = None) -> str:
        """Title, one line a move, "and N more"; cut to ``max_chars`` by counting the lines
        that do not fit among the more (a target's limit: Discord takes 2,000)."""
        lines, more = list(self.lines), self.more
        while True:
            body = [self.title, *(f"- {line}" for line in lines)]
            if more:
                body.append(f"and {more} more")
            text = "\n".join(body)
            if max_chars is None or len(text) <= max_chars or not lines:
                return text if max_chars is None else text[:max_chars]
            lines.pop()
            more += 1


def digest(alerts: Sequence[Alert]) -> Digest:
    if len(alerts) == 1:
        return Digest(alerts[0].text, (), 0, tuple(alerts))
    moves: dict[tuple[object, ...], list[Alert]] = {}
    for a in alerts:
        group = (a.kind, a.fixture, a.market, a.line, a.outcome) if a.kind == "drop" else (a.kind, a.key)
        moves.setdefault(group, []).append(a)
    ranked = sorted(moves.values(), key=lambda m: (_ORDER.get(m[0].kind, 9), -max(a.change_pct or 0 for a in m)))
    lines = tuple(_move(m) for m in ranked[:MAX_LINES])
    return Digest(_title(alerts, len(moves)), lines, max(0, len(ranked) - MAX_LINES), tuple(alerts))


def _title(alerts: Sequence[Alert], moves: int) -> str:
    counts: dict[str, int] = {}
    for a in alerts:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    parts = [f"{n} {kind if n == 1 else kind + 's'}" for kind, n in sorted(counts.items(), key=lambda kv: _ORDER.get(kv[0], 9))]
    drops = counts.get("drop", 0)
    matches = len({a.fixture for a in alerts if a.kind == "drop"})
    where = f" ({moves} moves on {matches} match{'es' if matches != 1 else ''})" if drops else ""
    return f"oddsmon: {', '.join(parts)}{where}"


def _move(alerts: list[Alert]) -> str:
    first = alerts[0]
    if first.kind != "drop":
        return first.text
    market = f"{first.market} {first.outcome}" if first.market else str(first.outcome)
    prices = ", ".join(f"{a.bookmaker} {a.old_price:.2f}->{a.new_price:.2f}"
                       for a in sorted(alerts, key=lambda a: -(a.change_pct or 0)))
    books = f" ({len(alerts)} bookmakers, up to -{max(a.change_pct or 0 for a in alerts):.1f}%)" \
        if len(alerts) > 1 else f" (-{first.change_pct or 0:.1f}%)"
    return f"{first.match}: {market}: {prices}{books}"
