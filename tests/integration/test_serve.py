"""``oddsmon --serve``: the page is served on 127.0.0.1 and the TUI starts behind it (a real
textual-serve process, a real websocket on loopback, the demo's simulator: nothing leaves)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_serve_serves_the_page_and_the_tui_starts_behind_it(tmp_path: Path) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    port = _free_port()
    config = tmp_path / "oddsmon.toml"
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("APISPORTS_KEY", "ODDSMON_CONFIG")}
    env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    proc = subprocess.Popen([sys.executable, "-m", "oddsmon", "--config", str(config), "--demo",
                             "--serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Startup is a process launch: poll the port (no fixed sleep decides the outcome).
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()[0]
                time.sleep(0.05)
        async with httpx.AsyncClient() as client:
            page = await client.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and f"ws://127.0.0.1:{port}/ws" in page.text
        seen = b""
        async with aiohttp.ClientSession() as session, \
                session.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24") as ws:
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                    if b"Dashboard" in seen:
                        break
        assert b"Dashboard" in seen  # the TUI drew its first screen in the browser's terminal
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert f"serving the TUI on http://127.0.0.1:{port}/" in out and "ssh -L" in out
