"""Downgrades lose nothing (issue 24, item 5): a store whose schema is newer than this oddsmon
knows (a downgrade: the newer oddsmon wrote it, then an older one runs) is refused by every
command with one line saying it is newer and which oddsmon wrote it; it is never moved aside,
rebuilt, migrated or written, so the newer oddsmon finds its data again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, load_file
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.store import StoreTooNew
from oddsmon.store.sqlite import SCHEMA_VERSION
from oddsmon.tui.app import EngineStart
from oddsmon.version import __version__

from ..clocks import ShiftedClock
from ..conftest import SECRET
from ..tui.conftest import SIZE, RecordingApp
from .hostile import oddsmon, write_config

NEWER = SCHEMA_VERSION + 1
LINE = (f"written by oddsmon 9.1.0 (schema {NEWER}), newer than this oddsmon {__version__} "
        f"(schema {SCHEMA_VERSION})")


def newer_store(root: Path, clock: ShiftedClock) -> tuple[Path, Path]:
    """A config, and its store as a newer oddsmon left it: a schema this one does not know, a
    table of its own, and its name in the store."""
    cfg = write_config(root, "http://127.0.0.1:9")
    assert oddsmon(cfg, "--offline", clock=clock).returncode == 0  # this oddsmon creates it...
    db = root / "state" / "oddsmon.db"
    conn = sqlite3.connect(db)
    # ...and says it wrote it.
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_written_by'").fetchone() == (
        f"oddsmon {__version__}",)
    conn.execute("UPDATE meta SET value = 'oddsmon 9.1.0' WHERE key = 'schema_written_by'")
    conn.execute("CREATE TABLE plans (id INTEGER PRIMARY KEY, what TEXT)")
    conn.execute("INSERT INTO plans (what) VALUES ('kept by the newer oddsmon')")
    conn.execute(f"PRAGMA user_version = {NEWER}")
    conn.commit()
    conn.close()
    return cfg, db


def files(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


COMMANDS = [
    (("--offline",), 1), (("--online",), 1), (("--warm",), 3), (("--check",), 3),
    (("--check", "--json"), 3), (("--export",), 3), (("--note", "called support"), 3),
    (("--export-odds", "-"), 3), (("--picks",), 3), (("--collect", "--once"), 1),
]


def test_every_command_refuses_a_newer_store_in_one_line_and_leaves_it_as_it_was(
        tmp_path: Path, day_clock: ShiftedClock) -> None:
    cfg, db = newer_store(tmp_path, day_clock)
    before = files(db.parent)
    problems = []
    for args, code in COMMANDS:
        proc = oddsmon(cfg, *args, clock=day_clock)
        said = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        if proc.returncode != code:
            problems.append(f"{args}: exit {proc.returncode}, expected {code}: {said}")
        if len(said) != 1 or LINE not in said[0] or str(db) not in said[0]:
            problems.append(f"{args}: expected one line naming the store and its writer, got {said}")
        if files(db.parent) != before:
            problems.append(f"{args}: the store's directory changed: {files(db.parent)}")
    assert not problems, "\n".join(problems)
    assert "UNKNOWN" in oddsmon(cfg, "--check", clock=day_clock).stdout
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("SELECT what FROM plans").fetchall() == [("kept by the newer oddsmon",)]
    conn.close()


def test_selftest_says_the_store_is_newer(tmp_path: Path, day_clock: ShiftedClock) -> None:
    cfg, db = newer_store(tmp_path, day_clock)
    before = files(db.parent)
    proc = oddsmon(cfg, "--selftest", clock=day_clock)
    assert proc.returncode == 1
    assert any("[FAIL] store" in line and LINE in line for line in proc.stdout.splitlines()), proc.stdout
    assert files(db.parent) == before


async def test_the_tui_ends_with_the_line(tmp_path: Path, clock: FakeClock, day_clock: ShiftedClock) -> None:
    cfg, db = newer_store(tmp_path, day_clock)
    before = files(db.parent)
    settings = load_file(cfg)

    def build() -> Engine:
        return build_engine(settings, clock=clock, key=Secret(SECRET), warn=False)

    app = RecordingApp(EngineStart(settings, clock, False, build))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 1 and isinstance(app.start_error, StoreTooNew)
    assert LINE in str(app.start_error)
    assert files(db.parent) == before


@pytest.mark.parametrize("writer", [None, "oddsmon 9.1.0\x1b]52;c;aGFja2Vk\x07"])
def test_without_a_writer_or_with_a_hostile_one_the_line_still_says_newer(
        tmp_path: Path, writer: str | None, day_clock: ShiftedClock) -> None:
    cfg, db = newer_store(tmp_path, day_clock)
    conn = sqlite3.connect(db)
    if writer is None:
        conn.execute("DELETE FROM meta WHERE key = 'schema_written_by'")
    else:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_written_by'", (writer,))
    conn.commit()
    conn.close()
    proc = oddsmon(cfg, "--warm", clock=day_clock)
    assert proc.returncode == 3
    expected = "a newer oddsmon" if writer is None else "oddsmon 9.1.0"
    assert f"written by {expected} (schema {NEWER}), newer than this" in proc.stderr, proc.stderr
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
