"""Alerts that reach people outside the TUI: a JSON POST to a webhook.

Each alert carries a ``text`` line Slack shows as is (Discord reads ``content``, sent too, with
the same words) and the structured fields beside it: kind, fixture, match name, bookmaker,
outcome, old and new price, reason. Every alert is sent once across every process on the host
(claimed in the store first), at most one POST per ``alerts.min_interval_s``, retried with
backoff, and scrubbed of the API key before it leaves.

Building alerts is pure (``drop_alert``, ``market_alerts``, ``mode_alert``); ``AlertSender``
does the sending.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import httpx

from .clock import Clock, iso_utc
from .config import AlertSettings, Secret
from .domain.market import MarketView, PriceDrop, ValueBet
from .domain.models import MARKETS
from .store import Store, StoreWriteError

SEND_ATTEMPTS = 4
BACKOFF_S = (2.0, 8.0, 30.0)
REDACTED = "********"


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # drop | arbitrage | value | offline | online
    key: str  # what makes it the same alert (dedupe)
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
    market: str | None = None  # a drop's market ("Match Winner")

    def payload(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("key")
        data["at"] = iso_utc(self.at)
        data["content"] = self.text  # Discord's field; Slack reads ``text``
        return data


def drop_alert(drop: PriceDrop, match: str, bookmaker: str) -> Alert:
    text = (f"Price drop: {match}: {drop.outcome} at {bookmaker} {drop.before:.2f} -> "
            f"{drop.after:.2f} (-{drop.pct:.1f}%)")
    return Alert("drop", f"drop:{drop.fixture_id}:{drop.bookmaker_id}:{drop.bet_id}:{drop.outcome}:"
                         f"{drop.at.timestamp():.0f}", text, drop.at, drop.fixture_id, match, bookmaker,
                 drop.outcome, drop.before, drop.after, f"shortened {drop.pct:.1f}%", round(drop.pct, 2),
                 MARKETS[drop.bet_id][0] if drop.bet_id in MARKETS else f"bet {drop.bet_id}")


def market_alerts(view: MarketView, match: str, at: datetime, settings: AlertSettings) -> list[Alert]:
    """Arbitrage and value alerts of one analysed market, per the configured thresholds."""
    out: list[Alert] = []
    arb = view.arbitrage
    if settings.arbitrage_pct > 0 and arb is not None and arb.profit * 100 >= settings.arbitrage_pct:
        legs = ", ".join(f"{lab} {p:.2f} @ {b}" for lab, p, b in zip(view.labels, arb.prices, arb.bookmakers, strict=True))
        out.append(Alert("arbitrage", f"arb:{view.fixture_id}:{view.market_id}:{legs}",
                         f"Arbitrage {arb.profit * 100:.2f}%: {match}: {legs}", at, view.fixture_id,
                         match, ", ".join(arb.bookmakers), view.market_name, None, None,
                         f"sum of 1/best = {arb.total:.4f}"))
    if settings.value_pct > 0:
        for o in view.outcomes:
            v = o.value_vs_prediction
            if o.best is None or v is None or v * 100 < settings.value_pct:
                continue
            out.append(Alert("value", f"value:{view.fixture_id}:{view.market_id}:{o.label}:{o.best.price}",
                             f"Value {v * 100:.1f}%: {match}: {o.label} {o.best.price:.2f} at "
                             f"{o.best.bookmaker} (prediction {(o.predicted or 0) * 100:.0f}%)",
                             at, view.fixture_id, match, o.best.bookmaker, o.label, None, o.best.price,
                             f"expected value {v * 100:.1f}% against the prediction"))
    return out


def model_alerts(bets: list[ValueBet], match: str, at: datetime, settings: AlertSettings) -> list[Alert]:
    """Value alerts against your own probabilities ("model"), per ``alerts.value_pct``."""
    if settings.value_pct <= 0:
        return []
    return [Alert("value", f"model:{b.fixture_id}:{b.market_id}:{b.outcome}:{b.price}",
                  f"Value {b.edge * 100:.1f}% against your model: {match}: {b.market} {b.outcome} "
                  f"{b.price:.2f} at {b.bookmaker} (model {(b.fair_probability or 0) * 100:.0f}%)",
                  at, b.fixture_id, match, b.bookmaker, b.outcome, None, b.price,
                  f"expected value {b.edge * 100:.1f}% against your model", market=b.market)
            for b in bets if b.price is not None and b.edge * 100 >= settings.value_pct]


def mode_alert(transition_id: int, at: datetime, offline: bool, reason: str | None,
               detail: str | None) -> Alert:
    state = f"OFFLINE ({reason})" if offline else "back ONLINE"
    text = f"oddsmon is {state}" + (f": {detail}" if detail else "")
    return Alert("offline" if offline else "online", f"mode:{transition_id}", text, at, reason=detail or reason)


class AlertSender:
    """POSTs alerts to ``alerts.webhook_url``: once each, paced, retried, never with the key."""

    def __init__(self, settings: AlertSettings, store: Store, clock: Clock, secret: Secret | None,
                 *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._secret = secret.reveal() if secret else None
        self._queue: deque[Alert] = deque()
        self._last_post: float | None = None
        self.sent = 0
        self.last_error: str | None = None
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), transport=transport,
                                       follow_redirects=False)

    @property
    def enabled(self) -> bool:
        return self.settings.webhook_url is not None

    async def aclose(self) -> None:
        await self._http.aclose()

    def queue(self, alerts: list[Alert]) -> None:
        self._queue.extend(alerts)

    async def flush(self) -> int:
        """Send what is queued; returns how many were delivered. An alert another process
        already claimed is skipped; one that cannot be delivered is released for a later try."""
        delivered = 0
        while self._queue and self.enabled:
            alert = self._queue.popleft()
            try:
                if not self.store.collector.claim_alert(alert.key, alert.kind, alert.at):
                    continue
            except StoreWriteError as exc:
                self.last_error = f"alerts not sent: {exc}"
                self._queue.appendleft(alert)
                return delivered
            if await self._post(alert):
                delivered += 1
            else:
                self.store.collector.unclaim_alert(alert.key)
        return delivered

    def body(self, alert: Alert) -> bytes:
        text = json.dumps(alert.payload(), ensure_ascii=False)
        if self._secret:
            text = text.replace(self._secret, REDACTED)  # a key quoted in an error's detail
        return text.encode("utf-8")

    async def _post(self, alert: Alert) -> bool:
        assert self.settings.webhook_url is not None
        body = self.body(alert)
        for attempt in range(SEND_ATTEMPTS):
            if self._last_post is not None:
                wait = self._last_post + self.settings.min_interval_s - self.clock.monotonic()
                if wait > 0:
                    await self.clock.sleep(wait)
            self._last_post = self.clock.monotonic()
            try:
                reply = await self._http.post(self.settings.webhook_url, content=body,
                                              headers={"content-type": "application/json"})
                if reply.status_code < 300:
                    self.sent += 1
                    self.last_error = None
                    return True
                problem = f"HTTP {reply.status_code}"
                retry_after = reply.headers.get("retry-after", "")
                delay = float(retry_after) if retry_after.isdigit() else None
            except httpx.HTTPError as exc:
                problem, delay = type(exc).__name__, None
            self.last_error = f"{iso_utc(self.clock.now())} webhook {problem} ({alert.kind} alert)"
            if attempt == SEND_ATTEMPTS - 1 or not _retryable(problem):
                return False
            await self.clock.sleep(delay if delay is not None else BACKOFF_S[attempt])
        return False


def _retryable(problem: str) -> bool:
    """A 4xx other than 429 will not get better by asking again (a wrong URL, a revoked hook)."""
    if problem.startswith("HTTP 4"):
        return problem == "HTTP 429"
    return True
