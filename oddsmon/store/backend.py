"""The store's seam: what the parts of store/ (cache, ledger, state, history, ...) need from a
database, and what the rest of oddsmon may know of it (``Health``, ``StoreError``).

A backend is one module of store/ (``sqlite.py``: the embedded file, WAL, move-aside of a
damaged file, shared-mode permissions, the "database is locked" retries). It gives the parts
transactions, queries that return plain tuples, a ``Dialect`` for the few statements that
cannot be written once for every database, and its ``Health``. It owns its schema and its
migrations up to ``SCHEMA_VERSION``, which every backend reaches the same way: the parts' SQL
is written against that one schema.

The parts' SQL is portable where that costs nothing at run time: qmark placeholders (``?``; a
driver with another style translates them once per statement), upserts that name their
conflict target and qualify the target's columns (``counters.value + excluded.value``), ``RETURNING
id`` for a new row's id, ``CASE`` for the larger of two values, integer 0/1 for booleans, times
as POSIX seconds (float). What differs is behind ``Dialect``.
"""

from __future__ import annotations

from contextvars import ContextVar
from itertools import chain

from ..records import record

# typing.TYPE_CHECKING without importing typing (see records.py): the protocols below are for
# the type checker; a backend satisfies them by shape, and `oddsmon --check` pays for none.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence
    from contextlib import AbstractContextManager
    from typing import Any, Protocol, TypeVar

    K = TypeVar("K", int, str)

# The schema every backend migrates to: the parts' SQL reads and writes this one.
SCHEMA_VERSION = 16

# Every price point since schema 16, in both backends' view ``odds_snapshots``: a series' first
# (on its row), its changes, and the points of packed books (each backend's own
# ``odds_pack_points``, which reads the JSON with its own functions).
SNAPSHOTS = """
        SELECT fixture_id, bookmaker_id, bet_id, outcome, coalesce(first_at, seen_at) AS observed_at,
               coalesce(first_price, price) AS price
        FROM odds_latest
        UNION ALL
        SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_changes
        UNION ALL
        SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_pack_points;
"""

# Ids bound in one ``IN (...)``: under SQLite's variable limit (999 before 3.32), on every backend.
IN_LIST_MAX = 500


# Variables bound in one statement: SQLite before 3.32 allows no more.
VARIABLES_MAX = 999


def in_lists(ids: Iterable[K]) -> Iterator[tuple[list[K], str]]:
    """``ids`` (or keys), each once and in order, in chunks a bound ``IN (...)`` takes, each
    with its placeholders (``?,?,?``)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), IN_LIST_MAX):
        chunk = ordered[start:start + IN_LIST_MAX]
        yield chunk, ",".join("?" * len(chunk))


def value_lists(rows: Sequence[Sequence[object]]) -> Iterator[tuple[str, tuple[object, ...]]]:
    """``rows`` (all of one width) a statement's worth at a time, as its ``VALUES`` list
    (``(?,?),(?,?)``) and its parameters one after another: as many rows as the variables
    allow, a third less than one row a statement. Every full batch has the same text, so a
    backend prepares (or translates) the statement once."""
    if not rows:
        return
    per = max(1, VARIABLES_MAX // len(rows[0]))
    one = f"({','.join('?' * len(rows[0]))})"
    full = ",".join([one] * per)
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        yield (full if len(chunk) == per else ",".join([one] * len(chunk))), tuple(chain.from_iterable(chunk))


class _Held:
    """One task's held answers (``HeldReads``), and how many holds of it are open."""

    __slots__ = ("answers", "depth")

    def __init__(self) -> None:
        self.answers: dict[tuple[str, tuple[object, ...]], list[Row]] = {}
        self.depth = 0


class HeldReads:
    """The answers of a backend's ``query`` held while a page is put together (``Backend.hold``):
    within, a query asked again with the same parameters answers as it did, and a part may
    ``remember`` answers it read for several keys in one statement. A write by this process
    (any thread, any task) lets go of every hold's answers (``release``), so it is read back.

    What a server charges is a round trip a statement, whatever its size: a page of 22 leagues
    asked each league's entry times twice, the offline state before each read, and whether
    its page carried fixtures, one statement each (95 round trips for the Bookmakers screen).
    Held, a page reads as of when it began, as one snapshot would (another host's write in
    those milliseconds is seen by the next page). The answers are the asyncio task's (a
    context variable, so per thread too): a page awaiting a fetch holds nothing for the
    engine's other tasks (the sidebar's once-a-second state keeps reading the store). Holds
    nest: the answers go when the last one ends."""

    __slots__ = ("_open", "_var")

    def __init__(self) -> None:
        self._var: ContextVar[_Held | None] = ContextVar("oddsmon_held_reads", default=None)
        self._open: set[_Held] = set()

    def __enter__(self) -> None:
        held = self._current()
        if held is None:
            held = _Held()
            self._open.add(held)
            self._var.set(held)
        held.depth += 1

    def __exit__(self, *exc: object) -> None:
        held = self._var.get()
        if held is None:
            return
        held.depth -= 1
        if not held.depth:
            self._open.discard(held)
            held.answers.clear()
            self._var.set(None)

    def _current(self) -> _Held | None:
        """This task's open hold. A task started inside a hold inherits the context variable
        but not the hold's lifetime: once the hold ends, it holds nothing (it would keep stale
        answers, never released, growing)."""
        held = self._var.get()
        return held if held is not None and held in self._open else None

    def answer(self, sql: str, params: Params) -> list[Row] | None:
        """The rows held for this query, or None (not held, or nothing held for it)."""
        held = self._current()
        rows = None if held is None else held.answers.get((sql, tuple(params)))
        return None if rows is None else list(rows)

    def remember(self, sql: str, params: Params, rows: list[Row]) -> None:
        held = self._current()
        if held is not None:
            held.answers[(sql, tuple(params))] = list(rows)

    def release(self) -> None:
        for held in list(self._open):
            held.answers.clear()


class StoreError(Exception):
    """The store cannot be used; the message names where it lives and says why."""


class StoreWriteError(StoreError):
    """The store can be read but not written (disk full, read-only): the cache still serves."""


class StoreTooNew(StoreError):
    """The store's schema is newer than this oddsmon knows: a downgrade. Every backend refuses
    it before writing anything (no migration, no move aside, no rebuild), so the oddsmon that
    wrote it finds its data again."""


# The key (in the store's key-value meta) naming the oddsmon that set the store's schema: set
# by every migration, read by an older oddsmon to say which version it meets.
SCHEMA_WRITER_KEY = "schema_written_by"


def schema_writer() -> str:
    """This oddsmon, as a store records it."""
    from ..version import __version__

    return f"oddsmon {__version__}"


def too_new(where: str, version: int, writer: str | None) -> StoreTooNew:
    """The one line every command says for a store of a newer schema."""
    by = writer or "a newer oddsmon"
    return StoreTooNew(f"{where}: written by {by} (schema {version}), newer than this "
                       f"{schema_writer()} (schema {SCHEMA_VERSION}); nothing was read or "
                       f"changed: run the newer oddsmon, or point paths.db at another store")


class StoreOlder(StoreError):
    """The store's schema is older than this oddsmon's, and it was opened as it is (read-only,
    or by a report): nothing was changed. ``oddsmon --upgrade-store`` upgrades it."""

    def __init__(self, where: str, version: int) -> None:
        # Not upgraded on the spot: a report (``--check`` under a monitor) writes nothing, and on
        # a team's store an oddsmon still at the older version, on another host, refuses the
        # upgraded one: the collector there would stop.
        super().__init__(f"{where}: an older oddsmon store (schema {version}), which this "
                         f"{schema_writer()} (schema {SCHEMA_VERSION}) reads once upgraded; "
                         f"nothing was changed: run oddsmon --upgrade-store (no API call; on a "
                         f"team's store, once every host runs this version: an older one refuses "
                         f"the upgraded store)")
        self.version = version


class StoreUnreachable(StoreError):
    """A team's store server cannot be reached (the server, or this host's network, is away)."""


@record
class Health:
    """The store as a report shows it: one value, the same for every backend."""

    where: str  # where it lives, for a person: a file's path (never a password)
    readable: bool = True
    writable: bool = True
    # Read-only because the disk (or server) refused writes, not by request: ``reopen_writable``
    # makes it writable again once they are accepted.
    degraded: bool = False
    # False when committed changes could not be read (a -wal that cannot be used): what the
    # store says may be out of date, so a report must not trust it.
    complete: bool = True
    problem: str | None = None  # one line for a person: moved aside and rebuilt, read-only, ...
    size_bytes: int = 0  # what it takes on disk
    # A team's server away: when this host's copy, served meanwhile, was last brought up to
    # date (POSIX seconds); None while the server itself answers.
    copy_at: float | None = None


if TYPE_CHECKING:
    Row = tuple[Any, ...]
    Params = Sequence[object]

    class Cursor(Protocol):
        """The result of one statement: rows as plain tuples."""

        @property
        def rowcount(self) -> int: ...

        def fetchone(self) -> Any: ...

        def fetchall(self) -> list[Any]: ...

        def fetchmany(self, size: int = ...) -> list[Any]: ...

        def __iter__(self) -> Iterator[Any]: ...


    class Tx(Protocol):
        """An open transaction (``Backend.write``) or consistent snapshot (``Backend.read``)."""

        def execute(self, sql: str, params: Params = ()) -> Cursor: ...

        def executemany(self, sql: str, rows: Sequence[Params]) -> Cursor: ...

        def iterate(self, sql: str, params: Params = (), batch: int = ...) -> Iterator[Row]:
            """The rows of one statement, read ``batch`` at a time (a server streams them):
            memory stays flat whatever the count."""
            ...

        def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> None:
            """Many new rows into ``table``, none of which conflicts with a stored one (the
            caller knows, under the write lock): the backend's fastest bulk insert (a server's
            COPY, SQLite's one prepared INSERT run for each row)."""
            ...

        def upsert_rows(self, insert: str, conflict: str, rows: Sequence[Params], key: int) -> None:
            """``{insert} VALUES (?,...) {conflict}`` for each of ``rows`` in order (``insert``
            names the table and columns, ``conflict`` is the ON CONFLICT clause over the rows'
            first ``key`` columns): SQLite's one prepared statement run for each row; a
            server's as few multi-row statements as its parameters allow, one parse and one
            round trip where executemany pays them a row, unless two rows share a key (one
            statement may not upsert a row twice): those go a row a statement, as before."""
            ...


    class Dialect(Protocol):
        """The statements a backend spells its own way; the parts build those from these."""

        @property
        def text_bodies(self) -> bool:
            """Whether a column may hold text in one row and bytes in another (a short cache body
            kept as text beside compressed ones); when not, every body is stored as bytes."""
            ...

        @property
        def server_clock(self) -> str | None:
            """An SQL expression of the store's own clock in POSIX seconds, when several hosts
            share it (a server's: the collector's lease is judged on one clock, not each
            host's); None for one host's store, whose caller passes the time."""
            ...

        @property
        def in_process(self) -> bool:
            """Whether statements run in this process (an embedded file), where a bound value
            costs next to nothing; a server parses every parameter sent (a page's prices are
            then better read back than sent to be compared)."""
            ...

        def index_hint(self, index: str) -> str:
            """A clause after a table's name making the planner read ``index`` ("" for none)."""
            ...

        def row_with_extreme(self, columns: str, of: str, source: str, group: str, *,
                             least: bool = False) -> str:
            """``SELECT columns, of FROM ... GROUP BY group`` where each group's row is the one
            with the greatest (``least``: smallest) ``of``; ``source`` is the FROM and WHERE."""
            ...

        def count_and_concat(self, key: str, value: str, source: str) -> str:
            """``SELECT key, count(*), <the group's distinct value values, comma-separated>
            source GROUP BY key``; ``source`` is the FROM and WHERE."""
            ...

        def json_members(self, doc: str) -> str:
            """A table of the (``key``, ``value``) members of the JSON object found under the
            key bound (as text) at its ``?`` in the JSON text ``doc``: one bet of a pack read,
            where its whole view walks every bet of it."""
            ...

        def reserve_ids(self, table: str, column: str) -> str | None:
            """A statement handing out the next ``?`` ids of ``table``'s identity ``column``,
            none of which a later row gets (a server's sequence), or None where ids cannot be
            set aside (one host's file needs none: it is never away)."""
            ...

        def reset_identity(self, table: str, column: str) -> str | None:
            """After ids were written as they are (a copied store): the statement that makes
            the next new row's id follow the largest, or None where that is automatic."""
            ...


    class Listener(Protocol):
        def wait(self, timeout: float) -> list[tuple[str, str]]:
            """(topic, payload) of what arrives within ``timeout`` seconds."""
            ...

        def close(self) -> None: ...


    class Backend(Protocol):
        """One open store. Safe to use from several threads of one process; several processes
        (and, for a server, several hosts) share one store without "database is locked"."""

        @property
        def dialect(self) -> Dialect: ...

        def write(self) -> AbstractContextManager[Tx]:
            """A short write transaction: committed on exit, rolled back on error. A write within
            a write (same thread) joins it, so several parts' writes commit together or not at all.

            Writers take turns: a write sees no other write commit while it runs (SQLite's
            ``BEGIN IMMEDIATE``; a server: one lock per store taken first, which waits rather
            than fails). The parts' read-then-write steps (the quota reservation, the offline
            state, the collector's lease, the history's comparison) rely on it. Raises
            ``StoreWriteError`` when the store cannot be written."""
            ...

        def read(self) -> AbstractContextManager[Tx]:
            """Several reads on one consistent snapshot."""
            ...

        def query(self, sql: str, params: Params = ()) -> list[Row]:
            """Rows of one read, each call its own consistent snapshot."""
            ...

        def query_one(self, sql: str, params: Params = ()) -> Row | None: ...

        def hold(self) -> AbstractContextManager[None]:
            """Within, this task's ``query`` answers a query asked again as it did, and as
            ``remember`` said, until this process writes (``HeldReads``)."""
            ...

        def remember(self, sql: str, params: Params, rows: list[Row]) -> None:
            """Within ``hold``: ``query(sql, params)`` answers ``rows``, read by the caller
            with others in one statement."""
            ...

        def notify(self, tx: Tx, topic: str, payload: str = "") -> None:
            """Tell the other hosts that ``topic`` changed, once ``tx`` commits (PostgreSQL:
            NOTIFY); one host's store: nothing (its processes poll the one file)."""
            ...

        def listen(self, topics: Sequence[str]) -> Listener | None:
            """A listener for other hosts' ``notify`` on ``topics``, or None where there are
            none (the caller polls)."""
            ...

        def health(self) -> Health: ...

        def reopen_writable(self) -> bool:
            """After a degraded open: writable again if the store now accepts writes."""
            ...

        def integrity_check(self) -> str:
            """"ok", or what is damaged."""
            ...

        def close(self) -> None: ...
