"""Alerts named for people: what happened (a price drop, an arbitrage, a value bet, oddsmon
going offline or back online), with the match, market, line, bookmaker and prices.

Building them is pure; each is stored as JSON in the outbox (store/outbox.py) until a webhook
takes it, so it travels as ``to_json``/``from_json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from ..clock import iso_utc
from ..config import AlertSettings
from ..domain.market import MarketView, PriceDrop, ValueBet
from ..domain.markets import export_parts
from ..offline import CRITICAL_REASONS, KEY_FIX

KINDS = ("drop", "arbitrage", "value", "offline", "online")


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # drop | arbitrage | value | offline | online
    key: str  # what makes it the same alert (stored once per webhook)
    text: str
    at: datetime
    fixture: int | None = None
    match: str | None = None
    bookmaker: str | None = None
    outcome: str | None = None
    old_price: float | None = None
    new_price: float | None = None
    reason: str | None = None
    change_pct: float | None = None  # a drop's size, in percent
    market: str | None = None  # "Match Winner", "Goals Over/Under"
    line: str | None = None  # the market's line ("2.5", "-1"); None for a market without one
    # A mode change's weight, as --check would say it: "critical" (a network or key outage),
    # "warning" (quota, manual offline), "ok" (back online); None for market alerts.
    severity: str | None = None

    def payload(self) -> dict[str, Any]:
        """The structured fields a JSON webhook receives (``content``: Discord's ``text``)."""
        data = asdict(self)
        data["at"] = iso_utc(self.at)
        data["content"] = self.text
        return data

    def to_json(self) -> str:
        return json.dumps(self.payload(), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Alert:
        data = json.loads(raw)
        names = {f.name for f in fields(cls)}
        data["at"] = datetime.fromisoformat(data["at"].replace("Z", "+00:00"))
        return cls(**{k: v for k, v in data.items() if k in names})


def drop_alert(drop: PriceDrop, match: str, bookmaker: str) -> Alert:
    market, line, _ = export_parts(drop.bet_id, drop.outcome)
    text = (f"Price drop: {match}: {market} {drop.outcome} at {bookmaker} {drop.before:.2f} -> "
            f"{drop.after:.2f} (-{drop.pct:.1f}%)")
    return Alert("drop", f"drop:{drop.fixture_id}:{drop.bookmaker_id}:{drop.bet_id}:{drop.outcome}:"
                         f"{drop.at.timestamp():.0f}", text, drop.at, drop.fixture_id, match, bookmaker,
                 drop.outcome, drop.before, drop.after, f"shortened {drop.pct:.1f}%", round(drop.pct, 2),
                 market, line or None)


def market_alerts(view: MarketView, match: str, at: datetime, settings: AlertSettings) -> list[Alert]:
    """Arbitrage and value alerts of one analysed market, per the configured thresholds; each
    names its market and line."""
    out: list[Alert] = []
    arb = view.arbitrage
    market, line = view.market_name, view.line or None
    named = f"{market} {line}" if line else market
    if settings.arbitrage_pct > 0 and arb is not None and arb.profit * 100 >= settings.arbitrage_pct:
        legs = ", ".join(f"{lab} {p:.2f} @ {b}" for lab, p, b in zip(view.labels, arb.prices, arb.bookmakers, strict=True))
        out.append(Alert("arbitrage", f"arb:{view.fixture_id}:{view.market_id}:{line}:{legs}",
                         f"Arbitrage {arb.profit * 100:.2f}%: {match}: {named}: {legs}", at, view.fixture_id,
                         match, ", ".join(arb.bookmakers), None, None, None,
                         f"sum of 1/best = {arb.total:.4f}", market=market, line=line))
    if settings.value_pct > 0:
        for o in view.outcomes:
            v = o.value_vs_prediction
            if o.best is None or v is None or v * 100 < settings.value_pct:
                continue
            out.append(Alert("value", f"value:{view.fixture_id}:{view.market_id}:{line}:{o.label}:{o.best.price}",
                             f"Value {v * 100:.1f}%: {match}: {named} {o.label} {o.best.price:.2f} at "
                             f"{o.best.bookmaker} (prediction {(o.predicted or 0) * 100:.0f}%)",
                             at, view.fixture_id, match, o.best.bookmaker, o.label, None, o.best.price,
                             f"expected value {v * 100:.1f}% against the prediction", market=market, line=line))
    return out


def model_alerts(bets: list[ValueBet], match: str, at: datetime, settings: AlertSettings) -> list[Alert]:
    """Value alerts against your own probabilities ("model"), per ``alerts.value_pct``."""
    if settings.value_pct <= 0:
        return []
    return [Alert("value", f"model:{b.fixture_id}:{b.market_id}:{b.outcome}:{b.price}",
                  f"Value {b.edge * 100:.1f}% against your model: {match}: {b.market} {b.outcome} "
                  f"{b.price:.2f} at {b.bookmaker} (model {(b.fair_probability or 0) * 100:.0f}%)",
                  at, b.fixture_id, match, b.bookmaker, b.outcome, None, b.price,
                  f"expected value {b.edge * 100:.1f}% against your model", market=b.market,
                  line=b.line or None)
            for b in bets if b.price is not None and b.edge * 100 >= settings.value_pct]


def mode_alert(transition_id: int, at: datetime, offline: bool, reason: str | None,
               detail: str | None) -> Alert:
    """A mode change: a network or key outage is CRITICAL (as in --check), and a refused key
    says what the operator does."""
    severity = "ok" if not offline else "critical" if reason in CRITICAL_REASONS else "warning"
    state = f"OFFLINE ({reason})" if offline else "back ONLINE"
    text = f"{severity.upper()}: oddsmon is {state}" + (f": {detail}" if detail else "")
    if offline and reason == "key":
        text += f". To do: {KEY_FIX}"
    return Alert("offline" if offline else "online", f"mode:{transition_id}", text, at,
                 reason=detail or reason, severity=severity)
