"""Hostile disks and special files, through the real command line, as root where it matters
(issue 12):

- class 1: a disk full (or a -wal that cannot be opened) as a writer opens a healthy store:
  served read-only, nothing moved aside, writes resume once space is back, nothing lost;
- class 6: exports, the journal and the store refuse devices, FIFOs and symlinks;
- class 11: a journal append cut short by ENOSPC leaves no torn line, ``--note`` says the
  truth, and a retry does not record the note twice;
- class 12: a store readable only without its -wal makes ``--check`` say UNKNOWN (3);
- class 13: a closed pipe, the -wal/-shm ``--check`` used to leave behind, root changing the
  mode of another user's store.

Full and read-only disks are real: a small tmpfs in a private mount namespace (see test 19),
skipped where the host does not allow one.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oddsmon.sim import LoopbackServer, SimConfig, Simulator

from ..clocks import ShiftedClock
from .hostile import at_clock, cli_env, oddsmon, write_config
from .test_store_faults import _private_mount_prefix

WORKER = Path(__file__).with_name("hostile_worker.py")


@pytest.fixture
def live(day_clock: ShiftedClock) -> Iterator[LoopbackServer]:
    # Small bodies: these faults need a warmed store that fits a few-MB tmpfs (what a full disk
    # does to a store does not depend on how big its bodies are).
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=5000, per_minute=5000, full_markets=False),
                    clock=day_clock)
    with LoopbackServer(sim) as srv:
        yield srv


def _in_tmpfs(tmp_path: Path, mode: str, cfg: Path, mnt: Path, clock: ShiftedClock,
              size: str = "8m") -> dict[str, Any]:
    prefix = _private_mount_prefix(tmp_path / "probe")
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare/mount not permitted): "
                    "cannot make a real full or read-only filesystem")
    script = f'mount -t tmpfs -o size={size},mode=0700 tmpfs "{mnt}" && exec "$0" "$@"'
    proc = subprocess.run([*prefix, "sh", "-c", script, sys.executable, str(WORKER), mode,
                           str(mnt), str(cfg)], capture_output=True, text=True, timeout=600,
                          env=at_clock(clock, cli_env(tmp_path))[1])
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _no_traceback(runs: list[dict[str, Any]]) -> None:
    for run in runs:
        assert "Traceback" not in run["err"], (run["args"], run["err"])


# -- class 1 -------------------------------------------------------------------------------


def test_a_full_disk_at_open_never_destroys_the_store(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    cfg = write_config(tmp_path, live.url, extra="")
    text = cfg.read_text()
    for name in ("state/oddsmon.db", "docs/supervision_metrics.json", "docs/incidents_supervision.md"):
        text = text.replace(str(tmp_path / name), str(mnt / name))
    cfg.write_text(text)
    report = _in_tmpfs(tmp_path, "full_at_open", cfg, mnt, day_clock)
    assert [r["rc"] for r in report["setup"]] == [0, 0], report["setup"]
    assert report["filler"] == "No space left on device"  # the fault is real
    during = report["during"]
    _no_traceback(during + report["after"])
    # Nothing renamed or moved aside, however many tries.
    assert not [n for n in report["names_during"] if "corrupt" in n], report["names_during"]
    assert report["sidecars_before"] == ["oddsmon.db"]  # the last writer closed cleanly
    warm = during[0]
    assert warm["rc"] == 1 and "disk is full" in warm["err"] + warm["out"], warm
    assert warm["err"].count("oddsmon:") == 1, warm["err"]  # one message
    check = during[3]
    assert check["rc"] == 1 and "OFFLINE (user)" in check["out"], check  # the truth, read-only
    # Space is back: everything the store held is still there, and writes work again.
    before, after = report["before"], report["facts_after"]
    assert json.loads(report["after"][0]["out"])["mode"]["reason"] == "user"
    assert after["incidents"] == before["incidents"] >= 1
    assert after["entries"] >= before["entries"] > 0
    assert report["after"][1]["rc"] == 0 and report["after"][2]["rc"] == 0, report["after"]
    assert after["offline"] == [0, None]


def test_a_wal_that_cannot_be_opened_is_not_corruption(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    """A -wal that is a directory (an unopenable -wal): every command refuses with one
    message naming it, and the store is neither moved nor changed."""
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    db = tmp_path / "state" / "oddsmon.db"
    before = db.read_bytes()
    Path(f"{db}-wal").mkdir()
    for args, code in ((["--warm"], 3), (["--check"], 3), (["--export", "-"], 3), (["--offline"], 1)):
        proc = oddsmon(cfg, *args, clock=day_clock)
        assert proc.returncode == code and "-wal" in proc.stdout + proc.stderr, (args, proc.stderr)
    assert sorted(p.name for p in db.parent.iterdir()) == ["oddsmon.db", "oddsmon.db-wal"]
    assert db.read_bytes() == before


# -- class 12 ------------------------------------------------------------------------------


def test_check_says_unknown_when_committed_state_in_the_wal_cannot_be_read(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    cfg = write_config(tmp_path, live.url)
    cfg.write_text(cfg.read_text().replace(str(tmp_path / "state"), str(mnt / "state")))
    report = _in_tmpfs(tmp_path, "wal_unread", cfg, mnt, day_clock)
    assert report["remount"] == 0 and report["wal_size"] > 0, report  # the fault is real
    text, as_json = report["check"]
    _no_traceback(report["check"])
    assert text["rc"] == 3 and text["out"].startswith("ODDSMON UNKNOWN"), text
    assert "-wal" in text["out"] and "OK" not in text["out"].split(" - ")[0]
    assert json.loads(as_json["out"])["status"]["code"] == 3


# -- class 11 ------------------------------------------------------------------------------


def test_a_journal_append_cut_short_by_a_full_disk_leaves_no_torn_line(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    cfg = write_config(tmp_path, live.url)
    cfg.write_text(cfg.read_text().replace(str(tmp_path / "docs" / "incidents_supervision.md"),
                                           str(mnt / "incidents_supervision.md")))
    report = _in_tmpfs(tmp_path, "journal_enospc", cfg, mnt, day_clock, size="1m")
    assert [r["rc"] for r in report["setup"]] == [0, 0], report["setup"]
    note, retry = report["note"], report["retry"]
    _no_traceback([note, retry, report["sync"]])
    # The truth: recorded in the store, not in the journal yet, and do not add it again.
    assert note["rc"] == 1 and "note recorded on incident #1 in the store" in note["err"], note
    assert "do not add it again" in note["err"]
    assert report["unchanged_after_note"], "a torn line stayed in the journal"
    assert "already recorded" in retry["err"] and report["unchanged_after_retry"], retry
    # Space back: the next command writes it, once, after the person's lines.
    assert report["sync"]["rc"] == 0, report["sync"]
    assert report["note_lines"] == 1 and report["prefix_kept"]


# -- class 6 -------------------------------------------------------------------------------


def _special_files(root: Path) -> dict[str, Path]:
    """A FIFO, a character device (a /dev/null of our own, where mknod is allowed), and
    symlinks to a device and to a regular file."""
    root.mkdir()
    made = {"fifo": root / "fifo"}
    os.mkfifo(made["fifo"])
    try:
        os.mknod(root / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        made["device"] = root / "null"
    except OSError:
        pass  # no CAP_MKNOD here: the symlink to /dev/null still covers a device
    (root / "target.json").write_text("keep me\n")
    os.symlink("/dev/null", root / "to-device")
    os.symlink(root / "target.json", root / "to-file")
    made["link-to-device"], made["link-to-file"] = root / "to-device", root / "to-file"
    return made


def _kind(path: Path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


def test_export_and_journal_refuse_to_replace_special_files(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    specials = _special_files(tmp_path / "special")
    kinds = {name: _kind(p) for name, p in specials.items()}
    for name, path in specials.items():
        for fmt in ("json", "prometheus"):
            proc = oddsmon(cfg, "--export", str(path), "--format", fmt, clock=day_clock)
            assert proc.returncode == 1 and "not a regular file" in proc.stderr, (name, proc.stderr)
        # The journal at that path: refused before anything changes (no hang on the FIFO).
        jcfg = tmp_path / f"journal-{name}.toml"
        jcfg.write_text(cfg.read_text().replace(
            str(tmp_path / "docs" / "incidents_supervision.md"), str(path)))
        proc = oddsmon(jcfg, "--offline", timeout=60, clock=day_clock)
        assert proc.returncode == 1 and "not a regular file" in proc.stderr, (name, proc.stderr)
    assert {name: _kind(p) for name, p in specials.items()} == kinds
    assert (tmp_path / "special" / "target.json").read_text() == "keep me\n"
    # --offline never happened
    assert oddsmon(cfg, "--check", clock=day_clock).stdout.startswith("ODDSMON OK")


@pytest.mark.slow
def test_a_store_path_that_is_a_special_file_is_refused_not_moved(
        tmp_path: Path, day_clock: ShiftedClock) -> None:
    specials = _special_files(tmp_path / "special")
    for name, path in specials.items():
        cfg = write_config(tmp_path, "http://127.0.0.1:9")
        cfg.write_text(cfg.read_text().replace(str(tmp_path / "state" / "oddsmon.db"), str(path)))
        for args, code in ((["--warm"], 3), (["--check"], 3), (["--export", "-"], 3), (["--offline"], 1)):
            proc = oddsmon(cfg, *args, timeout=60, clock=day_clock)
            assert proc.returncode == code and "not a regular file" in proc.stdout + proc.stderr, \
                (name, args, proc.stdout, proc.stderr)
    assert sorted(p.name for p in (tmp_path / "special").iterdir()) == sorted(
        ["fifo", "target.json", "to-device", "to-file"] + (["null"] if "device" in specials else []))


# -- class 13 ------------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly(tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    launcher, env = at_clock(day_clock, cli_env(tmp_path))
    for args in (["--check"], ["--export", "-"], ["--warm"]):
        proc = subprocess.Popen([*launcher, "--config", str(cfg), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader (| head) is gone before anything is written
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
        assert "Traceback" not in err and "BrokenPipe" not in err, (args, err)


def test_check_leaves_no_wal_or_shm_behind(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    state = tmp_path / "state"
    assert sorted(p.name for p in state.iterdir()) == ["oddsmon.db"]
    for args in (["--check"], ["--check", "--json"], ["--export", "-"]):
        assert oddsmon(cfg, *args, clock=day_clock).returncode == 0
        assert sorted(p.name for p in state.iterdir()) == ["oddsmon.db"], args


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can own another user's files")
def test_root_does_not_change_the_mode_of_another_users_store(
        tmp_path: Path, live: LoopbackServer, day_clock: ShiftedClock) -> None:
    cfg = write_config(tmp_path, live.url)
    assert oddsmon(cfg, "--warm", clock=day_clock).returncode == 0
    db = tmp_path / "state" / "oddsmon.db"
    os.chown(db, 4321, 4321)
    db.chmod(0o640)
    for args in (["--check"], ["--warm"], ["--offline"], ["--online"]):
        oddsmon(cfg, *args, clock=day_clock)
        assert stat.S_IMODE(db.stat().st_mode) == 0o640 and db.stat().st_uid == 4321, args
