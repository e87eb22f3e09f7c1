"""``oddsmon --copy-store FROM TO`` through the real command line, between a SQLite file and a real
PostgreSQL database, both ways: verified by counts and checksums, resumed after kill -9, and a
target that holds a store refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oddsmon.store import Store
from oddsmon.store.copy import verify
from tests import postgres
from tests.stores import one_row
from tests.unit.test_store_seam import _every_part_at_work

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _cli(tmp_path: Path, *args: str, **popen: object) -> subprocess.Popen[str]:
    config = tmp_path / "oddsmon.toml"
    if not config.exists():
        config.write_text("")
    env = {**os.environ, "ODDSMON_CONFIG": str(config), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "oddsmon", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    proc = _cli(tmp_path, *args)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def _source(path: Path, odds_rows: int = 0) -> Path:
    """A store with every part's rows, and ``odds_rows`` more prices (their history too)."""
    store = Store.open(path, author="ana@laptop")
    _every_part_at_work(store)
    store.cache.put("/odds?fixture=9", "/odds", '{"results": 0}', T0, 60)  # a short body: text
    store.cache.put("/odds?fixture=10", "/odds", "{" + " " * 50_000 + "}", T0, 60)  # compressed
    prices = [(1000 + n // 40, 8, 1, f"o{n % 40}", 1.5 + n % 7 / 10) for n in range(odds_rows)]
    for step in range(2):
        store.history.record(T0 + timedelta(minutes=step), [(*p[:4], p[4] + step) for p in prices])
    store.close()
    return path


def test_a_store_goes_to_postgresql_and_back_the_same(tmp_path: Path, pg_url: str) -> None:
    original = _source(tmp_path / "laptop.db", odds_rows=3000)
    code, out, err = _run(tmp_path, "--copy-store", str(original), pg_url)
    assert code == 0, err
    assert "verified:" in out and "DIFFERS" not in out
    assert "odds_latest" in out and "3,0" in out  # the table, its rows on both sides

    back = tmp_path / "back.db"
    code, out, err = _run(tmp_path, "--copy-store", pg_url, str(back))
    assert code == 0, err
    first, last = Store.open_existing(original), Store.open_existing(back)
    assert all(v.ok for v in verify(first, last))
    # What a person sees is the same on the copy: the history, the journal, the picks, a body.
    assert list(last.history.stream()) == list(first.history.stream())
    assert last.journal.incidents() == first.journal.incidents()
    assert [(p.id, p.author) for p in Store.open_existing(back, writable=False).picks.all("team")] == \
        [(p.id, p.author) for p in first.picks.all("team")]
    assert last.cache.get("/odds?fixture=10") == first.cache.get("/odds?fixture=10")
    assert one_row(last, "SELECT body FROM cache WHERE key = '/odds?fixture=9'")[0] == '{"results": 0}'
    first.close()
    last.close()

    # The team's store goes on numbering where the copied ids stopped.
    team = Store.open(pg_url, author="bob@desk")
    assert team.journal.record_note(T0, "after the move") == (1, True)
    assert max(a.id for a in team.journal.incidents()[0].actions) > 1
    team.close()


def test_a_target_that_holds_a_store_is_refused_and_left_as_it_is(tmp_path: Path, pg_url: str) -> None:
    source = _source(tmp_path / "a.db")
    other = Store.open(pg_url)
    other.ledger.set_meta("theirs", "keep me")
    other.close()
    code, _, err = _run(tmp_path, "--copy-store", str(source), pg_url)
    assert code == 2
    assert "the target is not empty (1 in meta)" in err and len(err.strip().splitlines()) == 1
    kept = Store.open_existing(pg_url)
    assert kept.ledger.meta("theirs") == "keep me" and kept.ledger.counters() == {}
    kept.close()
    code, _, err = _run(tmp_path, "--copy-store", str(source), str(source))
    assert code == 2 and "the same store" in err
    code, _, err = _run(tmp_path, "--copy-store", str(source), "postgresql://u:hunter2@db.example/x")
    assert code == 2 and "password is not allowed" in err and "hunter2" not in err


@pytest.mark.slow
def test_a_copy_killed_half_way_finishes_when_run_again_and_doubles_nothing(tmp_path: Path,
                                                                           pg_url: str) -> None:
    source = _source(tmp_path / "big.db", odds_rows=40_000)
    proc = _cli(tmp_path, "--copy-store", str(source), pg_url)
    assert proc.stderr is not None
    for line in proc.stderr:  # its progress: killed once the first batch of the history is in
        if line.strip().startswith("odds_latest:"):
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(60)
    assert proc.returncode == -signal.SIGKILL
    half = Store.open_existing(pg_url)
    copied = one_row(half, "SELECT count(*) FROM odds_latest")[0]
    assert 0 < copied < 40_000 + 2  # half way: some batches of it, not all
    half.close()

    code, out, err = _run(tmp_path, "--copy-store", str(source), pg_url)
    assert code == 0, err
    assert "verified:" in out
    first, copy = Store.open_existing(source), Store.open_existing(pg_url)
    checks = {v.table: v for v in verify(first, copy)}
    assert all(v.ok for v in checks.values())
    assert checks["odds_latest"].target_rows == checks["odds_latest"].source_rows > 40_000
    assert copy.ledger.meta("copy.source") is None  # the progress marks are gone
    first.close()
    copy.close()
    # Done is done: a third run finds the target holds a store.
    code, _, err = _run(tmp_path, "--copy-store", str(source), pg_url)
    assert code == 2 and "not empty" in err


def test_the_copy_knows_every_table_and_column_of_both_backends(tmp_path: Path, pg_url: str) -> None:
    from oddsmon.store.copy import TABLES

    lite = Store.open(tmp_path / "o.db")
    lite_tables = {r[0]: [c[1] for c in lite.db.query(f"PRAGMA table_info({r[0]})")]
                   for r in lite.db.query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%'")}
    lite.close()
    Store.open(pg_url).close()
    pg_tables: dict[str, list[str]] = {}
    for table, column in postgres.server().sql(
            postgres.dbname(pg_url),
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public') "
            "ORDER BY table_name, ordinal_position"):
        pg_tables.setdefault(str(table), []).append(str(column))
    derived = {"cache_totals", "oddsmon_schema"}
    copied = {t.name: sorted(t.columns) for t in TABLES}
    assert copied == {name: sorted(cols) for name, cols in lite_tables.items() if name not in derived}
    assert copied == {name: sorted(cols) for name, cols in pg_tables.items() if name not in derived}
