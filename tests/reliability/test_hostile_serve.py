"""``oddsmon --serve`` behind a secret (issue 24): a real ``oddsmon --demo --serve`` process, and
aiohttp's client as the browser, over a real loopback socket or a real Unix socket.

Whoever drives the websocket drives a TUI with the owner's key and store, so: no token, a wrong
one, a foreign Host (DNS rebinding) or a foreign Origin (a page in the browser holding the
tunnel: cross-site WebSocket hijacking) is refused, and starts no TUI; the token from the
printed URL gets the page (nothing on it from another host) and a working websocket; a busy
port or socket is one line and exit 3, never "serving..." then a traceback; the Unix socket is
mode 0600; without the serve extra, one line naming it.
"""

from __future__ import annotations

import asyncio
import os
import re
import selectors
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp  # the serve extra (make test installs it)
import pytest

from .conftest import python_env

EXIT_CANNOT_RUN = 3


def _env(root: Path) -> dict[str, str]:
    return python_env(HOME=str(root / "home"), XDG_STATE_HOME=str(root / "state"),
                      XDG_DATA_HOME=str(root / "data"), XDG_CONFIG_HOME=str(root / "config"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[str]
    banner: str
    token: str
    port: int | None  # None: on a Unix socket

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def children(self) -> list[int]:
        """The processes the server started (one TUI per websocket session)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.proc.pid:
                    found.append(int(entry.name))
        return found


def _start(root: Path, *args: str) -> subprocess.Popen[str]:
    config = root / "oddsmon.toml"
    config.write_text("")
    return subprocess.Popen([sys.executable, "-m", "oddsmon", "--config", str(config), "--demo",
                             "--serve", *args], cwd=root, env=_env(root), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)  # its own process group, as in a terminal


def _banner(proc: subprocess.Popen[str]) -> str:
    """The two lines printed once the server listens (a process start: bounded, never slept
    on). Read from the pipe's descriptor: a buffered readline could hold the second line back
    from the next select."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    out = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while out.count(b"\n") < 2:
            assert sel.select(timeout=120), f"no banner within 120 s: {out!r}"
            chunk = os.read(fd, 4096)
            assert chunk, f"--serve ended: {out!r} {proc.communicate()}"
            out += chunk
    return out.decode()


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


@contextmanager
def served(root: Path, *args: str) -> Iterator[Served]:
    proc = _start(root, *args)
    try:
        banner = _banner(proc)
        token = re.search(r"\?token=([A-Za-z0-9_-]+)", banner)
        assert token is not None, banner
        port = re.search(r"127\.0\.0\.1:(\d+)/", banner)
        yield Served(proc, banner, token.group(1), int(port.group(1)) if port else None)
    finally:
        if proc.poll() is None:
            code, _, err = _stop(proc)
            assert code == 0 and "Traceback" not in err, err


def _session(connector: aiohttp.BaseConnector | None = None) -> aiohttp.ClientSession:
    # unsafe=True: aiohttp's jar, unlike a browser's, otherwise ignores cookies set by an IP address.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector)


async def _ws_refused(url: str, headers: Mapping[str, str] | None = None, origin: str | None = None) -> int:
    """The status a websocket handshake is refused with (the test fails if it is accepted)."""
    async with _session() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with session.ws_connect(url, headers=headers, origin=origin):
                pass
    return refused.value.status


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("serve"), "--port", str(_free_port())) as s:
        yield s


async def test_no_token_or_a_wrong_one_is_refused_on_the_page_the_files_and_the_websocket(
        server: Served) -> None:
    async with _session() as session:
        for path in ("/", "/static/js/textual.js", "/download/x", "/?token=" + "A" * 43,
                     "/?token=" + server.token[:-1]):
            async with session.get(server.base + path, allow_redirects=False) as answer:
                assert answer.status == 403, path
                assert "no valid token" in await answer.text()
    wrong = {"Cookie": f"oddsmon-serve-{server.port}={server.token[::-1]}"}
    assert await _ws_refused(f"{server.base}/ws") == 403
    assert await _ws_refused(f"{server.base}/ws", headers=wrong) == 403
    assert server.children() == []  # a refused websocket starts no TUI


async def test_a_foreign_host_or_origin_is_refused_even_with_the_token(server: Served) -> None:
    """DNS rebinding (the attacker's name, resolved to 127.0.0.1) and cross-site WebSocket
    hijacking (a page elsewhere, whose requests carry the cookie) are refused."""
    cookie = {"Cookie": f"oddsmon-serve-{server.port}={server.token}"}
    async with _session() as session:
        for host in (f"evil.example:{server.port}", "evil.example", f"127.0.0.1.evil.example:{server.port}",
                     f"localhost.evil.example:{server.port}"):
            async with session.get(f"{server.base}/", headers={**cookie, "Host": host}) as answer:
                assert answer.status == 403 and "Host" in await answer.text(), host
    ws = f"{server.base}/ws?width=80&height=24"
    for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null",
                   "http://localhost:3000", f"https://127.0.0.1:{server.port}"):
        assert await _ws_refused(ws, headers=cookie, origin=origin) == 403, origin
    assert await _ws_refused(ws + f"&token={server.token}", origin="http://evil.example") == 403
    assert await _ws_refused(ws, headers={**cookie, "Host": "evil.example"},
                             origin="http://evil.example") == 403
    assert server.children() == []


async def test_the_token_from_the_url_gets_the_page_and_a_websocket_that_drives_the_tui(
        tmp_path: Path) -> None:
    """The happy path as a browser takes it, then Ctrl+C with the session open: exit 0, no
    traceback, and the TUI process the session started is gone."""
    with served(tmp_path, "--port", str(_free_port())) as server:
        assert f"http://127.0.0.1:{server.port}/?token=" in server.banner and "ssh -L" in server.banner
        async with _session() as session:
            async with session.get(f"{server.base}/?token={server.token}&fontsize=14",
                                   allow_redirects=False) as moved:
                # The secret moves to a cookie no script reads and no other site's page sends.
                assert moved.status == 303 and moved.headers["Location"] == "/?fontsize=14"
                cookie = moved.headers["Set-Cookie"]
                assert f"oddsmon-serve-{server.port}={server.token}" in cookie
                assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with session.get(f"{server.base}/?fontsize=14") as page:
                html = await page.text()
                assert page.status == 200
                csp = page.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            # Nothing from a third-party host: every src/href/url() is this server's own.
            refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)|url\(["']?([^"')]+)""", html)
            assert refs and all(not re.match(r"(?:[a-z]+:)?//", a or b) for a, b in refs), refs
            assert "fonts.googleapis.com" not in html and "/static/fonts/RobotoMono" in html
            assert f'data-session-websocket-url="ws://127.0.0.1:{server.port}/ws"' in html
            async with session.get(f"{server.base}/static/fonts/RobotoMono-VariableFont_wght.ttf") as font:
                assert font.status == 200 and len(await font.read()) > 10_000
            seen = b""
            async with session.ws_connect(f"{server.base}/ws?width=80&height=24",
                                          origin=f"http://127.0.0.1:{server.port}") as ws:
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        seen += message.data
                    if b"Dashboard" in seen:
                        break
                assert b"Dashboard" in seen  # the TUI drew its first screen in the browser's terminal
                tuis = server.children()
                assert tuis  # the session's TUI process
                os.killpg(server.proc.pid, signal.SIGINT)  # Ctrl+C in the server's terminal
                async for _ in ws:  # a browser reads on: the server ends the session
                    pass
            _, err = await asyncio.to_thread(server.proc.communicate, timeout=60)
        assert server.proc.returncode == 0 and "Traceback" not in err and "Exception" not in err, err
        assert not [pid for pid in tuis if Path(f"/proc/{pid}").exists()]


async def test_through_a_tunnel_from_another_local_port_the_page_follows_the_host(server: Served) -> None:
    """``ssh -L 9000:127.0.0.1:8765``: the browser says Host localhost:9000; the page's
    websocket URL and the cookie follow it, and its own origin is accepted."""
    host = "localhost:9000"
    async with _session() as session:
        async with session.get(f"{server.base}/?token={server.token}", headers={"Host": host},
                               allow_redirects=False) as moved:
            assert moved.status == 303 and "oddsmon-serve-9000=" in moved.headers["Set-Cookie"]
        headers = {"Host": host, "Cookie": f"oddsmon-serve-9000={server.token}"}
        async with session.get(f"{server.base}/", headers=headers) as page:
            assert page.status == 200 and 'websocket-url="ws://localhost:9000/ws"' in await page.text()
        async with session.get(f"{server.base}/static/css/xterm.css",
                               headers={**headers, "Origin": "http://localhost:9000"}) as css:
            assert css.status == 200


def test_a_busy_port_is_one_line_and_exit_3_never_serving_then_a_traceback(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = _start(tmp_path, "--port", str(port))
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_CANNOT_RUN
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert f"127.0.0.1:{port} is in use" in err and "--port" in err


def test_port_and_socket_together_are_bad_usage(tmp_path: Path) -> None:
    proc = _start(tmp_path, "--port", "8765", "--socket", str(tmp_path / "s"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "--socket: not allowed with argument --port" in err


async def test_a_unix_socket_is_mode_0600_refuses_a_second_server_and_is_removed_at_the_end(
        tmp_path: Path) -> None:
    path = tmp_path / "run" / "oddsmon.sock"
    path.parent.mkdir()
    with served(tmp_path, "--socket", str(path)) as server:
        mode = path.lstat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600  # this account only
        assert f"ssh -L 8765:{path}" in server.banner and "?token=" in server.banner
        # The same rules on the socket: a browser through the tunnel says Host localhost:8765.
        connector = aiohttp.UnixConnector(path=str(path))
        async with _session(connector=connector) as session:
            async with session.get("http://localhost:8765/", allow_redirects=False) as refused:
                assert refused.status == 403
            async with session.get(f"http://localhost:8765/?token={server.token}") as page:
                assert page.status == 200 and "ws://localhost:8765/ws" in await page.text()
        second = _start(tmp_path, "--socket", str(path))
        out, err = second.communicate(timeout=120)
        assert second.returncode == EXIT_CANNOT_RUN and out == "" and err.count("\n") == 1
        assert "is in use" in err and path.exists()
        code, _, err = _stop(server.proc)
        assert code == 0 and "Traceback" not in err
    assert not path.exists()


def test_a_socket_left_by_a_killed_server_is_reused_and_another_file_is_never_replaced(
        tmp_path: Path) -> None:
    path = tmp_path / "oddsmon.sock"
    proc = _start(tmp_path, "--socket", str(path))
    _banner(proc)
    proc.kill()  # SIGKILL: the socket file stays behind, nobody listening
    proc.communicate(timeout=60)
    assert stat.S_ISSOCK(path.lstat().st_mode)
    with served(tmp_path, "--socket", str(path)):
        assert stat.S_IMODE(path.lstat().st_mode) == 0o600
    regular = tmp_path / "notes.txt"
    regular.write_text("mine")
    proc = _start(tmp_path, "--socket", str(regular))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_CANNOT_RUN and out == ""
    assert "is not a socket" in err and err.count("\n") == 1
    assert regular.read_text() == "mine"


@pytest.mark.parametrize("module", ["aiohttp", "textual_serve", "jinja2"])
def test_without_the_serve_extra_one_line_names_it(tmp_path: Path, module: str) -> None:
    """A module of the extra missing (None in sys.modules makes its import fail, as when it is
    not installed): one line naming the extra, exit 3, nothing served."""
    config = tmp_path / "oddsmon.toml"
    config.write_text("")
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            "from oddsmon.cli import main\n"
            f"raise SystemExit(main(['--config', {str(config)!r}, '--demo', '--serve', '--port', "
            f"'{_free_port()}']))")
    proc = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == EXIT_CANNOT_RUN and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "pip install 'oddsmon[serve]'" in proc.stderr
    assert module in proc.stderr and "Traceback" not in proc.stderr
