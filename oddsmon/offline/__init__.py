"""The offline state machine (``machine``) and the host-wide answer to "is oddsmon offline?"."""

from __future__ import annotations

import os

from ..types import Reason
from .machine import CRITICAL_REASONS, KEY_FIX, ModeView, OfflineMachine, effective_offline, mode_of, view_of


def offline_reason(config: str | os.PathLike[str] | None = None) -> Reason | None:
    """Why oddsmon is offline on this host: ``user``, ``network``, ``quota`` or ``key`` (a key or
    account the provider refuses: nothing is sent but free probes either), or None online.

    ``config`` is a config file path; by default the usual lookup order applies. A store that
    does not exist yet means nothing ever went offline: None.
    """
    from ..clock import SystemClock
    from ..config import load
    from ..store import Store

    settings = load(config)
    if not Store.exists(settings):
        return None
    store = Store.open(settings)
    try:
        return mode_of(store, SystemClock().now()).reason
    finally:
        store.close()


def is_offline_mode(config: str | os.PathLike[str] | None = None) -> bool:
    """True while oddsmon is offline on this host, for any reason (``offline_reason`` says
    which)."""
    return offline_reason(config) is not None


__all__ = ["CRITICAL_REASONS", "KEY_FIX", "ModeView", "OfflineMachine", "effective_offline", "is_offline_mode",
           "mode_of", "offline_reason", "view_of"]
