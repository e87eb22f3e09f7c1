"""oddsmon: football odds and predictions in the terminal, that keeps working when the API does not.

``is_offline_mode()`` is the public answer to "is oddsmon offline on this host?". It reads the
shared store, so it is true in every process the moment any instance goes offline. Importing
this package is cheap: nothing heavy loads until it is used.
"""

from __future__ import annotations

import os

__version__ = "0.1.0"


def is_offline_mode(config: str | os.PathLike[str] | None = None) -> bool:
    """True while oddsmon is offline on this host (any reason: user, network or quota).

    ``config`` is a config file path; by default the usual lookup order applies. A store that
    does not exist yet means nothing ever went offline: False.
    """
    from .clock import SystemClock
    from .config import load
    from .store import Store
    from .supervision.machine import effective_offline

    settings = load(config)
    if not settings.paths.db.exists():
        return False
    store = Store.open(settings.paths.db)
    try:
        return effective_offline(store.state.read(), SystemClock().now())
    finally:
        store.close()


__all__ = ["__version__", "is_offline_mode"]
