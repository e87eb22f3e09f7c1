"""The shared SQLite store: every oddsmon process on the host reads and writes one file."""

from __future__ import annotations

import importlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import CacheEntry, CacheStore, cache_key
from .collector import COLLECTOR_LEASE, CollectorStatus, CollectorStore, Holder
from .db import Database, OpenReport, StoreError, StoreWriteError, shared_mode
from .incidents import Action, Incident, IncidentStore
from .ledger import Ledger, Quota, RequestRecord
from .state import REASONS, OfflineState, StateStore

if TYPE_CHECKING:
    from .headlines import HeadlineStore
    from .history import OddsHistory, PriceChange, PricePoint
    from .live import LiveBoard, LiveOddsStore, LivePrice, LiveState
    from .picks import NewPick, Pick, PickStore

# The parts a headless check never reads (odds rows, headlines, in-play odds, picks) are
# imported on first use: their modules are a tenth of what `oddsmon --check` starts up with.
_LAZY = {"HeadlineStore": "headlines", "OddsHistory": "history", "PriceChange": "history",
         "PricePoint": "history", "LiveBoard": "live", "LiveOddsStore": "live", "LivePrice": "live",
         "LiveState": "live", "NewPick": "picks", "Pick": "picks", "PickStore": "picks"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


class Store:
    """The store's parts over one connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache = CacheStore(db)
        self.state = StateStore(db)
        self.ledger = Ledger(db)
        self.incidents = IncidentStore(db)
        self.collector = CollectorStore(db)

    @cached_property
    def history(self) -> OddsHistory:
        from .history import OddsHistory

        return OddsHistory(self.db)

    @cached_property
    def headlines(self) -> HeadlineStore:
        from .headlines import HeadlineStore

        return HeadlineStore(self.db)

    @cached_property
    def picks(self) -> PickStore:
        from .picks import PickStore

        return PickStore(self.db)

    @cached_property
    def live(self) -> LiveOddsStore:
        from .live import LiveOddsStore

        return LiveOddsStore(self.db)

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False, as_is: bool = False) -> Store:
        return cls(Database(path, read_only=read_only).open(as_is=as_is))

    @property
    def path(self) -> Path:
        return self.db.path

    def close(self) -> None:
        self.db.close()


__all__ = [
    "COLLECTOR_LEASE",
    "REASONS",
    "Action",
    "CacheEntry",
    "CacheStore",
    "CollectorStatus",
    "CollectorStore",
    "Database",
    "HeadlineStore",
    "Holder",
    "Incident",
    "IncidentStore",
    "Ledger",
    "LiveBoard",
    "LiveOddsStore",
    "LivePrice",
    "LiveState",
    "NewPick",
    "OddsHistory",
    "OfflineState",
    "OpenReport",
    "Pick",
    "PickStore",
    "PriceChange",
    "PricePoint",
    "Quota",
    "RequestRecord",
    "StateStore",
    "Store",
    "StoreError",
    "StoreWriteError",
    "cache_key",
    "shared_mode",
]
