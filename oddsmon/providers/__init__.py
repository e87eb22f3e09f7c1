"""Where fixtures, odds and predictions come from: the seam (``base``: requests, answers,
refusals) and the providers behind it. API-Football (``apifootball``) is the one there is.

Adding a provider: a module here implementing ``base.Provider``, its branch in ``connect``
and ``codec``, its simulator, and its tests (docs/provider.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..api import ApiError, Offline
from ..clock import Clock
from ..config import ApiSettings, Secret
from ..store import Ledger
from .apifootball import ApiFootball, ApiFootballCodec
from .base import (
    REQUESTS,
    BookmakersRequest,
    Codec,
    Fetched,
    FixtureOddsRequest,
    FixturesByIdsRequest,
    FixturesRequest,
    LeagueOddsRequest,
    LiveFixturesRequest,
    LiveOddsRequest,
    OddsKeeper,
    OddsPage,
    PredictionRequest,
    Provider,
    Refusal,
    Refused,
    Request,
    SeasonRequest,
    gc_paused,
)

if TYPE_CHECKING:
    import httpx


def connect(settings: ApiSettings, key: Secret, ledger: Ledger, clock: Clock, *,
            transport: httpx.AsyncBaseTransport | None = None,
            gate: Callable[[], str | None] = lambda: None,
            key_source: Callable[[], Secret | None] | None = None) -> Provider:
    """The configured provider over its wire (``gate``: asked before every send, is oddsmon
    offline?; ``key_source``: where the key is read again before each status probe)."""
    from ..api import ApiClient

    return ApiFootball(ApiClient(settings, key, ledger, clock, transport=transport, gate=gate,
                                 key_source=key_source))


def codec() -> Codec:
    """What reads back the cache the configured provider filled, without its wire."""
    return ApiFootballCodec()


__all__ = [
    "REQUESTS",
    "ApiError",
    "BookmakersRequest",
    "Codec",
    "Fetched",
    "FixtureOddsRequest",
    "FixturesByIdsRequest",
    "FixturesRequest",
    "LeagueOddsRequest",
    "LiveFixturesRequest",
    "LiveOddsRequest",
    "OddsKeeper",
    "OddsPage",
    "Offline",
    "PredictionRequest",
    "Provider",
    "Refusal",
    "Refused",
    "Request",
    "SeasonRequest",
    "codec",
    "connect",
    "gc_paused",
]
