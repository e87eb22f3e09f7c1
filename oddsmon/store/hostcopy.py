"""This host's copy of what its screens read from a team's store, kept in its own SQLite file
(``paths.db``), served while the team's server is away (failover.py).

What the Dashboard, Predictions, Bookmakers and Odds screens (and the Picks screen) read is
copied: the cache's entries, the rows the odds fetches wrote (which fixtures a league page
carries, each bookmaker's markets, the headlines, the prices and their changes, the fixtures'
names, the in-play odds) and the desk's picks, pins and filters. Not copied: what is the
team's alone to decide (the quota, the offline state, the collector's lease, incidents and
the alerts' outbox): while away, this host shows its own.

Incremental: each table is read from the last change it copied on (its row's own time: a
page's fetch, a price's observation), less ``OVERLAP_S`` for rows another host committed late
or stamped by a clock slightly behind, and written by primary key (a row copied twice is the
same row). The small tables (picks, pins, filters, bookmakers' names) are copied whole, so a
pick deleted or a pin removed on the server is gone here too. The cost is what changed since
the last copy; the first copy is the whole of those tables.

Each copy also sets aside a few pick ids on the server for this host (picks.py): a pick
recorded while the server is away takes one, so its number on the screen is the one it keeps.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from .backend import StoreWriteError
from .copy import TABLES, Table, body_converter, upsert_sql
from .failover import COPY_AT_KEY
from .picks import reserve_pick_ids

if TYPE_CHECKING:
    from collections.abc import Callable

    from .backend import Backend, Row, Tx

# Each incremental table and the column saying when its row last changed.
SINCE = {"cache": "fetched_at", "odds_fixtures": "seen_at", "odds_books": "seen_at",
         "headlines": "seen_at", "fixture_names": "seen_at", "odds_packs": "changed_at", "odds_latest": "seen_at",
         "odds_changes": "observed_at", "live_state": "observed_at", "live_odds": "observed_at"}
WHOLE = ("bookmaker_names", "bet_names", "odds_seen", "picks", "pins", "desk_filters")
OVERLAP_S = 120.0
_BATCH = 2000
_CACHE_BATCH = 100  # cache rows carry bodies of up to MBs
_MARK = "copy.since."


def refresh(server: Backend, local: Backend, at: float, stop: Callable[[], bool] = lambda: False) -> int | None:
    """Bring ``local`` up to date with what changed on ``server`` since the last copy; the rows
    written. ``at`` (POSIX seconds, the engine's clock) is recorded as the copy's time.

    ``stop`` is asked between batches (a process exiting): once it says so, the copy ends
    there and returns None, its time not recorded. What it wrote stands (each batch by
    primary key, each table's mark only once the table is done), so the next copy resumes."""
    tables = {t.name: t for t in TABLES}
    written = 0
    convert = body_converter(server.dialect.text_bodies, local.dialect.text_bodies)
    for name, column in SINCE.items():
        done = _incremental(server, local, tables[name], column, convert if name == "cache" else None, stop)
        if done is None:
            return None
        written += done
    for name in WHOLE:
        if stop():
            return None
        written += _whole(server, local, tables[name])
    with contextlib.suppress(StoreWriteError):  # a server taking no writes sets none aside
        reserve_pick_ids(server, local)
    with local.write() as tx:
        _set(tx, COPY_AT_KEY, repr(at))
    return written


def _incremental(server: Backend, local: Backend, table: Table, column: str,
                 convert: Callable[[Row], tuple[object, ...]] | None, stop: Callable[[], bool]) -> int | None:
    mark_key = _MARK + table.name
    row = local.query_one("SELECT value FROM meta WHERE key = ?", (mark_key,))
    since = float(row[0]) - OVERLAP_S if row is not None else None
    where = "" if since is None else f" WHERE {column} >= ?"
    upsert = upsert_sql(table)
    batch_size = _CACHE_BATCH if table.name == "cache" else _BATCH
    newest = since
    written = 0
    batch: list[tuple[object, ...]] = []
    at = table.columns.index(column)
    with server.read() as src:
        for found in src.iterate(f"SELECT {', '.join(table.columns)} FROM {table.name}{where}",
                                 () if since is None else (since,), batch_size):
            values = convert(found) if convert is not None else tuple(found)
            batch.append(values)
            changed = float(values[at])  # type: ignore[arg-type]
            newest = changed if newest is None else max(newest, changed)
            if len(batch) >= batch_size:
                if stop():
                    return None
                written += _write(local, upsert, batch)
                batch = []
    written += _write(local, upsert, batch)
    if newest is not None:
        with local.write() as tx:
            _set(tx, mark_key, json.dumps(newest))
    return written


def _whole(server: Backend, local: Backend, table: Table) -> int:
    rows = server.query(f"SELECT {', '.join(table.columns)} FROM {table.name}")
    with local.write() as tx:
        tx.execute(f"DELETE FROM {table.name}")
        if rows:
            tx.executemany(upsert_sql(table), [tuple(r) for r in rows])
    return len(rows)


def _write(local: Backend, upsert: str, rows: list[Row]) -> int:
    if rows:
        with local.write() as tx:
            tx.executemany(upsert, rows)
    return len(rows)


def _set(tx: Tx, key: str, value: str) -> None:
    tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               (key, value))
