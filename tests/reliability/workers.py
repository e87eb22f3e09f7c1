"""Subprocesses of the reliability suite: real oddsmon processes that write the shared store
(killed with SIGKILL at random moments, or four at once for 30 s), append to the incident
journal, or run on a disk that fills up or is read-only.

Run as ``python tests/reliability/workers.py NAME ARGS...``; each prints what the test needs
to check (committed ids, or one JSON report) on stdout. Self-contained: imports only oddsmon
(and tests/clocks.py, for the soak's clock on the test's date).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import NotRequired, TypedDict

KILL_PREFIX = "/kill?i="


def expected_body(i: int) -> str:
    """The body written for entry ``i``: deterministic, 80 B to 6 KiB (some span overflow pages)."""
    seed = hashlib.sha256(str(i).encode()).hexdigest()
    return json.dumps({"i": i, "pad": seed * (1 + (i * 7919) % 100)})


# -- test 16: a writer to be killed ----------------------------------------------------------


def kill_writer(db: str) -> None:
    """Write forever; after each COMMIT returns, print the entry's id. Each transaction adds a
    cache entry, bumps a counter and records odds prices; every few, the offline state flips
    (a transition, an incident opened or closed)."""
    from datetime import datetime, timedelta

    from oddsmon.clock import FakeClock
    from oddsmon.config import SupervisionSettings
    from oddsmon.offline import OfflineMachine
    from oddsmon.store import Store

    store = Store.open(Path(db))
    row = store.db.query_one("SELECT value FROM counters WHERE name = 'kill:rows'")
    i = 0 if row is None else int(row[0])
    clock = FakeClock(datetime(2026, 11, 24, tzinfo=UTC) + timedelta(seconds=i))
    machine = OfflineMachine(store, clock, SupervisionSettings())
    print("ready", flush=True)
    while True:
        i += 1
        clock.advance(1)
        with store.db.write() as tx:
            tx.execute("INSERT INTO cache (key, kind, body, fetched_at, expires_at) "
                       "VALUES (?, '/kill', ?, ?, ?)",
                       (f"{KILL_PREFIX}{i}", expected_body(i), float(i), float(i) + 600))
            tx.execute("INSERT INTO counters (name, value) VALUES ('kill:rows', 1) "
                       "ON CONFLICT(name) DO UPDATE SET value = value + 1")
        store.history.record(clock.now(), [(i, b, 1, o, 1.5 + (i % 97) / 10)
                                           for b in range(1, 9) for o in ("Home", "Draw", "Away")])
        if i % 5 == 0:
            machine.go_offline("user", f"drill {i}") if i % 10 == 0 else machine.go_online(f"drill {i}")
        print(i, flush=True)


# -- test 20: four processes reading and writing for 30 s -------------------------------------


class SoakReport(TypedDict):
    """What one soak process did, printed as one JSON line for the test to add up."""

    index: int
    iterations: int
    rows: int
    hits: int
    misses: int
    errors: list[str]
    locked: int
    ops: dict[str, int]  # op -> times run
    sim_requests: NotRequired[int]  # set once the process has run


def soak(db: str, seconds: str, index: str) -> None:
    """Reads and writes through the real engine (service, cache, ledger, state) and directly,
    for ``seconds``; prints one JSON report: what this process did, and every error it saw."""
    from oddsmon.config import Secret, Settings
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimConfig, SimTransport, Simulator
    from oddsmon.supervision.metrics import collect
    from tests.clocks import OFFSET_ENV, ShiftedClock

    idx = int(index)
    base = Settings()
    settings = replace(
        base, api=replace(base.api, retries=1, daily_reserve=5),
        watch=replace(base.watch, leagues=(39, 61), days_ahead=2),
        cache=replace(base.cache, odds_ttl_s=2, fixtures_ttl_s=3, predictions_ttl_s=5),
    ).with_paths(db=Path(db), metrics=Path(db).with_name("m.json"),
                 incidents=Path(db).with_name("j.md"))
    # Real time (its TTLs of seconds expire as it runs) on the test's date, whatever the day.
    clock = ShiftedClock(float(os.environ[OFFSET_ENV]))
    # Small bodies: the subject is four processes on one store, not the size of what they
    # store (a real-size odds page would leave a few iterations in the soak).
    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=10**7, per_minute=10**6,
                              days_ahead=3, full_markets=False), clock=clock)
    rng = random.Random(idx)
    report: SoakReport = {"index": idx, "iterations": 0, "rows": 0, "hits": 0, "misses": 0, "errors": [],
                          "locked": 0, "ops": {}}

    async def main() -> None:
        eng = build_engine(settings, clock=clock, key=Secret("soak-key"),
                           transport=SimTransport(sim))
        svc = eng.service
        original_flush = svc.reader.flush_counters

        def flush() -> dict[str, int]:  # write as usual, and tally what this process wrote
            written = original_flush()
            report["hits"] += written.get("hits", 0)
            report["misses"] += written.get("misses", 0)
            return written

        svc.reader.flush_counters = flush  # type: ignore[method-assign]
        fixture_ids: list[int] = []
        deadline = time.monotonic() + float(seconds)
        k = 0
        try:
            while time.monotonic() < deadline:
                r = rng.random()
                op = ("page" if r < 0.35 else "refresh" if r < 0.5 else "direct" if r < 0.8
                      else "toggle" if r < 0.85 else "snapshot")
                try:
                    if op == "page":
                        which = rng.choice(("dashboard", "bookmakers", "market", "odds"))
                        if which == "market" and fixture_ids:
                            await svc.market(rng.choice(fixture_ids))
                        elif which == "dashboard":
                            page = await svc.dashboard()
                            if page.data is not None:
                                fixture_ids = [f.id for f in page.data.fixtures if f.id in page.data.odds]
                        elif which == "odds":
                            await svc.odds()
                        else:
                            await svc.bookmakers()
                    elif op == "refresh":
                        await svc.refresh(rng.choice(("bookmakers", "odds", "dashboard")))
                    elif op == "direct":
                        k += 1
                        with eng.store.db.write() as tx:
                            tx.execute("INSERT INTO cache (key, kind, body, fetched_at, expires_at) "
                                       "VALUES (?, '/soak', ?, ?, ?)",
                                       (f"/soak?p={idx}&i={k}", json.dumps({"p": idx, "i": k}),
                                        clock.timestamp(), clock.timestamp() + 3600))
                            tx.executemany("INSERT INTO counters (name, value) VALUES (?, 1) "
                                           "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                                           [("soak:total",), (f"soak:p{idx}",)])
                        report["rows"] = k
                    elif op == "toggle" and idx == 0:
                        # One analyst flips offline and back: everyone else serves from cache.
                        svc.set_offline()
                        await svc.dashboard()
                        svc.set_online()
                    else:
                        collect(eng.store, settings, clock)
                    report["ops"][op] = report["ops"].get(op, 0) + 1
                except Exception as exc:  # every error is a finding, "locked" above all
                    text = f"{type(exc).__name__}: {exc}"
                    if "locked" in text or "busy" in text:
                        report["locked"] += 1
                    report["errors"].append(text + "\n" + traceback.format_exc(limit=4))
                report["iterations"] += 1
                await asyncio.sleep(0)
            svc.flush_counters()
        finally:
            await eng.aclose()
        report["sim_requests"] = sim.stats()["requests_total"]

    asyncio.run(main())
    print(json.dumps(report), flush=True)


# -- test 21: a process appending to the incident journal ------------------------------------


def journal_writer(config: str, rounds: str, tag: str, start_at: str = "0") -> None:
    """Open and close incidents, add actions, and sync the journal after each, as a running
    oddsmon does; prints how many records this process created."""
    from oddsmon.clock import SystemClock
    from oddsmon.config import load
    from oddsmon.offline import OfflineMachine
    from oddsmon.store import Store
    from oddsmon.supervision import journal

    settings = load(config)
    store = Store.open(settings.paths.db)
    machine = OfflineMachine(store, SystemClock(), settings.supervision)
    made = 0
    time.sleep(max(0.0, float(start_at) - time.time()))  # start together with the others
    for n in range(int(rounds)):
        if machine.go_offline("user", f"{tag} round {n}"):
            made += 1
        journal.record_action(store, SystemClock().now(), "note", f"{tag}: action {n}")
        journal.sync(store, settings)
        machine.go_online(f"{tag} round {n} done")
        journal.sync(store, settings)
        time.sleep(random.random() / 200)
    store.close()
    print(json.dumps({"tag": tag, "opened": made}), flush=True)


# -- test 19: a disk that fills up, a store that is read-only ---------------------------------


def _engine_on(directory: Path, clock: object, sim: object) -> object:
    from oddsmon.config import Secret, Settings
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimTransport

    base = Settings()
    settings = replace(base, watch=replace(base.watch, leagues=(39, 61))).with_paths(
        db=directory / "oddsmon.db", metrics=directory / "m.json", incidents=directory / "j.md")
    key = Secret(os.environ.get("ODDSMON_TEST_KEY", "disk-key"))
    return build_engine(settings, clock=clock, key=key,  # type: ignore[arg-type]
                        transport=SimTransport(sim))  # type: ignore[arg-type]


async def _pages(eng: object, fixture_id: int) -> dict[str, object]:
    """Every page a user opens: what came back, or the exception that came out instead."""
    svc = eng.service  # type: ignore[attr-defined]
    out: dict[str, object] = {}
    calls = {"bookmakers": svc.bookmakers, "odds": svc.odds, "dashboard": svc.dashboard,
             "predictions": svc.predictions, "market": lambda: svc.market(fixture_id),
             "refresh_odds": lambda: svc.refresh("odds")}
    for name, call in calls.items():
        try:
            page = await call()
            p = page.provenance
            out[name] = {"data": page.data is not None, "source": p.source, "age_s": p.age_s,
                         "error": p.error, "offline_reason": p.offline_reason}
        except Exception as exc:
            out[name] = {"raised": f"{type(exc).__name__}: {exc}"}
    return out


def disk(directory: str, fault: str) -> None:
    """Prime a store on ``directory`` (a small tmpfs of our own), then break the disk under it:
    ``full`` fills the filesystem while oddsmon runs; ``readonly`` remounts it read-only and
    starts a new oddsmon on it. Prints one JSON report of what each page did."""
    from datetime import datetime

    from oddsmon.clock import FakeClock
    from oddsmon.sim import SimConfig, Simulator
    from oddsmon.store import StoreError

    d = Path(directory)
    clock = FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    # Small bodies: the 16 MB tmpfs is sized for a warm of them; real-size ones fill it alone.
    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=1000, per_minute=1000,
                              full_markets=False), clock=clock)
    report: dict[str, object] = {"fault": fault}

    async def main() -> None:
        eng = _engine_on(d, clock, sim)
        svc = eng.service  # type: ignore[attr-defined]
        await svc.warm()
        odds = await svc.odds()
        fid = next(iter(odds.data))
        report["fixture_id"] = fid
        svc.flush_counters()
        report["before"] = _entries(d / "oddsmon.db")
        if fault == "full":
            fd = os.open(d / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                while True:
                    os.write(fd, b"\0" * 65536)
            except OSError as exc:
                report["filler"] = exc.strerror
            try:
                while True:  # the last few bytes too
                    os.write(fd, b"\0" * 512)
            except OSError:
                pass
            os.close(fd)
            clock.advance(20 * 60)
            report["pages"] = await _pages(eng, fid)
            try:
                mode = svc.mode()
                report["mode"] = {"offline": mode.offline, "reason": mode.reason, "detail": mode.detail}
            except Exception as exc:
                report["mode"] = {"raised": f"{type(exc).__name__}: {exc}"}
            report["during"] = _entries(d / "oddsmon.db")
            (d / "filler").unlink()  # space again: oddsmon writes again
            report["after_space"] = await _pages(eng, fid)
            await eng.aclose()  # type: ignore[attr-defined]
        else:
            await eng.aclose()  # type: ignore[attr-defined]
            ro = subprocess.run(["mount", "-o", "remount,ro", str(d)], capture_output=True, text=True)
            report["remount"] = ro.returncode
            report["remount_err"] = ro.stderr.strip()
            clock.advance(20 * 60)
            try:
                eng2 = _engine_on(d, clock, sim)
            except StoreError as exc:
                report["open"] = f"StoreError: {exc}"
                return
            report["open"] = "ok"
            report["pages"] = await _pages(eng2, fid)
            try:
                await eng2.aclose()  # type: ignore[attr-defined]
            except Exception as exc:
                report["close"] = f"{type(exc).__name__}: {exc}"

    try:
        asyncio.run(main())
    except Exception as exc:
        report["crash"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    report["entries_after"] = _entries(d / "oddsmon.db")
    secret = os.environ.get("ODDSMON_TEST_KEY")
    report["key_in_files"] = sorted(
        str(p) for p in d.rglob("*") if secret and p.is_file() and secret.encode() in p.read_bytes())
    print(json.dumps(report), flush=True)


def migrate_on_full_disk(directory: str) -> None:
    """An older oddsmon's store (schema 1, WAL, a few entries) on ``directory`` (a small tmpfs
    of our own), the filesystem filled, then this oddsmon's commands run on it: prints one JSON
    report of what each said and whether the store's bytes changed."""
    import sqlite3

    from oddsmon.store.sqlite import _MIGRATIONS, APPLICATION_ID, _split_sql

    d = Path(directory)
    (d / "state").mkdir()
    db = d / "state" / "oddsmon.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")  # as every oddsmon left its store
    for statement in _split_sql(_MIGRATIONS[1]):
        conn.execute(statement)
    conn.executemany("INSERT INTO cache VALUES (?, ?, ?, 1, 2)",
                     [(f"/odds?fixture={i}", "/odds", expected_body(i)) for i in range(200)])
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    cfg = d / "oddsmon.toml"
    cfg.write_text(f'[api]\nbase_url = "http://127.0.0.1:9"\nretries = 0\n[watch]\nleagues = [39]\n'
                   f'[paths]\ndb = "{db}"\nmetrics = "{d / "m.json"}"\nincidents = "{d / "i.md"}"\n')
    report: dict[str, object] = {}

    def files() -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(db.parent.iterdir())}

    before = files()
    fd = os.open(d / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    for size in (65536, 512, 1):
        try:
            while True:
                os.write(fd, b"\0" * size)
        except OSError as exc:
            report["filler"] = exc.strerror
    os.close(fd)
    for args in (("--offline",), ("--warm",), ("--check",)):
        proc = subprocess.run([sys.executable, "-m", "oddsmon", "--config", str(cfg), *args],
                              capture_output=True, text=True, timeout=120, env=os.environ)
        report[" ".join(args)] = {"code": proc.returncode, "out": proc.stdout, "err": proc.stderr}
    after = files()
    # The store's file byte for byte, and nothing committed beside it (SQLite may leave the
    # empty -wal and the -shm index its open made: the full disk keeps it from removing them).
    wal = Path(f"{db}-wal")
    report["unchanged"] = after[db.name] == before[db.name] and (not wal.exists() or wal.stat().st_size == 0)
    report["changed"] = sorted(name for name in {*before, *after} if before.get(name) != after.get(name))
    (d / "filler").unlink()  # space again: the next oddsmon upgrades it
    proc = subprocess.run([sys.executable, "-m", "oddsmon", "--config", str(cfg), "--offline"],
                          capture_output=True, text=True, timeout=120, env=os.environ)
    report["after_space"] = {"code": proc.returncode, "err": proc.stderr}
    report["after_entries"] = _entries(db)
    print(json.dumps(report), flush=True)


def _entries(db: Path) -> object:
    import sqlite3

    try:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.OperationalError:  # a WAL file on a read-only filesystem: no -shm
            conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            n = conn.execute("SELECT count(*) FROM cache").fetchone()[0]
            digest = hashlib.sha256("".join(r[0] + r[1] for r in conn.execute(
                "SELECT key, body FROM cache ORDER BY key")).encode()).hexdigest()
        finally:
            conn.close()
        return {"integrity": ok, "entries": n, "bodies": digest}
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


if __name__ == "__main__":
    name, *args = sys.argv[1:]
    workers: dict[str, Callable[..., object]] = {
        "kill_writer": kill_writer, "soak": soak, "journal_writer": journal_writer,
        "disk": disk, "migrate_on_full_disk": migrate_on_full_disk}
    workers[name](*args)
