"""Test 23: the API key is in no file oddsmon writes and in no output, across a whole run with
every fault of this suite.

The run: the real command line (``--warm``, ``--check``, ``--export``, ``--selftest``,
``--note``, ``--offline``/``--online``) against the simulator on a loopback port while it
answers 5xx, HTML, garbage, a rejected key, an exhausted quota, then is stopped; a damaged
store; a key file with the wrong mode; and, in-process on a fake clock, the engine against a
stalling server, a resetting server, a black-hole socket, an unresolvable host, rateLimit and
429, plus the TUI's screens under those faults. Every stdout and stderr, every message the
engine produced, every screen, and every file under the run's directory (store, -wal, -shm,
journal, exports, lock files, moved-aside files, temp files) is searched for the key, raw and
encoded. (Each other test of the suite also checks its own files, through an autouse guard.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import LoopbackServer, SimConfig, SimTransport, Simulator

from ..clocks import ShiftedClock
from ..conftest import SECRET
from .conftest import pointed_at, python_env
from .faults import (
    BlackHole,
    RawHttpServer,
    reset_mid_body,
    scan_tree_for_secret,
    secret_hits,
    stall_mid_body,
)
from .hostile import at_clock


class Run:
    """The real command line, every output kept."""

    def __init__(self, root: Path, config: Path, clock: ShiftedClock) -> None:
        self.config = config
        self.outputs: list[tuple[list[str], int, str, str]] = []
        self.env = python_env(APISPORTS_KEY=SECRET, HOME=str(root / "home"),
                              XDG_CONFIG_HOME=str(root / "home" / "config"),
                              XDG_STATE_HOME=str(root / "home" / "state"),
                              XDG_DATA_HOME=str(root / "home" / "data"), TMPDIR=str(root / "tmp"))
        self.launcher, self.env = at_clock(clock, self.env)

    def __call__(self, *batch: list[str], config: Path | None = None,
                 env: dict[str, str] | None = None) -> list[int]:
        """Run the commands of ``batch`` at once; their exit statuses."""
        procs = [(args, subprocess.Popen(
            [*self.launcher, "--config", str(config or self.config), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or self.env,
            stdin=subprocess.DEVNULL)) for args in batch]
        codes = []
        for args, proc in procs:
            out, err = proc.communicate(timeout=120)
            self.outputs.append((args, proc.returncode, out, err))
            codes.append(proc.returncode)
        return codes

    def text(self) -> str:
        return "\n".join(f"$ oddsmon {' '.join(a)} -> {rc}\n{o}\n{e}" for a, rc, o, e in self.outputs)


@pytest.mark.slow
async def test_23_the_key_in_no_file_and_no_output_across_a_run_with_every_fault(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, settings: Settings,
        day_clock: ShiftedClock) -> None:
    (tmp_path / "tmp").mkdir()
    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=5000, per_minute=5000, full_markets=False),
                    clock=day_clock)
    server = LoopbackServer(sim).start()
    cfg = tmp_path / "oddsmon.toml"
    cfg.write_text(f'[api]\nbase_url = "{server.url}"\nretries = 1\ntimeout_s = 3.0\n\n'
                   f'[watch]\nleagues = [39, 61]\ndays_ahead = 2\n\n'
                   f'[paths]\ndb = "{tmp_path / "state" / "oddsmon.db"}"\n'
                   f'metrics = "{tmp_path / "docs" / "supervision_metrics.json"}"\n'
                   f'incidents = "{tmp_path / "docs" / "incidents_supervision.md"}"\n')
    run = Run(tmp_path, cfg, day_clock)
    messages: list[str] = []  # what the in-process engine and the TUI said
    try:
        # -- the command line, healthy, then fault after fault ------------------------------
        assert run(["--warm"]) == [0], run.text()
        run(["--check"], ["--check", "--json"], ["--export"],
            ["--export", str(tmp_path / "docs" / "m.prom"), "--format", "prometheus"],
            ["--selftest"])
        sim.fail_next(10, 500)
        run(["--warm"])
        run(["--check"], ["--check", "--json"])
        run(["--check", "--probe"])
        sim.reset_faults()
        run(["--check", "--probe"])
        sim.fail_next(4, 502, html=True)
        run(["--warm"])
        sim.reset_faults()
        run(["--online"])
        sim.garbage_next(3)
        run(["--warm"])
        sim.reject_key = True
        run(["--warm"])
        sim.reset_faults()
        run(["--online"])
        sim.exhaust_quota()
        run(["--warm"])
        run(["--check", "--json"], ["--export"], ["--note", "called the provider's support"])
        run(["--online"])
        run(["--offline"])
        run(["--note", "switched offline by hand for the drill"])
        run(["--online"])
        server.stop()
        run(["--warm"])
        run(["--check"], ["--export"], ["--selftest"])
        server.start()
        sim.set_quota(used=0)
        run(["--check", "--probe"])
        run(["--warm"])
        # A damaged store (moved aside), then a key file instead of the variable.
        db = tmp_path / "state" / "oddsmon.db"
        db.write_bytes(b"\x00garbage" * 4096)
        run(["--warm"])
        key_file = tmp_path_factory.mktemp("secrets") / "apisports.key"  # ours, not oddsmon's
        key_file.write_text(SECRET + "\n")
        key_file.chmod(0o644)  # the wrong mode: refused, and the message must not quote it
        kcfg = tmp_path / "keyfile.toml"
        kcfg.write_text(cfg.read_text().replace("[api]\n", f'[api]\nkey_env = "ODDSMON_NO_SUCH_VAR"\n'
                                                          f'key_file = "{key_file}"\n'))
        env = {k: v for k, v in run.env.items() if k != "APISPORTS_KEY"}
        assert run(["--warm"], config=kcfg, env=env) == [2]
        key_file.chmod(0o600)
        run(["--warm"], ["--check", "--json"], config=kcfg, env=env)
        assert len(run.outputs) > 30

        # -- in-process, on a fake clock: the faults a subprocess cannot wait for -----------
        clock = FakeClock()
        fsim = Simulator(SimConfig(leagues=(39, 61), daily_limit=500, per_minute=300, full_markets=False),
                         clock=clock)
        local = settings.with_paths(db=tmp_path / "inproc" / "oddsmon.db",
                                    metrics=tmp_path / "inproc" / "m.json",
                                    incidents=tmp_path / "inproc" / "j.md")
        eng = build_engine(local, clock=clock, key=Secret(SECRET), transport=SimTransport(fsim))
        try:
            await eng.service.warm()
            fsim.rate_limit_next(1)
            fsim.http429_next(1)
            messages.append(str(await eng.service.odds(force=True)))
            fsim.rate_limit_next(50)
            messages.append(str(await eng.service.bookmakers(force=True)))
            fsim.reset_faults()
            fsim.reject_key = True
            messages.append(str(await eng.service.warm()))
            fsim.reset_faults()
        finally:
            await eng.aclose()
        hole = BlackHole()
        hole.fill()
        try:
            with RawHttpServer(stall_mid_body()) as stall, RawHttpServer(reset_mid_body()) as reset:
                for url in (stall.url, reset.url, hole.url, "http://v3.football.oddsmon.invalid"):
                    clock.advance(3600)
                    eng = build_engine(pointed_at(local, url, timeout_s=0.3), clock=clock,
                                       key=Secret(SECRET))
                    try:
                        messages.append(str(await eng.service.odds()))
                        messages.append(str(eng.service.mode()))
                        messages.append(str(await eng.service.warm()))
                        messages.append(str(await eng.service.supervise()))
                        eng.machine.go_online("next fault")
                    finally:
                        await eng.aclose()
        finally:
            hole.close()

        # -- the screens, with the key configured, under an outage --------------------------
        messages.extend(await _screens(local, clock, tmp_path))
    finally:
        server.stop()

    # -- the verdict -------------------------------------------------------------------------
    output = run.text() + "\n".join(messages)
    assert not secret_hits(output.encode(), SECRET), "the API key appeared in an output"
    leaks = scan_tree_for_secret(tmp_path, SECRET)
    assert not leaks, f"the API key was written to {leaks}"
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    # The run really wrote what it should have: store, WAL, journal, exports, asides.
    for name in ("oddsmon.db", "incidents_supervision.md", "supervision_metrics.json", "m.prom"):
        assert name in written, sorted(written)
    assert any(n.startswith("oddsmon.db.corrupt-") for n in written)
    # And the key was really in use: every request the simulator saw carried it.
    recent = sim.stats()["recent"]
    assert recent and all(r["key_present"] for r in recent)
    assert not secret_hits(repr(sim.stats()).encode(), SECRET)
    # Every command ended with a status and a message, never a traceback.
    crashed = [(a, rc, e[-400:]) for a, rc, _, e in run.outputs if "Traceback" in e or rc not in (0, 1, 2, 3)]
    assert not crashed, crashed


async def _screens(settings: Settings, clock: FakeClock, tmp_path: Path) -> list[str]:
    """Every screen of the TUI, its notifications and the sidebar, during a network outage."""
    from oddsmon.tui.app import OddsmonApp

    said: list[str] = []

    class Recording(OddsmonApp):
        def notify(self, message: str, **kwargs: Any) -> None:  # the keywords passed on as they came
            said.append(str(message))
            super().notify(message, **kwargs)

    sim = Simulator(SimConfig(leagues=(39, 61), daily_limit=500, per_minute=300, full_markets=False),
                    clock=clock)
    eng = build_engine(settings, clock=clock, key=Secret(SECRET), transport=SimTransport(sim))
    screens: list[str] = []
    try:
        app = Recording(eng, poll_s=0.25, supervise=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(0.1)
            for key in ("d", "p", "b", "o", "s"):
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause(0.05)
                screens.append(app.export_screenshot())
            sim.cut_network()
            clock.advance(6 * 3600)  # every page past its TTL: the next loads must fetch
            for key in ("d", "r", "o", "r", "w", "s"):
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)  # a poll of the shared state: the sidebar follows
                screens.append(app.export_screenshot())
            mode = eng.service.mode()
    finally:
        await eng.aclose()
    assert any("OFFLINE" in s for s in screens), (mode, said)  # the outage was on screen
    return screens + said
