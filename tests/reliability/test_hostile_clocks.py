"""Clocks and disks at the edges (issue 24, item 6):

- a collector lease whose heartbeat is in the future (the holder's clock is ahead, or this
  host's was stepped back) goes stale after the stale period measured on this host's clock,
  not at the end of the jump; a holder that keeps renewing keeps it;
- an upgrade (a migration) that meets a full disk says the disk is full, not "run oddsmon to
  upgrade", and leaves the store as it was; once there is space, the next oddsmon upgrades it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.commands.collect import cycles, lease_stale_s
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import SimConfig, SimTransport, Simulator
from oddsmon.store import COLLECTOR_LEASE

from ..conftest import SECRET
from .conftest import python_env, worker_cmd
from .test_store_faults import _private_mount_prefix

JUMP = timedelta(days=1)


@pytest.mark.parametrize("host", ["this host (its clock stepped back)", "another host (its clock ahead)"])
async def test_a_heartbeat_in_the_future_goes_stale_on_this_hosts_clock(settings: Settings, clock: FakeClock,
                                                                        host: str) -> None:
    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=500, per_minute=300), clock=clock)
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    try:
        store, stale = eng.store, lease_stale_s(settings)
        # A live process holds it (on this host: our parent, so the pid check says alive),
        # its last heartbeat a day ahead of this clock.
        holder_host = socket.gethostname() if host.startswith("this") else "collector-2.example"
        ahead = (clock.now() + JUMP).timestamp()
        with store.transaction() as tx:
            tx.execute("INSERT INTO leases (name, pid, host, acquired_at, heartbeat_at) VALUES (?,?,?,?,?)",
                       (COLLECTOR_LEASE, os.getppid(), holder_host, ahead, ahead))

        async def collect() -> list[str]:
            said: list[str] = []
            assert await cycles(Collector(eng.service), once=True, say=said.append) == 0
            return said

        said = await collect()
        assert "a collector already runs" in said[0]
        # Counted from now on this clock, as the store now says.
        held = store.collector.holder(COLLECTOR_LEASE)
        assert held is not None and held.heartbeat_at == clock.now()

        # The holder is alive and renews, with its clock still a day ahead: it keeps the lease.
        clock.advance(stale - 60)
        with store.transaction() as tx:
            tx.execute("UPDATE leases SET heartbeat_at = ? WHERE name = ?",
                       ((clock.now() + JUMP).timestamp(), COLLECTOR_LEASE))
        assert "a collector already runs" in (await collect())[0]
        clock.advance(stale - 60)
        assert "a collector already runs" in (await collect())[0]

        # Then it falls silent: a stale period later, on this clock, the lease is taken.
        clock.advance(61)
        said = await collect()
        assert "counted call(s)" in said[0], said
        assert sim.stats()["counted_total"] > 0
    finally:
        await eng.aclose()


def test_a_migration_meeting_a_full_disk_says_so_and_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    """An older oddsmon's store on a small tmpfs of its own (a private mount namespace), the
    filesystem filled, then this oddsmon's ``--offline``, ``--warm`` and ``--check``."""
    prefix = _private_mount_prefix(tmp_path / "probe")
    if prefix is None:
        pytest.skip("no private mount namespace here (unshare/mount not permitted): "
                    "cannot make a real full filesystem")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    script = f'mount -t tmpfs -o size=4m,mode=0700 tmpfs "{mnt}" && exec "$0" "$@"'
    proc = subprocess.run([*prefix, "sh", "-c", script, *worker_cmd("migrate_on_full_disk", str(mnt))],
                          capture_output=True, text=True, timeout=300, env=python_env(APISPORTS_KEY=SECRET))
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["filler"] == "No space left on device", report  # the fault is real
    for args, code in (("--offline", 1), ("--warm", 3)):
        got = report[args]
        said = [line for line in (got["out"] + got["err"]).splitlines() if line.strip()]
        assert got["code"] == code, (args, got)
        assert len(said) == 1 and "the disk is full" in said[0], (args, said)
        assert "cannot be upgraded from schema 1 to" in said[0] and "left as it was" in said[0], said
        assert "--warm to upgrade" not in said[0]
    # --check never upgrades: it says what the store is.
    assert report["--check"]["code"] == 3 and "an older oddsmon store (schema 1)" in report["--check"]["out"]
    assert report["unchanged"] is True
    # Space again: the next oddsmon upgrades it, every entry kept.
    assert report["after_space"]["code"] == 0, report["after_space"]
    assert report["after_entries"]["integrity"] == "ok" and report["after_entries"]["entries"] == 200
