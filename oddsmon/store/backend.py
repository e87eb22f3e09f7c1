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

from ..records import record

# typing.TYPE_CHECKING without importing typing (see records.py): the protocols below are for
# the type checker; a backend satisfies them by shape, and `oddsmon --check` pays for none.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from contextlib import AbstractContextManager
    from typing import Any, Protocol

# The schema every backend migrates to: the parts' SQL reads and writes this one.
SCHEMA_VERSION = 12


class StoreError(Exception):
    """The store cannot be used; the message names where it lives and says why."""


class StoreWriteError(StoreError):
    """The store can be read but not written (disk full, read-only): the cache still serves."""


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


    class Dialect(Protocol):
        """The statements a backend spells its own way; the parts build those from these."""

        @property
        def text_bodies(self) -> bool:
            """Whether a column may hold text in one row and bytes in another (a short cache body
            kept as text beside compressed ones); when not, every body is stored as bytes."""
            ...

        def index_hint(self, index: str) -> str:
            """A clause after a table's name making the planner read ``index`` ("" for none)."""
            ...

        def row_with_extreme(self, columns: str, of: str, source: str, group: str, *,
                             least: bool = False) -> str:
            """``SELECT columns, of FROM ... GROUP BY group`` where each group's row is the one
            with the greatest (``least``: smallest) ``of``; ``source`` is the FROM and WHERE."""
            ...

        def concat_distinct(self, expr: str) -> str:
            """An aggregate of a group's distinct ``expr`` values, comma-separated."""
            ...


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

        def health(self) -> Health: ...

        def reopen_writable(self) -> bool:
            """After a degraded open: writable again if the store now accepts writes."""
            ...

        def integrity_check(self) -> str:
            """"ok", or what is damaged."""
            ...

        def close(self) -> None: ...
