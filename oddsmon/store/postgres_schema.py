"""The PostgreSQL store's schema, in PostgreSQL's own spelling, and its migrations.

A new database starts at schema 7 in one step (the SQLite store's v1 to v7 history, with its
JSON backfills from cached bodies, never existed here), then takes the same migrations after
it as the SQLite file, each written for both. The parts' SQL reads one schema on both:
identity ids, ``double precision`` times (POSIX seconds, UTC), ``integer`` 0/1 flags, ``bytea``
cache bodies (a short body uncompressed; the zlib header tells them apart), and a row-level
trigger keeping ``cache_totals``.
"""

from __future__ import annotations

from .backend import SNAPSHOTS

# Where a store's schema version lives: SQLite keeps it in its file header; a server in a
# table of its own, one row per migration applied (when, and by which host).
VERSION_TABLE = "oddsmon_schema"

BASELINE = 7

# The stable SQL interface for the team's tools (Grafana, Metabase, pandas): documented in
# docs/team.md, read by its read-only role; their columns change only with a new schema.
VIEWS = """
    CREATE VIEW team_odds_history AS
        SELECT s.fixture_id, to_timestamp(k.kickoff) AS kickoff, f.league_id, n.league, n.home,
               n.away, s.bookmaker_id, b.name AS bookmaker, s.bet_id, s.outcome,
               to_timestamp(s.observed_at) AS observed_at, s.price
        FROM odds_snapshots s
        LEFT JOIN odds_seen k ON k.fixture_id = s.fixture_id
        LEFT JOIN odds_fixtures f ON f.fixture_id = s.fixture_id
        LEFT JOIN fixture_names n ON n.fixture_id = s.fixture_id
        LEFT JOIN bookmaker_names b ON b.id = s.bookmaker_id;
    CREATE VIEW team_closing_prices AS
        SELECT DISTINCT ON (s.fixture_id, s.bet_id, s.outcome, s.bookmaker_id)
               s.fixture_id, to_timestamp(k.kickoff) AS kickoff, n.home, n.away, s.bookmaker_id,
               b.name AS bookmaker, s.bet_id, s.outcome, s.price AS closing_price,
               to_timestamp(s.observed_at) AS priced_at
        FROM odds_snapshots s
        JOIN odds_seen k ON k.fixture_id = s.fixture_id AND s.observed_at < k.kickoff
        LEFT JOIN fixture_names n ON n.fixture_id = s.fixture_id
        LEFT JOIN bookmaker_names b ON b.id = s.bookmaker_id
        ORDER BY s.fixture_id, s.bet_id, s.outcome, s.bookmaker_id, s.observed_at DESC;
    CREATE VIEW team_picks AS
        SELECT p.id, p.author, to_timestamp(p.created_at) AS created_at, p.fixture_id,
               to_timestamp(p.kickoff) AS kickoff, p.match, p.league, p.bet_id, p.label,
               p.bookmaker_id, p.bookmaker, p.price, p.stake, c.closing_price,
               (p.price / c.closing_price - 1) * 100 AS clv_pct
        FROM picks p
        LEFT JOIN team_closing_prices c ON c.fixture_id = p.fixture_id AND c.bet_id = p.bet_id
             AND c.outcome = p.label AND c.bookmaker_id = p.bookmaker_id;
"""

MIGRATIONS: dict[int, str] = {
    7: """
    CREATE TABLE oddsmon_schema (
        version INTEGER PRIMARY KEY,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        applied_by TEXT NOT NULL                -- user@host of the oddsmon that migrated
    );

    CREATE TABLE cache (
        key TEXT PRIMARY KEY,                   -- endpoint?sorted params; never holds the API key
        endpoint TEXT NOT NULL,
        body BYTEA NOT NULL,                    -- zlib-compressed from 4 KB, else the UTF-8 text
        fetched_at DOUBLE PRECISION NOT NULL,   -- POSIX seconds, UTC
        expires_at DOUBLE PRECISION NOT NULL,
        size BIGINT NOT NULL DEFAULT 0          -- the body as received
    );
    CREATE INDEX cache_endpoint_fetched ON cache (endpoint, fetched_at, key);
    CREATE TABLE cache_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        entries BIGINT NOT NULL,
        bytes BIGINT NOT NULL
    );
    INSERT INTO cache_totals VALUES (1, 0, 0);
    CREATE FUNCTION cache_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE cache_totals SET entries = entries + 1, bytes = bytes + NEW.size WHERE id = 1;
        ELSIF TG_OP = 'UPDATE' THEN
            UPDATE cache_totals SET bytes = bytes + NEW.size - OLD.size WHERE id = 1;
        ELSE
            UPDATE cache_totals SET entries = entries - 1, bytes = bytes - OLD.size WHERE id = 1;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER cache_totals_insert AFTER INSERT ON cache
        FOR EACH ROW EXECUTE FUNCTION cache_totals_keep();
    CREATE TRIGGER cache_totals_update AFTER UPDATE OF size ON cache
        FOR EACH ROW WHEN (OLD.size IS DISTINCT FROM NEW.size) EXECUTE FUNCTION cache_totals_keep();
    CREATE TRIGGER cache_totals_delete AFTER DELETE ON cache
        FOR EACH ROW EXECUTE FUNCTION cache_totals_keep();

    CREATE TABLE state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offline INTEGER NOT NULL DEFAULT 0,
        reason TEXT,                            -- user | network | quota | key
        since DOUBLE PRECISION,
        resume_at DOUBLE PRECISION,
        detail TEXT,
        probe_failures INTEGER NOT NULL DEFAULT 0,
        next_probe_at DOUBLE PRECISION,
        last_probe_at DOUBLE PRECISION,
        last_probe_ok INTEGER,
        updated_at DOUBLE PRECISION
    );
    INSERT INTO state (id, offline) VALUES (1, 0);

    CREATE TABLE quota (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        daily_limit BIGINT,
        daily_remaining BIGINT,
        minute_limit BIGINT,
        minute_remaining BIGINT,
        observed_at DOUBLE PRECISION
    );
    INSERT INTO quota (id) VALUES (1);

    CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL DEFAULT 0);

    CREATE TABLE requests (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at DOUBLE PRECISION NOT NULL,
        endpoint TEXT NOT NULL,
        status TEXT NOT NULL,                   -- HTTP status, the failure kind, or 'sending'
        duration_ms DOUBLE PRECISION NOT NULL,
        counted INTEGER NOT NULL,
        from_cache INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX requests_at ON requests (at);

    CREATE TABLE transitions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at DOUBLE PRECISION NOT NULL,
        offline INTEGER NOT NULL,
        reason TEXT,
        detail TEXT
    );

    CREATE TABLE incidents (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        opened_at DOUBLE PRECISION NOT NULL,
        reason TEXT NOT NULL,
        closed_at DOUBLE PRECISION
    );
    CREATE TABLE incident_actions (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        incident_id BIGINT NOT NULL REFERENCES incidents (id),
        at DOUBLE PRECISION NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL
    );

    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE picks (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        created_at DOUBLE PRECISION NOT NULL,
        fixture_id BIGINT NOT NULL,
        kickoff DOUBLE PRECISION,
        match TEXT NOT NULL,
        league TEXT NOT NULL,
        bet_id BIGINT NOT NULL,
        line TEXT NOT NULL,
        outcome TEXT NOT NULL,
        label TEXT NOT NULL,
        bookmaker_id BIGINT NOT NULL,
        bookmaker TEXT NOT NULL,
        price DOUBLE PRECISION NOT NULL,
        stake DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX picks_fixture ON picks (fixture_id);
    CREATE TABLE pins (fixture_id BIGINT PRIMARY KEY, pinned_at DOUBLE PRECISION NOT NULL);

    CREATE TABLE live_odds (
        fixture_id BIGINT NOT NULL,
        bet_id BIGINT NOT NULL,                 -- /odds/live/bets id space, not /odds/bets
        outcome TEXT NOT NULL,
        handicap TEXT NOT NULL,
        seq INTEGER NOT NULL,
        observed_at DOUBLE PRECISION NOT NULL,
        price DOUBLE PRECISION,                 -- NULL while suspended
        main INTEGER,
        suspended INTEGER NOT NULL,
        PRIMARY KEY (fixture_id, bet_id, outcome, handicap, seq, observed_at)
    );
    CREATE TABLE live_state (
        fixture_id BIGINT PRIMARY KEY,
        observed_at DOUBLE PRECISION NOT NULL,
        status TEXT,
        elapsed INTEGER,
        goals_home INTEGER,
        goals_away INTEGER,
        stopped INTEGER NOT NULL,
        blocked INTEGER NOT NULL,
        finished INTEGER NOT NULL
    );
    CREATE TABLE odds_seen (
        fixture_id BIGINT PRIMARY KEY,
        kickoff DOUBLE PRECISION NOT NULL,
        last_before_kickoff DOUBLE PRECISION
    );
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        acquired_at DOUBLE PRECISION NOT NULL,  -- the database server's clock
        heartbeat_at DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE collector_spend (
        day TEXT NOT NULL,
        kind TEXT NOT NULL,
        calls BIGINT NOT NULL,
        PRIMARY KEY (day, kind)
    );
    CREATE TABLE alerts_sent (key TEXT PRIMARY KEY, kind TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);

    CREATE TABLE odds_latest (
        fixture_id BIGINT NOT NULL,
        bookmaker_id BIGINT NOT NULL,
        bet_id BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        price DOUBLE PRECISION NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL,
        first_price DOUBLE PRECISION NOT NULL,
        first_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (fixture_id, bet_id, outcome, bookmaker_id)
    );
    CREATE TABLE odds_changes (
        fixture_id BIGINT NOT NULL,
        bookmaker_id BIGINT NOT NULL,
        bet_id BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        observed_at DOUBLE PRECISION NOT NULL,
        price DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (fixture_id, bet_id, outcome, bookmaker_id, observed_at)
    );
    CREATE VIEW odds_snapshots AS
        SELECT fixture_id, bookmaker_id, bet_id, outcome, first_at AS observed_at, first_price AS price
        FROM odds_latest
        UNION ALL
        SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_changes;
    CREATE TABLE odds_fixtures (
        fixture_id BIGINT PRIMARY KEY,
        league_id BIGINT NOT NULL,
        season INTEGER NOT NULL,
        page TEXT,
        seen_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX odds_fixtures_page ON odds_fixtures (page, seen_at);
    CREATE TABLE odds_books (
        fixture_id BIGINT NOT NULL,
        bookmaker_id BIGINT NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL,
        bets TEXT NOT NULL,
        PRIMARY KEY (fixture_id, bookmaker_id)
    );
    CREATE TABLE bookmaker_names (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE headlines (
        fixture_id BIGINT PRIMARY KEY,
        seen_at DOUBLE PRECISION NOT NULL,
        books TEXT NOT NULL,
        body TEXT NOT NULL
    );
    """,
    # v8: the cache keyed by the domain request (sqlite.py's v8, in PostgreSQL's spelling:
    # a regular expression where SQLite globs).
    8: """
    ALTER TABLE cache RENAME COLUMN endpoint TO kind;
    DROP INDEX cache_endpoint_fetched;
    UPDATE cache SET key = 'bookmakers', kind = 'bookmakers' WHERE key = '/odds/bookmakers';
    UPDATE cache SET key = 'seasons?league=' || substr(key, 26), kind = 'seasons'
        WHERE key LIKE '/leagues?current=true&id=%' AND substr(key, 26) ~ '^[0-9]+$';
    UPDATE cache SET key = substr(key, 2), kind = 'fixtures' WHERE key LIKE '/fixtures?%';
    UPDATE cache SET key = substr(key, 2), kind = 'odds' WHERE key LIKE '/odds?%';
    UPDATE cache SET key = 'live-odds' || substr(key, 11), kind = 'live-odds' WHERE key LIKE '/odds/live?%';
    UPDATE cache SET key = substr(key, 2), kind = 'predictions' WHERE key LIKE '/predictions?%';
    CREATE INDEX cache_kind_fetched ON cache (kind, fetched_at, key);
    UPDATE odds_fixtures SET page = substr(page, 2) WHERE page LIKE '/odds?%';
    ALTER TABLE requests ADD COLUMN free INTEGER NOT NULL DEFAULT 0;
    UPDATE requests SET free = 1 WHERE endpoint = '/status';
    """,
    # v9: the alerts' outbox (sqlite.py's v9, in PostgreSQL's spelling).
    9: """
    CREATE TABLE alert_outbox (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        target TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at DOUBLE PRECISION NOT NULL,
        claimed_pid INTEGER,
        claimed_host TEXT,
        claimed_at DOUBLE PRECISION,
        sent_at DOUBLE PRECISION,
        dead_at DOUBLE PRECISION,
        failed_at DOUBLE PRECISION,
        last_error TEXT,
        UNIQUE (target, key)
    );
    CREATE INDEX alert_outbox_due ON alert_outbox (target, sent_at, dead_at, next_at);
    DROP TABLE alerts_sent;
    """,
    # v10: a team's desk. Picks, pins and filters carry their author (user@host; '' for those
    # recorded before, which every author sees as their own); each fixture's names and kickoff
    # as the fixtures pages give them; the SQL interface for the team's tools (docs/team.md).
    10: """
    ALTER TABLE picks ADD COLUMN author TEXT NOT NULL DEFAULT '';
    CREATE INDEX picks_author ON picks (author, id);
    ALTER TABLE pins ADD COLUMN author TEXT NOT NULL DEFAULT '';
    ALTER TABLE pins DROP CONSTRAINT pins_pkey;
    ALTER TABLE pins ADD PRIMARY KEY (author, fixture_id);
    CREATE TABLE desk_filters (author TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO desk_filters (author, value) SELECT '', value FROM meta WHERE key = 'desk.filters';
    DELETE FROM meta WHERE key = 'desk.filters';
    CREATE TABLE fixture_names (
        fixture_id BIGINT PRIMARY KEY,
        kickoff DOUBLE PRECISION NOT NULL,
        league_id BIGINT NOT NULL,
        league TEXT NOT NULL,
        home TEXT NOT NULL,
        away TEXT NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL
    );
    """ + VIEWS,
    # v11: the analyst's own probabilities and each pick's basis (sqlite.py's v11, in
    # PostgreSQL's spelling).
    11: """
    ALTER TABLE picks ADD COLUMN basis TEXT NOT NULL DEFAULT 'market';
    CREATE TABLE model_probs (
        fixture_id BIGINT NOT NULL,
        bet_id BIGINT NOT NULL,
        outcome TEXT NOT NULL,
        p DOUBLE PRECISION NOT NULL CHECK (p >= 0 AND p <= 1),
        PRIMARY KEY (fixture_id, bet_id, outcome)
    );
    CREATE TABLE model_source (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        source TEXT NOT NULL,
        mtime DOUBLE PRECISION,
        imported_at DOUBLE PRECISION NOT NULL,
        rows BIGINT NOT NULL
    );
    """,
    # v12: each bet's name as the API gives it (sqlite.py's v12), and team_picks with what
    # each pick's stake was sized against (picks.basis, since v11), as its last column.
    12: """
    CREATE TABLE bet_names (
        id BIGINT PRIMARY KEY,
        name TEXT NOT NULL
    );
    CREATE OR REPLACE VIEW team_picks AS
        SELECT p.id, p.author, to_timestamp(p.created_at) AS created_at, p.fixture_id,
               to_timestamp(p.kickoff) AS kickoff, p.match, p.league, p.bet_id, p.label,
               p.bookmaker_id, p.bookmaker, p.price, p.stake, c.closing_price,
               (p.price / c.closing_price - 1) * 100 AS clv_pct, p.basis
        FROM picks p
        LEFT JOIN team_closing_prices c ON c.fixture_id = p.fixture_id AND c.bet_id = p.bet_id
             AND c.outcome = p.label AND c.bookmaker_id = p.bookmaker_id;
    """,
    # v13: each fixture's value bets as the scan after its odds were stored found them
    # (sqlite.py's v13, in PostgreSQL's spelling).
    13: """
    CREATE TABLE value_scans (
        fixture_id BIGINT NOT NULL,
        scan TEXT NOT NULL,
        entry TEXT NOT NULL,
        fetched_at DOUBLE PRECISION NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (fixture_id, scan)
    );
    """,
    # v14: each bookmaker's book as the history last recorded it, by fingerprint (sqlite.py's
    # v14); and the bet's name in the team's views, as their last column (docs/team.md).
    14: """
    CREATE TABLE odds_prints (
        fixture_id BIGINT NOT NULL,
        bookmaker_id BIGINT NOT NULL,
        fingerprint BIGINT,
        seen_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (fixture_id, bookmaker_id)
    );
    CREATE OR REPLACE VIEW team_odds_history AS
        SELECT s.fixture_id, to_timestamp(k.kickoff) AS kickoff, f.league_id, n.league, n.home,
               n.away, s.bookmaker_id, b.name AS bookmaker, s.bet_id, s.outcome,
               to_timestamp(s.observed_at) AS observed_at, s.price, t.name AS bet
        FROM odds_snapshots s
        LEFT JOIN odds_seen k ON k.fixture_id = s.fixture_id
        LEFT JOIN odds_fixtures f ON f.fixture_id = s.fixture_id
        LEFT JOIN fixture_names n ON n.fixture_id = s.fixture_id
        LEFT JOIN bookmaker_names b ON b.id = s.bookmaker_id
        LEFT JOIN bet_names t ON t.id = s.bet_id;
    CREATE OR REPLACE VIEW team_closing_prices AS
        SELECT DISTINCT ON (s.fixture_id, s.bet_id, s.outcome, s.bookmaker_id)
               s.fixture_id, to_timestamp(k.kickoff) AS kickoff, n.home, n.away, s.bookmaker_id,
               b.name AS bookmaker, s.bet_id, s.outcome, s.price AS closing_price,
               to_timestamp(s.observed_at) AS priced_at, t.name AS bet
        FROM odds_snapshots s
        JOIN odds_seen k ON k.fixture_id = s.fixture_id AND s.observed_at < k.kickoff
        LEFT JOIN fixture_names n ON n.fixture_id = s.fixture_id
        LEFT JOIN bookmaker_names b ON b.id = s.bookmaker_id
        LEFT JOIN bet_names t ON t.id = s.bet_id
        ORDER BY s.fixture_id, s.bet_id, s.outcome, s.bookmaker_id, s.observed_at DESC;
    """,
    # v15: a series with one point keeps NULL first_price and first_at (sqlite.py's v15); the
    # rows already stored stay as they are, which reads the same.
    15: """
    ALTER TABLE odds_latest ALTER COLUMN first_price DROP NOT NULL, ALTER COLUMN first_at DROP NOT NULL;
    CREATE OR REPLACE VIEW odds_snapshots AS
        SELECT fixture_id, bookmaker_id, bet_id, outcome, coalesce(first_at, seen_at) AS observed_at,
               coalesce(first_price, price) AS price
        FROM odds_latest
        UNION ALL
        SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_changes;
    """,
    # v16: a book first recorded whole is one row of its first prices (sqlite.py's v16). Its
    # JSON is kept as text, as written: the copy's checksums compare it byte for byte.
    16: """
    CREATE TABLE odds_packs (
        fixture_id BIGINT NOT NULL,
        bookmaker_id BIGINT NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL,
        prices TEXT NOT NULL,
        moved INTEGER NOT NULL,
        changed_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (fixture_id, bookmaker_id)
    );
    CREATE VIEW odds_pack_points AS
        SELECT p.fixture_id, p.bookmaker_id, b.key::bigint AS bet_id, v.key AS outcome,
               p.seen_at AS observed_at, v.value::double precision AS price
        FROM odds_packs p CROSS JOIN LATERAL json_each(p.prices::json) b
        CROSS JOIN LATERAL json_each_text(b.value) v
        WHERE p.moved = 0 OR NOT EXISTS (SELECT 1 FROM odds_latest l WHERE l.fixture_id = p.fixture_id
                          AND l.bet_id = b.key::bigint AND l.outcome = v.key
                          AND l.bookmaker_id = p.bookmaker_id);
    CREATE OR REPLACE VIEW odds_snapshots AS""" + SNAPSHOTS,
}

# Every table and view of the current schema (the integrity check's list).
RELATIONS = (
    VERSION_TABLE, "cache", "cache_totals", "state", "quota", "counters", "requests", "transitions",
    "incidents", "incident_actions", "meta", "picks", "pins", "live_odds", "live_state", "odds_seen",
    "leases", "collector_spend", "alert_outbox", "odds_latest", "odds_changes", "odds_snapshots",
    "odds_fixtures", "odds_books", "odds_prints", "odds_packs", "odds_pack_points", "bookmaker_names", "bet_names", "headlines", "desk_filters", "fixture_names",
    "model_probs", "model_source", "value_scans", "team_odds_history", "team_closing_prices", "team_picks",
)
