"""Runs inside a private mount namespace with a small tmpfs of its own mounted at MNT (see
test_hostile_files.py): drives the real command line while that filesystem is full or
read-only, and prints one JSON report on its last line.

Usage: hostile_worker.py MODE MNT CONFIG, with the test's clock's offset in $BENCH_CLOCK_OFFSET_S
(every oddsmon it starts reads its time there: tests/perf/at_clock.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def cli(cfg: Path, *args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-m", "tests.perf.at_clock", "--config", str(cfg), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    return {"args": list(args), "rc": proc.returncode, "out": proc.stdout[-30000:],
            "err": proc.stderr[-3000:]}


def fill(directory: Path) -> str:
    """Fill the filesystem to the last byte; the error that stopped it."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    error = ""
    try:
        for block in (1 << 20, 65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * block)
            except OSError as exc:
                error = exc.strerror or str(exc)
    finally:
        os.close(fd)
    return error


def store_facts(db: Path) -> dict[str, object]:
    # immutable: creates no -wal or -shm (nothing else runs now, and the last writer closed).
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return {
            "entries": conn.execute("SELECT count(*) FROM cache").fetchone()[0],
            "offline": list(conn.execute("SELECT offline, reason FROM state").fetchone()),
            "incidents": conn.execute("SELECT count(*) FROM incidents").fetchone()[0],
            "quota": list(conn.execute("SELECT daily_limit, daily_remaining FROM quota").fetchone()),
        }
    finally:
        conn.close()


def full_at_open(mnt: Path, cfg: Path) -> dict[str, object]:
    """A healthy store (offline by hand, an incident, a cache) on a disk that becomes full
    while no oddsmon runs; then every writer starts on it; then space comes back."""
    db = mnt / "state" / "oddsmon.db"
    report: dict[str, object] = {"setup": [cli(cfg, "--warm"), cli(cfg, "--offline")]}
    report["before"] = store_facts(db)
    report["sidecars_before"] = sorted(p.name for p in db.parent.iterdir())
    report["filler"] = fill(mnt)
    report["during"] = [cli(cfg, *args) for args in (
        ["--warm"], ["--online"], ["--offline"], ["--check"], ["--export", "-"],
        ["--note", "disk full, freeing space"], ["--warm"])]
    report["names_during"] = sorted(p.name for p in db.parent.iterdir())
    (mnt / "filler").unlink()
    report["after"] = [cli(cfg, "--check", "--json"), cli(cfg, "--online"), cli(cfg, "--warm")]
    report["facts_after"] = store_facts(db)
    return report


def wal_unread(mnt: Path, cfg: Path) -> dict[str, object]:
    """Committed state left in the -wal (a writer killed before any checkpoint), then the
    filesystem remounted read-only: the -wal cannot be used, only the main file is readable."""
    db = mnt / "state" / "oddsmon.db"
    report: dict[str, object] = {"setup": [cli(cfg, "--warm")]}
    # Another oddsmon goes offline (network) and dies at once: its commit is only in the -wal.
    code = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('PRAGMA wal_autocheckpoint = 0'); "
            "c.execute(\"UPDATE state SET offline = 1, reason = 'network', since = 1e9, "
            "detail = 'cannot reach the API'\"); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    report["wal_size"] = os.stat(f"{db}-wal").st_size
    # No -shm (a snapshot or backup restored without it): on a read-only filesystem SQLite
    # cannot create one, so the store opens only as immutable, which skips the -wal.
    Path(f"{db}-shm").unlink(missing_ok=True)
    ro = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True, text=True)
    report["remount"] = ro.returncode
    report["check"] = [cli(cfg, "--check"), cli(cfg, "--check", "--json")]
    report["names"] = sorted(p.name for p in db.parent.iterdir())
    return report


def journal_enospc(mnt: Path, cfg: Path) -> dict[str, object]:
    """The journal on a full disk whose last page has 100 bytes free: an append is cut short."""
    journal = mnt / "incidents_supervision.md"
    report: dict[str, object] = {"setup": [cli(cfg, "--warm"), cli(cfg, "--offline")]}
    page = os.statvfs(mnt).f_bsize
    size = journal.stat().st_size
    with journal.open("a") as f:  # a person's line, sized so 100 bytes of the page stay free
        pad = (page - 100 - size - len("\nanalyst: \n")) % page
        f.write("\nanalyst: " + "x" * pad + "\n")
    report["filler"] = fill(mnt)
    before = journal.read_bytes()
    report["note"] = cli(cfg, "--note", "switched the feed to the backup line " + "y" * 300)
    report["unchanged_after_note"] = journal.read_bytes() == before
    report["retry"] = cli(cfg, "--note", "switched the feed to the backup line " + "y" * 300)
    report["unchanged_after_retry"] = journal.read_bytes() == before
    (mnt / "filler").unlink()
    report["sync"] = cli(cfg, "--export")
    text = journal.read_text()
    report["note_lines"] = sum("switched the feed" in line for line in text.splitlines())
    report["journal_sha"] = hashlib.sha256(journal.read_bytes()).hexdigest()
    report["prefix_kept"] = journal.read_bytes().startswith(before)
    return report


if __name__ == "__main__":
    mode, mnt_arg, cfg_arg = sys.argv[1:4]
    result = {"full_at_open": full_at_open, "wal_unread": wal_unread,
              "journal_enospc": journal_enospc}[mode](Path(mnt_arg), Path(cfg_arg))
    print(json.dumps(result))
