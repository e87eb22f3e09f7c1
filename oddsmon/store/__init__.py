"""The shared SQLite store: every oddsmon process on the host reads and writes one file."""

from __future__ import annotations

from pathlib import Path

from .cache import CacheEntry, CacheStore, cache_key
from .collector import COLLECTOR_LEASE, CollectorStatus, CollectorStore, Holder
from .db import Database, OpenReport, StoreError, StoreWriteError, shared_mode
from .headlines import HeadlineStore
from .history import OddsHistory, PriceChange, PricePoint
from .incidents import Action, Incident, IncidentStore
from .ledger import Ledger, Quota, RequestRecord
from .live import LiveBoard, LiveOddsStore, LivePrice, LiveState
from .picks import NewPick, Pick, PickStore
from .state import REASONS, OfflineState, StateStore


class Store:
    """The store's parts over one connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache = CacheStore(db)
        self.state = StateStore(db)
        self.ledger = Ledger(db)
        self.history = OddsHistory(db)
        self.headlines = HeadlineStore(db)
        self.incidents = IncidentStore(db)
        self.picks = PickStore(db)
        self.live = LiveOddsStore(db)
        self.collector = CollectorStore(db)

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> Store:
        return cls(Database(path, read_only=read_only).open())

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
