"""A store's backend as the tests read it: the SQL-level checks' rows, and the SQLite file.

``Store.db`` is typed as the ``Backend`` protocol (a team's store is PostgreSQL) and its
``query_one`` answers None when no row matches: these helpers say what a test expects (one row;
one host's SQLite file) and fail plainly when it is not so.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from oddsmon.store import Store
from oddsmon.store.sqlite import APPLICATION_ID, SqliteBackend

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


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


def schema_15(kind: str, directory: Path) -> str:
    """An empty store as oddsmon at schema 15 left it, the one before this one's: ``kind``
    "sqlite", a file in ``directory``; "postgresql", a new database of the session's server.
    Its location (a path, a URL)."""
    if kind == "sqlite":
        from oddsmon.store.sqlite import _MIGRATIONS, _split_sql

        path = directory / "v15.db"
        conn = sqlite3.connect(path)
        for step in range(1, 16):
            for statement in _split_sql(_MIGRATIONS[step]):
                conn.execute(statement)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 15")
        conn.commit()
        conn.close()
        return str(path)
    import psycopg

    from oddsmon.store.postgres_schema import MIGRATIONS, VERSION_TABLE
    from tests import postgres

    url = postgres.server().database()
    with psycopg.connect(url, autocommit=True) as pg:
        for step in range(7, 16):
            pg.execute(MIGRATIONS[step])
            pg.execute(f"INSERT INTO {VERSION_TABLE} (version, applied_by) VALUES (%s, 'v15')", (step,))
    return url
