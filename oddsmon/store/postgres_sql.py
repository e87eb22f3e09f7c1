"""What both ways of reaching a team's PostgreSQL store share, whatever the driver: the dialect,
the parts' SQL in PostgreSQL's placeholders, and the checks of the schema found on opening.

postgres.py (psycopg, for every process that writes) and libpq.py (libpq alone, for a one-shot
report that only reads: ``oddsmon --check``) both use these; neither imports the other.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from .backend import SCHEMA_VERSION, StoreError, StoreOlder, too_new
from .postgres_schema import VERSION_TABLE

_LITERAL = re.compile(r"('(?:[^']|'')*')")
_QMARK = re.compile(r"\?")


class PostgresDialect:
    """PostgreSQL's spelling of what the parts cannot write portably (see backend.Dialect)."""

    __slots__ = ()

    text_bodies = False  # bytea holds bytes only: every cache body is stored as bytes
    # The lease is judged on one clock, the server's, whatever each host's says.
    server_clock = "extract(epoch FROM clock_timestamp())"
    in_process = False  # a server: see history's read-back compare

    def index_hint(self, index: str) -> str:
        return ""

    def row_with_extreme(self, columns: str, of: str, source: str, group: str, *,
                         least: bool = False) -> str:
        return (f"SELECT DISTINCT ON ({group}) {columns}, {of} {source} "
                f"ORDER BY {group}, {of} {'ASC' if least else 'DESC'}")

    def count_and_concat(self, key: str, value: str, source: str) -> str:
        # Each (key, value) counted first, in one hash aggregate over the rows; the few pairs
        # (the Bookmakers summary's 16,000 books of 2,000 fixtures: 10) are then joined per key.
        # Not string_agg(DISTINCT ...), which sorts every group's rows, nor a DISTINCT over each
        # group's array_agg, which builds and hashes one array a group: twice this one's time.
        return (f"SELECT k, sum(n)::bigint, string_agg(v, ',') FROM (SELECT {key} AS k, {value} AS v, "
                f"count(*) AS n {source} GROUP BY {key}, {value}) pairs GROUP BY k")

    def json_members(self, doc: str) -> str:
        return f"json_each_text(({doc})::json -> CAST(? AS text))"

    def reserve_ids(self, table: str, column: str) -> str:
        return f"SELECT nextval(pg_get_serial_sequence('{table}', '{column}')) FROM generate_series(1, ?)"

    def reset_identity(self, table: str, column: str) -> str:
        return (f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")


DIALECT = PostgresDialect()

_translated: dict[str, str] = {}


def pg(sql: str) -> str:
    """The parts' qmark SQL in PostgreSQL's own placeholders: each ``?`` outside string
    literals becomes ``$1``, ``$2``, ... Once per statement text. Sent as it is (psycopg's raw
    cursors; libpq): a client-side cursor parses every statement of more than 50 parameters
    again at each execution (psycopg's cache stops there), which made a page's multi-row
    inserts of prices cost more on the client than on the server."""
    out = _translated.get(sql)
    if out is None:
        numbers = itertools.count(1)
        out = "".join(p if i % 2 else _QMARK.sub(lambda _: f"${next(numbers)}", p)
                      for i, p in enumerate(_LITERAL.split(sql)))
        if len(_translated) > 4096:  # IN lists of every length: bounded
            _translated.clear()
        _translated[sql] = out
    return out


# On opening: (schema, advisory lock key, versioned, holds tables, takes no writes).
OPENING = ("SELECT current_schema(), hashtext(coalesce(current_schema(), '')), "
           f"to_regclass('{VERSION_TABLE}') IS NOT NULL, "
           "EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'p')), "
           "pg_is_in_recovery() OR current_setting('default_transaction_read_only') = 'on'")
VERSION = f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}"
SIZE = ("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")


def check_schema(where: str, version: int | None, foreign: bool, *, as_found: bool) -> None:
    """Refuse what is not an oddsmon store of a schema this one can use; ``as_found``: opened
    read-only or as it is (nothing is created or migrated), so it must be current."""
    if version is None and foreign:
        raise StoreError(f"{where}: not an oddsmon store (the database holds another "
                         f"program's tables); oddsmon never writes there")
    if version is not None and version > SCHEMA_VERSION:
        raise too_new(where, version, None)  # the same refusal as every backend's
    if as_found:
        if version is None:
            raise StoreError(f"{where}: no store here yet (run oddsmon once to create it)")
        if version < SCHEMA_VERSION:
            raise StoreOlder(where, version)


def integrity(query: Callable[[str], list[tuple[object, ...]]]) -> str:
    """"ok", or what is wrong: the schema's version and relations, and the totals the cache
    keeps beside its rows."""
    from .postgres_schema import RELATIONS

    problems = []
    found = {r[0] for r in query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v')")}
    missing = sorted(set(RELATIONS) - found)
    if missing:
        return f"missing: {', '.join(missing)}"
    version = query(f"SELECT max(version) FROM {VERSION_TABLE}")
    if not version or version[0][0] != SCHEMA_VERSION:
        problems.append(f"schema {version[0][0] if version else None}, not {SCHEMA_VERSION}")
    totals = query("SELECT t.entries, t.bytes, (SELECT count(*) FROM cache), "
                   "(SELECT coalesce(sum(size), 0)::bigint FROM cache) FROM cache_totals t WHERE t.id = 1")
    if not totals or (totals[0][0], totals[0][1]) != (totals[0][2], totals[0][3]):
        problems.append(f"cache_totals {totals[0][:2] if totals else None} disagree with the "
                        f"cache {totals[0][2:] if totals else None}")
    return "; ".join(problems) or "ok"
