"""Alerts: what happened since the last ask, named for people. It owns the price-drop
bookkeeping (the keys that shortened since, the drops already reported), the offline/online
transitions seen, and whether odds were fetched (arbitrage and value are then due)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..alerts import Alert, AlertSender, drop_alert, market_alerts, mode_alert, model_alerts
from ..domain.market import PriceDrop, analyse_market, model_value_bets, price_drops
from ..domain.models import MATCH_WINNER
from ..providers import BookmakersRequest, FixtureOddsRequest, PredictionRequest
from .reader import Reader
from .recorder import Recorder
from .requests import Requests


class Alerting:
    def __init__(self, reader: Reader, requests: Requests, recorder: Recorder,
                 sender: AlertSender | None = None) -> None:
        self.reader = reader
        self.requests = requests
        self.recorder = recorder
        self.settings = reader.settings
        self.store = reader.store
        self.clock = reader.clock
        # The webhook (alerts.webhook_url), when one is configured.
        self.sender = sender
        # Drops already reported, by (fixture, bookmaker, bet, outcome, dated): pruned to the window.
        self.drops_seen: set[tuple[int, int, int, str, datetime]] = set()
        self._last_transition = self.store.state.last_transition_id()

    def take_drops(self) -> list[PriceDrop]:
        """Prices shortened by at least ``odds.drop_alert_pct`` within ``odds.drop_window_min``,
        among those that moved since the last call; each drop is reported once."""
        keys = self.recorder.take_shortened()
        if not keys:
            return []
        cfg = self.settings.odds
        now = self.clock.now()
        window = timedelta(minutes=cfg.drop_window_min)
        points = [(p.fixture_id, p.bookmaker_id, p.bet_id, p.outcome, p.observed_at, p.price)
                  for p in self.store.history.window(keys, now - window)]
        # A drop is dated by its last price, inside the window: one dated before the window
        # cannot be found again, so its key goes (the set stays as small as the window).
        self.drops_seen = {key for key in self.drops_seen if key[4] > now - window}
        fresh = []
        for drop in price_drops(points, now, cfg.drop_alert_pct, window):
            key = (drop.fixture_id, drop.bookmaker_id, drop.bet_id, drop.outcome, drop.at)
            if key not in self.drops_seen:
                self.drops_seen.add(key)
                fresh.append(drop)
        return fresh

    def take(self) -> list[Alert]:
        """What happened since the last call, as alerts named for people (match, bookmaker,
        outcome, prices): offline/online transitions of any process, price drops, and after
        odds were fetched, the arbitrages and value bets of the upcoming fixtures."""
        cfg = self.settings.alerts
        odds_fetched = self.recorder.take_odds_fetched()
        alerts: list[Alert] = []
        transitions = self.store.state.transitions_after(self._last_transition)
        if transitions:
            self._last_transition = transitions[-1][0]
        if cfg.mode_changes:
            alerts += [mode_alert(*t) for t in transitions]
        drops = self.take_drops()
        if not drops and not (odds_fetched and (cfg.arbitrage_pct > 0 or cfg.value_pct > 0)):
            return alerts
        matches, books = self._names()
        for d in drops:
            if d.bookmaker_id not in books:  # the bookmakers list never fetched: the odds name it
                odds, _ = self.reader.peek(FixtureOddsRequest(d.fixture_id))
                books.update({b.bookmaker.id: b.bookmaker.name for fo in odds or [] for b in fo.bookmakers})
        alerts += [drop_alert(d, matches.get(d.fixture_id, f"fixture {d.fixture_id}"),
                              books.get(d.bookmaker_id, f"bookmaker {d.bookmaker_id}")) for d in drops]
        if odds_fetched and (cfg.arbitrage_pct > 0 or cfg.value_pct > 0):
            alerts += self._market_alerts(matches)
        return alerts

    async def dispatch(self) -> list[Alert]:
        """``take_alerts``, and POST them to the webhook, unless a collector (which posts
        them) runs elsewhere; returns them for the screen. Drops go out from
        ``alerts.drop_pct`` (0: none); the screen shows those of ``odds.drop_alert_pct``."""
        alerts = self.take()
        sender = self.sender
        if sender is not None and sender.enabled and not self.reader.collector_elsewhere():
            floor = self.settings.alerts.drop_pct
            sender.queue([a for a in alerts if a.kind != "drop"
                          or (floor > 0 and (a.change_pct or 0) >= floor)])
            await sender.flush()
        return alerts

    def _names(self) -> tuple[dict[int, str], dict[int, str]]:
        """Match names by fixture id and bookmaker names by id, from the cache."""
        matches: dict[int, str] = {}
        for lg in self.settings.watch.leagues:
            request = self.requests.league_fixtures(lg)
            data = None if request is None else self.reader.peek(request)[0]
            matches.update({fx.id: f"{fx.home.name} v {fx.away.name}" for fx in data or []})
        books, _ = self.reader.peek(BookmakersRequest())
        return matches, {b.id: b.name for b in books or []}

    def _market_alerts(self, matches: dict[int, str]) -> list[Alert]:
        """The Match Winner's arbitrage and value against the prediction, and value in any
        market against your own probabilities (``[model]``, ``--import-probs``)."""
        now = self.clock.now()
        out: list[Alert] = []
        modelled = self.store.model.fixtures()
        for fid, match in matches.items():
            odds, _ = self.reader.peek(FixtureOddsRequest(fid))
            if not odds or odds[0].kickoff is None or odds[0].kickoff <= now:
                continue
            preds, _ = self.reader.peek(PredictionRequest(fid))
            view = analyse_market(odds[0], MATCH_WINNER, method=self.settings.odds.fair_method,
                                  prediction=preds[0] if preds else None)
            out += market_alerts(view, match, now, self.settings.alerts)
            if fid in modelled:
                out += model_alerts(model_value_bets(odds[0], self.store.model.probabilities(fid)),
                                    match, now, self.settings.alerts)
        return out
