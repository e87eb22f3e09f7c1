"""The shared store: every oddsmon process reads and writes one, through its parts (cache,
state, ledger, incidents, collector records, history, headlines, live odds, picks, journal).

What lies under the parts is the backend's (backend.py: the seam; sqlite.py: the embedded
file at ``paths.db``). Outside store/, a store is opened here, judged by its ``Health``, and
known to fail with ``StoreError``: nothing else of what it is or where it lives.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ConfigError, Settings, StoreSettings, is_postgres
from ..records import record
from .backend import (
    SCHEMA_VERSION,
    Health,
    StoreError,
    StoreOlder,
    StoreTooNew,
    StoreUnreachable,
    StoreWriteError,
)
from .cache import CacheEntry, CacheStore, cache_key
from .collector import COLLECTOR_LEASE, CollectorStatus, CollectorStore, Holder
from .incidents import Action, Incident, IncidentStore
from .journal import JournalRecords
from .ledger import Ledger, Quota, RequestRecord
from .outbox import Claimed, Outbox, OutboxView, Queued
from .state import REASONS, STATE_TOPIC, OfflineState, StateStore

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .backend import Backend, Listener, Tx
    from .failover import TeamBackend
    from .headlines import HeadlineStore
    from .history import OddsHistory, PriceChange, PricePoint
    from .live import LiveBoard, LiveOddsStore, LivePrice, LiveState
    from .model import ModelImport, ModelStore
    from .picks import NewPick, Pick, PickStore
    from .values import ValueStore

# The parts a headless check never reads (odds rows, headlines, in-play odds, picks) are
# imported on first use: their modules are a tenth of what `oddsmon --check` starts up with.
_LAZY = {"HeadlineStore": "headlines", "OddsHistory": "history", "PriceChange": "history",
         "PricePoint": "history", "LiveBoard": "live", "LiveOddsStore": "live", "LivePrice": "live",
         "LiveState": "live", "ModelImport": "model", "ModelStore": "model", "NewPick": "picks", "Pick": "picks", "PickStore": "picks",
         "ValueStore": "values"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)


# Where a store may be found: the configured one (settings), or a location as such (tests,
# tools): a SQLite file's path, or a PostgreSQL URL (libpq key=value pairs too).
Where = Settings | str | os.PathLike[str]


@record
class _Server:
    url: str
    password_file: Path | None = None


def _location(where: Where) -> Path | _Server:
    # The one place that maps settings to a backend and its location: [store] url names a
    # team's PostgreSQL database, else the SQLite file at paths.db is the store.
    if isinstance(where, Settings):
        if where.store.url:
            return _Server(where.store.url, where.store.password_file)
        return Path(where.paths.db)
    if isinstance(where, str) and is_postgres(where):
        return _Server(where)
    return Path(where)


def describe(where: Where) -> str:
    """Where a store lives, for a person (a path, or the URL as configured: no password)."""
    location = _location(where)
    return location.url if isinstance(location, _Server) else str(location)


def me() -> str:
    """``user@host``: who this process records picks, pins and filters for."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): its number
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


class Store:
    """The store's parts over one backend."""

    def __init__(self, db: Backend, author: str | None = None, host_file: Path | None = None,
                 *, read_only: bool = False) -> None:
        self.db = db  # the backend: store/ only (tests reach it for SQL-level checks)
        self._author = author
        # A team's store: this host's own SQLite file (paths.db), opened on first use (see host).
        self._host_file = host_file
        self._host_read_only = read_only
        self._host: Store | None = None
        self.cache = CacheStore(db)
        self.state = StateStore(db)
        self.ledger = Ledger(db)
        self.incidents = IncidentStore(db)
        self.collector = CollectorStore(db)
        self.journal = JournalRecords(db)
        self.outbox = Outbox(db)

    @cached_property
    def history(self) -> OddsHistory:
        from .history import OddsHistory

        return OddsHistory(self.db)

    @cached_property
    def headlines(self) -> HeadlineStore:
        from .headlines import HeadlineStore

        return HeadlineStore(self.db)

    @cached_property
    def values(self) -> ValueStore:
        from .values import ValueStore

        return ValueStore(self.db)

    @cached_property
    def picks(self) -> PickStore:
        from .picks import PickStore

        return PickStore(self.db, self.author, self._away_host)

    def _team(self) -> TeamBackend | None:
        """The team's server with this host's copy behind it, when this store is one."""
        if self._host_file is None:
            return None
        from .failover import served

        return served(self.db)

    @property
    def keeps_copy(self) -> bool:
        """Whether this host keeps a copy of a team's store (the TUI's, see ``open``)."""
        return self._team() is not None

    def _away_host(self) -> Backend | None:
        team = self._team()
        return team.local if team is not None and team.server is None else None

    @property
    def away(self) -> str | None:
        """While a team's server cannot be reached and this host's copy is served: the line
        saying so ("team store unreachable: this host's copy from ..."); else None."""
        team = self._team()
        return team.problem() if team is not None and team.server is None else None

    def refresh_copy(self, at: float, stop: Callable[[], bool] = lambda: False) -> int | None:
        """Bring this host's copy of the team's store up to date (store/hostcopy.py), recording
        ``at`` as its time; the rows written, or None where there is no copy to keep (one
        host's store, a process that keeps none, or the server away) or ``stop`` said to end
        it half way (asked between batches)."""
        team = self._team()
        if team is None or team.server is None:
            return None
        from .hostcopy import refresh

        return refresh(team.server, team.local, at, stop)

    @property
    def team(self) -> bool:
        """Whether several hosts share this store (a team's server), not one host's file."""
        return self._host_file is not None

    @property
    def host(self) -> Store | None:
        """On a team's store, this host's own store: the SQLite file at ``paths.db``, which
        keeps what concerns this host alone (a network cut only it sees). None on one host's
        store (it is the host's), and for a report on a host that never wrote one."""
        if self._host is None and self._host_file is not None:
            if self._host_read_only and not self._host_file.exists():
                return None
            self._host = Store.open(self._host_file, read_only=self._host_read_only)
        return self._host

    def send_queued(self) -> int:
        """Record what this host queued while the team's server was away: the notes
        (``--note``), with the times they were written, and the picks; how many. Each leaves
        the queue once recorded, and one already recorded is not added again: a crash between
        the two doubles none."""
        if self._host_file is None or not self._host_file.exists():
            return 0
        host = self.host
        if host is None:
            return 0
        from .picks import send_queued

        sent = 0
        for key, at, line in host.journal.queued_notes():
            incident, _ = self.journal.record_note(at, line)
            if incident is None:  # no incident yet to attach it to: it stays queued
                break
            host.journal.unqueue(key)
            sent += 1
        team = self._team()
        return sent + send_queued(self.db if team is None or team.server is None else team.server, host.db)

    def listen(self, topics: Sequence[str]) -> Listener | None:
        """What other hosts announce on ``topics`` (``StateStore``: "state"), or None on one
        host's store, where every process reads the one file."""
        return self.db.listen(topics)

    @property
    def author(self) -> str:
        """``user@host`` of this process (or as given): the author of its picks, pins, filters."""
        if self._author is None:
            self._author = me()
        return self._author

    @cached_property
    def model(self) -> ModelStore:
        from .model import ModelStore

        return ModelStore(self.db)

    @cached_property
    def live(self) -> LiveOddsStore:
        from .live import LiveOddsStore

        return LiveOddsStore(self.db)

    @classmethod
    def open(cls, where: Where, *, read_only: bool = False, as_is: bool = False,
             author: str | None = None, copy: bool = False, repair: bool = True) -> Store:
        """Open the store, read-write: created and migrated as needed; a damaged file (or
        another program's) is moved aside and rebuilt empty; on a disk that refuses writes it
        opens read-only, ``degraded``. ``health().problem`` says either in one line.

        ``read_only``: for headless reports, never creating, migrating or moving anything; an
        older schema or not an oddsmon store is a ``StoreError``. ``as_is``: read-write on a
        store already opened read-only and found current (nothing created, migrated, moved
        aside or checked page by page: a cron run must stay cheap).

        A team's PostgreSQL store is never moved aside (another program's tables, a newer
        schema: a ``StoreError``); a plain open is a long-lived process's, with a pool of
        connections, ``read_only`` and ``as_is`` a one-shot command's, with one connection.
        ``copy`` (the TUI's): on a team's store, this host keeps a copy of what it shows in its
        own file (``refresh_copy``) and serves it while the server is away (failover.py), from
        the start too if it has one. ``repair=False`` (``--upgrade-store``): a damaged file is
        a ``StoreError`` and stays where it is, never moved aside for an empty store.
        """
        location = _location(where)
        if isinstance(location, _Server):
            password = None if location.password_file is None else _password(location.password_file)
            host_file = Path(where.paths.db) if isinstance(where, Settings) else None
            if read_only and not as_is:
                from . import libpq  # a report reads: libpq alone starts several times faster

                if libpq.available():
                    return cls(libpq.LibpqBackend(location.url, password=password).open(), author,
                               host_file, read_only=True)
            try:
                from .postgres import PostgresBackend
            except ImportError as exc:
                raise StoreError(f"{location.url}: a PostgreSQL store needs psycopg ({exc}); install "
                                 f"oddsmon with its postgres extra: pip install 'oddsmon[postgres]'") from None

            who = me() if author is None else author
            backend = PostgresBackend(location.url, password=password, read_only=read_only, author=who)
            if copy and host_file is not None and not (read_only or as_is):
                return cls._open_team(location, password, who, author, host_file)
            store = cls(backend.open(as_is=as_is, pooled=not (read_only or as_is)), author,
                        host_file, read_only=read_only)
            if not read_only:
                store.send_queued()
            return store
        from .sqlite import SqliteBackend

        return cls(SqliteBackend(location, read_only=read_only).open(as_is=as_is, repair=repair), author)

    @classmethod
    def _open_team(cls, server: _Server, password: str | None, who: str, author: str | None,
                   host_file: Path) -> Store:
        """A team's store with this host's copy behind it (see ``open``'s ``copy``)."""
        from .failover import COPY_AT_KEY, TeamBackend
        from .postgres import PostgresBackend

        host = cls.open(host_file)

        def reconnect() -> PostgresBackend:
            return PostgresBackend(server.url, password=password, author=who).open(pooled=True)

        try:
            primary: PostgresBackend | None = reconnect()
            away = None
        except StoreUnreachable as exc:
            if host.ledger.meta(COPY_AT_KEY) is None:  # nothing to serve: as without a copy
                host.close()
                raise
            primary, away = None, str(exc)
        except BaseException:
            host.close()
            raise
        store: Store | None = None

        def back() -> None:
            if store is not None:
                with contextlib.suppress(StoreError):  # lost again: sent at the next return
                    store.send_queued()

        store = cls(TeamBackend(primary, host.db, reconnect, back, away), author, host_file)
        store._host = host
        if primary is not None:
            back()
        return store

    @classmethod
    def open_host(cls, settings: Settings) -> Store:
        """This host's own store, whatever the shared one is: where a host keeps what concerns
        it alone (a network cut only it sees, notes queued while a team's server is away)."""
        return cls.open(settings.paths.db)

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
        """Whether a store was ever created there (nothing is opened); a server's store is
        taken to exist (opening it says if not)."""
        location = _location(where)
        return isinstance(location, _Server) or location.exists()

    def health(self) -> Health:
        return self.db.health()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """The parts' writes within this block commit together, or not at all."""
        with self.db.write() as tx:
            yield tx

    def holding(self) -> contextlib.AbstractContextManager[None]:
        """Reads held while a page is put together: asked again, a read answers as it did,
        until this process writes; the answers are this task's (backend.HeldReads). The parts' ``hold_*`` read many keys'
        answers in one statement for it."""
        return self.db.hold()

    def reopen_writable(self) -> bool:
        """After a degraded open: writable again once the disk accepts writes (this costs a
        check of the whole store: call it now and then, not on every write)."""
        return self.db.reopen_writable()

    def integrity_check(self) -> str:
        """"ok", or what is damaged (reads the whole store)."""
        return self.db.integrity_check()

    def close(self) -> None:
        host, self._host = self._host, None
        if host is not None:
            host.close()
        self.db.close()


def _password(path: Path) -> str | None:
    try:
        return StoreSettings(password_file=path).password()
    except ConfigError as exc:
        raise StoreError(str(exc)) from None


__all__ = [
    "COLLECTOR_LEASE",
    "REASONS",
    "SCHEMA_VERSION",
    "STATE_TOPIC",
    "Action",
    "CacheEntry",
    "CacheStore",
    "Claimed",
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
    "Outbox",
    "OutboxView",
    "Pick",
    "PickStore",
    "PriceChange",
    "PricePoint",
    "Queued",
    "Quota",
    "RequestRecord",
    "StateStore",
    "Store",
    "StoreError",
    "StoreOlder",
    "StoreTooNew",
    "StoreUnreachable",
    "StoreWriteError",
    "Tx",
    "cache_key",
    "describe",
    "me",
]
