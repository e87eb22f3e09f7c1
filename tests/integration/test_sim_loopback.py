"""The simulator on a real loopback socket (``LoopbackServer``) and as ``python -m oddsmon.sim``."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from oddsmon.clock import FakeClock, next_utc_midnight
from oddsmon.sim import LoopbackServer, Simulator
from oddsmon.sim.app import MSG_REQUESTS

REPO = Path(__file__).resolve().parents[2]
KEY = {"x-apisports-key": "loopback-test-key"}


@pytest.fixture
def sim(clock: FakeClock) -> Simulator:
    return Simulator(clock=clock)


def sim_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("oddsmon-sim-")]


def test_start_stop_restart_on_the_same_port_and_refused_after_stop(sim: Simulator) -> None:
    server = LoopbackServer(sim)
    server.start()
    port, url = server.port, server.url
    assert port != 0 and url == f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, headers=KEY, timeout=2.0) as client:
        r = client.get("/status")
        assert r.status_code == 200 and r.json()["errors"] == []
        r = client.get("/odds/bets", params={"search": "under"})
        assert r.json()["results"] == 7 and r.headers["x-ratelimit-requests-remaining"] == "99"

        server.stop()
        assert not server.running and sim_threads() == []
        with pytest.raises(httpx.ConnectError):
            client.get("/status")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()

        server.start()
        assert server.port == port and server.url == url
        status = client.get("/status").json()
        assert status["response"]["requests"]["current"] == 1  # same simulator, same quota
        server.stop()
        server.stop()  # idempotent
    assert sim_threads() == []


def test_context_manager(sim: Simulator) -> None:
    with LoopbackServer(sim) as server:
        assert server.running
        assert httpx.get(f"{server.url}/__sim/health").json() == {"ok": True}
        port = server.port
    assert not server.running and sim_threads() == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/status", headers=KEY)


async def test_faults_and_quota_over_http(sim: Simulator, clock: FakeClock) -> None:
    with LoopbackServer(sim) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=KEY, timeout=2.0) as client:
            async def control(doc: dict) -> dict:
                r = await client.post("/__sim/control", json=doc)
                assert r.status_code == 200, r.text
                return r.json()

            await control({"fail_next": 1, "status": 503, "html": True})
            r = await client.get("/fixtures", params={"live": "all"})
            assert r.status_code == 503 and "nginx" in r.text

            await control({"http429_next": 1})
            assert (await client.get("/odds/bets")).status_code == 429

            await control({"garbage_next": 1})
            r = await client.get("/odds/bets")
            assert r.status_code == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(r.content)

            st = await control({"set_quota": {"limit": 3, "used": 3}})
            assert st["quota_remaining"] == 0
            body = (await client.get("/odds/bets")).json()
            assert body["errors"] == {"requests": MSG_REQUESTS}
            # The FakeClock is shared with the server thread: jump to the quota day's start.
            clock.set(next_utc_midnight(clock.now()) + timedelta(seconds=sim.config.quota_reset_s))
            r = await client.get("/odds/bets")
            assert r.json()["errors"] == [] and r.headers["x-ratelimit-requests-remaining"] == "2"

            await control({"reject_key": True})
            assert "token" in (await client.get("/status")).json()["errors"]
            await control({"reset_faults": True})

            stats = (await client.get("/__sim/stats")).json()
            assert stats["by_endpoint"]["/odds/bets"] == 4
            assert stats["outcomes"]["http429"] == 1 and stats["outcomes"]["garbage"] == 1
            assert all(r["key_present"] for r in stats["recent"])
            assert "loopback-test-key" not in json.dumps(stats)


def _until(condition: Callable[[], bool], within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "the simulator never reached the state waited for"
        time.sleep(0.01)


def test_stall_trips_read_timeout_and_stop_stays_fast(sim: Simulator) -> None:
    server = LoopbackServer(sim).start()
    try:
        sim.stall_s = 60.0
        with httpx.Client(base_url=server.url, headers=KEY) as client, pytest.raises(httpx.ReadTimeout):
            # The read timeout ends it: the 60 s stall would have ended in an answer.
            client.get("/status", timeout=httpx.Timeout(2.0, read=0.3))

        errors: list[BaseException] = []

        def stalled() -> None:
            try:
                httpx.get(f"{server.url}/odds/bets", headers=KEY, timeout=120.0)
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                errors.append(exc)

        # The first request's end is on record before the second starts, and the second is held
        # by the stall when the server stops (a fixed pause raced a loaded machine).
        _until(lambda: sim.stats()["outcomes"].get("client_gone") == 1)
        worker = threading.Thread(target=stalled)
        worker.start()
        _until(lambda: sim.stats()["waiting"] == 1)
        server.stop()
        # Stopping drops the stalled request (60 s left on it) instead of waiting for it: had
        # it waited, the request would have ended in an answer, not in a transport error.
        worker.join()
        assert errors and isinstance(errors[0], httpx.TransportError)  # dropped, like an outage
        # Neither stalled request was answered: both ended with their client gone.
        outcomes = sim.stats()["outcomes"]
        assert outcomes.get("client_gone") == 2 and "ok" not in outcomes, outcomes
    finally:
        server.stop()
        sim.stall_s = 0.0
    assert sim_threads() == []


# ---------------------------------------------------------------------------------- CLI

def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


@pytest.mark.parametrize("args,flag", [
    (["--port", "abc"], "--port"),
    (["--port", "70000"], "--port"),
    ([], "--port"),
    (["--port", "0", "--host", "0.0.0.0"], "--host"),
    (["--port", "0", "--daily-limit", "lots"], "--daily-limit"),
    (["--port", "0", "--per-minute", "0"], "--per-minute"),
    (["--port", "0", "--bookmakers-per-fixture", "11"], "--bookmakers-per-fixture"),
    (["--port", "0", "--seed", "x"], "--seed"),
])
def test_cli_bad_flags_exit_2_naming_the_flag(args: list[str], flag: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "oddsmon.sim", *args], cwd=REPO, env=cli_env(),
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert flag in proc.stderr


def test_cli_serves_on_loopback_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "oddsmon.sim", "--port", "0", "--daily-limit", "5", "--seed", "3"],
        cwd=REPO, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=20), "the simulator printed nothing"
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        url = match.group(0)
        r = httpx.get(f"{url}/status", headers=KEY, timeout=5.0)
        assert r.json()["response"]["requests"] == {"current": 0, "limit_day": 5}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/status", headers=KEY, timeout=2.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
