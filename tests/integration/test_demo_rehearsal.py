"""The runbook rehearsed on the demo from a second shell, as docs/runbook.en.md says it.

A demo runs in this process (the engine ``oddsmon --demo`` builds, registered as the TUI
registers it, its simulator served on loopback; the Supervision screen's drill is its
``cut_network`` / ``exhaust_quota`` / ``refill_quota``); every command is a second process,
``python -m oddsmon --demo ...``, as an operator types it in another terminal. A second demo
runs in a process of its own, to be closed and killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from oddsmon import demo
from oddsmon.config import load
from oddsmon.engine.runtime import DemoControls, Engine, build_engine

ROOT = Path(__file__).resolve().parents[2]


class Shell:
    """Another terminal on the same account: its own process for each command."""

    def __init__(self, home: Path, config: Path) -> None:
        self.config = config
        self.env = {k: v for k, v in os.environ.items() if k not in ("ODDSMON_CONFIG", "APISPORTS_KEY")}
        self.env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(home / "state"),
                        XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "oddsmon", "--config", str(self.config), *args],
                              env=self.env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var, sub in (("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv("APISPORTS_KEY", raising=False)
    return tmp_path


@pytest.fixture
def config(home: Path) -> Path:
    # One league over two days: the demo's warm and the selftest stay small.
    path = home / "oddsmon.toml"
    path.write_text('[watch]\nleagues = [39]\nseason = 2026\ndays_ahead = 2\ntimezone = "UTC"\n')
    return path


@pytest.fixture
async def running(config: Path) -> AsyncIterator[Engine]:
    """``oddsmon --demo``: its engine, registered for other shells as the TUI registers it."""
    engine = build_engine(load(config), demo=True)
    assert engine.demo_dir is not None and engine.simulator is not None
    demo.publish(engine.demo_dir, engine.simulator)
    try:
        await engine.service.warm()  # the Dashboard the TUI opens on, and the rest
        yield engine
    finally:
        demo.unpublish(engine.demo_dir)
        await engine.aclose()


@pytest.mark.slow
async def test_the_runbook_rehearsed_from_a_second_shell(running: Engine, home: Path, config: Path) -> None:
    shell = Shell(home, config)
    drill = DemoControls(running.simulator)  # type: ignore[arg-type]  # the Supervision screen's n, x, z
    directory = Path(str(running.demo_dir))

    # 1. Immediate checks: --check reads the demo's store and says which demo it acts on.
    proc = shell("--demo", "--check")
    assert proc.returncode == 0 and proc.stdout.startswith("ODDSMON OK - online"), proc
    assert f"pid {os.getpid()}" in proc.stderr and str(directory) in proc.stderr
    # The checklist names commands that work here: a plain `oddsmon --export` exits 3 keyless.
    assert "run oddsmon --demo --export" in proc.stdout and "run oddsmon --export" not in proc.stdout
    proc = shell("--demo", "--export")
    assert proc.returncode == 0 and (directory / "supervision_metrics.json").is_file(), proc

    # 2. A network error: the demo's `n` cuts it, the demo's next request goes offline.
    drill.cut_network()
    await running.service.warm(force=True)
    assert running.machine.view().reason == "network"
    proc = shell("--demo", "--check")
    assert proc.returncode == 2 and proc.stdout.startswith("ODDSMON CRITICAL - offline (network)"), proc
    assert "probe now: oddsmon --demo --check --probe" in proc.stdout
    # The probe reaches the demo's own simulator: its network is cut for every shell.
    proc = shell("--demo", "--check", "--probe")
    assert proc.returncode == 2 and "\nProbe       FAILED: cannot reach http://127.0.0.1:" in proc.stdout, proc
    drill.restore_network()
    proc = shell("--demo", "--check", "--probe")
    assert proc.returncode == 0 and "network outage over: back online" in proc.stdout, proc
    assert not running.machine.view().offline  # the demo's own state: one store
    proc = shell("--demo", "--warm")
    assert proc.returncode == 0 and "warm:" in proc.stdout, proc
    proc = shell("--demo", "--note", "network restored by the host")
    assert proc.returncode == 0, proc
    assert "network restored by the host" in (directory / "incidents_supervision.md").read_text()

    # 3. The quota ran out: `x` burns the simulator's quota, the demo's next request sees it.
    drill.exhaust_quota()
    await running.service.warm(force=True)
    proc = shell("--demo", "--check")
    assert proc.returncode == 1 and proc.stdout.startswith("ODDSMON WARNING - offline (quota)"), proc
    proc = shell("--demo", "--offline")
    assert (proc.returncode, proc.stdout) == (0, "oddsmon is OFFLINE (user)\n"), proc
    assert running.machine.view().reason == "user"  # the running demo sees what the shell did
    proc = shell("--demo", "--online")  # /status says nothing is left: refused
    assert proc.returncode == 1 and "oddsmon --demo --online --force" in proc.stderr, proc
    assert running.machine.view().offline
    drill.refill_quota()  # `z`
    proc = shell("--demo", "--online")
    assert proc.returncode == 0 and proc.stdout.startswith("oddsmon is ONLINE"), proc
    assert "500 calls left today" in proc.stdout and not running.machine.view().offline

    # 6. The closing checklist, every item done from the second shell.
    for args in (("--warm",), ("--export",), ("--selftest",)):
        proc = shell("--demo", *args)
        assert proc.returncode == 0, proc
    proc = shell("--demo", "--check")
    checklist = proc.stdout.split("Closing checklist", 1)[1].splitlines()[1:]
    assert proc.returncode == 0 and len(checklist) == 5 and all(line.startswith("  [x]") for line in checklist), proc


# A second demo in a process of its own: registered, then waiting for its stdin to close.
SECOND_DEMO = """
import sys
from oddsmon import demo
from oddsmon.config import load
from oddsmon.engine.runtime import build_engine

engine = build_engine(load(sys.argv[1]), demo=True)
demo.publish(engine.demo_dir, engine.simulator)
print(engine.demo_dir, flush=True)
sys.stdin.read()
demo.unpublish(engine.demo_dir)
"""


def _second_demo(shell: Shell) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SECOND_DEMO, str(shell.config)], env=shell.env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


async def test_closing_or_killing_a_demo_never_orphans_another(running: Engine, home: Path,
                                                               config: Path) -> None:
    shell = Shell(home, config)
    first = str(running.demo_dir)
    for end in ("close", "kill"):
        second, directory = _second_demo(shell)
        try:
            proc = shell("--demo", "--check")  # the newest demo, and the shell is told so
            assert directory in proc.stderr and "the most recent of 2 running" in proc.stderr, proc
            if end == "close":
                second.communicate("", timeout=60)
            else:  # kill -9: no goodbye, its registration stays behind, unlocked
                second.send_signal(signal.SIGKILL)
                second.wait(timeout=60)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
        proc = shell("--demo", "--check")
        assert proc.returncode == 0 and first in proc.stderr and "running," not in proc.stderr, (end, proc)
    assert [p.stem for p in demo.registry().glob("*.json")] == [Path(first).name]
