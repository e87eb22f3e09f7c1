"""A team's store: several processes (hosts) on one PostgreSQL database, and what each backend
keeps per author. Every test here runs against a real server (tests/postgres.py); those that
hold for one host's SQLite file too run on both."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from oddsmon.config import ConfigError, load_file
from oddsmon.store import NewPick, Store, StoreError, StoreWriteError
from oddsmon.store.backend import SCHEMA_VERSION
from tests import postgres
from tests.unit.test_store_seam import _every_part_at_work

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SPAWN = multiprocessing.get_context("spawn")  # a clean interpreter: as another host's oddsmon
R = TypeVar("R")  # what the work run in each host process returns


def _where(backend: str, tmp_path: Path) -> str:
    return str(tmp_path / "team.db") if backend == "sqlite" else postgres.server().database()


# -- the schema --------------------------------------------------------------------------------


def _hosts_at_once(work: Callable[..., R], args: list[tuple[object, ...]]) -> list[R]:
    """``work(*a)`` in one new process each, started together; what each returned."""
    start, results = SPAWN.Event(), SPAWN.Queue()
    procs = [SPAWN.Process(target=_host, args=(work, start, results, n, a)) for n, a in enumerate(args)]
    for p in procs:
        p.start()
    start.set()
    out = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
    return [out[n] for n in range(len(args))]


def _host(work: Any, start: Any, results: Any, n: int, args: tuple[object, ...]) -> None:
    start.wait(60)
    try:
        results.put((n, work(*args)))
    except Exception as exc:  # noqa: BLE001 - the test asserts on what each host saw
        results.put((n, f"{type(exc).__name__}: {exc}"))


def _open(where: str, author: str) -> object:
    store = Store.open(where, author=author)
    try:
        return store.health().writable
    finally:
        store.close()


def test_hosts_starting_at_once_on_a_new_database_migrate_it_once(pg_url: str) -> None:
    assert _hosts_at_once(_open, [(pg_url, f"h{n}@team") for n in range(4)]) == [True] * 4
    migrations = postgres.server().sql(postgres.dbname(pg_url),
                                       "SELECT version, count(*) FROM oddsmon_schema GROUP BY version "
                                       "ORDER BY version")
    assert migrations == [(v, 1) for v in range(7, SCHEMA_VERSION + 1)]


def test_every_part_runs_on_postgresql_and_answers_as_on_sqlite(tmp_path: Path, pg_url: str) -> None:
    answers = []
    for where in (str(tmp_path / "o.db"), pg_url):
        store = Store.open(where, author="ana@laptop")
        _every_part_at_work(store)
        store.cache.put("odds-7", "fixture-odds", "{}", T0, 60)
        store.cache.put("odds-8", "fixture-odds", "{}", T0 + timedelta(minutes=5), 60)
        store.values.put("shin|all||", [(7, "odds-7", T0, '[[1,"Match Winner","","Home",2.5,"Bwin",0.05,0.42,[]]]'),
                                        (8, "odds-8", T0, "[]")])
        kept = store.values.current("shin|all||", [7, 8])  # 8's entry was fetched again since
        store.values.put("shin|all||", [(8, "odds-8", T0 + timedelta(minutes=5), "[]")])
        assert store.values.forget_except([8]) == 1
        answers.append((kept, store.values.current("shin|all||", [7, 8]), store.state.read(), store.ledger.quota(), store.ledger.counters(),
                        [r.endpoint for r in store.ledger.recent_requests()],
                        store.journal.incidents(), list(store.history.stream()),
                        store.history.closing([7]), store.history.coverage({"/odds?league=39": T0}, [1, 5]),
                        store.live.board(7), store.picks.all(), store.picks.filters(), store.picks.pinned(),
                        store.collector.spend(T0.date()), store.cache.stats()))
        assert store.integrity_check() == "ok"
        store.close()
    assert answers[0] == answers[1]
    assert answers[0][:2] == ({7: '[[1,"Match Winner","","Home",2.5,"Bwin",0.05,0.42,[]]]'}, {8: "[]"})
    # A report reads the same rows through libpq alone as psycopg does (types included).
    from oddsmon.store.copy import TABLES

    def rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
        with store.db.read() as tx:
            return {t.name: [tuple(r) for r in tx.iterate(f"SELECT {', '.join(t.columns)} FROM {t.name} "
                                                          f"ORDER BY {', '.join(t.key)}", batch=3)]
                    for t in TABLES}
    writer, report = Store.open(pg_url), Store.open(pg_url, read_only=True)
    try:
        assert type(report.db).__name__ == "LibpqBackend"
        assert rows(report) == rows(writer) and report.health().size_bytes > 0
        assert report.integrity_check() == "ok"
    finally:
        writer.close()
        report.close()


def test_a_report_never_creates_or_touches_a_database_that_is_not_an_oddsmon_store(pg_url: str) -> None:
    with pytest.raises(StoreError, match="no store here yet"):
        Store.open_existing(pg_url)
    postgres.server().sql(postgres.dbname(pg_url), "CREATE TABLE invoices (id int)")
    for opening in (lambda: Store.open(pg_url), lambda: Store.open_existing(pg_url, writable=True)):
        with pytest.raises(StoreError, match="another program's tables"):
            opening()
    tables = postgres.server().sql(postgres.dbname(pg_url),
                                   "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                                   "'public'::regnamespace")
    assert tables == [("invoices",)]


def test_a_newer_schema_is_refused_not_rebuilt(pg_url: str) -> None:
    Store.open(pg_url).close()
    dbname = postgres.dbname(pg_url)
    postgres.server().sql(dbname, "INSERT INTO oddsmon_schema (version, applied_by) VALUES (99, 'future')")
    with pytest.raises(StoreError, match=r"newer oddsmon \(schema 99"):
        Store.open(pg_url)


def test_packed_books_are_toasted_with_lz4_where_the_server_has_it(pg_url: str) -> None:
    # A page's packs are JSON texts of some 4 KB, which pglz compressed at a third of the
    # server's time for the page; a server without lz4 keeps its own default.
    store = Store.open(pg_url)
    try:
        offered = store.db.query_one("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                     "WHERE name = 'default_toast_compression'")
        bets = {bet: {f"Outcome {n} of a long label": 1.5 + n / 100 for n in range(40)} for bet in range(1, 30)}
        store.history.record_books(T0, [(7, 8, bets)])
        used = store.db.query_one("SELECT pg_column_compression(prices) FROM odds_packs")
    finally:
        store.close()
    assert used == ("lz4" if offered and offered[0] else "pglz",)


def test_a_read_only_report_cannot_write_and_says_where(pg_url: str) -> None:
    Store.open(pg_url).close()
    reader = Store.open_existing(pg_url)
    health = reader.health()
    assert (health.where, health.readable, health.writable, health.degraded) == (pg_url, True, False, False)
    assert health.size_bytes > 0
    with pytest.raises(StoreWriteError, match="read-only"):
        reader.ledger.set_meta("k", "v")
    reader.close()


def test_a_server_that_takes_no_writes_opens_degraded_and_serves_what_it_holds(pg_url: str) -> None:
    store = Store.open(pg_url)
    store.cache.put("/status", "/status", "{}", T0, 60)
    store.close()
    dbname = postgres.dbname(pg_url)
    postgres.server().sql("postgres", f"ALTER DATABASE {dbname} SET default_transaction_read_only = on")
    store = Store.open(pg_url)
    health = store.health()
    assert (health.writable, health.degraded) == (False, True)
    assert health.problem is not None and "takes no writes" in health.problem
    assert store.cache.get("/status") is not None
    assert not store.reopen_writable()
    postgres.server().sql("postgres", f"ALTER DATABASE {dbname} SET default_transaction_read_only = off")
    assert store.reopen_writable()
    store.ledger.set_meta("k", "v")
    assert store.ledger.meta("k") == "v"
    store.close()


# -- the password never shows ------------------------------------------------------------------


def test_the_password_comes_from_a_0600_file_and_never_shows(tmp_path: Path, pg_url: str) -> None:
    Store.open(pg_url).close()  # the store exists; the password role now uses it
    url = pg_url.replace(f"//{postgres.server().superuser}@", f"//{postgres.PASSWORD_ROLE}@")
    secret = tmp_path / "pg-password"
    secret.write_text(postgres.PASSWORD + "\n")
    secret.chmod(0o644)
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[store]\nurl = "{url}"\npassword_file = "{secret}"\n')
    settings = load_file(config)
    with pytest.raises(StoreError, match="must be readable by its owner only"):
        Store.open_existing(settings)
    secret.chmod(0o600)
    store = Store.open_existing(settings)
    assert store.health().where == url and postgres.PASSWORD not in repr(store.health())
    store.close()
    secret.write_text("wrong-" + postgres.PASSWORD)
    with pytest.raises(StoreError) as refused:
        Store.open_existing(settings)
    assert "password authentication failed" in str(refused.value)
    assert postgres.PASSWORD not in str(refused.value)


@pytest.mark.parametrize("url", [
    "postgresql://oddsmon:hunter2@db.example/oddsmon",
    "postgresql://db.example/oddsmon?password=hunter2",
    "host=db.example dbname=oddsmon password=hunter2",
])
def test_a_password_in_the_url_is_refused_without_echoing_it(tmp_path: Path, url: str) -> None:
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[store]\nurl = "{url}"\n')
    with pytest.raises(ConfigError, match=r"store\.url: a password is not allowed") as refused:
        load_file(config)
    assert "hunter2" not in str(refused.value)


def test_a_key_value_dsn_and_tls_options_pass_through(tmp_path: Path, pg_url: str) -> None:
    Store.open(pg_url).close()
    dbname = postgres.dbname(pg_url)
    dsn = f"host={postgres.server().sockets} dbname={dbname} user={postgres.server().superuser} sslmode=disable"
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[store]\nurl = "{dsn}"\n')
    store = Store.open_existing(load_file(config))
    assert store.health().where == dsn
    store.close()
    # The TLS options reach libpq as they are (over a Unix socket it uses none): its own
    # refusal of a bad one, in one line naming the store.
    with pytest.raises(StoreError, match=r'cannot connect to the store: .*invalid sslmode value: "bogus"'):
        Store.open(dsn.replace("sslmode=disable", "sslmode=bogus"))


# -- one quota for the team --------------------------------------------------------------------


def _reserve_many(where: str, threads: int, attempts: int) -> int:
    import threading

    store = Store.open(where)
    allowed = [0] * threads

    def reserve(n: int) -> None:
        for _ in range(attempts):
            ok, _left, ticket = store.ledger.reserve_call(T0, 10, "/odds")
            if ok:
                allowed[n] += 1
                # The call is answered at once; the provider's count is not read back yet, so
                # the reservation stays counted as a call made (status 200).
                store.ledger.log_request(T0, "/odds", "200", 1.0, True, ticket=ticket, unobserved=True)

    workers = [threading.Thread(target=reserve, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    store.close()
    return sum(allowed)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_hosts_reserving_at_once_never_spend_past_the_reserve(tmp_path: Path, backend: str) -> None:
    where = _where(backend, tmp_path)
    store = Store.open(where)
    store.ledger.observe(T0, 500, 50, None, None, sent_at=T0)  # 50 left, 10 kept back
    store.close()
    spent = _hosts_at_once(_reserve_many, [(where, 2, 15)] * 3)
    # 3 hosts x 2 threads x 15 attempts = 90 tries at 50 left: exactly 40 calls, never one more.
    assert sum(spent) == 40
    store = Store.open(where)
    assert store.ledger.quota().remaining_at(T0) == 10
    assert store.ledger.reserve_call(T0, 10)[:2] == (False, 10)
    store.close()


# -- one collector for the team ----------------------------------------------------------------


def test_the_collector_lease_is_judged_on_the_servers_clock(pg_url: str) -> None:
    active, standby = Store.open(pg_url), Store.open(pg_url)
    me = os.getpid()
    assert active.collector.acquire("collector", T0, 120.0, pid=me) is None
    # The standby's host clock runs an hour ahead: on a server's store that proves nothing.
    holder = standby.collector.acquire("collector", T0 + timedelta(hours=1), 120.0, pid=me + 1)
    assert holder is not None and holder.pid == me
    # The holder renews (its own clock an hour behind the standby's: the server's clock counts).
    assert active.collector.renew("collector", T0 - timedelta(days=3), pid=me)
    assert standby.collector.acquire("collector", T0, 120.0, pid=me + 1) is not None
    # No heartbeat for 10 minutes of the server's clock: the standby takes over.
    with active.db.write() as tx:
        tx.execute("UPDATE leases SET heartbeat_at = heartbeat_at - 600")
    assert standby.collector.acquire("collector", T0, 120.0, pid=me + 1) is None
    taken = active.collector.holder("collector")
    assert taken is not None and taken.pid == me + 1
    assert not active.collector.renew("collector", T0, pid=me)  # the old holder learns it lost it
    active.close()
    standby.close()


def test_on_one_hosts_file_the_lease_is_judged_on_the_time_passed_in(tmp_path: Path) -> None:
    active, standby = Store.open(tmp_path / "o.db"), Store.open(tmp_path / "o.db")
    me = os.getpid()
    assert active.collector.acquire("collector", T0, 120.0, pid=me) is None
    assert standby.collector.acquire("collector", T0 + timedelta(seconds=60), 120.0, pid=me + 1) is not None
    assert standby.collector.acquire("collector", T0 + timedelta(seconds=121), 120.0, pid=me + 1) is None
    active.close()
    standby.close()


# -- the desk: each author's own, the team's on request ----------------------------------------


def _pick(fixture: int, price: float) -> NewPick:
    return NewPick(fixture, T0 + timedelta(hours=2), "A v B", "Premier League", 1, "", "Home", "Home",
                   8, "Bet365", price, 10.0)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_picks_pins_and_filters_are_each_authors_and_the_teams_on_request(tmp_path: Path,
                                                                           backend: str) -> None:
    where = _where(backend, tmp_path)
    ana, bob = Store.open(where, author="ana@laptop"), Store.open(where, author="bob@desk")
    ana.picks.add(_pick(7, 2.1), T0)
    bob.picks.add(_pick(8, 3.0), T0)
    assert [(p.fixture_id, p.author) for p in ana.picks.all()] == [(7, "ana@laptop")]
    assert [(p.fixture_id, p.author) for p in bob.picks.all()] == [(8, "bob@desk")]
    assert [p.author for p in bob.picks.all("team")] == ["ana@laptop", "bob@desk"]

    assert ana.picks.toggle_pin(7, T0) and bob.picks.toggle_pin(7, T0) and bob.picks.toggle_pin(9, T0)
    assert not ana.picks.toggle_pin(7, T0)  # ana unpins hers; bob's stays
    assert (ana.picks.pinned(), bob.picks.pinned(), ana.picks.pinned("team")) == (set(), {7, 9}, {7, 9})

    ana.picks.save_filters(frozenset({61}), frozenset({3}))
    assert ana.picks.filters() == (frozenset({61}), frozenset({3}))
    assert bob.picks.filters() == (frozenset(), frozenset())
    assert set(bob.picks.team_filters()) == {"ana@laptop"}
    ana.close()
    bob.close()


def test_a_v7_file_keeps_its_picks_pins_and_filters_for_everyone_through_migration_10(tmp_path: Path) -> None:
    from oddsmon.store.sqlite import _MIGRATIONS, APPLICATION_ID, _split_sql

    path = tmp_path / "v7.db"
    conn = sqlite3.connect(path)
    for step in range(1, 8):
        for statement in _split_sql(_MIGRATIONS[step]):
            conn.execute(statement)
    conn.execute("INSERT INTO picks (created_at, fixture_id, kickoff, match, league, bet_id, line, outcome, "
                 "label, bookmaker_id, bookmaker, price, stake) VALUES (?, 7, NULL, 'A v B', 'PL', 1, '', "
                 "'Home', 'Home', 8, 'Bet365', 2.1, 10)", (T0.timestamp(),))
    conn.execute("INSERT INTO pins VALUES (7, ?)", (T0.timestamp(),))
    conn.execute("""INSERT INTO meta VALUES ('desk.filters', '{"hidden_leagues": [61], "hidden_bookmakers": []}')""")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    for author in ("ana@laptop", "bob@desk"):
        store = Store.open(path, author=author)
        assert [(p.fixture_id, p.author) for p in store.picks.all()] == [(7, "")]
        assert store.picks.pinned() == {7}
        assert store.picks.filters() == (frozenset({61}), frozenset())
        store.close()


# -- what the next part listens to -------------------------------------------------------------


def test_a_change_of_the_offline_state_is_announced_to_other_hosts_at_commit(pg_url: str) -> None:
    writer, watcher = Store.open(pg_url), Store.open(pg_url)
    listener = watcher.db.listen(["state"])
    assert listener is not None
    with pytest.raises(RuntimeError), writer.transaction():
        writer.state.update(lambda s: s.evolve(offline=True, reason="user", since=T0), T0)
        raise RuntimeError("rolled back: nobody hears of it")
    assert listener.wait(0.2) == []
    writer.state.update(lambda s: s.evolve(offline=True, reason="user", since=T0), T0)
    assert listener.wait(5) == [("state", "offline")]
    listener.close()
    writer.close()
    watcher.close()


def test_one_hosts_file_has_no_notifications_its_processes_poll_it(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "o.db")
    assert store.db.listen(["state"]) is None
    store.state.update(lambda s: s.evolve(offline=True, reason="user", since=T0), T0)  # notify: nothing
    assert store.state.read().offline
    store.close()


def test_postgresql_sessions_run_without_jit(pg_url: str) -> None:
    """The planner would compile the packed books' and the summaries' queries (17 ms, for a
    3 ms query): every session of the store turns JIT off."""
    store = Store.open(pg_url)
    try:
        assert store.db.query_one("SHOW jit") == ("off",)
    finally:
        store.close()
