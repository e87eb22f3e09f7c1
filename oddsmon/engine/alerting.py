"""Alerts: what happened since the last ask, named for people. It owns the price-drop
bookkeeping (the keys that shortened since, the drops already reported), the offline/online
transitions seen, and whether odds were fetched (arbitrage and value are then due); and it
hands what the webhook should get to the outbox (alerts/delivery.py posts it, in a task of
its own: asking for alerts never waits on a webhook)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..alerts import Alert, Deliverer, drop_alert, market_alerts, mode_alert, model_alerts
from ..domain.market import PriceDrop, analyse_market, model_value_bets, price_drops
from ..domain.models import MATCH_WINNER
from ..providers import BookmakersRequest, FixtureOddsRequest, PredictionRequest
from .reader import Reader
from .recorder import Recorder, Shortened
from .requests import Requests

# The outbox's cursor of transitions already enqueued (shared by every process).
_TRANSITIONS = "transitions"


class Alerting:
    def __init__(self, reader: Reader, requests: Requests, recorder: Recorder,
                 deliverer: Deliverer | None = None) -> None:
        self.reader = reader
        self.requests = requests
        self.recorder = recorder
        self.settings = reader.settings
        self.store = reader.store
        self.clock = reader.clock
        # The webhook (alerts.webhook_url), when one is configured.
        self.deliverer = deliverer
        # Drops already reported, by (fixture, bookmaker, bet, outcome, dated): pruned to the window.
        self.drops_seen: set[tuple[int, int, int, str, datetime]] = set()
        self._last_transition = self.store.state.last_transition_id()
        # Where the webhook's transitions start on a store that never had a webhook: now.
        self._first_transition = self._last_transition
        # With a webhook, the first ask also looks at every series that moved within the
        # window: a drop recorded by a process that died before alerting on it still goes out
        # (the outbox keeps one row per alert, so one already enqueued adds nothing).
        self._recover = deliverer is not None

    def take_drops(self) -> list[PriceDrop]:
        """Prices shortened by at least ``odds.drop_alert_pct`` (0: none) within
        ``odds.drop_window_min``, among those that moved since the last call; each drop is
        reported once."""
        return self._drops(self.recorder.take_shortened())

    def _drops(self, keys: list[Shortened]) -> list[PriceDrop]:
        cfg = self.settings.odds
        now = self.clock.now()
        window = timedelta(minutes=cfg.drop_window_min)
        # A drop is dated by its last price, inside the window: one dated before the window
        # cannot be found again, so its key goes (the set stays as small as the window), also
        # on a call where nothing moved.
        self.drops_seen = {key for key in self.drops_seen if key[4] > now - window}
        if not keys or cfg.drop_alert_pct <= 0:
            return []
        points = [(p.fixture_id, p.bookmaker_id, p.bet_id, p.outcome, p.observed_at, p.price)
                  for p in self.store.history.window(keys, now - window)]
        fresh = []
        for drop in price_drops(points, now, cfg.drop_alert_pct, window):
            key = (drop.fixture_id, drop.bookmaker_id, drop.bet_id, drop.outcome, drop.at)
            if key not in self.drops_seen:
                self.drops_seen.add(key)
                fresh.append(drop)
        return fresh

    def take(self) -> list[Alert]:
        """What happened since the last call, as alerts named for people (match, market,
        line, bookmaker, outcome, prices): offline/online transitions of any process, price
        drops, and after odds were fetched, the arbitrages and value bets of the upcoming
        fixtures."""
        transitions = self.store.state.transitions_after(self._last_transition)
        if transitions:
            self._last_transition = transitions[-1][0]
        alerts = [mode_alert(*t) for t in transitions] if self.settings.alerts.mode_changes else []
        return alerts + self._named(self.take_drops(), self.recorder.take_odds_fetched())

    def _named(self, drops: list[PriceDrop], odds_fetched: bool) -> list[Alert]:
        cfg = self.settings.alerts
        markets_due = odds_fetched and (cfg.arbitrage_pct > 0 or cfg.value_pct > 0)
        if not drops and not markets_due:
            return []
        matches, books = self._names()
        for d in drops:
            if d.fixture_id not in matches:  # beyond the fixtures window: its prediction names it
                preds, _ = self.reader.peek(PredictionRequest(d.fixture_id))
                if preds:
                    matches[d.fixture_id] = f"{preds[0].home.name} v {preds[0].away.name}"
            if d.bookmaker_id not in books:  # the bookmakers list never fetched: the odds name it
                odds, _ = self.reader.peek(FixtureOddsRequest(d.fixture_id))
                books.update({b.bookmaker.id: b.bookmaker.name for fo in odds or [] for b in fo.bookmakers})
        # A drop is alerted on for the fixtures the screens show (watch.days_ahead, in play,
        # or predicted), as arbitrage and value are: the league's odds reach further ahead
        # than its fixtures page, and "fixture 1380107" tells a person nothing.
        alerts = [drop_alert(d, matches[d.fixture_id], books.get(d.bookmaker_id, f"bookmaker {d.bookmaker_id}"))
                  for d in drops if d.fixture_id in matches]
        return alerts + (self._market_alerts(matches) if markets_due else [])

    def dispatch(self) -> list[Alert]:
        """``take``, and hand the webhook's share to the outbox, unless a collector (which
        enqueues them) runs elsewhere; returns them for the screen. A store write: the
        webhook's own task posts them."""
        alerts = self.take()
        deliverer = self.deliverer
        if deliverer is None or self.reader.collector_elsewhere():
            return alerts
        recovered: list[Alert] = []
        if self._recover:
            self._recover = False
            start = self.clock.now() - timedelta(minutes=self.settings.odds.drop_window_min)
            recovered = self._named(self._drops(self.recorder.moved_since(start)), False)
        deliverer.enqueue([a for a in alerts if a.kind not in ("offline", "online")] + recovered)
        # Transitions go out from the store's cursor, moved in the same transaction as their
        # alerts: one recorded while no process was alerting (a kill -9) still goes out, once.
        after = self.store.outbox.cursor(_TRANSITIONS)
        if after is None:  # the first webhook on this store: from this process's start
            after = self._first_transition
        transitions = self.store.state.transitions_after(after)
        modes = [mode_alert(*t) for t in transitions] if self.settings.alerts.mode_changes else []
        deliverer.enqueue(modes, cursor=(_TRANSITIONS, transitions[-1][0] if transitions else after))
        return alerts

    def _names(self) -> tuple[dict[int, str], dict[int, str]]:
        """Match names by fixture id and bookmaker names by id, from the cache."""
        matches: dict[int, str] = {}
        for lg in self.settings.watch.leagues:
            request = self.requests.league_fixtures(lg)
            data = None if request is None else self.reader.peek(request)[0]
            matches.update({fx.id: f"{fx.home.name} v {fx.away.name}" for fx in data or []})
        live, _ = self.reader.peek(self.requests.live_list())
        matches.update({fx.id: f"{fx.home.name} v {fx.away.name}" for fx in live or [] if fx.id not in matches})
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
