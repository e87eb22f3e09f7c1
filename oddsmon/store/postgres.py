"""The PostgreSQL backend: a team's store, one database several hosts share (docs/team.md).

Through psycopg 3. A long-lived process (the TUI, ``--warm``, ``--collect``) takes its
connections from a psycopg_pool pool, one per thread at a time; a one-shot report (``--check``,
``--export``, ``--note``: opened read-only or as it is) uses one connection and no pool.

What the seam asks (store/backend.py, docs/store.md):

- **Writers take turns.** Every write transaction takes one advisory lock for the store first
  (``pg_advisory_xact_lock``, waited for, released at commit), then runs READ COMMITTED: each
  statement sees every write committed before the lock was granted, so the parts' read-then-write
  steps (the quota reservation, the offline state, the collector's lease) hold across hosts, and
  no serialization failure ever reaches a caller.
- **Reads are snapshots**: ``REPEATABLE READ READ ONLY``; each ``query()`` its own statement.
- **Threads**: a transaction belongs to its thread (a write within a write joins it, and so
  does a query made inside it); other threads use other connections.
- **Errors**: ``StoreWriteError`` when the server takes no writes (disk full 53100, read-only
  25006, a standby), ``StoreError`` for the rest; each names the store as configured, which
  holds no password (config.py refuses one in the URL), and any password is masked anyway.

The schema and its migrations are in postgres_schema.py; migrations run under the same lock,
so two hosts starting at once migrate once.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql as pgsql

from .backend import (
    SCHEMA_VERSION,
    Health,
    HeldReads,
    StoreError,
    StoreUnreachable,
    StoreWriteError,
    value_lists,
)
from .postgres_schema import BASELINE, MIGRATIONS, VERSION_TABLE
from .postgres_sql import DIALECT, OPENING, SIZE, VERSION, check_schema, integrity
from .postgres_sql import pg as _pg

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from psycopg_pool import ConnectionPool

    from .backend import Params, Row
    from .backend import Tx as AnyTx

# "ODSM", as the SQLite file's application id: the first half of every advisory lock key, the
# second being the schema's (several stores may share a database, one per schema).
_LOCK_CLASS = 0x4F44534D
_POOL_MAX = 4  # the engine's thread, the collector's, the TUI's workers
_CONNECT_TIMEOUT_S = 10
# SQLSTATEs that mean the server takes no writes now, though it reads: disk full, a read-only
# transaction (a standby, default_transaction_read_only), out of memory for the write.
_WRITE_REFUSED = frozenset({"53100", "25006", "53200"})
# SQLSTATEs that mean the server went away under a connection: it was shut down (57P01 admin,
# 57P02 crash, 57P03 starting or stopping); any of class 08 is a lost connection too.
_GONE = frozenset({"57P01", "57P02", "57P03"})
# A connection on a cut network fails within about this many seconds instead of TCP's minutes
# (libpq's keepalives and TCP_USER_TIMEOUT; ignored on a Unix socket, which fails at once).
_LOST_AFTER_S = 15


class Tx:
    """The open transaction handed to a ``with db.write()`` (or ``read()``) block."""

    __slots__ = ("conn",)

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> psycopg.Cursor[Any]:
        return self.conn.execute(_pg(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Params]) -> psycopg.Cursor[Any]:
        cur = self.conn.cursor()
        cur.executemany(_pg(sql), [tuple(r) for r in rows])
        return cur

    def iterate(self, sql: str, params: Params = (), batch: int = 2000) -> Iterator[Row]:
        # Streamed from the server in batches: an export of millions of rows keeps memory flat.
        with self.conn.cursor() as cur:
            yield from cur.stream(_pg(sql), tuple(params), size=batch)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> None:
        # A binary COPY: the rows stream in one statement, with no per-row parse, plan or
        # conflict check, and no number written out as text (several times a multi-row INSERT's
        # speed, twice a text COPY's).
        types = _column_types(self.conn, table, tuple(columns))
        with self.conn.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)


    def upsert_rows(self, insert: str, conflict: str, rows: Sequence[Params], key: int) -> None:
        if not rows:
            return
        if len({tuple(r[:key]) for r in rows}) < len(rows):  # a row upserted twice: in order
            self.executemany(f"{insert} VALUES ({','.join('?' * len(rows[0]))}) {conflict}", rows)
            return
        for values, params in value_lists(rows):
            self.conn.execute(_pg(f"{insert} VALUES {values} {conflict}"), params)


class _Single:
    """One connection, one thread at a time: a one-shot command needs no pool."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self.lock:
            yield self.conn

    def close(self) -> None:
        self.conn.close()


class PostgresBackend:
    """An oddsmon store in a PostgreSQL database, safe to use from several threads."""

    dialect = DIALECT

    def __init__(self, url: str, *, password: str | None = None, read_only: bool = False,
                 author: str = "") -> None:
        self.where = url  # as configured: config.py refuses a password in it
        self.read_only = read_only
        self.degraded = False
        self.problem: str | None = None
        self._password = password
        self._author = author  # user@host, recorded beside each migration
        self._conns: _Single | ConnectionPool[Any] | None = None
        self._pooled = False
        self._local = threading.local()
        self._lock_key = 0
        self._schema = ""
        self._held = HeldReads()

    # -- opening -----------------------------------------------------------------------------

    def _connect(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.where, autocommit=autocommit, **self._connect_kwargs())
            _configure(conn)
            return conn
        except psycopg.Error as exc:
            raise StoreUnreachable(f"{self.where}: cannot connect to the store: {self._text(exc)}") from None

    def _connect_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"application_name": "oddsmon", "connect_timeout": _CONNECT_TIMEOUT_S,
                                  "cursor_factory": psycopg.RawCursor,  # see _pg
                                  "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                                  "keepalives_count": 3, "tcp_user_timeout": _LOST_AFTER_S * 1000}
        if self._password is not None:
            kwargs["password"] = self._password
        return kwargs

    def open(self, *, as_is: bool = False, pooled: bool = False) -> PostgresBackend:
        """Connect and check the schema: read-only, it must be current; otherwise it is
        created or migrated (under the write lock) unless ``as_is``. A server that takes no
        writes opens read-only, ``degraded``. ``pooled``: a pool for a long-lived process."""
        conn = self._connect()
        try:
            self._schema, self._lock_key, marked, foreign, standby = _one(conn, OPENING)
            version = _version(conn) if marked else None
            if not self.read_only and standby:
                self.read_only = self.degraded = True
                self.problem = (f"{self.where}: the server takes no writes (a standby, or read-only); "
                                f"opened read-only: pages are served from the cache, nothing is saved")
            check_schema(self.where, version, foreign, as_found=self.read_only or as_is)
            if not (self.read_only or as_is) and version != SCHEMA_VERSION:
                self._migrate(conn)
        except psycopg.Error as exc:
            conn.close()
            raise self._translate(exc) from None
        except StoreError:
            conn.close()
            raise
        self._pooled = pooled
        if not pooled:
            self._conns = _Single(conn)
            return self
        conn.close()
        self._conns = self._pool()
        return self

    def _pool(self) -> ConnectionPool[Any]:
        from psycopg_pool import ConnectionPool, PoolTimeout

        kwargs = {"autocommit": True, **self._connect_kwargs()}
        pool: ConnectionPool[Any] = ConnectionPool(
            self.where, kwargs=kwargs, configure=_configure, min_size=1, max_size=_POOL_MAX, open=False,
            name="oddsmon", timeout=_CONNECT_TIMEOUT_S * 3, num_workers=1)
        try:
            pool.open(wait=True, timeout=_CONNECT_TIMEOUT_S * 2)
        except PoolTimeout:
            pool.close()
            raise StoreUnreachable(f"{self.where}: cannot connect to the store (no connection within "
                             f"{_CONNECT_TIMEOUT_S * 2} s)") from None
        return pool

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        """Take the store to SCHEMA_VERSION under the write lock: another host migrating at the
        same moment waits, then finds it done."""
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock($1, $2)", (_LOCK_CLASS, self._lock_key))
            version = _version(conn)
            for target in range(max(version + 1, BASELINE), SCHEMA_VERSION + 1):
                conn.execute(MIGRATIONS[target])  # no parameters: several statements at once
                conn.execute(f"INSERT INTO {VERSION_TABLE} (version, applied_by) VALUES ($1, $2)",
                             (target, self._author))

    def reopen_writable(self) -> bool:
        if not self.degraded:
            return not self.read_only
        fresh = PostgresBackend(self.where, password=self._password, author=self._author)
        try:
            fresh.open(pooled=self._pooled)
        except StoreError:
            return False
        if fresh.read_only:
            fresh.close()
            return False
        self.close()
        self._conns, fresh._conns = fresh._conns, None
        self.read_only = self.degraded = False
        self.problem = None
        return True

    def close(self) -> None:
        conns, self._conns = self._conns, None
        if conns is not None:
            conns.close()

    # -- use ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _checkout(self) -> Iterator[psycopg.Connection[Any]]:
        if self._conns is None:
            raise StoreError(f"{self.where}: store is not open")
        try:
            with self._conns.connection() as conn:
                yield conn
        except psycopg.OperationalError as exc:
            raise self._translate(exc) from None

    @contextlib.contextmanager
    def _transaction(self, begin: str, kind: str) -> Iterator[Tx]:
        local = self._local
        with self._checkout() as conn:
            try:
                conn.execute(begin)
            except psycopg.Error as exc:
                _rollback(conn)
                raise self._translate(exc) from None
            tx = Tx(conn)
            local.tx, local.kind = tx, kind
            try:
                yield tx
            except psycopg.Error as exc:
                local.tx = None
                _rollback(conn)
                raise self._translate(exc) from None
            except BaseException:
                local.tx = None
                _rollback(conn)
                raise
            local.tx = None
            try:
                conn.execute("COMMIT")
            except psycopg.Error as exc:
                _rollback(conn)
                raise self._translate(exc) from None

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction, its turn taken on the store's lock first (see the module doc);
        a write within a write (same thread) joins it."""
        if self.read_only:
            raise StoreWriteError(f"{self.where}: the store is read-only (opened read-only)")
        current = getattr(self._local, "tx", None)
        if current is not None:
            if self._local.kind != "write":
                raise StoreError(f"{self.where}: a write inside a read")
            yield current
            return
        # One round trip: the statements carry no parameter (the key is ours, an integer).
        begin = f"BEGIN; SELECT pg_advisory_xact_lock({_LOCK_CLASS}, {int(self._lock_key)})"
        self._held.release()
        try:
            with self._transaction(begin, "write") as tx:
                yield tx
        finally:
            # Again once it is over: another thread's read before COMMIT held what it replaced.
            self._held.release()

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        """Several reads on one snapshot; inside a transaction of this thread, that one."""
        current = getattr(self._local, "tx", None)
        if current is not None:
            yield current
            return
        with self._transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "read") as tx:
            yield tx

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        current = getattr(self._local, "tx", None)
        try:
            if current is not None:
                return current.execute(sql, params).fetchall()
            held = self._held.answer(sql, params)
            if held is not None:
                return held
            with self._checkout() as conn:
                rows = conn.execute(_pg(sql), tuple(params)).fetchall()
        except psycopg.Error as exc:
            raise self._translate(exc) from None
        self._held.remember(sql, params, rows)
        return rows

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def hold(self) -> HeldReads:
        return self._held

    def remember(self, sql: str, params: Params, rows: list[Row]) -> None:
        self._held.remember(sql, params, rows)

    def notify(self, tx: AnyTx, topic: str, payload: str = "") -> None:
        """Tell every host listening on ``topic`` once ``tx`` commits (NOTIFY is transactional:
        a rolled-back change notifies nobody)."""
        tx.execute("SELECT pg_notify(?, ?)", (_channel(topic), payload))

    def listen(self, topics: Sequence[str]) -> Listener:
        """A connection of its own that receives the ``notify`` of every host on ``topics``."""
        return Listener(self, self._connect(), [_channel(t) for t in topics])

    # -- reports -----------------------------------------------------------------------------

    def health(self) -> Health:
        if self._conns is None:
            return Health(self.where, False, False, self.degraded, True, self.problem)
        try:
            size = self.query_one(SIZE)
        except StoreError as exc:
            return Health(self.where, False, False, self.degraded, True, str(exc))
        return Health(self.where, True, not self.read_only, self.degraded, True, self.problem,
                      int(size[0]) if size else 0)

    def integrity_check(self) -> str:
        return integrity(lambda sql: self.query(sql))

    # -- errors ------------------------------------------------------------------------------

    def _text(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        for secret in (self._password, os.environ.get("PGPASSWORD")):
            if secret:
                text = text.replace(secret, "********")
        return text

    def _translate(self, exc: psycopg.Error) -> StoreError:
        text = self._text(exc)
        if exc.sqlstate in _WRITE_REFUSED:
            return StoreWriteError(f"{self.where}: the server refuses writes ({text})")
        if isinstance(exc, psycopg.OperationalError) and (
                exc.sqlstate is None or exc.sqlstate in _GONE or exc.sqlstate.startswith("08")):
            return StoreUnreachable(f"{self.where}: the store server cannot be reached ({text})")
        return StoreError(f"{self.where}: {text}")


class Listener:
    """Notifications from every host, on a connection of their own (LISTEN)."""

    def __init__(self, backend: PostgresBackend, conn: psycopg.Connection[Any], channels: list[str]) -> None:
        self.backend = backend
        self.conn = conn
        try:
            for channel in channels:
                conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))
        except psycopg.Error as exc:
            conn.close()
            raise backend._translate(exc) from None

    def wait(self, timeout: float) -> list[tuple[str, str]]:
        """(topic, payload) of the notifications received: as soon as one arrives (with any
        that came with it), else none after ``timeout`` seconds; ``StoreError`` once the
        server is lost."""
        prefix = len(_CHANNEL_PREFIX)
        try:
            heard = list(self.conn.notifies(timeout=timeout, stop_after=1))
            if heard:
                heard += self.conn.notifies(timeout=0.0)
            return [(n.channel[prefix:], n.payload) for n in heard]
        except psycopg.Error as exc:
            raise self.backend._translate(exc) from None

    def close(self) -> None:
        self.conn.close()


_CHANNEL_PREFIX = "oddsmon_"


def _channel(topic: str) -> str:
    return f"{_CHANNEL_PREFIX}{topic}"


# Each (table, columns)'s types, as a binary COPY must name them: the schema's, so the same
# for every store this oddsmon opens (looked up once a process).
_TYPES: dict[tuple[str, tuple[str, ...]], list[str]] = {}


def _column_types(conn: psycopg.Connection[Any], table: str, columns: tuple[str, ...]) -> list[str]:
    types = _TYPES.get((table, columns))
    if types is None:
        found = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
        types = _TYPES[(table, columns)] = [found[c] for c in columns]
    return types


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Each connection's session settings. No JIT: the planner turns it on past a cost that a
    JSON function's unknown row count (a packed book's points) or a summary over 16,000 rows
    reaches, and compiling took 17 ms a query where running it took 3 (oddsmon's queries are
    all short: there is nothing for it to win). Values TOASTed with lz4 where the server has it
    (PostgreSQL 14 and later, built with it): a page's packed books are 80 JSON texts of some
    4 KB, which pglz compressed at a third of the server's time for the page."""
    conn.execute("SET jit = off")
    conn.execute("SELECT set_config('default_toast_compression', 'lz4', false) FROM pg_settings "
                 "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")


def _version(conn: psycopg.Connection[Any]) -> int:
    """The schema's version, 0 before the first migration."""
    if not _one(conn, f"SELECT to_regclass('{VERSION_TABLE}') IS NOT NULL")[0]:
        return 0
    return int(_one(conn, VERSION)[0])


def _one(conn: psycopg.Connection[Any], sql: str) -> tuple[Any, ...]:
    row = conn.execute(sql).fetchone()
    if row is None:
        raise StoreError(f"no answer to {sql[:40]!r}")
    return tuple(row)


def _rollback(conn: psycopg.Connection[Any]) -> None:
    with contextlib.suppress(psycopg.Error):
        conn.execute("ROLLBACK")
