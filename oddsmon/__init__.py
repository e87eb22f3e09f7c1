"""oddsmon: football odds and predictions in the terminal, that keeps working when the API does not.

``is_offline_mode()`` is the public answer to "is oddsmon offline on this host?", and
``offline_reason()`` to "why?" (``user``, ``network``, ``quota`` or ``key``). They read the
shared store, so they answer the same in every process the moment any instance goes offline.
Importing this package is cheap: nothing heavy loads until one is used.
"""

from __future__ import annotations


def __getattr__(name: str) -> object:
    # PEP 562: ``oddsmon.is_offline_mode`` is imported on first use, so ``import oddsmon`` (and
    # every ``import oddsmon.x``) loads nothing but this file.
    if name == "__version__":
        from .version import __version__

        return __version__
    if name in ("is_offline_mode", "offline_reason"):
        from . import offline

        return getattr(offline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["__version__", "is_offline_mode", "offline_reason"]
