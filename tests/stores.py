"""A store's backend as the tests read it: the SQL-level checks' rows, and the SQLite file.

``Store.db`` is typed as the ``Backend`` protocol (a team's store is PostgreSQL) and its
``query_one`` answers None when no row matches: these helpers say what a test expects (one row;
one host's SQLite file) and fail plainly when it is not so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oddsmon.store import Store
from oddsmon.store.sqlite import SqliteBackend

if TYPE_CHECKING:
    from collections.abc import Sequence


def one_row(store: Store, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
    """The row ``sql`` must find (a count, a pragma, a stored value)."""
    row = store.db.query_one(sql, params)
    assert row is not None, f"no row for {sql}"
    return row


def sqlite_backend(store: Store) -> SqliteBackend:
    """One host's SQLite file behind ``store``: its path (reopened as another process would)
    or its connection."""
    db = store.db
    assert isinstance(db, SqliteBackend), f"expected one host's SQLite store, got {type(db).__name__}"
    return db
