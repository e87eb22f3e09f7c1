"""The shared store: every oddsmon process reads and writes one, through its parts (cache,
state, ledger, incidents, collector records, history, headlines, live odds, picks, journal).

What lies under the parts is the backend's (backend.py: the seam; sqlite.py: the embedded
file at ``paths.db``). Outside store/, a store is opened here, judged by its ``Health``, and
known to fail with ``StoreError``: nothing else of what it is or where it lives.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from .backend import Health, StoreError, StoreWriteError
from .cache import CacheEntry, CacheStore, cache_key
from .collector import COLLECTOR_LEASE, CollectorStatus, CollectorStore, Holder
from .incidents import Action, Incident, IncidentStore
from .journal import JournalRecords
from .ledger import Ledger, Quota, RequestRecord
from .state import REASONS, OfflineState, StateStore

if TYPE_CHECKING:
    from .backend import Backend, Tx
    from .headlines import HeadlineStore
    from .history import OddsHistory, PriceChange, PricePoint
    from .live import LiveBoard, LiveOddsStore, LivePrice, LiveState
    from .model import ModelImport, ModelStore
    from .picks import NewPick, Pick, PickStore

# The parts a headless check never reads (odds rows, headlines, in-play odds, picks) are
# imported on first use: their modules are a tenth of what `oddsmon --check` starts up with.
_LAZY = {"HeadlineStore": "headlines", "OddsHistory": "history", "PriceChange": "history",
         "PricePoint": "history", "LiveBoard": "live", "LiveOddsStore": "live", "LivePrice": "live",
         "LiveState": "live", "ModelImport": "model", "ModelStore": "model", "NewPick": "picks", "Pick": "picks", "PickStore": "picks"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


# Where a store may be found: the configured one (settings), or a location as such (tests,
# tools): the SQLite file's path.
Where = Settings | str | os.PathLike[str]


def _location(where: Where) -> Path:
    # The one place that maps settings to a backend and its location: a second backend is
    # chosen here (by its own setting), and opened by its module beside sqlite.py.
    return Path(where.paths.db if isinstance(where, Settings) else where)


class Store:
    """The store's parts over one backend."""

    def __init__(self, db: Backend) -> None:
        self.db = db  # the backend: store/ only (tests reach it for SQL-level checks)
        self.cache = CacheStore(db)
        self.state = StateStore(db)
        self.ledger = Ledger(db)
        self.incidents = IncidentStore(db)
        self.collector = CollectorStore(db)
        self.journal = JournalRecords(db)

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
    def model(self) -> ModelStore:
        from .model import ModelStore

        return ModelStore(self.db)

    @cached_property
    def live(self) -> LiveOddsStore:
        from .live import LiveOddsStore

        return LiveOddsStore(self.db)

    @classmethod
    def open(cls, where: Where, *, read_only: bool = False, as_is: bool = False) -> Store:
        """Open the store, read-write: created and migrated as needed; a damaged file (or
        another program's) is moved aside and rebuilt empty; on a disk that refuses writes it
        opens read-only, ``degraded``. ``health().problem`` says either in one line.

        ``read_only``: for headless reports, never creating, migrating or moving anything; an
        older schema or not an oddsmon store is a ``StoreError``. ``as_is``: read-write on a
        store already opened read-only and found current (nothing created, migrated, moved
        aside or checked page by page: a cron run must stay cheap).
        """
        from .sqlite import SqliteBackend

        return cls(SqliteBackend(_location(where), read_only=read_only).open(as_is=as_is))

    @classmethod
    def open_existing(cls, where: Where, *, writable: bool = False) -> Store:
        """The store as it is, for a report: never created, migrated or moved aside (the
        TUI's and ``--warm``'s repair would make a check report an empty state as if it were
        true). Opened read-only first, which proves it an oddsmon store of this schema whose
        committed changes can all be read; then, if ``writable``, read-write as it is."""
        store = cls.open(where, read_only=True)
        health = store.health()
        if not health.complete:
            # Readable only without its -wal: the latest committed state (an outage, its
            # incident) may be missing, so whatever this store says now may be false.
            store.close()
            raise StoreError(health.problem or f"{health.where}: committed changes cannot be read")
        if not writable:
            return store
        store.close()
        return cls.open(where, as_is=True)

    @staticmethod
    def exists(where: Where) -> bool:
        """Whether a store was ever created there (nothing is opened)."""
        return _location(where).exists()

    def health(self) -> Health:
        return self.db.health()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """The parts' writes within this block commit together, or not at all."""
        with self.db.write() as tx:
            yield tx

    def reopen_writable(self) -> bool:
        """After a degraded open: writable again once the disk accepts writes (this costs a
        check of the whole store: call it now and then, not on every write)."""
        return self.db.reopen_writable()

    def integrity_check(self) -> str:
        """"ok", or what is damaged (reads the whole store)."""
        return self.db.integrity_check()

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
    "HeadlineStore",
    "Health",
    "Holder",
    "Incident",
    "IncidentStore",
    "JournalRecords",
    "Ledger",
    "LiveBoard",
    "LiveOddsStore",
    "LivePrice",
    "LiveState",
    "ModelImport",
    "ModelStore",
    "NewPick",
    "OddsHistory",
    "OfflineState",
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
    "Tx",
    "cache_key",
]
