"""The SQLite backend: the embedded store, one file every oddsmon process on the host opens.

Opening (read-write, read-only, as it is, degraded on a full disk, a damaged file moved aside),
schema migrations, permissions, and safe transactions. WAL mode lets readers run beside one
writer; writes are short ``BEGIN IMMEDIATE`` transactions (the write lock is taken up front,
so a reader never has to upgrade and fail) with a busy timeout, plus a bounded retry as a
last line of defence, so no process ever surfaces "database is locked".
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import time

# _thread's RLock is the one threading.RLock() returns, without importing threading (a
# headless read runs in one thread and should not pay for it at start).
from _thread import RLock
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..config import shared_mode
from ..records import record
from ..text import clean
from .backend import (
    SCHEMA_VERSION,
    SCHEMA_WRITER_KEY,
    SNAPSHOTS,
    Health,
    HeldReads,
    StoreError,
    StoreOlder,
    StoreTooNew,
    StoreWriteError,
    schema_writer,
    too_new,
    value_lists,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .backend import Params, Row

APPLICATION_ID = 0x4F44534D  # "ODSM": marks the file as oddsmon's
BUSY_TIMEOUT_MS = 10_000
_LOCK_RETRIES = 20
# After a checkpoint the WAL is cut back to this size, so a burst of writes does not keep its
# disk space for good.
WAL_SIZE_LIMIT = 4 * 1024 * 1024
# SQLite's primary result codes that prove the file is damaged or not a database. Every other
# failure (SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM, a busy
# -wal, ...) is about the disk or the moment, never about the file: it is not moved aside.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
# PERM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL: a write failed because of the disk.
_DISK_CODES = frozenset({3, 8, 10, 13, 14, 15})

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE cache (
        key TEXT PRIMARY KEY,           -- endpoint?sorted params; never holds the API key
        endpoint TEXT NOT NULL,
        body TEXT NOT NULL,             -- the API's response JSON, as received
        fetched_at REAL NOT NULL,       -- POSIX seconds, UTC
        expires_at REAL NOT NULL
    );
    CREATE INDEX cache_endpoint ON cache(endpoint);

    CREATE TABLE state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offline INTEGER NOT NULL DEFAULT 0,
        reason TEXT,                    -- user | network | quota
        since REAL,
        resume_at REAL,                 -- automatic resume instant (quota reset), if any
        detail TEXT,
        probe_failures INTEGER NOT NULL DEFAULT 0,
        next_probe_at REAL,
        last_probe_at REAL,
        last_probe_ok INTEGER,
        updated_at REAL
    );
    INSERT INTO state (id, offline) VALUES (1, 0);

    CREATE TABLE quota (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        daily_limit INTEGER,
        daily_remaining INTEGER,
        minute_limit INTEGER,
        minute_remaining INTEGER,
        observed_at REAL
    );
    INSERT INTO quota (id) VALUES (1);

    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0);

    CREATE TABLE requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        endpoint TEXT NOT NULL,
        status TEXT NOT NULL,           -- HTTP status, or the failure kind
        duration_ms REAL NOT NULL,
        counted INTEGER NOT NULL        -- 1 when it counts against the daily quota
    );
    CREATE INDEX requests_at ON requests(at);

    CREATE TABLE transitions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        offline INTEGER NOT NULL,
        reason TEXT,
        detail TEXT
    );

    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        opened_at REAL NOT NULL,
        reason TEXT NOT NULL,
        closed_at REAL
    );
    CREATE TABLE incident_actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id INTEGER NOT NULL REFERENCES incidents(id),
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL
    );

    CREATE TABLE odds_snapshots (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        bet_id INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        observed_at REAL NOT NULL,
        price REAL NOT NULL,
        PRIMARY KEY (fixture_id, bet_id, outcome, bookmaker_id, observed_at)
    ) WITHOUT ROWID;

    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # v2: the request log also records pages served from the cache, for "the last requests,
    # from cache or not" on the Supervision screen.
    2: """
    ALTER TABLE requests ADD COLUMN from_cache INTEGER NOT NULL DEFAULT 0;
    """,
    # v3: the analyst's desk. Picks (the bets an analyst records, for closing line value and
    # profit) and pinned fixtures (the watchlist). Both stay on this host.
    3: """
    CREATE TABLE picks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at REAL NOT NULL,       -- POSIX seconds, UTC
        fixture_id INTEGER NOT NULL,
        kickoff REAL,                   -- as known when picked; the close is the last price before it
        match TEXT NOT NULL,            -- "Home v Away", kept for when the fixture leaves the cache
        league TEXT NOT NULL,
        bet_id INTEGER NOT NULL,
        line TEXT NOT NULL,             -- '' for a market without lines
        outcome TEXT NOT NULL,          -- without the line ("Over")
        label TEXT NOT NULL,            -- the API's label ("Over 2.5"), as the price history keys it
        bookmaker_id INTEGER NOT NULL,
        bookmaker TEXT NOT NULL,
        price REAL NOT NULL,
        stake REAL NOT NULL
    );
    CREATE INDEX picks_fixture ON picks(fixture_id);

    CREATE TABLE pins (fixture_id INTEGER PRIMARY KEY, pinned_at REAL NOT NULL);
    """,
    # v4: the collector. In-play odds in their own table (the live feed numbers its bets in
    # another id space than pre-match, and has no bookmaker); each fixture's kickoff and the
    # last pre-kickoff observation of its odds (the closing price is the price in force then);
    # the one-per-host lease; calls spent by kind and day; alerts already sent.
    4: """
    CREATE TABLE live_odds (
        fixture_id INTEGER NOT NULL,
        bet_id INTEGER NOT NULL,        -- /odds/live/bets id space, not /odds/bets
        outcome TEXT NOT NULL,
        handicap TEXT NOT NULL,         -- '' when the value has none
        seq INTEGER NOT NULL,           -- nth repeat of (outcome, handicap) in the bet: the feed repeats them
        observed_at REAL NOT NULL,
        price REAL,                     -- NULL while suspended
        main INTEGER,                   -- 1 main line, 0 not, NULL unknown
        suspended INTEGER NOT NULL,
        PRIMARY KEY (fixture_id, bet_id, outcome, handicap, seq, observed_at)
    ) WITHOUT ROWID;
    CREATE TABLE live_state (
        fixture_id INTEGER PRIMARY KEY,
        observed_at REAL NOT NULL,
        status TEXT,
        elapsed INTEGER,
        goals_home INTEGER,
        goals_away INTEGER,
        stopped INTEGER NOT NULL,
        blocked INTEGER NOT NULL,
        finished INTEGER NOT NULL
    );
    CREATE TABLE odds_seen (
        fixture_id INTEGER PRIMARY KEY,
        kickoff REAL NOT NULL,
        last_before_kickoff REAL        -- last time its pre-match odds were observed before kickoff
    );
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        acquired_at REAL NOT NULL,
        heartbeat_at REAL NOT NULL
    );
    CREATE TABLE collector_spend (
        day TEXT NOT NULL,              -- UTC date
        kind TEXT NOT NULL,
        calls INTEGER NOT NULL,
        PRIMARY KEY (day, kind)
    );
    CREATE TABLE alerts_sent (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        at REAL NOT NULL
    );
    """,
    # v5: odds as rows, parsed once when they arrive. The latest price per (fixture, market,
    # outcome, bookmaker) with when it was seen (the history keeps the changes), each priced
    # fixture's league and season, which bookmakers priced it with which bets, and the
    # bookmakers' names as the odds give them: the Bookmakers summary is a query over these
    # (a few rows a fixture), not a parse of every cached page. The cache
    # keeps each body's size beside it and a running total (triggers), so --check never reads
    # a body; (endpoint, fetched_at) is indexed so "newest per endpoint" never walks the
    # bodies' overflow pages either. Rows are rebuilt from what an older store holds.
    5: """
    CREATE TABLE odds_latest (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        bet_id INTEGER NOT NULL,
        outcome TEXT NOT NULL,          -- the API's label ("Over 2.5"), as the history keys it
        price REAL NOT NULL,
        seen_at REAL NOT NULL,          -- last fetch that carried this price, POSIX seconds UTC
        PRIMARY KEY (fixture_id, bet_id, outcome, bookmaker_id)
    ) WITHOUT ROWID;
    CREATE TABLE odds_fixtures (
        fixture_id INTEGER PRIMARY KEY,
        league_id INTEGER NOT NULL,
        season INTEGER NOT NULL,
        page TEXT,                      -- cache key of the league page that last carried it
        seen_at REAL NOT NULL           -- its last sighting, POSIX seconds UTC
    );
    CREATE INDEX odds_fixtures_page ON odds_fixtures(page, seen_at);
    INSERT INTO odds_fixtures (fixture_id, league_id, season, page, seen_at)
        SELECT json_extract(j.value, '$.fixture.id'), json_extract(j.value, '$.league.id'),
               json_extract(j.value, '$.league.season'),
               CASE WHEN c.key NOT LIKE '%fixture=%' AND c.key NOT LIKE '%bet=%' THEN c.key END, c.fetched_at
        FROM cache c, json_each(c.body, '$.response') j
        WHERE c.endpoint = '/odds' AND json_valid(c.body) AND json_type(c.body, '$.response') = 'array'
          AND json_type(j.value, '$.fixture.id') = 'integer' AND json_type(j.value, '$.league.id') = 'integer'
          AND json_type(j.value, '$.league.season') = 'integer'
        ORDER BY c.fetched_at
        ON CONFLICT(fixture_id) DO UPDATE SET page = coalesce(excluded.page, page), seen_at = excluded.seen_at;
    CREATE TABLE odds_books (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        seen_at REAL NOT NULL,          -- the fixture's sighting that carried this bookmaker
        bets TEXT NOT NULL,             -- the bet ids it offered then, comma-separated
        PRIMARY KEY (fixture_id, bookmaker_id)
    ) WITHOUT ROWID;
    INSERT OR REPLACE INTO odds_books (fixture_id, bookmaker_id, seen_at, bets)
        SELECT json_extract(j.value, '$.fixture.id'), json_extract(b.value, '$.id'), c.fetched_at,
               coalesce((SELECT group_concat(json_extract(x.value, '$.id')) FROM json_each(b.value, '$.bets') x
                         WHERE json_type(x.value, '$.id') = 'integer'), '')
        FROM cache c, json_each(c.body, '$.response') j, json_each(j.value, '$.bookmakers') b
        WHERE c.endpoint = '/odds' AND json_valid(c.body) AND json_type(c.body, '$.response') = 'array'
          AND json_type(j.value, '$.fixture.id') = 'integer' AND json_type(j.value, '$.bookmakers') = 'array'
          AND json_type(b.value, '$.id') = 'integer' AND json_type(b.value, '$.bets') = 'array'
        ORDER BY c.fetched_at;
    INSERT INTO odds_latest (fixture_id, bookmaker_id, bet_id, outcome, price, seen_at)
        SELECT fixture_id, bookmaker_id, bet_id, outcome, price, max(observed_at)
        FROM odds_snapshots GROUP BY fixture_id, bet_id, outcome, bookmaker_id;
    -- The history keeps changes, not sightings: a price still held was seen when its fixture was.
    UPDATE odds_latest SET seen_at = (SELECT f.seen_at FROM odds_fixtures f
                                      WHERE f.fixture_id = odds_latest.fixture_id)
        WHERE fixture_id IN (SELECT fixture_id FROM odds_fixtures);
    CREATE TABLE bookmaker_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    INSERT OR REPLACE INTO bookmaker_names (id, name)
        SELECT json_extract(b.value, '$.id'), json_extract(b.value, '$.name')
        FROM cache c, json_each(c.body, '$.response') j, json_each(j.value, '$.bookmakers') b
        WHERE c.endpoint = '/odds' AND json_valid(c.body) AND json_type(c.body, '$.response') = 'array'
          AND json_type(j.value, '$.bookmakers') = 'array'
          AND json_type(b.value, '$.id') = 'integer' AND json_type(b.value, '$.name') = 'text';

    ALTER TABLE cache ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    UPDATE cache SET size = length(body);
    DROP INDEX cache_endpoint;
    CREATE INDEX cache_endpoint_fetched ON cache(endpoint, fetched_at, key);
    -- Covers a read of an entry's times: the columns after the body sit past its overflow pages.
    CREATE INDEX cache_times ON cache(key, endpoint, fetched_at, expires_at);
    CREATE TABLE cache_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        entries INTEGER NOT NULL,
        bytes INTEGER NOT NULL
    );
    INSERT INTO cache_totals SELECT 1, count(*), coalesce(sum(size), 0) FROM cache;
    CREATE TRIGGER cache_totals_insert AFTER INSERT ON cache BEGIN
        UPDATE cache_totals SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 1;
    END;
    CREATE TRIGGER cache_totals_update AFTER UPDATE OF size ON cache BEGIN
        UPDATE cache_totals SET bytes = bytes + NEW.size - OLD.size WHERE id = 1;
    END;
    CREATE TRIGGER cache_totals_delete AFTER DELETE ON cache BEGIN
        UPDATE cache_totals SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 1;
    END;
    """,
    # v6: the Dashboard's headline per fixture, computed when its odds are stored (see
    # store/headlines.py). Empty after the upgrade: the next odds fetch fills it, and until
    # then the Dashboard computes what it lacks, as before.
    6: """
    CREATE TABLE headlines (
        fixture_id INTEGER PRIMARY KEY,
        seen_at REAL NOT NULL,          -- the odds fetch it was computed from, POSIX seconds UTC
        books TEXT NOT NULL,            -- the bookmakers it was restricted to, comma-separated; '' all
        body TEXT NOT NULL              -- the headline, JSON (domain.market.headline_to_row)
    );
    """,
    # v7: a series' first price lives on its latest row (first_price, first_at), and the
    # history table, renamed odds_changes, keeps only the changes after it: a price first seen
    # is one row written, not two, which halved the rows of a warm. ``odds_snapshots`` is now
    # the view of both, every point as before, so every reader (series, closes, openings, the
    # export) gets the same answers. An older store's first points move onto its latest rows.
    7: """
    CREATE TABLE odds_latest_v7 (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        bet_id INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        price REAL NOT NULL,
        seen_at REAL NOT NULL,
        first_price REAL NOT NULL,      -- the series' first observation: the history's first point
        first_at REAL NOT NULL,
        PRIMARY KEY (fixture_id, bet_id, outcome, bookmaker_id)
    ) WITHOUT ROWID;
    INSERT INTO odds_latest_v7
        SELECT l.fixture_id, l.bookmaker_id, l.bet_id, l.outcome, l.price, l.seen_at,
               coalesce(s.price, l.price), coalesce(s.first_at, l.seen_at)
        FROM odds_latest l LEFT JOIN (
            SELECT fixture_id, bookmaker_id, bet_id, outcome, price, min(observed_at) AS first_at
            FROM odds_snapshots GROUP BY fixture_id, bet_id, outcome, bookmaker_id) s
        USING (fixture_id, bet_id, outcome, bookmaker_id);
    ALTER TABLE odds_snapshots RENAME TO odds_changes;
    DELETE FROM odds_changes WHERE EXISTS (
        SELECT 1 FROM odds_latest_v7 l WHERE l.fixture_id = odds_changes.fixture_id
        AND l.bet_id = odds_changes.bet_id AND l.outcome = odds_changes.outcome
        AND l.bookmaker_id = odds_changes.bookmaker_id AND l.first_at = odds_changes.observed_at);
    DROP TABLE odds_latest;
    ALTER TABLE odds_latest_v7 RENAME TO odds_latest;
    CREATE VIEW odds_snapshots AS
        SELECT fixture_id, bookmaker_id, bet_id, outcome, first_at AS observed_at, first_price AS price
        FROM odds_latest
        UNION ALL
        SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_changes;
    """,
    # v8: the cache is keyed by what was asked in the domain's terms (providers/base.py: a
    # kind and its parameters), no longer by API-Football's URL, and grouped by kind. An older
    # store's entries, and the league pages its odds rows name, are renamed in place, so
    # everything it cached is still served offline. The request log marks the free status
    # probes, which the journal lists, by what they are rather than by their URL.
    8: """
    ALTER TABLE cache RENAME COLUMN endpoint TO kind;
    DROP INDEX cache_endpoint_fetched;
    UPDATE cache SET key = 'bookmakers', kind = 'bookmakers' WHERE key = '/odds/bookmakers';
    UPDATE cache SET key = 'seasons?league=' || substr(key, 26), kind = 'seasons'
        WHERE key LIKE '/leagues?current=true&id=%' AND substr(key, 26) GLOB '[0-9]*'
          AND substr(key, 26) NOT GLOB '*[^0-9]*';
    UPDATE cache SET key = substr(key, 2), kind = 'fixtures' WHERE key LIKE '/fixtures?%';
    UPDATE cache SET key = substr(key, 2), kind = 'odds' WHERE key LIKE '/odds?%';
    UPDATE cache SET key = 'live-odds' || substr(key, 11), kind = 'live-odds' WHERE key LIKE '/odds/live?%';
    UPDATE cache SET key = substr(key, 2), kind = 'predictions' WHERE key LIKE '/predictions?%';
    CREATE INDEX cache_kind_fetched ON cache(kind, fetched_at, key);
    UPDATE odds_fixtures SET page = substr(page, 2) WHERE page LIKE '/odds?%';
    ALTER TABLE requests ADD COLUMN free INTEGER NOT NULL DEFAULT 0;
    UPDATE requests SET free = 1 WHERE endpoint = '/status';
    """,
    # v9: the alerts' outbox (store/outbox.py): an alert is a row from the transaction that
    # found it until its webhook took it, so a stop or a kill -9 loses none. It replaces
    # alerts_sent, the in-memory queue's record of what was already posted.
    9: """
    CREATE TABLE alert_outbox (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,           -- the webhook it goes to
        key TEXT NOT NULL,              -- what makes it the same alert
        kind TEXT NOT NULL,             -- drop | arbitrage | value | offline | online
        created_at REAL NOT NULL,
        body TEXT NOT NULL,             -- the alert as JSON, the API key already scrubbed
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at REAL NOT NULL,          -- not claimed before (the backoff after a failure)
        claimed_pid INTEGER,            -- the process posting it, while it does
        claimed_host TEXT,
        claimed_at REAL,
        sent_at REAL,
        dead_at REAL,                   -- a dead letter: every attempt failed
        failed_at REAL,
        last_error TEXT,
        UNIQUE (target, key)
    );
    CREATE INDEX alert_outbox_due ON alert_outbox(target, sent_at, dead_at, next_at);
    DROP TABLE alerts_sent;
    """,
    # v10: a team's desk. Picks, pins and filters carry their author (user@host; '' for those
    # recorded before, which every author sees as their own), and each fixture's names and
    # kickoff as the fixtures pages give them (a store copied to a team's PostgreSQL keeps them).
    10: """
    ALTER TABLE picks ADD COLUMN author TEXT NOT NULL DEFAULT '';
    CREATE INDEX picks_author ON picks(author, id);
    CREATE TABLE pins_v10 (
        author TEXT NOT NULL,
        fixture_id INTEGER NOT NULL,
        pinned_at REAL NOT NULL,
        PRIMARY KEY (author, fixture_id)
    ) WITHOUT ROWID;
    INSERT INTO pins_v10 (author, fixture_id, pinned_at) SELECT '', fixture_id, pinned_at FROM pins;
    DROP TABLE pins;
    ALTER TABLE pins_v10 RENAME TO pins;
    CREATE TABLE desk_filters (author TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO desk_filters (author, value) SELECT '', value FROM meta WHERE key = 'desk.filters';
    DELETE FROM meta WHERE key = 'desk.filters';
    CREATE TABLE fixture_names (
        fixture_id INTEGER PRIMARY KEY,
        kickoff REAL NOT NULL,
        league_id INTEGER NOT NULL,
        league TEXT NOT NULL,
        home TEXT NOT NULL,
        away TEXT NOT NULL,
        seen_at REAL NOT NULL
    );
    """,
    # v11: the analyst's own probabilities (store/model.py), one set replaced whole per import;
    # and what each pick's stake was sized against (store/picks.py: a pick records its basis).
    11: """
    ALTER TABLE picks ADD COLUMN basis TEXT NOT NULL DEFAULT 'market';
    CREATE TABLE model_probs (
        fixture_id INTEGER NOT NULL,
        bet_id INTEGER NOT NULL,
        outcome TEXT NOT NULL,          -- the API's outcome label ("Over 2.5", "Home")
        p REAL NOT NULL CHECK (p >= 0 AND p <= 1),
        PRIMARY KEY (fixture_id, bet_id, outcome)
    ) WITHOUT ROWID;
    CREATE TABLE model_source (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        source TEXT NOT NULL,           -- the file imported
        mtime REAL,                     -- its modification time then, POSIX seconds
        imported_at REAL NOT NULL,      -- POSIX seconds UTC
        rows INTEGER NOT NULL
    );
    """,
    # v12: the price history keeps every bet the API prices; the export names each bet as the
    # API does (store/history.py: note_priced), where the catalogue may not know it.
    12: """
    CREATE TABLE bet_names (
        id INTEGER PRIMARY KEY,         -- the API's bet id
        name TEXT NOT NULL              -- as the API last named it
    );
    """,
    # v13: each fixture's value bets as the scan after its odds were stored found them
    # (store/values.py), under the scan's settings. Empty after the upgrade: the scan step fills
    # it, and until then the Value screen works out what it lacks.
    13: """
    CREATE TABLE value_scans (
        fixture_id INTEGER NOT NULL,
        scan TEXT NOT NULL,             -- the scan's settings: method|consensus|hidden|watched books
        entry TEXT NOT NULL,            -- the fixture's odds entry scanned (its cache key)
        fetched_at REAL NOT NULL,       -- when that entry was fetched, POSIX seconds UTC
        body TEXT NOT NULL,             -- its value bets, JSON (engine/valuescan.py)
        PRIMARY KEY (fixture_id, scan)
    ) WITHOUT ROWID;
    """,
    # v14: each bookmaker's book of a fixture as the history last recorded it, by fingerprint
    # (store/history.py: record): a refetch whose book is unchanged compares and writes nothing.
    # Empty after the upgrade: a book with no fingerprint is compared as before.
    14: """
    CREATE TABLE odds_prints (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        fingerprint INTEGER,            -- hash of the book's (bet, outcome, price) rows; NULL: unknown
        seen_at REAL NOT NULL,          -- the newest fetch of the book recorded, POSIX seconds UTC
        PRIMARY KEY (fixture_id, bookmaker_id)
    ) WITHOUT ROWID;
    """,
    # v15: a series with one point (its first price is its latest, as for most series of a
    # day) keeps NULL first_price and first_at (store/history.py): every bet of 2,000 fixtures
    # is four million rows, and the two copies were a third of the file. The table is rebuilt,
    # since SQLite cannot drop NOT NULL in place; an older store's one-point series are
    # rewritten NULL on the way, and the file reuses the freed pages.
    15: """
    DROP VIEW odds_snapshots;
    CREATE TABLE odds_latest_v15 (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        bet_id INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        price REAL NOT NULL,
        seen_at REAL NOT NULL,
        first_price REAL,               -- the series' first point; NULL: price, seen_at (one point)
        first_at REAL,
        PRIMARY KEY (fixture_id, bet_id, outcome, bookmaker_id)
    ) WITHOUT ROWID;
    INSERT INTO odds_latest_v15
        SELECT fixture_id, bookmaker_id, bet_id, outcome, price, seen_at,
               CASE WHEN first_price = price AND first_at = seen_at THEN NULL ELSE first_price END,
               CASE WHEN first_price = price AND first_at = seen_at THEN NULL ELSE first_at END
        FROM odds_latest ORDER BY fixture_id, bet_id, outcome, bookmaker_id;
    DROP TABLE odds_latest;
    ALTER TABLE odds_latest_v15 RENAME TO odds_latest;
    CREATE VIEW odds_snapshots AS
        SELECT fixture_id, bookmaker_id, bet_id, outcome, coalesce(first_at, seen_at) AS observed_at,
               coalesce(first_price, price) AS price
        FROM odds_latest
        UNION ALL
        SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_changes;
    """,
    # v16: a book (a fixture's bookmaker) first recorded whole, as a page lists it, is one row
    # of its first prices (store/history.py), not a row a price: a page's 19,120 first prices
    # were 19,120 rows, most of a warm's store time. A series of it gets an odds_latest row
    # once its price moves, which then stands for it. The rows already stored stay as they
    # are, which reads the same.
    16: """
    CREATE TABLE odds_packs (
        fixture_id INTEGER NOT NULL,
        bookmaker_id INTEGER NOT NULL,
        seen_at REAL NOT NULL,          -- the fetch that first priced the book, POSIX seconds UTC
        prices TEXT NOT NULL,           -- JSON {"bet id": {"outcome": price, ...}, ...}
        moved INTEGER NOT NULL,         -- 1 once a series of it has a row (which stands for it)
        changed_at REAL NOT NULL,       -- when written or moved set, POSIX seconds UTC (host copy)
        PRIMARY KEY (fixture_id, bookmaker_id)
    ) WITHOUT ROWID;
    CREATE VIEW odds_pack_points AS
        SELECT p.fixture_id, p.bookmaker_id, CAST(b.key AS INTEGER) AS bet_id, v.key AS outcome,
               p.seen_at AS observed_at, CAST(v.value AS REAL) AS price
        FROM odds_packs p, json_each(p.prices) b, json_each(b.value) v
        WHERE p.moved = 0 OR NOT EXISTS (SELECT 1 FROM odds_latest l WHERE l.fixture_id = p.fixture_id
                          AND l.bet_id = CAST(b.key AS INTEGER) AND l.outcome = v.key
                          AND l.bookmaker_id = p.bookmaker_id);
    DROP VIEW odds_snapshots;
    CREATE VIEW odds_snapshots AS""" + SNAPSHOTS,
}


@record
class OpenReport:
    """What opening found; ``moved_aside`` is set when a bad file was replaced."""

    path: Path
    moved_aside: Path | None = None
    reason: str | None = None

    read_only: bool = False  # the file could only be opened for reading
    wal_unread: bool = False  # committed writes in the -wal could not be read (see open)

    def message(self) -> str | None:
        if self.wal_unread:
            return (f"{self.path}: {self.reason}; read without its -wal file: the latest saved "
                    f"changes may be missing, nothing is saved")
        if self.read_only:
            return (f"{self.path}: {self.reason}; opened read-only: pages are served from the "
                    f"cache, nothing is saved")
        if self.moved_aside is None:
            return None
        return (f"{self.path}: {self.reason}; moved aside to {self.moved_aside.name} "
                f"and rebuilt an empty store")


class SqliteDialect:
    """SQLite's spelling of what the parts cannot write portably (see backend.Dialect)."""

    __slots__ = ()

    # A column takes each row's own type: a short cache body stays text (readable by SQLite's
    # JSON functions) beside the compressed ones.
    text_bodies = True
    # One host: the lease is judged on the host's clock (the time the caller passes).
    server_clock = None
    in_process = True

    def index_hint(self, index: str) -> str:
        return f"INDEXED BY {index}"

    def row_with_extreme(self, columns: str, of: str, source: str, group: str, *,
                         least: bool = False) -> str:
        # A lone max() or min() makes SQLite take the bare columns from the row holding it.
        return f"SELECT {columns}, {'min' if least else 'max'}({of}) {source} GROUP BY {group}"

    def count_and_concat(self, key: str, value: str, source: str) -> str:
        return f"SELECT {key}, count(*), group_concat(DISTINCT {value}) {source} GROUP BY {key}"

    def json_members(self, doc: str) -> str:
        return f"""json_each({doc}, '$."' || ? || '"')"""

    def reserve_ids(self, table: str, column: str) -> None:
        return None

    def reset_identity(self, table: str, column: str) -> None:
        return None  # AUTOINCREMENT keeps the largest id ever written, given ones included


DIALECT = SqliteDialect()


class SqliteBackend:
    """One connection to the shared file, safe to use from several threads of one process."""

    dialect = DIALECT

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = RLock()
        self._in_write = False  # a write() is open on the thread holding the lock
        self._held = HeldReads()
        self._conn: sqlite3.Connection | None = None
        self.report = OpenReport(self.path)
        # Opened read-only because of the disk (full, I/O error) rather than by request: the
        # store becomes writable again once the disk is (see reopen_writable).
        self.degraded = False
        self._created_sidecars: list[Path] = []

    # -- opening -----------------------------------------------------------------------------

    def open(self, *, as_is: bool = False, repair: bool = True) -> SqliteBackend:
        """Open (creating and migrating as needed); a bad file is moved aside and rebuilt.

        Only a file proven not to be an oddsmon store (not SQLite, damaged, another program's,
        a newer schema) is moved aside. A disk that is full, read-only or failing opens the
        store read-only instead, with one message; nothing is moved or renamed. A path that
        is not a regular file (device, FIFO, directory, symlink) is refused as it is.

        ``as_is``: for writes to a store already opened read-only and found current (the
        headless reports): no creating, migrating or moving aside, and no ``quick_check``,
        which reads the whole file (0.35 s at 100 MB) on every cron run. Damage in a page it
        touches is still an error naming the file; repairing it is the TUI's and ``--warm``'s.
        ``repair=False``: a damaged file is a ``StoreError`` and is left where it is.
        """
        self._refuse_special_files()
        if self.read_only:
            self._conn = self._connect_read_only()
            return self
        if as_is:
            return self._open_as_is()
        try:
            self._prepare_file()
        except StoreWriteError as exc:
            # A read-only filesystem (or file) under an existing store: serve what it holds.
            if not self.path.exists():
                raise
            return self._open_degraded(str(exc).split(": ", 1)[-1])
        try:
            self._conn = self._connect()
            self._migrate()
        except _Unwritable as exc:
            self.close()
            return self._open_degraded(str(exc))
        except _BadFile as bad:
            self.close()
            if not repair:
                raise StoreError(f"{self.path}: {bad}; left as it is") from None
            aside = self._move_aside()
            self.report = OpenReport(self.path, aside, str(bad))
            try:
                self._prepare_file()
                self._conn = self._connect()
                self._migrate()
            except (_BadFile, _Unwritable) as exc:
                self.close()
                raise StoreError(f"{self.path}: {bad}; moved aside to {aside.name}, but a new "
                                 f"store cannot be created: {exc}") from None
        self._restrict_permissions()
        return self

    def _open_as_is(self) -> SqliteBackend:
        try:
            self._conn = self._connect()
            app_id, version = _identity(self._conn)
        except _Unwritable as exc:
            self.close()
            return self._open_degraded(str(exc))
        except (_BadFile, sqlite3.DatabaseError) as exc:  # replaced since it was read: not moved
            self.close()
            raise StoreError(f"{self.path}: {exc}") from None
        if app_id != APPLICATION_ID or version != SCHEMA_VERSION:  # changed since it was read
            self.close()
            self._refuse_newer(app_id, version)
            raise StoreError(f"{self.path}: not an oddsmon store of schema {SCHEMA_VERSION}")
        return self

    def _open_degraded(self, reason: str) -> SqliteBackend:
        """Serve the store read-only because the disk refuses writes (full, read-only, I/O)."""
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_size == 0:  # nothing to serve: there is no store yet
                raise StoreError(f"{self.path}: cannot create the store: {reason}")
        self.read_only = True
        self.degraded = True
        try:
            self._conn = self._connect_read_only()
        except StoreOlder as old:
            # The upgrade is what the disk refused: its transaction left the store as it was,
            # and "run oddsmon to upgrade it" would only send the person round in a circle.
            raise StoreError(f"{self.path}: {reason}: the store cannot be upgraded from schema "
                             f"{old.version} to {SCHEMA_VERSION}, and is left as it was; free some "
                             f"space (or make it writable), then run oddsmon again") from None
        self.report = OpenReport(self.path, reason=reason, read_only=True,
                                 wal_unread=self.report.wal_unread)
        return self

    def reopen_writable(self) -> bool:
        """After a degraded open: switch to read-write if the disk allows it again."""
        if not self.degraded:
            return not self.read_only
        fresh = SqliteBackend(self.path)
        try:
            fresh.open()
        except StoreError:
            return False
        if fresh.read_only:
            fresh.close()
            return False
        with self._lock:
            self.close()
            self._conn, fresh._conn = fresh._conn, None
            self.read_only = self.degraded = False
            self.report = fresh.report
        return True

    def _refuse_special_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            try:
                mode = os.lstat(side).st_mode
            except OSError:
                continue
            if not stat.S_ISREG(mode):
                raise StoreError(f"{side}: not a regular file ({_kind(mode)}); oddsmon never "
                                 f"writes, replaces or moves it: point paths.db at a regular file")

    def _prepare_file(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Create the file ourselves (0600, or 0660 in a group-shared directory): SQLite
            # gives the -wal and -shm files the main file's permissions.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, shared_mode(self.path.parent))
            os.close(fd)
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and self.path.exists():
                raise StoreWriteError(f"{self.path}: the store is read-only: {exc.strerror}") from None
            raise StoreError(f"{self.path}: cannot create the store: {exc.strerror}") from None

    def _restrict_permissions(self) -> None:
        mode = shared_mode(self.path.parent)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                # Only our own files: root opening another user's store must not change it, and
                # a group mate's file is theirs to set.
                if os.stat(f"{self.path}{suffix}").st_uid == os.geteuid():
                    os.chmod(f"{self.path}{suffix}", mode)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
        except sqlite3.OperationalError as exc:
            raise _Unwritable(f"cannot open the store for writing ({exc})") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Look before touching: switching another program's database to WAL rewrites its
            # header and journal mode before _migrate finds it is not ours, so the file moved
            # aside would no longer be the one that was there.
            app_id, version = _retry_locked(lambda: _identity(conn))
            self._refuse_newer(app_id, version, conn)
            if app_id != APPLICATION_ID and (app_id != 0 or _retry_locked(
                    lambda: conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])):
                conn.close()
                raise _BadFile("not an oddsmon store (another program's database)")
            mode = _retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: the store needs WAL mode, got {mode}")
            conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints, safe in WAL
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        except StoreTooNew:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_locked(exc):  # a -wal kept busy by another process: not the file's fault
                raise _Unwritable(f"the store stayed busy ({exc})") from None
            if not _proves_bad_file(exc):
                raise _Unwritable(_disk_problem(exc, self.path)) from None
            raise _BadFile(f"not a readable SQLite database ({exc})") from None
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        if not self.path.exists():
            raise StoreError(f"{self.path}: no store here yet (run oddsmon once to create it)")
        before = {p for p in self._sidecars() if p.exists()}
        try:
            conn = self._open_ro("mode=ro")
        except sqlite3.OperationalError as exc:
            # A WAL store on a read-only filesystem has no -shm to map: nothing can change it
            # there, so SQLite may read it as immutable. But immutable reads skip the -wal:
            # committed writes still there are not seen, and whoever reads must be told.
            try:
                conn = self._open_ro("mode=ro&immutable=1")
            except sqlite3.DatabaseError as exc2:
                raise StoreError(f"{self.path}: the store cannot be read: {exc2}") from None
            with contextlib.suppress(OSError):
                if os.stat(f"{self.path}-wal").st_size > 0:
                    self.report = OpenReport(self.path, reason=f"its -wal cannot be used ({exc})",
                                             read_only=True, wal_unread=True)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: the store cannot be read: {exc}") from None
        # A reader creates the -wal and -shm it needs and, unlike a writer, cannot remove them
        # when it closes: when it made both (nobody had the store open), close() has SQLite
        # tidy up.
        if not before and all(p.exists() for p in self._sidecars()):
            self._created_sidecars = self._sidecars()
        app_id, version = _identity(conn)
        try:
            self._refuse_newer(app_id, version, conn)
        except StoreTooNew:
            conn.close()
            self.close()  # the -wal and -shm this open made go again: the store stays as it was
            raise
        if app_id == APPLICATION_ID and 0 < version < SCHEMA_VERSION:
            conn.close()
            raise StoreOlder(str(self.path), version)
        if app_id != APPLICATION_ID or version != SCHEMA_VERSION:
            conn.close()
            raise StoreError(f"{self.path}: not an oddsmon store of schema {SCHEMA_VERSION}")
        return conn

    def _open_ro(self, flags: str) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?{flags}", uri=True, isolation_level=None,
                               timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _identity(conn)  # the first read: fails here if the file cannot be read this way
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _migrate(self) -> None:
        conn = self.conn
        try:
            app_id, version = _identity(conn)
            self._refuse_newer(app_id, version, conn)
            if version == SCHEMA_VERSION and app_id == APPLICATION_ID:
                # A header can survive damage to the pages behind it: check them once at open
                # (tens of ms on a big store) rather than fail in the middle of a page.
                verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise _BadFile(f"damaged (quick_check: {verdict})")
                return
            with self.write() as tx:
                # Re-read under the write lock: another process may have migrated meanwhile.
                app_id, version = _identity(tx)
                self._refuse_newer(app_id, version, tx)
                tables = tx.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if app_id != APPLICATION_ID and (app_id != 0 or tables):
                    raise _BadFile("not an oddsmon store (another program's database)")
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    tx.executescript_in_tx(_MIGRATIONS[target])
                tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                           "DO UPDATE SET value = excluded.value", (SCHEMA_WRITER_KEY, schema_writer()))
                tx.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                tx.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            if _is_locked(exc):
                raise StoreError(f"{self.path}: store stayed locked during migration") from None
            if not _proves_bad_file(exc):
                raise _Unwritable(_disk_problem(exc, self.path)) from None
            raise _BadFile(f"damaged ({exc})") from None
        except StoreWriteError as exc:  # from write(): the migration could not be saved
            raise _Unwritable(str(exc).split(": ", 1)[-1]) from None

    def _refuse_newer(self, app_id: int, version: int, conn: sqlite3.Connection | Tx | None = None) -> None:
        """A store of a newer schema (a downgrade) is refused as it is, naming the oddsmon that
        wrote it when it recorded itself; never moved aside, rebuilt or written."""
        if app_id != APPLICATION_ID or version <= SCHEMA_VERSION:
            return
        writer = None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error, TypeError):  # its meta may not be ours to read
                row = conn.execute("SELECT value FROM meta WHERE key = ?", (SCHEMA_WRITER_KEY,)).fetchone()
                writer = clean(str(row[0]))[:80] if row else None
        raise too_new(str(self.path), version, writer)

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = Path(f"{self.path}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{aside}{suffix}"))
        except OSError as exc:
            raise StoreError(f"{self.path}: damaged and cannot be moved aside: {exc.strerror}") from None
        return aside

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._created_sidecars:
                self._tidy_sidecars()

    def _sidecars(self) -> list[Path]:
        return [Path(f"{self.path}-wal"), Path(f"{self.path}-shm")]

    def _tidy_sidecars(self) -> None:
        """Remove the empty -wal and -shm a read-only open created, the safe way: a writing
        connection that closes last deletes them, and leaves them to anyone still using them."""
        wal, self._created_sidecars = self._created_sidecars[0], []
        with contextlib.suppress(OSError):
            if wal.stat().st_size > 0:
                return  # someone wrote meanwhile: theirs now
        with contextlib.suppress(sqlite3.Error, OSError):
            conn = sqlite3.connect(self.path, timeout=0.1, isolation_level=None)
            try:
                conn.execute("PRAGMA application_id").fetchone()
            finally:
                conn.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"{self.path}: store is not open")
        return self._conn

    # -- use ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """A short ``BEGIN IMMEDIATE`` transaction: committed on exit, rolled back on error.

        A write within a write (same thread: the lock is held) joins the outer transaction,
        so several stores' writes of one page commit together, or not at all.
        """
        if self.read_only:
            raise StoreWriteError(f"{self.path}: the store is read-only (opened read-only)")
        with self._lock:
            if self._in_write:
                yield Tx(self.conn)
                return
            self._held.release()
            self._in_write = True
            try:
                with self._transaction() as tx:
                    yield tx
            finally:
                self._in_write = False

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Tx]:
        with self._lock:
            conn = self.conn
            try:
                _retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
            except sqlite3.OperationalError as exc:
                raise self._translate(exc) from None
            try:
                yield Tx(conn)
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise self._translate(exc) from None
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            try:
                _retry_locked(lambda: conn.execute("COMMIT"))
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise self._translate(exc) from None

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        """Several reads on one consistent snapshot (a deferred read transaction)."""
        with self._lock:
            conn = self.conn
            _retry_locked(lambda: conn.execute("BEGIN"))
            try:
                yield Tx(conn)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """Read rows; each call is its own consistent WAL snapshot (within a write, that one's)."""
        with self._lock:
            held = None if self._in_write else self._held.answer(sql, params)
            if held is not None:
                return held
            conn = self.conn
            try:
                rows = _retry_locked(lambda: conn.execute(sql, params)).fetchall()
            except sqlite3.Error as exc:
                raise self._translate(exc) from None
            if not self._in_write:
                self._held.remember(sql, params, rows)
            return rows

    def hold(self) -> HeldReads:
        return self._held

    def remember(self, sql: str, params: Params, rows: list[Row]) -> None:
        self._held.remember(sql, params, rows)

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def notify(self, tx: object, topic: str, payload: str = "") -> None:
        """Nothing to send: every process on the host reads the one file (the TUI polls it)."""

    def listen(self, topics: Sequence[str]) -> None:
        """No notifications on one file: None (the caller polls)."""
        return None

    def _translate(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if _proves_bad_file(exc):
            return StoreError(f"{self.path}: the store is damaged ({text}); restart oddsmon to rebuild it")
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _DISK_CODES or "readonly" in text \
                or "full" in text:
            return StoreWriteError(f"{self.path}: {_disk_problem(exc, self.path)}")
        return StoreError(f"{self.path}: {text}")

    def integrity_check(self) -> str:
        rows = self.query("PRAGMA integrity_check")
        return "; ".join(str(r[0]) for r in rows)

    def health(self) -> Health:
        size = 0  # the file and its WAL
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                size += os.stat(f"{self.path}{suffix}").st_size
        return Health(str(self.path), self._conn is not None, not self.read_only, self.degraded,
                      not self.report.wal_unread, self.report.message(), size)


class Tx:
    """The open transaction handed to a ``with db.write()`` (or ``read()``) block."""

    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Params]) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def iterate(self, sql: str, params: Params = (), batch: int = 2000) -> Iterator[Row]:
        cur = self.conn.execute(sql, params)
        while rows := cur.fetchmany(batch):
            yield from rows

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Params]) -> None:
        # Many rows a statement: a page's 19,120 first prices go in a sixth faster than by
        # executemany, one row a statement.
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        for values, params in value_lists(list(rows)):
            self.conn.execute(head + values, params)

    def upsert_rows(self, insert: str, conflict: str, rows: Sequence[Params], key: int) -> None:
        # One prepared statement stepped a row at a time: in process, as cheap as it gets.
        if rows:
            self.conn.executemany(f"{insert} VALUES ({','.join('?' * len(rows[0]))}) {conflict}", rows)

    def executescript_in_tx(self, script: str) -> None:
        # executescript() would COMMIT first; run the statements one by one inside our tx.
        for statement in _split_sql(script):
            self.conn.execute(statement)


def _split_sql(script: str) -> list[str]:
    statements, buf = [], []
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        buf.append(code)
        if code.rstrip().endswith(";"):
            statement = "\n".join(buf).strip()
            if sqlite3.complete_statement(statement):
                statements.append(statement)
                buf = []
    return statements


class _BadFile(Exception):
    """The file is not a usable oddsmon store; opening moves it aside."""


class _Unwritable(Exception):
    """The disk refuses (full, read-only, I/O error, cannot open): the file itself is fine."""


def _proves_bad_file(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


def _disk_problem(exc: BaseException, path: Path) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return f"the store is read-only ({text})"
    if "full" in text or _no_space(path):
        # SQLite reports a full disk as an I/O error when it is growing the -shm.
        return f"the disk is full ({text})"
    return f"the store cannot be written ({text})"


def _no_space(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symlink"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _identity(conn: sqlite3.Connection | Tx) -> tuple[int, int]:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return app_id, version


def _is_locked(exc: BaseException) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _retry_locked(fn):  # type: ignore[no-untyped-def]
    """Run ``fn``, retrying briefly when SQLite reports a lock the busy timeout did not absorb.

    The busy handler covers most contention; a few paths (WAL recovery, a checkpoint racing a
    BEGIN) return SQLITE_BUSY at once, so a jittered, bounded retry closes that gap.
    """
    for attempt in range(_LOCK_RETRIES):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc) or attempt == _LOCK_RETRIES - 1:
                raise
            import random  # only on contention: not worth its import on every start

            time.sleep(min(0.5, 0.01 * (2 ** attempt)) * (0.5 + random.random()))
    raise AssertionError("unreachable")
