"""Store: schema, permissions, atomic state changes, quota ledger, bad files moved aside."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsmon.providers import LeagueOddsRequest
from oddsmon.store import Store, StoreError, StoreTooNew, cache_key
from oddsmon.store.sqlite import APPLICATION_ID, SCHEMA_VERSION
from oddsmon.version import __version__
from tests.stores import one_row, sqlite_backend

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(each_store: Store) -> Store:
    """The store's suite runs on each backend (tests/postgres.py: a real PostgreSQL)."""
    return each_store


def test_new_store_is_wal_versioned_and_private(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    store = Store.open(path)
    store.cache.put("/status", "/status", "{}", T0, 60)
    assert one_row(store, "PRAGMA journal_mode")[0] == "wal"
    assert one_row(store, "PRAGMA user_version")[0] == SCHEMA_VERSION
    assert one_row(store, "PRAGMA application_id")[0] == APPLICATION_ID
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode)
        assert mode == 0o600, (suffix, oct(mode))
    store.close()


def test_cache_key_is_sorted_and_keyless() -> None:
    assert cache_key("/odds", {"season": 2026, "league": 39, "page": 2}) == \
        "/odds?league=39&page=2&season=2026"
    assert cache_key("/status", {}) == "/status"


def test_cache_roundtrip_and_freshness(store: Store) -> None:
    entry = store.cache.put("/x?a=1", "/x", '{"response": [1]}', T0, 60)
    got = store.cache.get("/x?a=1")
    assert got == entry
    assert got.fresh_at(T0 + timedelta(seconds=59)) and not got.fresh_at(T0 + timedelta(seconds=60))
    assert store.cache.stats() == (1, len('{"response": [1]}'))


def test_a_big_body_is_kept_compressed_and_read_back_as_received(store: Store) -> None:
    items = [{"fixture": {"id": i}, "bookmakers": [{"id": 8, "bets": [{"id": 1, "values": [
        {"value": "Home", "odd": "1.85"}, {"value": "Away", "odd": "4.10"}]}]}]} for i in range(200)]
    body = json.dumps({"get": "odds", "results": 200, "paging": {"current": 1, "total": 1},
                       "response": items})
    store.cache.put("/odds?league=39&season=2026", "/odds", body, T0, 60)
    stored = one_row(store, "SELECT body, size FROM cache WHERE key = '/odds?league=39&season=2026'")
    # On disk a fraction of what was received; the byte count stays the body as received.
    assert isinstance(stored[0], bytes) and len(stored[0]) < len(body) / 4
    assert stored[1] == len(body) and store.cache.stats() == (1, len(body))
    assert (entry := store.cache.get("/odds?league=39&season=2026")) is not None and entry.body == body
    assert store.cache.results("/odds?league=39&season=2026") == 200
    assert list(store.cache.bodies("/odds")) == [body]
    # A small body stays uncompressed: text in SQLite (readable by its JSON functions), the
    # UTF-8 bytes in PostgreSQL's bytea.
    store.cache.put("/status", "/status", '{"results": 1, "response": {}}', T0, 60)
    assert store.cache.results("/status") == 1
    small = one_row(store, "SELECT body FROM cache WHERE key = '/status'")[0]
    assert small == ('{"results": 1, "response": {}}' if store.db.dialect.text_bodies
                     else b'{"results": 1, "response": {}}')


def test_a_compressed_body_that_does_not_inflate_reads_as_unparseable(store: Store) -> None:
    store.cache.put("/odds?fixture=1", "/odds", "x" * 10_000, T0, 60)
    with store.db.write() as tx:
        # A zlib header, then damage: what a torn or hand-edited body holds.
        tx.execute("UPDATE cache SET body = ? WHERE key = '/odds?fixture=1'", (b"x\x9cnot zlib",))
    assert (entry := store.cache.get("/odds?fixture=1")) is not None and entry.body == ""
    assert store.cache.results("/odds?fixture=1") is None


def test_latest_matching_finds_the_newest_window(store: Store) -> None:
    from oddsmon.store.cache import ANY
    old = cache_key("/fixtures", {"league": 39, "from": "2026-11-20", "to": "2026-11-23"})
    new = cache_key("/fixtures", {"league": 39, "from": "2026-11-21", "to": "2026-11-24"})
    other = cache_key("/fixtures", {"league": 61, "from": "2026-11-22", "to": "2026-11-25"})
    store.cache.put(old, "/fixtures", "{}", T0, 1)
    store.cache.put(new, "/fixtures", "{}", T0 + timedelta(hours=1), 1)
    store.cache.put(other, "/fixtures", "{}", T0 + timedelta(hours=2), 1)
    pattern = cache_key("/fixtures", {"league": 39, "from": ANY, "to": ANY})
    assert (entry := store.cache.latest_matching("/fixtures", pattern)) is not None and entry.key == new


def test_the_bookmakers_summary_counts_each_bookmakers_fixtures_and_joins_its_markets(store: Store) -> None:
    # Three fixtures on two league pages and one fetched alone; a bookmaker offers other
    # markets on other fixtures: its row counts the fixtures it prices and lists every shown
    # market it offers on any of them, on each backend alike.
    history, later = store.history, T0 + timedelta(minutes=5)
    history.note_priced(T0, "odds?league=39", [(1, 39, 2026), (2, 39, 2026)],
                        [(1, 8, "Bet365", [1, 5]), (2, 8, "Bet365", [1, 12]), (1, 6, "Bwin", [1, 5]),
                         (2, 6, "Bwin", [1, 5])])
    history.note_priced(T0, "odds?league=61", [(3, 61, 2026), (5, 61, 2026)],
                        [(3, 6, "Bwin", [5, 8, 99]), (5, 6, "Bwin", [1, 5])])
    history.note_priced(later, None, [(4, 140, 2026)], [(4, 11, "1xBet", [1])])
    # Fixture 2 priced again by its league page: only its latest sighting's books count.
    history.note_priced(later, "odds?league=39", [(2, 39, 2026)], [(2, 6, "Bwin", [1, 8])])
    pages = {"odds?league=39": T0, "odds?league=61": T0}
    assert history.coverage(pages, (1, 5, 8, 12), also=[4]) == (
        5, {8: (1, (1, 5)), 6: (4, (1, 5, 8)), 11: (1, (1,))})
    # Among the bookmakers asked for only; the fixtures counted are all the pages carried.
    assert history.coverage(pages, (1, 5, 8, 12), bookmakers=[8]) == (4, {8: (1, (1, 5))})


def _another_process(store: Store) -> Store:
    """The same store as another process (or host) opens it."""
    from oddsmon.store.postgres import PostgresBackend

    db = store.db
    return Store.open(db.where if isinstance(db, PostgresBackend) else sqlite_backend(store).path)


def test_reads_held_for_a_page_answer_as_they_did_until_this_store_writes(store: Store) -> None:
    # Another process (or host) on the same store, and this one putting a page together: the
    # entries' times and the pages that carried fixtures, read in one statement each, answer
    # every later read of the page as of then; this store's own write is read back at once;
    # past the page, every read is the store's again.
    other = _another_process(store)
    try:
        store.cache.put("odds?league=39", "odds", "{}", T0, 60)
        store.history.note_priced(T0, "odds?league=39", [(7, 39, 2026)], [(7, 8, "Bet365", [1])])
        with store.holding():
            store.cache.hold_times(["odds?league=39", "odds?league=61"])
            store.history.hold_carried(["odds?league=39", "odds?league=61"])
            state = store.state.read()
            other.cache.put("odds?league=61", "odds", "{}", T0, 60)
            other.cache.put("odds?league=39", "odds", "{}", T0 + timedelta(minutes=1), 60)
            other.history.note_priced(T0, "odds?league=61", [(8, 61, 2026)], [(8, 8, "Bet365", [1])])
            other.state.update(lambda s: s.evolve(offline=True, reason="user", since=T0), T0)
            held = store.cache.get("odds?league=39", body=False)
            assert held is not None and held.fetched_at == T0
            assert store.cache.get("odds?league=61", body=False) is None
            assert store.history.carried_by("odds?league=39") and not store.history.carried_by("odds?league=61")
            assert store.state.read() == state
            # A body is no time: read from the store as ever.
            assert store.cache.get("odds?league=61") is not None
            store.cache.put("odds?league=140", "odds", "{}", T0, 60)  # this store writes: all is read again
            assert store.cache.get("odds?league=61", body=False) is not None
            assert store.history.carried_by("odds?league=61") and store.state.read().offline
        fresh = store.cache.get("odds?league=39", body=False)
        assert fresh is not None and fresh.fetched_at == T0 + timedelta(minutes=1)
    finally:
        other.close()


async def test_a_page_awaiting_a_fetch_holds_nothing_for_the_engines_other_tasks(store: Store) -> None:
    # The engine's loop runs a page (which awaits its fetches inside its hold) beside the
    # sidebar's once-a-second read of the offline state: another host going offline is seen
    # by the sidebar at once, and this process's own write lets go of the page's answers too.
    other = _another_process(store)
    held, resume = asyncio.Event(), asyncio.Event()

    async def page() -> tuple[bool, bool]:
        with store.holding():
            before = store.state.read().offline
            held.set()
            await resume.wait()  # as a fetch awaits
            return before, store.state.read().offline

    async def sidebar() -> bool:
        await held.wait()
        other.state.update(lambda s: s.evolve(offline=True, reason="user", since=T0), T0)
        seen = store.state.read().offline
        store.cache.put("odds?league=39", "odds", "{}", T0, 60)  # this process writes
        resume.set()
        return seen

    try:
        (before, after), seen = await asyncio.gather(page(), sidebar())
    finally:
        other.close()
    assert (before, seen, after) == (False, True, True)


async def test_a_task_started_inside_a_hold_holds_nothing_once_the_hold_ends(store: Store) -> None:
    # A task created within a page's hold inherits its context, not its lifetime: after the
    # page ends, the task reads the store afresh (stale answers kept forever, and growing,
    # would hide another host going offline from it for the rest of the session).
    other = _another_process(store)
    started, ended = asyncio.Event(), asyncio.Event()

    async def late() -> tuple[bool, bool]:
        first = store.state.read().offline  # read inside the hold: held
        started.set()
        await ended.wait()
        store.state.read()  # after the hold: read, and not kept
        other.state.update(lambda s: s.evolve(offline=True, reason="user", since=T0), T0)
        return first, store.state.read().offline

    try:
        with store.holding():
            store.state.read()
            task = asyncio.get_running_loop().create_task(late())
            await started.wait()
        ended.set()
        assert await task == (False, True)
    finally:
        other.close()


def test_state_update_is_logged_once_per_transition(store: Store) -> None:
    store.state.update(lambda s: s.evolve(offline=True, reason="network", since=T0), T0)
    store.state.update(lambda s: s.evolve(probe_failures=3), T0)  # no mode change: no log line
    store.state.update(lambda s: s.evolve(offline=False, reason=None), T0 + timedelta(minutes=5))
    log = store.state.transitions()
    assert [(off, reason) for _, off, reason, _ in log] == [(False, None), (True, "network")]
    with pytest.raises(ValueError, match="unknown offline reason"):
        store.state.update(lambda s: s.evolve(offline=True, reason="bored"), T0)


def test_quota_reserve_and_daily_reset(store: Store) -> None:
    ledger = store.ledger
    allowed, left, ticket = ledger.reserve_call(T0, reserve=5)
    assert (allowed, left) == (True, None)  # unknown: let the API tell us
    ledger.log_request(T0, "/odds", "200", 1.0, True, ticket=ticket)  # answered: no longer in flight
    ledger.observe(T0, 100, 7, 10, 9)
    assert ledger.reserve_call(T0, reserve=5)[:2] == (True, 7)
    assert ledger.reserve_call(T0, reserve=5)[:2] == (True, 6)  # the first is still in flight
    assert ledger.reserve_call(T0, reserve=5)[:2] == (False, 5)  # would dig into the reserve
    assert ledger.quota().daily_remaining == 7  # reservations are ours, not the provider's count
    tomorrow = T0.replace(hour=0) + timedelta(days=1, seconds=1)
    assert ledger.quota().remaining_at(tomorrow) == 100  # the provider reset at 00:00 UTC
    assert ledger.reserve_call(tomorrow, reserve=5)[:2] == (True, 100)  # yesterday's: stale


def test_a_late_answer_never_raises_the_remaining_count(store: Store) -> None:
    ledger = store.ledger
    ledger.observe(T0, 100, 30, None, None)
    sent_early, sent_late = T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)
    # The answer to the later request arrives first and says 28; the earlier one says 29.
    ledger.observe(T0 + timedelta(seconds=3), None, 28, None, None, sent_at=sent_late)
    ledger.observe(T0 + timedelta(seconds=4), None, 29, None, None, sent_at=sent_early)
    assert ledger.quota().daily_remaining == 28
    # A request sent after that reading may raise it (a plan upgrade, a reset at any hour).
    ledger.observe(T0 + timedelta(seconds=6), None, 90, None, None, sent_at=T0 + timedelta(seconds=5))
    assert ledger.quota().daily_remaining == 90
    # Absurd values are not believed; a remaining above the limit reads as the limit.
    ledger.observe(T0 + timedelta(seconds=7), None, 10**23, -1, None, sent_at=T0 + timedelta(seconds=7))
    assert ledger.quota().daily_remaining == 90 and ledger.quota().minute_limit is None
    ledger.observe(T0 + timedelta(seconds=9), 80, 14436, None, None, sent_at=T0 + timedelta(seconds=8))
    assert (ledger.quota().daily_limit, ledger.quota().daily_remaining) == (80, 80)


def test_a_call_answered_without_a_count_is_counted_once(store: Store) -> None:
    ledger = store.ledger
    s = timedelta(seconds=1)
    ledger.observe(T0, 100, 30, None, None, sent_at=T0)
    # Sent after that reading, it timed out: the provider counted it, the reading cannot have.
    ok, _, ticket = ledger.reserve_call(T0 + s, reserve=10)
    ledger.log_request(T0 + 4 * s, "/odds", "timeout", 3000.0, True, ticket=ticket, unobserved=True,
                       sent_at=T0 + s)
    assert ok and ledger.quota().daily_remaining == 29
    # Sent before the next reading came in (another process's answer, which may count it):
    # the reading stays what the provider said, and the call is held back from spending.
    ok, _, ticket = ledger.reserve_call(T0 + 5 * s, reserve=10)
    ledger.observe(T0 + 6 * s, None, 20, None, None, sent_at=T0 + 5 * s)
    ledger.log_request(T0 + 8 * s, "/odds", "timeout", 3000.0, True, ticket=ticket, unobserved=True,
                       sent_at=T0 + 5 * s)
    assert ok and ledger.quota().daily_remaining == 20
    ok, left, ticket = ledger.reserve_call(T0 + 9 * s, reserve=10)
    assert (ok, left) == (True, 19)
    # The answer to a request sent after it ended counts it for sure: nothing held back then.
    ledger.observe(T0 + 10 * s, None, 17, None, None, sent_at=T0 + 9 * s)
    ledger.log_request(T0 + 10 * s, "/odds", "200", 1.0, True, ticket=ticket)
    assert ledger.reserve_call(T0 + 12 * s, reserve=10)[:2] == (True, 17)


def test_request_log_and_counters(store: Store) -> None:
    for i in range(3):
        store.ledger.log_request(T0 + timedelta(seconds=i), "/odds", "200", 12.5, True)
    store.ledger.log_request(T0, "/status", "200", 3.0, False)
    store.ledger.bump("hits", "hits", "misses")
    counters = store.ledger.counters()
    assert counters["requests:/odds"] == 3 and counters["requests:/status"] == 1
    assert counters["hits"] == 2 and counters["misses"] == 1
    assert len(store.ledger.counted_since(T0 + timedelta(seconds=1))) == 2
    assert store.ledger.recent_requests(1)[0].endpoint == "/status"


def test_odds_history_skips_unchanged_prices(store: Store) -> None:
    rows = [(1, 8, 1, "Home", 2.1), (1, 8, 1, "Draw", 3.4), (1, 6, 1, "Home", 2.05)]
    assert [c.previous for c in store.history.record(T0, rows)] == [None, None, None]
    assert store.history.record(T0 + timedelta(minutes=10), rows) == []
    moved = [(1, 8, 1, "Home", 1.95), (1, 8, 1, "Draw", 3.4), (1, 6, 1, "Home", 2.05)]
    changes = store.history.record(T0 + timedelta(minutes=20), moved)
    assert [(c.outcome, c.previous, c.price) for c in changes] == [("Home", 2.1, 1.95)]
    series = store.history.series(1, 1)
    assert [(p.bookmaker_id, p.outcome, p.price) for p in series if p.bookmaker_id == 8 and p.outcome == "Home"] \
        == [(8, "Home", 2.1), (8, "Home", 1.95)]
    assert store.history.openings(1, [1])[(1, 8, "Home")] == 2.1
    window = store.history.window([(1, 8, 1, "Home")], T0 + timedelta(minutes=15))
    assert [(p.observed_at - T0, p.price) for p in window] == \
        [(timedelta(0), 2.1), (timedelta(minutes=20), 1.95)]  # in force at the start, then inside


def test_a_price_first_seen_is_one_row_and_the_history_reads_the_same(store: Store) -> None:
    store.history.record(T0, [(1, 8, 1, "Home", 2.1), (1, 8, 1, "Draw", 3.4)])
    # The first points live on the latest rows: nothing in the changes table yet.
    assert one_row(store, "SELECT count(*) FROM odds_changes")[0] == 0
    assert store.history.count() == 2
    store.history.record(T0 + timedelta(minutes=10), [(1, 8, 1, "Home", 2.0), (1, 8, 1, "Draw", 3.4)])
    assert one_row(store, "SELECT count(*) FROM odds_changes")[0] == 1
    # An older fetch recorded late, with another price: it becomes the series' first point.
    late = store.history.record(T0 - timedelta(minutes=10), [(1, 8, 1, "Home", 2.2)], firsts=False)
    assert [(c.previous, c.price) for c in late] == [(2.0, 2.2)]
    assert [(p.observed_at - T0, p.price) for p in store.history.series(1, 1) if p.outcome == "Home"] == \
        [(timedelta(minutes=-10), 2.2), (timedelta(0), 2.1), (timedelta(minutes=10), 2.0)]
    assert store.history.openings(1, [1]) == {(1, 8, "Home"): 2.2, (1, 8, "Draw"): 3.4}
    # The latest price stays the newest fetch's.
    assert one_row(store, "SELECT price FROM odds_latest WHERE outcome = 'Home'")[0] == 2.0
    assert list(store.history.stream()) == [
        (1, 8, 1, "Draw", T0.timestamp(), 3.4),
        (1, 8, 1, "Home", (T0 - timedelta(minutes=10)).timestamp(), 2.2),
        (1, 8, 1, "Home", T0.timestamp(), 2.1),
        (1, 8, 1, "Home", (T0 + timedelta(minutes=10)).timestamp(), 2.0)]
    # A fresh series is not handed back when firsts are not asked for.
    assert store.history.record(T0, [(2, 8, 1, "Home", 1.5)], firsts=False) == []
    assert store.history.openings(1, [2]) == {(2, 8, "Home"): 1.5}


def test_a_write_within_a_write_is_one_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.db.write():
        store.cache.put("/a", "/a", "{}", T0, 60)
        store.history.record(T0, [(1, 8, 1, "Home", 2.1)])
        raise RuntimeError("the page failed half way")
    # Neither inner write was committed on its own.
    assert store.cache.get("/a") is None and store.history.count() == 0
    with store.db.write():
        store.cache.put("/a", "/a", "{}", T0, 60)
        store.history.record(T0, [(1, 8, 1, "Home", 2.1)])
    assert store.cache.get("/a") is not None and store.history.count() == 1


def test_a_v6_store_keeps_its_history_through_migration_7(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    t = T0.timestamp()
    points = [(7, 8, 1, "Home", t - 600, 2.6), (7, 8, 1, "Home", t - 60, 2.5), (7, 8, 1, "Draw", t - 600, 2.95),
              (7, 6, 5, "Over 2.5", t - 300, 1.9)]
    with _old_store(path, 6) as conn:
        conn.executemany("INSERT INTO odds_snapshots VALUES (?, ?, ?, ?, ?, ?)", points)
        conn.executemany("INSERT INTO odds_latest VALUES (?, ?, ?, ?, ?, ?)",
                         [(7, 8, 1, "Home", 2.5, t), (7, 8, 1, "Draw", 2.95, t), (7, 6, 5, "Over 2.5", 1.9, t)])

    store = Store.open(path)
    assert one_row(store, "PRAGMA user_version")[0] == SCHEMA_VERSION
    assert sorted(store.history.stream()) == sorted(points)
    assert store.history.count() == 4
    assert one_row(store, "SELECT count(*) FROM odds_changes")[0] == 1  # only the move
    assert store.history.openings(1, [7]) == {(7, 8, "Home"): 2.6, (7, 8, "Draw"): 2.95}
    assert store.history.closing_at(7, 1, T0) == {(8, "Home"): 2.5, (8, "Draw"): 2.95}
    # And it goes on recording: an unchanged price adds nothing, a move one point.
    assert store.history.record(T0, [(7, 8, 1, "Home", 2.5), (7, 8, 1, "Draw", 3.0)])[0].previous == 2.95
    assert store.history.count() == 5
    store.close()


def test_a_v14_store_keeps_its_history_through_migration_15_and_its_one_point_series_shrink(
        tmp_path: Path) -> None:
    path = tmp_path / "v14.db"
    t = T0.timestamp()
    with _old_store(path, 14) as conn:
        # Schema 14 wrote every series' first point out, moved or not.
        conn.executemany("INSERT INTO odds_latest VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (7, 8, 1, "Home", 2.5, t, 2.6, t - 600),     # moved once: 2.6, then 2.5
            (7, 8, 1, "Draw", 2.95, t - 600, 2.95, t - 600),  # one point
            (7, 6, 5, "Over 2.5", 1.9, t - 300, 1.9, t - 300)])
        conn.execute("INSERT INTO odds_changes VALUES (7, 8, 1, 'Home', ?, 2.5)", (t,))
    store = Store.open(path)
    assert one_row(store, "PRAGMA user_version")[0] == SCHEMA_VERSION
    assert sorted(store.history.stream()) == sorted([
        (7, 8, 1, "Home", t - 600, 2.6), (7, 8, 1, "Home", t, 2.5), (7, 8, 1, "Draw", t - 600, 2.95),
        (7, 6, 5, "Over 2.5", t - 300, 1.9)])
    assert store.history.openings(1, [7]) == {(7, 8, "Home"): 2.6, (7, 8, "Draw"): 2.95}
    # A one-point series no longer writes its price and time twice; a moved one keeps its first.
    assert store.db.query("SELECT outcome, first_price, first_at FROM odds_latest ORDER BY outcome") == [
        ("Draw", None, None), ("Home", 2.6, t - 600), ("Over 2.5", None, None)]
    # It goes on recording: the one-point series moves, and its first point is written out.
    assert [(c.previous, c.price) for c in store.history.record(T0 + timedelta(minutes=5),
                                                                 [(7, 8, 1, "Draw", 3.1)])] == [(2.95, 3.1)]
    assert [(p.observed_at.timestamp() - t, p.price) for p in store.history.series(7, 1)
            if p.outcome == "Draw"] == [(-600, 2.95), (300, 3.1)]
    store.close()


@contextlib.contextmanager
def _old_store(path: Path, version: int) -> Iterator[sqlite3.Connection]:
    """A store file as oddsmon at schema ``version`` left it, filled by the block."""
    from oddsmon.store.sqlite import _MIGRATIONS, _split_sql

    conn = sqlite3.connect(path)
    for step in range(1, version + 1):
        for statement in _split_sql(_MIGRATIONS[step]):
            conn.execute(statement)
    yield conn
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def _assert_moved_aside(tmp_path: Path, path: Path, why: str) -> None:
    store = Store.open(path)
    message = store.health().problem
    assert message is not None and why in message and ".corrupt-" in message
    asides = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(asides) == 1
    assert store.state.read().offline is False  # rebuilt and usable
    store.close()


def test_corrupt_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    path.write_bytes(b"this is not a database at all" * 100)
    original = path.read_bytes()
    _assert_moved_aside(tmp_path, path, "not a readable SQLite database")
    aside = next(p for p in tmp_path.iterdir() if ".corrupt-" in p.name)
    assert aside.read_bytes() == original  # nothing destroyed


def test_foreign_database_is_not_destroyed(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO customers VALUES (1, 'ada')")
    conn.commit()
    conn.close()
    _assert_moved_aside(tmp_path, path, "another program's database")
    aside = next(p for p in tmp_path.iterdir() if ".corrupt-" in p.name and p.suffix != "-wal")
    assert sqlite3.connect(aside).execute("SELECT name FROM customers").fetchone() == ("ada",)


def test_newer_schema_is_refused_as_it_is_naming_its_writer(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_written_by'").fetchone() == (
        f"oddsmon {__version__}",)
    conn.execute("UPDATE meta SET value = 'oddsmon 9.1.0' WHERE key = 'schema_written_by'")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreTooNew, match=rf"written by oddsmon 9\.1\.0 \(schema {SCHEMA_VERSION + 1}\), "
                                              rf"newer than this oddsmon {__version__}"):
            Store.open(path, read_only=read_only)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["o.db"]


def test_unwritable_directory_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(StoreError, match="cannot create the store"):
        Store.open(locked / "o.db")


def test_a_version_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    from oddsmon.store.sqlite import _MIGRATIONS, _split_sql

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    for statement in _split_sql(_MIGRATIONS[1]):
        conn.execute(statement)
    conn.execute("INSERT INTO cache VALUES ('/status', '/status', '{}', 1, 2)")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store.open(path)
    assert store.health().problem is None  # kept, not replaced
    assert one_row(store, "PRAGMA user_version")[0] == SCHEMA_VERSION
    assert store.cache.get("/status") is not None
    store.ledger.log_cache_reads([(T0, "/odds", 0.4)])
    assert store.ledger.recent_requests(1)[0].from_cache
    store.close()


def test_a_setgid_directory_makes_a_group_shared_store_and_journal(tmp_path: Path) -> None:
    """A shared host: `chgrp analysts /srv/oddsmon && chmod 2770 /srv/oddsmon`; every file
    oddsmon keeps there is 0660 in that group, whatever the umask (022 here)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o2770)
    gid = shared.stat().st_gid
    old = os.umask(0o022)
    try:
        store = Store.open(shared / "oddsmon.db")
        store.cache.put("/status", "/status", "{}", T0, 60)
        for suffix in ("", "-wal", "-shm"):
            st = os.stat(f"{shared / 'oddsmon.db'}{suffix}")
            assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660, gid), suffix
        store.close()
        journal_path = shared / "incidents_supervision.md"
        from oddsmon.supervision.journal import _append

        _append(journal_path, "x\n")
        st = journal_path.stat()
        assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660, gid)
        private = Store.open(tmp_path / "private.db")  # no setgid: private, as before
        assert stat.S_IMODE(os.stat(tmp_path / "private.db").st_mode) == 0o600
        private.close()
    finally:
        os.umask(old)


def test_a_version_4_store_gets_its_odds_rows_and_byte_counts_on_upgrade(tmp_path: Path) -> None:
    """An older store's cached league page and history become the rows the Bookmakers summary
    reads, and its bodies are counted once, at the upgrade, so a count never reads them again."""
    import json

    from ..samples import SAMPLES

    path = tmp_path / "v4.db"
    body = (SAMPLES / "odds__official_docs_fixture326090_bookmaker6.json").read_text()
    page = cache_key("/odds", {"league": "116", "season": "2020"})
    fetched = T0.timestamp()
    with _old_store(path, 4) as conn:
        conn.execute("INSERT INTO cache VALUES (?, '/odds', ?, ?, ?)", (page, body, fetched, fetched + 60))
        conn.execute("INSERT INTO cache VALUES ('/status', '/status', '{}', 1, 2)")
        conn.executemany("INSERT INTO odds_snapshots VALUES (326090, 6, 1, ?, ?, ?)",
                         [("Home", fetched - 600, 2.6), ("Home", fetched - 60, 2.5), ("Draw", fetched - 600, 2.95)])

    store = Store.open(path)
    assert one_row(store, "PRAGMA user_version")[0] == SCHEMA_VERSION
    assert store.cache.stats() == (2, len(body) + 2)
    latest = {tuple(r[:2]): tuple(r[2:]) for r in store.db.query(
        "SELECT bet_id, outcome, price, seen_at FROM odds_latest WHERE fixture_id = 326090 AND bookmaker_id = 6")}
    # The last price of each series, seen when its page was fetched.
    assert latest == {(1, "Home"): (2.5, fetched), (1, "Draw"): (2.95, fetched)}
    assert store.history.bookmaker_names() == {6: json.loads(body)["response"][0]["bookmakers"][0]["name"]}
    # The markets come from the page itself, not only from the (partial) history.
    # The page under the key the cache has used since (v8: the request, not the URL).
    page = LeagueOddsRequest(116, 2020).key
    watched, coverage = store.history.coverage({page: T0}, (1, 5, 8))
    assert (watched, coverage) == (1, {6: (1, (1, 5, 8))})
    # A page fetched after the rows were written is another page: nothing counts from it yet.
    assert store.history.coverage({page: T0 + timedelta(seconds=1)}, (1, 5, 8)) == (0, {})
    # The running total follows every later write and delete.
    store.cache.put(page, "odds", "{}", T0, 60)
    assert store.cache.stats() == (2, 4)
    store.cache.purge()
    assert store.cache.stats() == (0, 0)
    store.close()


async def test_a_version_7_store_keeps_serving_what_it_cached_after_the_key_upgrade(
        tmp_path: Path, settings: Any, clock: Any) -> None:
    """Before v8 the cache was keyed by API-Football's URL: an upgraded store's entries are
    found under the requests' keys, so an analyst offline still has every page cached."""
    import httpx

    from oddsmon.config import Secret
    from oddsmon.engine.service import Service
    from oddsmon.offline import OfflineMachine
    from oddsmon.providers import (
        BookmakersRequest,
        FixtureOddsRequest,
        FixturesRequest,
        LiveFixturesRequest,
        LiveOddsRequest,
        PredictionRequest,
        SeasonRequest,
        codec,
        connect,
    )

    from ..samples import SAMPLES

    def sample(name: str) -> str:
        return (SAMPLES / name).read_text()

    at = clock.now().timestamp()
    window = "from=2026-11-24&league=39&season=2026&to=2026-11-27"
    old = {  # the URL it was cached under -> its body, and the request that now finds it
        "/odds/bookmakers": (sample("odds_bookmakers__official_docs.json"), BookmakersRequest()),
        "/leagues?current=true&id=39": (sample("leagues__official_docs_id39.json"), SeasonRequest(39)),
        f"/fixtures?{window}": (sample("fixtures__official_docs_live_all.json"),
                                FixturesRequest(39, 2026, *[clock.now().date() + timedelta(days=d) for d in (0, 3)])),
        "/fixtures?live=39-61": (sample("fixtures__official_docs_live_all.json"), LiveFixturesRequest((39, 61))),
        "/odds?league=39&season=2026": (sample("odds__official_docs_fixture326090_bookmaker6.json"),
                                        LeagueOddsRequest(39, 2026)),
        "/odds?fixture=326090": (sample("odds__official_docs_fixture326090_bookmaker6.json"),
                                 FixtureOddsRequest(326090)),
        "/odds/live?league=39": (sample("odds_live__official_docs_fixture721238.json"), LiveOddsRequest(39)),
        "/predictions?fixture=198772": (sample("predictions__official_docs_fixture198772.json"),
                                        PredictionRequest(198772)),
    }
    path = tmp_path / "v7.db"
    with _old_store(path, 7) as conn:
        for url, (body, _) in old.items():
            conn.execute("INSERT INTO cache (key, endpoint, body, fetched_at, expires_at, size) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (url, url.split("?")[0], body, at, at + 60, len(body)))
        conn.execute("INSERT INTO odds_fixtures VALUES (326090, 39, 2026, '/odds?league=39&season=2026', ?)", (at,))
        conn.execute("INSERT INTO requests (at, endpoint, status, duration_ms, counted) "
                     "VALUES (?, '/status', '200', 40, 0)", (at,))
    store = Store.open(path)
    try:
        assert store.health().problem is None  # upgraded in place, not moved aside
        read = codec()
        for url, (body, request) in old.items():
            entry = store.cache.get(request.key)
            assert entry is not None and entry.body == body and entry.kind == request.kind, url
            assert read.decode(request, entry.body) is not None
        assert store.cache.stats()[0] == len(old)  # every entry kept, none left under its URL
        assert store.journal.status_probes(clock.now() - timedelta(seconds=1), clock.now()) == [(at, "200")]

        # What an analyst offline opens, served from the upgraded cache without a request.
        def refuse(request: httpx.Request) -> httpx.Response:
            raise AssertionError(f"nothing is sent offline: {request.url}")

        machine = OfflineMachine(store, clock, settings.supervision)
        machine.go_offline("user", "manual offline")
        provider = connect(settings.api, Secret("k"), store.ledger, clock,
                           transport=httpx.MockTransport(refuse), gate=machine.gate)
        service = Service(settings, store, machine, provider, clock)
        books = await service.bookmakers()
        odds = await service.odds()
        prediction = await service.prediction(198772)
        assert books.data and books.provenance.source == "cache"
        assert odds.data is not None and 326090 in odds.data
        assert prediction.data is not None and prediction.provenance.source == "cache"
        assert (await service.fixtures()).data
        assert service.requests.known_season(39).season is not None
        await service.aclose()
    finally:
        store.close()
