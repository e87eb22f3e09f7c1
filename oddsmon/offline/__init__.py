"""The offline state machine (``machine``) and the host-wide answer to "is oddsmon offline?"."""

from __future__ import annotations

import os

from .machine import ModeView, OfflineMachine, effective_offline, view_of


def is_offline_mode(config: str | os.PathLike[str] | None = None) -> bool:
    """True while oddsmon is offline on this host (any reason: user, network or quota).

    ``config`` is a config file path; by default the usual lookup order applies. A store that
    does not exist yet means nothing ever went offline: False.
    """
    from ..clock import SystemClock
    from ..config import load
    from ..store import Store

    settings = load(config)
    if not Store.exists(settings):
        return False
    store = Store.open(settings)
    try:
        return effective_offline(store.state.read(), SystemClock().now())
    finally:
        store.close()


__all__ = ["ModeView", "OfflineMachine", "effective_offline", "is_offline_mode", "view_of"]
