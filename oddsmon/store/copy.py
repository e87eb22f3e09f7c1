"""A store copied to another, between backends (``oddsmon --copy-store FROM TO``): every table row
for row, verified by counts and checksums, resumable after an interruption.

- **Target**: an empty store (created and migrated by opening it), or one this same source's
  copy left half done; anything else is refused (``CopyRefused``): nothing is overwritten.
- **Batches**: each table is read in primary-key order, a batch at a time, and each batch is
  written with the table's progress mark (``meta``: ``copy.source``, ``copy.at.<table>``) in one
  target transaction: a copy killed anywhere resumes after the last batch it committed, and an
  upsert by primary key keeps a batch replayed from ever doubling a row.
- **Verification**: per table, the row count and an order-independent checksum of the rows
  (values compared as stored: a cache body is the same bytes whether SQLite keeps it as text
  or PostgreSQL as bytea), and the cache's running totals. The progress marks are removed
  once every table matches.

The source should be still (no oddsmon writing to it): rows written meanwhile show as a
mismatch, and a second run copies them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .backend import SCHEMA_WRITER_KEY
from .cache import _compressed

if TYPE_CHECKING:
    from . import Store
    from .backend import Row, Tx


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    identity: str | None = None  # an id column the database numbers itself


# Every table of the schema (SCHEMA_VERSION 16), parents before children. ``cache_totals`` is
# not copied: triggers keep it from the cache's rows (and the verification compares it).
TABLES: tuple[Table, ...] = (
    Table("meta", ("key", "value"), ("key",)),
    Table("state", ("id", "offline", "reason", "since", "resume_at", "detail", "probe_failures",
                    "next_probe_at", "last_probe_at", "last_probe_ok", "updated_at"), ("id",)),
    Table("quota", ("id", "daily_limit", "daily_remaining", "minute_limit", "minute_remaining",
                    "observed_at"), ("id",)),
    Table("counters", ("name", "value"), ("name",)),
    Table("requests", ("id", "at", "endpoint", "status", "duration_ms", "counted", "from_cache", "free"),
          ("id",), "id"),
    Table("transitions", ("id", "at", "offline", "reason", "detail"), ("id",), "id"),
    Table("incidents", ("id", "opened_at", "reason", "closed_at"), ("id",), "id"),
    Table("incident_actions", ("id", "incident_id", "at", "kind", "text"), ("id",), "id"),
    Table("picks", ("id", "created_at", "author", "fixture_id", "kickoff", "match", "league", "bet_id",
                    "line", "outcome", "label", "bookmaker_id", "bookmaker", "price", "stake", "basis"), ("id",), "id"),
    Table("pins", ("author", "fixture_id", "pinned_at"), ("author", "fixture_id")),
    Table("desk_filters", ("author", "value"), ("author",)),
    Table("model_source", ("id", "source", "mtime", "imported_at", "rows"), ("id",)),
    Table("model_probs", ("fixture_id", "bet_id", "outcome", "p"), ("fixture_id", "bet_id", "outcome")),
    Table("leases", ("name", "pid", "host", "acquired_at", "heartbeat_at"), ("name",)),
    Table("collector_spend", ("day", "kind", "calls"), ("day", "kind")),
    Table("alert_outbox", ("id", "target", "key", "kind", "created_at", "body", "attempts", "next_at",
                           "claimed_pid", "claimed_host", "claimed_at", "sent_at", "dead_at", "failed_at",
                           "last_error"), ("id",), "id"),
    Table("live_state", ("fixture_id", "observed_at", "status", "elapsed", "goals_home", "goals_away",
                         "stopped", "blocked", "finished"), ("fixture_id",)),
    Table("live_odds", ("fixture_id", "bet_id", "outcome", "handicap", "seq", "observed_at", "price", "main",
                        "suspended"), ("fixture_id", "bet_id", "outcome", "handicap", "seq", "observed_at")),
    Table("odds_seen", ("fixture_id", "kickoff", "last_before_kickoff"), ("fixture_id",)),
    Table("odds_fixtures", ("fixture_id", "league_id", "season", "page", "seen_at"), ("fixture_id",)),
    Table("odds_books", ("fixture_id", "bookmaker_id", "seen_at", "bets"), ("fixture_id", "bookmaker_id")),
    Table("odds_prints", ("fixture_id", "bookmaker_id", "fingerprint", "seen_at"), ("fixture_id", "bookmaker_id")),
    Table("bookmaker_names", ("id", "name"), ("id",)),
    Table("bet_names", ("id", "name"), ("id",)),
    Table("fixture_names", ("fixture_id", "kickoff", "league_id", "league", "home", "away", "seen_at"),
          ("fixture_id",)),
    Table("headlines", ("fixture_id", "seen_at", "books", "body"), ("fixture_id",)),
    Table("value_scans", ("fixture_id", "scan", "entry", "fetched_at", "body"), ("fixture_id", "scan")),
    Table("odds_packs", ("fixture_id", "bookmaker_id", "seen_at", "prices", "moved", "changed_at"),
          ("fixture_id", "bookmaker_id")),
    Table("odds_latest", ("fixture_id", "bookmaker_id", "bet_id", "outcome", "price", "seen_at", "first_price",
                          "first_at"), ("fixture_id", "bet_id", "outcome", "bookmaker_id")),
    Table("odds_changes", ("fixture_id", "bookmaker_id", "bet_id", "outcome", "observed_at", "price"),
          ("fixture_id", "bet_id", "outcome", "bookmaker_id", "observed_at")),
    Table("cache", ("key", "kind", "body", "fetched_at", "expires_at", "size"), ("key",)),
)
_BATCH = 5000
_CACHE_BATCH = 200  # cache rows carry bodies of up to MBs
_SOURCE, _AT = "copy.source", "copy.at."
# What a fresh store holds before anything happened: its one state and quota rows.
_FRESH = {"state": 1, "quota": 1}


class CopyRefused(Exception):
    """The target holds a store of its own (or another copy's half): nothing was written."""


@dataclass(frozen=True)
class Verified:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return (self.source_rows, self.source_sum) == (self.target_rows, self.target_sum)


Progress = Callable[[str, int, int], None]  # (table, rows copied so far, rows in the source)


def copy_store(source: Store, target: Store, origin: str, progress: Progress | None = None,
               batch: int = _BATCH) -> list[Verified]:
    """Copy every row of ``source`` into ``target`` (named ``origin`` in the progress marks),
    resuming a copy of the same origin left half done; then verify. Raises ``CopyRefused``."""
    claim(target, origin)
    for table in TABLES:
        _copy_table(source, target, table, progress, _CACHE_BATCH if table.name == "cache" else batch)
    checks = verify(source, target)
    if all(c.ok for c in checks):
        with target.db.write() as tx:
            tx.execute(f"DELETE FROM meta WHERE key = ? OR key LIKE '{_AT}%'", (_SOURCE,))
    return checks


def claim(target: Store, origin: str) -> None:
    """Mark the target as this copy's, or refuse it: it holds a store, or another copy."""
    with target.db.write() as tx:
        row = tx.execute("SELECT value FROM meta WHERE key = ?", (_SOURCE,)).fetchone()
        if row is not None:
            if row[0] != origin:
                raise CopyRefused(f"a copy from {row[0]} was left half done there; finish it with "
                                  f"that source, or empty the target")
            return
        held = [(t.name, n) for t in TABLES
                if (n := tx.execute(f"SELECT count(*) FROM {t.name}{_data_only(t)}").fetchone()[0])
                > _FRESH.get(t.name, 0)]
        changed = tx.execute("SELECT (SELECT count(*) FROM state WHERE updated_at IS NOT NULL) + "
                             "(SELECT count(*) FROM quota WHERE observed_at IS NOT NULL)").fetchone()[0]
        if held or changed:
            what = ", ".join(f"{n:,} in {name}" for name, n in held) or "its offline state and quota"
            raise CopyRefused(f"the target is not empty ({what}); copy into a new database or file")
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (_SOURCE, origin))


def _copy_table(source: Store, target: Store, table: Table, progress: Progress | None, batch: int) -> None:
    mark = _AT + table.name
    stored = target.ledger.meta(mark)
    if stored == "done":
        return
    last: list[object] | None = json.loads(stored) if stored else None
    total = source.db.query_one(f"SELECT count(*) FROM {table.name}")
    count = int(total[0]) if total else 0
    columns, keys = ", ".join(table.columns), ", ".join(table.key)
    key_at = [table.columns.index(k) for k in table.key]
    upsert = upsert_sql(table)
    done = 0 if last is None else _rows_up_to(source, table, last)
    reported = 0.0
    convert = _body_converter(source, target) if table.name == "cache" else None
    while True:
        after = "" if last is None else f"WHERE ({keys}) > ({', '.join('?' * len(table.key))})"
        rows = source.db.query(f"SELECT {columns} FROM {table.name} {after} ORDER BY {keys} LIMIT ?",
                               (*(last or ()), batch))
        if not rows:
            break
        values = [tuple(r) for r in rows] if convert is None else [convert(r) for r in rows]
        last = [rows[-1][i] for i in key_at]
        with target.db.write() as tx:
            tx.executemany(upsert, values)
            _set(tx, mark, json.dumps(last))
        done += len(rows)
        if progress is not None and (done == len(rows) or time.monotonic() - reported >= 2):
            reported = time.monotonic()
            progress(table.name, done, count)
    with target.db.write() as tx:
        if table.identity is not None:
            reset = target.db.dialect.reset_identity(table.name, table.identity)
            if reset:
                tx.execute(reset)
        _set(tx, mark, "done")
    if progress is not None:
        progress(table.name, done, count)


def _rows_up_to(source: Store, table: Table, last: list[object]) -> int:
    keys = ", ".join(table.key)
    row = source.db.query_one(f"SELECT count(*) FROM {table.name} WHERE ({keys}) <= "
                              f"({', '.join('?' * len(table.key))})", tuple(last))
    return int(row[0]) if row else 0


def upsert_sql(table: Table) -> str:
    """The statement writing one row of ``table`` by its primary key, whether it is there or not."""
    rest = [c for c in table.columns if c not in table.key]
    return (f"INSERT INTO {table.name} ({', '.join(table.columns)}) "
            f"VALUES ({', '.join('?' * len(table.columns))}) ON CONFLICT({', '.join(table.key)}) "
            f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in rest)}")


def _set(tx: Tx, key: str, value: str) -> None:
    tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               (key, value))


def _body_converter(source: Store, target: Store) -> Callable[[Row], tuple[object, ...]]:
    return body_converter(source.db.dialect.text_bodies, target.db.dialect.text_bodies)


def body_converter(from_text: bool, to_text: bool) -> Callable[[Row], tuple[object, ...]]:
    """A cache row as the target keeps it: a short body is text where a column holds text
    beside bytes (SQLite, ``to_text``), its UTF-8 bytes where it holds bytes only (PostgreSQL)."""
    at = TABLES[-1].columns.index("body")

    def convert(row: Row) -> tuple[object, ...]:
        values = list(row)
        body = values[at]
        if isinstance(body, str) and not to_text:
            values[at] = body.encode()
        elif isinstance(body, bytes | memoryview) and to_text and not _compressed(bytes(body), from_text):
            values[at] = bytes(body).decode("utf-8", "replace")
        return tuple(values)
    return convert


# -- verification ---------------------------------------------------------------------------


def verify(source: Store, target: Store) -> list[Verified]:
    """Each table's row count and checksum on both sides, and the cache's running totals."""
    out = []
    for table in TABLES:
        src_n, src_sum = _checksum(source, table)
        dst_n, dst_sum = _checksum(target, table)
        out.append(Verified(table.name, src_n, dst_n, src_sum, dst_sum))
    src_totals, dst_totals = source.cache.stats(), target.cache.stats()
    out.append(Verified("cache_totals", src_totals[0], dst_totals[0], str(src_totals[1]), str(dst_totals[1])))
    return out


def _checksum(store: Store, table: Table) -> tuple[int, str]:
    """(rows, checksum): the sum of each row's digest, so the order rows come in (a text key's
    collation differs between backends) does not matter; progress marks are not counted."""
    total = count = 0
    with store.db.read() as tx:
        for row in tx.iterate(f"SELECT {', '.join(table.columns)} FROM {table.name}{_data_only(table)}"):
            total += int.from_bytes(hashlib.sha256(_canonical(row)).digest()[:16], "big")
            count += 1
    return count, f"{total % (1 << 128):032x}"


def _data_only(table: Table) -> str:
    """The WHERE clause leaving out what a store says of itself rather than holds: the copy's
    progress marks, and the oddsmon that set its schema (every new SQLite store records it)."""
    if table.name != "meta":
        return ""
    return f" WHERE key NOT IN ('{_SOURCE}', '{SCHEMA_WRITER_KEY}') AND key NOT LIKE '{_AT}%'"


def _canonical(row: Sequence[object]) -> bytes:
    parts = []
    for value in row:
        if value is None:
            parts.append(b"N")
        elif isinstance(value, str):
            parts.append(b"B" + value.encode())  # a body kept as text here, as bytes there
        elif isinstance(value, bytes | memoryview):
            parts.append(b"B" + bytes(value))
        elif isinstance(value, float):
            parts.append(b"F" + repr(value).encode())
        else:
            parts.append(b"I" + str(int(value)).encode())  # type: ignore[call-overload]
    return b"\x1f".join(parts)


def row_counts(store: Store) -> Iterator[tuple[str, int]]:
    """Each table's rows, for a person comparing two stores."""
    for table in TABLES:
        row = store.db.query_one(f"SELECT count(*) FROM {table.name}")
        yield table.name, int(row[0]) if row else 0
