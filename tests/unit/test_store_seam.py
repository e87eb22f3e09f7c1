"""The store's seam: what outside store/ may know (open modes, Health, one transaction over
several parts), and that every part speaks to its backend in SQL another database can run,
leaving what differs to the backend's Dialect (store/backend.py)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsmon.domain.models import LiveStatus
from oddsmon.store import (
    CollectorStatus,
    LivePrice,
    LiveState,
    NewPick,
    Queued,
    Store,
    StoreError,
    StoreWriteError,
)
from oddsmon.store.sqlite import SqliteBackend

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_health_says_where_the_store_lives_whether_it_takes_writes_and_its_size(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    store = Store.open(path)
    empty = store.health()
    assert (empty.where, empty.readable, empty.writable, empty.degraded, empty.complete,
            empty.problem) == (str(path), True, True, False, True, None)
    store.cache.put("/odds?fixture=1", "/odds", "x" * 200_000, T0, 60)  # compressed, but pages
    assert store.health().size_bytes > empty.size_bytes > 0
    store.close()

    reader = Store.open(path, read_only=True)
    health = reader.health()
    assert (health.writable, health.degraded, health.problem) == (False, False, None)
    with pytest.raises(StoreWriteError, match="read-only"):
        reader.ledger.set_meta("k", "v")
    reader.close()


def test_open_existing_never_creates_a_store(tmp_path: Path) -> None:
    path = tmp_path / "state" / "o.db"
    assert not Store.exists(path)
    for writable in (False, True):
        with pytest.raises(StoreError, match="no store here yet"):
            Store.open_existing(path, writable=writable)
    assert not Store.exists(path) and not path.parent.exists()
    Store.open(path).close()
    assert Store.exists(path)
    store = Store.open_existing(path, writable=True)
    assert store.health().writable
    store.close()


def test_a_transaction_keeps_several_parts_writes_together_or_none(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "o.db")
    with pytest.raises(RuntimeError), store.transaction():
        store.cache.put("/status", "/status", "{}", T0, 60)
        store.ledger.set_meta("warm", "done")
        raise RuntimeError("the page did not parse")
    assert store.cache.get("/status") is None and store.ledger.meta("warm") is None
    with store.transaction():
        store.cache.put("/status", "/status", "{}", T0, 60)
        store.ledger.set_meta("warm", "done")
    assert store.cache.get("/status") is not None and store.ledger.meta("warm") == "done"
    store.close()


# -- portable SQL ------------------------------------------------------------------------------

# What only SQLite reads: a part that needs one of these goes through the backend's Dialect.
SQLITE_ONLY = {
    "INSERT OR REPLACE/IGNORE (an upsert with its target)": r"\bINSERT\s+OR\b|\bREPLACE\s+INTO\b",
    "an upsert without its conflict target": r"ON CONFLICT DO UPDATE",
    "a pragma": r"\bPRAGMA\b",
    "an index hint": r"\bINDEXED BY\b",
    "SQLite's string or JSON functions": r"\b(group_concat|json_\w+|typeof|ifnull|iif|instr|printf)\s*\(",
    "two-argument max() or min() (CASE)": r"\b(max|min)\s*\([^()]*,",
    "rowid": r"\b_?rowid_?\b|\boid\b",
    "a placeholder other than ?": r"[:$@]\w+|%s",
    "a bare integer as a condition": r"\bWHERE\s+1\b(?!\s*=)",
    "date functions": r"\b(strftime|julianday|unixepoch|datetime)\s*\(",
}


class _Recorder:
    """The SQLite backend, recording every statement and what its dialect wrote."""

    def __init__(self, db: SqliteBackend) -> None:
        self._db = db
        self.statements: list[str] = []
        self.fragments: list[str] = []
        self.spelled: set[str] = set()  # the Dialect's methods the parts asked
        recorder = self

        class Dialect:
            text_bodies = db.dialect.text_bodies
            server_clock = db.dialect.server_clock
            in_process = db.dialect.in_process

            def __getattr__(self, name: str) -> Any:
                made = getattr(db.dialect, name)

                def recorded(*args: Any, **kwargs: Any) -> str:
                    text: str = made(*args, **kwargs)
                    recorder.fragments.append(text)
                    recorder.spelled.add(name)
                    return text
                return recorded

        self.dialect = Dialect()

    def _tx(self, tx: Any) -> Any:
        recorder = self

        class Tx:
            def execute(self, sql: str, params: Sequence[object] = ()) -> Any:
                recorder.statements.append(sql)
                return tx.execute(sql, params)

            def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> Any:
                recorder.statements.append(sql)
                return tx.executemany(sql, rows)

            def iterate(self, sql: str, params: Sequence[object] = (), batch: int = 2000) -> Any:
                recorder.statements.append(sql)
                return tx.iterate(sql, params, batch)

            def insert_rows(self, table: str, columns: Sequence[str], rows: Any) -> None:
                recorder.statements.append(f"INSERT INTO {table} ({', '.join(columns)}) VALUES (...)")
                tx.insert_rows(table, columns, rows)

            def upsert_rows(self, insert: str, conflict: str, rows: Sequence[Sequence[object]], key: int) -> None:
                recorder.statements.append(f"{insert} VALUES (...) {conflict}")
                tx.upsert_rows(insert, conflict, rows, key)
        return Tx()

    @contextlib.contextmanager
    def write(self) -> Iterator[Any]:
        with self._db.write() as tx:
            yield self._tx(tx)

    @contextlib.contextmanager
    def read(self) -> Iterator[Any]:
        with self._db.read() as tx:
            yield self._tx(tx)

    def query(self, sql: str, params: Sequence[object] = ()) -> Any:
        self.statements.append(sql)
        return self._db.query(sql, params)

    def query_one(self, sql: str, params: Sequence[object] = ()) -> Any:
        self.statements.append(sql)
        return self._db.query_one(sql, params)

    def __getattr__(self, name: str) -> Any:  # health, close, ...: not SQL
        return getattr(self._db, name)


def _every_part_at_work(store: Store) -> None:
    at, later = T0, T0 + timedelta(minutes=5)
    kickoff = T0 + timedelta(hours=2)
    cache = store.cache
    cache.put("/status", "/status", '{"results": 1, "response": {}}', at, 60)
    cache.put_many([("/odds?fixture=7", "/odds", "{" + " " * 9000 + "}")], at, 60)
    cache.get("/status"), cache.get("/status", body=False), cache.results("/status")
    cache.latest_matching("/odds", "/odds?fixture=__any__"), list(cache.bodies("/odds"))
    cache.fetched_times("/odds"), cache.stats(), cache.newest_by_kind()

    ledger = store.ledger
    ledger.observe(at, 100, 90, 10, 9, sent_at=at)
    allowed, _, ticket = ledger.reserve_call(at, 5, "/odds")
    assert allowed
    ledger.log_request(at, "/odds", "200", 12.0, True, ticket=ticket, unobserved=True)
    ledger.log_cache_reads([(at, "/odds", 0.3)])
    ledger.bump("hits", "misses")
    ledger.set_meta("k", "v")
    ledger.quota(), ledger.counters(), ledger.recent_requests(), ledger.counted_since(at), ledger.meta("k")

    def go_offline(state: Any) -> Any:
        return state.evolve(offline=True, reason="network", since=at, detail="cut")

    def journal(tx: Any, before: Any, after: Any) -> None:
        store.incidents.open_in(tx, at, "network")
        store.incidents.act_in(tx, at, "transition", "offline (network)")

    store.state.update(go_offline, at, journal)
    store.state.read(), store.state.transitions(), store.state.transitions_after(0)
    store.state.last_transition_id(), store.incidents.recent(), store.incidents.current()
    records = store.journal
    records.record_action(at, "warm", "warmed", timedelta(minutes=30))
    records.record_note(at, "contacted support"), records.meta_once("store_id", "abc123")
    records.incidents(), records.fingerprint(), records.status_probes(at, later), records.action_ids(1)

    collector = store.collector
    collector.acquire("collector", at, 120.0), collector.renew("collector", later)
    collector.holder("collector")
    collector.release("collector")
    collector.add_spend(date(2026, 11, 24), {"odds": 3})
    collector.spend(date(2026, 11, 24))
    collector.set_status(CollectorStatus(1, 60.0, at, later))
    collector.status()

    outbox = store.outbox
    outbox.enqueue(["webhook"], [Queued("drop:7", "drop", "{}"), Queued("drop:8", "drop", "{}")], at,
                   cursor=("transitions", 3))
    outbox.cursor("transitions"), outbox.next_due("webhook", at, 10.0)
    first, second = outbox.claim("webhook", later, min_interval_s=10.0, stale_s=60.0)
    outbox.sent([first.id], later)
    outbox.failed([second.id], later, "HTTP 500", later)
    outbox.claim("webhook", later + timedelta(minutes=1), min_interval_s=10.0, stale_s=60.0, limit=1)
    outbox.release([second.id])
    outbox.failed([second.id], later, "HTTP 404", None)
    outbox.view(), outbox.prune(later, sent_keep_s=0.0, dead_keep_s=0.0)

    history = store.history
    history.note_priced(at, "/odds?league=39", [(7, 39, 2026)], [(7, 8, "Bet365", [1, 5])])
    history.record(at, [(7, 8, 1, "Home", 2.0), (7, 8, 1, "Away", 3.5)])
    history.record(later, [(7, 8, 1, "Home", 2.1)])
    history.note_seen(at, [(7, kickoff)])
    pages = {"/odds?league=39": at}
    history.carried_by("/odds?league=39"), history.coverage(pages, [1, 5], [8]), history.carried(pages)
    history.bookmaker_names(), history.window([(7, 8, 1, "Home")], at), history.series(7, 1)
    history.openings(1, [7]), history.closing_at(7, 1, kickoff), list(history.stream(since=at))
    list(history.stream(fixtures=[7])), history.closing([7]), history.closing_seen([7]), history.count()

    store.headlines.put(at, "", [(7, '{"best": 2.1}')])
    store.headlines.get([7], "")

    live = LiveStatus("Second Half", 60, 1, 0, False, False, False)
    store.live.record(at, [LiveState(7, at, live)], [LivePrice(7, 59, "Home", "", 0, 1.5, True, False)])
    store.live.record(later, [LiveState(7, later, live)], [LivePrice(7, 59, "Home", "", 0, 1.4, True, False)])
    store.live.states(), store.live.board(7), store.live.count()

    picks = store.picks
    picks.add(NewPick(7, kickoff, "A v B", "Premier League", 1, "", "Home", "Home", 8, "Bet365", 2.1, 10.0), at)
    picks.all()
    picks.save_filters(frozenset({61}), frozenset({3}))
    picks.filters()
    picks.toggle_pin(7, at), picks.pinned()
    cache.purge()


def test_every_part_speaks_portable_sql_and_leaves_the_rest_to_the_dialect(tmp_path: Path) -> None:
    recorder = _Recorder(SqliteBackend(tmp_path / "o.db").open())
    store = Store(recorder)
    _every_part_at_work(store)
    assert store.live.board(7) is not None and store.history.closing_at(7, 1, T0 + timedelta(hours=2))
    store.close()

    assert len(set(recorder.statements)) > 60  # every part spoke
    assert recorder.spelled == {"index_hint", "row_with_extreme", "count_and_concat", "json_members"}
    found = []
    for sql in sorted(set(recorder.statements)):
        portable = sql
        for fragment in recorder.fragments:
            portable = portable.replace(fragment, " ")
        for what, pattern in SQLITE_ONLY.items():
            if re.search(pattern, portable, re.IGNORECASE):
                found.append(f"{what}: {sql}")
    assert found == []


def test_a_batch_of_upserts_lands_row_by_row_in_order_on_either_backend(each_store: Store) -> None:
    # Tx.upsert_rows: a server gets multi-row statements (more rows than one statement's
    # variables take: several), and a batch where a key repeats a row at a time, since one
    # statement may not upsert a row twice; the answer is what a row a statement gives.
    db = each_store.db
    up = ("INSERT INTO bookmaker_names (id, name)", "ON CONFLICT(id) DO UPDATE SET name = excluded.name")
    with db.write() as tx:
        tx.upsert_rows(*up, [(i, f"book {i}") for i in range(1, 701)], 1)
        tx.upsert_rows(*up, [], 1)
    with db.write() as tx:
        tx.upsert_rows(*up, [(2, "B"), (701, "new"), (2, "BB")], 1)
        tx.upsert_rows(*up, [(3, "C"), (4, "D")], 1)
    names: dict[int, str] = dict(db.query("SELECT id, name FROM bookmaker_names"))
    assert len(names) == 701
    assert (names[1], names[2], names[3], names[4], names[700], names[701]) == ("book 1", "BB", "C", "D", "book 700", "new")
