"""API-Football v3 over HTTP: the client and the failures it reports.

The client (and httpx, which loads rich and pygments with it) is imported on first use: the
failures are all the provider seam names, and a headless command that only reads the cache
back (``--picks``, ``--export-odds``) never loads the wire.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import (
    ApiError,
    BadResponse,
    BudgetSpent,
    KeyRejected,
    NetworkError,
    Offline,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)

if TYPE_CHECKING:
    from .client import FREE_ENDPOINTS, ApiClient, ApiResponse

_LAZY = frozenset({"FREE_ENDPOINTS", "ApiClient", "ApiResponse"})


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(".client", __name__), name)


__all__ = [
    "FREE_ENDPOINTS", "ApiClient", "ApiError", "ApiResponse", "BadResponse", "BudgetSpent", "KeyRejected",
    "NetworkError", "Offline", "ProviderError", "QuotaExhausted", "RateLimited",
]
