"""Alerts that reach people outside the TUI: named for people (model), grouped into one
digest a post (digest), shaped for each kind of webhook (targets), and delivered from the
store's outbox by a task of their own (delivery)."""

from .delivery import TARGET, Deliverer
from .digest import Digest, digest
from .model import Alert, drop_alert, market_alerts, mode_alert, model_alerts

__all__ = ["TARGET", "Alert", "Deliverer", "Digest", "digest", "drop_alert", "market_alerts", "mode_alert",
           "model_alerts"]
