"""Store faults, for real: writers killed with SIGKILL, damaged files, a newer schema and another
program's database, a disk that fills up or is read-only, four processes at once for 30 s."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import LoopbackServer, SimConfig, SimTransport, Simulator
from oddsmon.store import Store
from oddsmon.store.sqlite import APPLICATION_ID, SCHEMA_VERSION

from ..clocks import ShiftedClock
from ..conftest import SECRET
from .conftest import python_env, worker_cmd
from .faults import secret_hits
from .hostile import at_clock
from .workers import KILL_PREFIX, expected_body

# -- shared pieces ----------------------------------------------------------------------------


@pytest.fixture
def system_server(day_clock: ShiftedClock) -> Iterator[LoopbackServer]:
    """The simulator in real time from the test's Saturday morning, for the oddsmon processes
    :func:`run_cli` starts on the same clock."""
    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=5000, per_minute=5000),
                    clock=day_clock)
    with LoopbackServer(sim) as srv:
        yield srv


def write_config(directory: Path, url: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    cfg = directory / "oddsmon.toml"
    cfg.write_text(
        f'[api]\nbase_url = "{url}"\nretries = 1\ntimeout_s = 5.0\n\n'
        f'[watch]\nleagues = [39, 61]\ndays_ahead = 2\n\n'
        f'[paths]\ndb = "{directory / "oddsmon.db"}"\nmetrics = "{directory / "metrics.json"}"\n'
        f'incidents = "{directory / "incidents.md"}"\n')
    return cfg


def primed_store(db: Path, clock: ShiftedClock) -> None:
    """A real oddsmon store with a warm's worth of entries (in-process simulator)."""
    base = Settings()
    settings = replace(base, watch=replace(base.watch, leagues=(39, 61), days_ahead=2)).with_paths(
        db=db, metrics=db.with_name("m.json"), incidents=db.with_name("j.md"))

    async def warm() -> None:
        sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=5000, per_minute=5000), clock=clock)
        eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
        try:
            report = await eng.service.warm()
            assert report.stopped is None
        finally:
            await eng.aclose()

    asyncio.run(warm())
    assert not Path(f"{db}-wal").exists()  # closed cleanly: one self-contained file


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(clock: ShiftedClock, *args: str) -> subprocess.Popen[str]:
    """``oddsmon ARGS`` as a person runs it, with the API key in its environment, on ``clock``."""
    launcher, env = at_clock(clock, python_env(APISPORTS_KEY=SECRET))
    return subprocess.Popen([*launcher, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def asides(db: Path) -> list[Path]:
    return sorted(p for p in db.parent.glob(f"{db.name}.corrupt-*") if not p.name.endswith(("-wal", "-shm")))


def our_store_ok(db: Path) -> tuple[str, int, int]:
    """(integrity_check, application_id, cache entries) of the store at ``db``."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return (conn.execute("PRAGMA integrity_check").fetchone()[0],
                conn.execute("PRAGMA application_id").fetchone()[0],
                conn.execute("SELECT count(*) FROM cache").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        return (f"{type(exc).__name__}: {exc}", 0, 0)
    finally:
        conn.close()


# -- 16 ---------------------------------------------------------------------------------------


def _verify_after_kill(db: Path, committed: set[int], checked: int) -> int:
    """Check the store as the next oddsmon finds it; bodies of entries above ``checked`` (the
    ones written since the last check) are compared in full. Returns the entry count."""
    conn = sqlite3.connect(db)  # what the next oddsmon does first: open, recover the WAL
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        keys = [int(k[len(KILL_PREFIX):]) for (k,) in conn.execute(
            "SELECT key FROM cache WHERE kind = '/kill'")]
        rows = dict.fromkeys(keys, "")
        rows.update({int(k[len(KILL_PREFIX):]): body for k, body in conn.execute(
            "SELECT key, body FROM cache WHERE kind = '/kill' AND fetched_at > ?", (checked,))})
        counter = conn.execute("SELECT coalesce((SELECT value FROM counters WHERE name = 'kill:rows'), 0)").fetchone()[0]
        open_incidents = conn.execute("SELECT count(*) FROM incidents WHERE closed_at IS NULL").fetchone()[0]
        offline = conn.execute("SELECT offline FROM state WHERE id = 1").fetchone()
    finally:
        conn.close()
    assert len(rows) == counter  # entry and counter commit together or not at all
    assert set(rows) == set(range(1, counter + 1))  # no hole: nothing committed went missing
    missing = committed - set(rows)
    assert not missing, f"committed then lost: {sorted(missing)[:10]}"
    bad = [i for i, body in rows.items() if i > checked and body != expected_body(i)]
    assert not bad, f"entries changed: {bad[:10]}"
    # The offline state and its incident change in one transaction: never one without the other.
    assert open_incidents == (offline[0] if offline else 0)
    return counter


@pytest.mark.slow
def test_16_kill_9_of_a_writer_at_random_moments_50_times(tmp_path: Path) -> None:
    db = tmp_path / "state" / "oddsmon.db"
    rng = random.Random(16)
    committed: set[int] = set()
    checked = 0
    during_open = 0
    for n in range(50):
        proc = subprocess.Popen(worker_cmd("kill_writer", str(db)), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=python_env())
        watchdog = threading.Timer(30, proc.kill)
        watchdog.start()
        try:
            if n % 5 == 4:
                # Some kills land while the process starts and opens the store (connect, WAL
                # recovery, schema creation on the first run).
                time.sleep(rng.uniform(0.0, 0.12))
                during_open += 1
            else:
                first = proc.stdout.readline()  # type: ignore[union-attr]
                assert first.strip() == "ready", (first, proc.stderr.read())  # type: ignore[union-attr]
                # A few commits first, however slow a loaded machine writes (a bare sleep let
                # 40 kills see 74 commits in all at load 7), then a kill at a random moment.
                for _ in range(rng.randint(1, 5)):
                    line = proc.stdout.readline()  # type: ignore[union-attr]
                    committed.update([int(line)] if line.strip().isdigit() else [])
                time.sleep(rng.uniform(0.0, 0.08))
            os.kill(proc.pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=30)
        finally:
            watchdog.cancel()
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, err)
        assert "Traceback" not in err, err
        committed.update(int(line) for line in out.split() if line.isdigit())
        if db.exists():
            checked = _verify_after_kill(db, committed, checked)
    assert len(committed) > 100  # the kills really interrupted a stream of writes
    # The next oddsmon opens it as it is: nothing moved aside, nothing rebuilt.
    store = Store.open(db)
    try:
        assert store.health().problem is None
        assert store.integrity_check() == "ok"
        assert store.cache.stats()[0] >= len(committed)
    finally:
        store.close()


# -- 17 ---------------------------------------------------------------------------------------


def test_17_corrupt_database_file_moved_aside_rebuilt_one_message(
        tmp_path: Path, system_server: LoopbackServer, day_clock: ShiftedClock) -> None:
    rng = random.Random(17)
    cases: dict[str, bytes] = {}
    variants = {
        "garbage": lambda good: rng.randbytes(len(good)),
        "truncated": lambda good: good[: len(good) // 3],
        # The header is intact, so SQLite opens it; pages in the middle are garbage.
        "damaged_pages": lambda good: good[:8192] + rng.randbytes(16384) + good[8192 + 16384:],
    }
    procs = {}
    for name, damage in variants.items():
        d = tmp_path / name
        cfg = write_config(d, system_server.url)
        db = d / "oddsmon.db"
        primed_store(db, day_clock)
        cases[name] = damage(db.read_bytes())
        db.write_bytes(cases[name])
        procs[name] = run_cli(day_clock, "--config", str(cfg), "--warm")
    problems = []
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        db = tmp_path / name / "oddsmon.db"
        lines = [line for line in err.splitlines() if line.strip()]
        moved = asides(db)
        if proc.returncode != 0:
            problems.append(f"{name}: exit {proc.returncode}: {err.strip()[-300:]}")
        if len(lines) != 1 or "moved aside" not in lines[0] or str(db) not in lines[0]:
            problems.append(f"{name}: expected one line saying the file was moved aside, got {lines}")
        if len(moved) != 1 or moved[0].read_bytes() != cases[name]:
            problems.append(f"{name}: the damaged file is not kept as it was: {moved}")
        integrity, app_id, entries = our_store_ok(db)
        if (integrity, app_id) != ("ok", APPLICATION_ID) or entries == 0:
            problems.append(f"{name}: store not rebuilt: {integrity}, {app_id}, {entries} entries")
        if secret_hits((out + err).encode(), SECRET):
            problems.append(f"{name}: the key is in the output")
    assert not problems, "\n".join(problems)


# -- 18 ---------------------------------------------------------------------------------------


def test_18_newer_schema_or_another_programs_database_not_destroyed_silently(
        tmp_path: Path, system_server: LoopbackServer, day_clock: ShiftedClock) -> None:
    newer_dir, foreign_dir = tmp_path / "newer", tmp_path / "foreign"
    cfgs = {"newer": write_config(newer_dir, system_server.url),
            "foreign": write_config(foreign_dir, system_server.url)}
    newer = newer_dir / "oddsmon.db"
    primed_store(newer, day_clock)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")  # what a future oddsmon would leave
    conn.commit()
    conn.close()
    foreign = foreign_dir / "oddsmon.db"  # paths.db pointing at another program's database
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer TEXT, amount REAL)")
    conn.executemany("INSERT INTO invoices (customer, amount) VALUES (?, ?)",
                     [(f"customer {i}", i * 1.5) for i in range(2000)])
    conn.commit()
    conn.close()
    original = {"newer": (newer, newer.read_bytes()), "foreign": (foreign, foreign.read_bytes())}

    # --check only reads: UNKNOWN (3), says why, and leaves the file exactly as it was.
    for name, (db, data) in original.items():
        proc = run_cli(day_clock, "--config", str(cfgs[name]), "--check")
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, (name, out, err)
        assert "UNKNOWN" in out and str(db) in out, out
        assert db.read_bytes() == data and asides(db) == [], name
        # Nothing else written (SQLite's own -wal/-shm of a read-only WAL connection aside).
        assert sorted(p.name for p in db.parent.iterdir()
                      if not p.name.endswith(("-wal", "-shm"))) == ["oddsmon.db", "oddsmon.toml"]

    # A command that needs a store: another program's file is moved aside untouched, said so
    # in one line (a newer oddsmon's is refused as it is: test_hostile_store.py).
    procs = {name: run_cli(day_clock, "--config", str(cfgs[name]), "--warm") for name in ("foreign",)}
    problems = []
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        db, data = original[name]
        lines = [line for line in err.splitlines() if line.strip()]
        why = "another program"
        if proc.returncode != 0:
            problems.append(f"{name}: exit {proc.returncode}: {err.strip()[-300:]}")
        if len(lines) != 1 or why not in lines[0] or "moved aside" not in lines[0]:
            problems.append(f"{name}: expected one line naming the reason ({why}), got {lines}")
        moved = asides(db)
        if len(moved) != 1:
            problems.append(f"{name}: expected one file moved aside, got {moved}")
            continue
        if moved[0].read_bytes() != data:
            changed = [i for i, (a, b) in enumerate(zip(data, moved[0].read_bytes(), strict=False)) if a != b][:8]
            problems.append(f"{name}: the file moved aside is not byte for byte the original "
                            f"(bytes {changed} differ)")
        kept = sqlite3.connect(f"file:{moved[0]}?mode=ro", uri=True)
        try:
            if kept.execute("SELECT count(*) FROM invoices").fetchone()[0] != 2000:
                problems.append(f"{name}: rows lost in the file moved aside")
        finally:
            kept.close()
        integrity, app_id, n = our_store_ok(db)
        if (integrity, app_id) != ("ok", APPLICATION_ID) or n == 0:
            problems.append(f"{name}: no working store after: {integrity}, {app_id}, {n}")
    assert not problems, "\n".join(problems)


# -- 19 ---------------------------------------------------------------------------------------


def _private_mount_prefix(scratch: Path) -> list[str] | None:
    """A private mount namespace where we may mount a tmpfs: as root, or as a user through a
    user namespace. None when this host allows neither. (Mounts made there vanish with the
    process; the host's mount table never sees them.)"""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    scratch.mkdir(exist_ok=True)
    options = [[unshare, "--mount", "--propagation", "private"]] if os.geteuid() == 0 else []
    options.append([unshare, "--user", "--map-root-user", "--mount", "--propagation", "private"])
    for prefix in options:
        probe = subprocess.run([*prefix, "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(scratch)],
                               capture_output=True, timeout=30)
        if probe.returncode == 0:
            return prefix
    return None


def test_19_read_only_or_full_disk_clear_error_cache_still_served(tmp_path: Path) -> None:
    """The store lives on a small tmpfs of its own, in a private mount namespace (works as
    root, where chmod would not stop a write): ``full`` fills that filesystem while oddsmon
    runs (ENOSPC); ``readonly`` remounts it read-only (EROFS) and starts oddsmon on it."""
    prefix = _private_mount_prefix(tmp_path / "probe")
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare/mount not permitted): "
                    "cannot make a real full or read-only filesystem")
    procs = {}
    for fault in ("full", "readonly"):
        mnt = tmp_path / fault
        mnt.mkdir()
        # Room for what "space is back" must hold: the warmed store (1.6 MB) and its WAL,
        # which SQLite lets grow to 4 MB before its automatic checkpoint copies it back.
        script = (f'mount -t tmpfs -o size=16m,mode=0700 tmpfs "{mnt}" && '
                  f'exec "$0" "$@"')
        procs[fault] = subprocess.Popen(
            [*prefix, "sh", "-c", script, *worker_cmd("disk", str(mnt), fault)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=python_env(ODDSMON_TEST_KEY=SECRET))
    reports = {}
    for fault, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip(), (fault, out, err)
        reports[fault] = json.loads(out.strip().splitlines()[-1])
        assert SECRET not in out + err
        assert reports[fault]["key_in_files"] == [], reports[fault]["key_in_files"]
    problems: list[str] = []

    full = reports["full"]
    assert full.get("filler") == "No space left on device", full  # the fault is real
    assert "crash" not in full, full["crash"]
    for page, got in full["pages"].items():
        if "raised" in got:
            problems.append(f"disk full: {page} raised instead of serving the cache: {got['raised']}")
        elif not got["data"] or got["source"] != "cache":
            problems.append(f"disk full: {page} not served from the cache: {got}")
    if not any("disk is full" in str(got.get("error")) for got in full["pages"].values()):
        problems.append("disk full: no page says the disk is full")
    if full.get("during") != full["before"]:
        problems.append(f"disk full: the cache changed: {full['before']} -> {full.get('during')}")
    if full["after_space"]["refresh_odds"].get("source") != "live":
        problems.append(f"disk full: no recovery once space is back: {full['after_space']}")

    ro = reports["readonly"]
    assert ro["remount"] == 0, ro  # the fault is real
    if ro["open"] != "ok":
        problems.append(f"read-only: oddsmon does not start on a read-only store: {ro['open']}")
    else:
        for page, got in ro["pages"].items():
            if "raised" in got or not got.get("data") or got.get("source") != "cache":
                problems.append(f"read-only: {page} not served from the cache: {got}")
        if not any("read-only" in str(got.get("error")) for got in ro["pages"].values()):
            problems.append("read-only: no page says the store is read-only")
    if ro.get("entries_after") != ro["before"]:
        problems.append(f"read-only: the cache changed: {ro['before']} -> {ro.get('entries_after')}")
    assert not problems, "\n".join(problems)


# -- 20 ---------------------------------------------------------------------------------------

# Long enough for every process to cross every other's writes thousands of times; each second
# more holds both cores of a CI machine for every other test.
SOAK_S = 12.0


@pytest.mark.slow
def test_20_four_processes_reading_and_writing_for_12s(tmp_path: Path, day_clock: ShiftedClock) -> None:
    db = tmp_path / "state" / "oddsmon.db"
    Store.open(db).close()  # created once; the four then open it at the same moment
    t0 = time.monotonic()
    procs = [subprocess.Popen(worker_cmd("soak", str(db), str(SOAK_S), str(i)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=at_clock(day_clock, python_env())[1]) for i in range(4)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=SOAK_S + 90)
        assert proc.returncode == 0, err
        assert "locked" not in err.lower(), err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - t0
    assert elapsed >= SOAK_S
    locked = sum(r["locked"] for r in reports)
    errors = [e for r in reports for e in r["errors"]]
    assert locked == 0, errors[:3]
    assert errors == [], errors[:3]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counters = dict(conn.execute("SELECT name, value FROM counters").fetchall())
        soak_rows = dict(conn.execute(
            "SELECT substr(key, 1, instr(key, '&') - 1), count(*) FROM cache "
            "WHERE kind = '/soak' GROUP BY 1").fetchall())
    finally:
        conn.close()
    # The counters add up: every write of every process is there, counted once.
    assert counters["soak:total"] == sum(r["rows"] for r in reports)
    for r in reports:
        assert counters.get(f"soak:p{r['index']}", 0) == r["rows"]
        assert soak_rows.get(f"/soak?p={r['index']}", 0) == r["rows"]
    assert counters.get("hits", 0) == sum(r["hits"] for r in reports)
    assert counters.get("misses", 0) == sum(r["misses"] for r in reports)
    logged = sum(v for k, v in counters.items() if k.startswith("requests:"))
    assert logged == sum(r["sim_requests"] for r in reports)  # each request sent, logged once
    # It really was four processes busy at once.
    assert all(r["iterations"] > 100 for r in reports), [r["iterations"] for r in reports]
    assert sum(r["ops"].get("refresh", 0) for r in reports) > 20


def test_17b_an_export_never_moves_a_damaged_store_aside(
        tmp_path: Path, system_server: LoopbackServer, day_clock: ShiftedClock) -> None:
    """A damaged store is the TUI's and --warm's to move aside and rebuild (test 17): an
    --export, run by cron every minute, leaves the file as it is (and reports the damage
    when it reads a damaged page), as open_existing promises."""
    cfg = write_config(tmp_path, system_server.url)
    db = tmp_path / "oddsmon.db"
    primed_store(db, day_clock)
    good = db.read_bytes()
    damaged = good[:8192] + random.Random(171).randbytes(16384) + good[8192 + 16384:]
    db.write_bytes(damaged)
    proc = run_cli(day_clock, "--config", str(cfg), "--export", str(tmp_path / "metrics.json"))
    out, err = proc.communicate(timeout=120)
    assert not secret_hits((out + err).encode(), SECRET)
    assert not asides(db), "an export moved the store aside"
    assert db.read_bytes() == damaged
    assert "moved aside" not in err
    if proc.returncode != 0:  # the damage was in pages it read: said once, naming the file
        assert str(db) in err and len(err.strip().splitlines()) == 1, err
