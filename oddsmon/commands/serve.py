"""``oddsmon --serve [--port N | --socket PATH]``: the TUI in a browser, through textual-serve.

Each browser tab gets its own oddsmon process (textual-serve runs the command below per
connection, over Textual's web driver), on the same config and the same shared store as a
terminal would. The API key stays in the server's environment; no page, URL or packet carries
it. Who may connect (docs/hostile.md, "oddsmon --serve"):

- it listens on 127.0.0.1 only, or with ``--socket PATH`` on a Unix socket of mode 0600 (only
  this account can connect to it: file permissions are the access rule on the server);
- every request carries the token printed once at start, in the URL, and Host and Origin
  headers that name loopback (``serve_app.py``): another user of the host, a page in the
  browser holding the ``ssh -L`` tunnel, or a DNS-rebinding page are refused.

Exit status: 0 once stopped (Ctrl+C, SIGTERM); 2 for bad usage; 3 when it cannot serve (the
port or the socket is in use, the socket path is taken by another file, the ``serve`` extra is
not installed), said in one line before anything is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import secrets
import shlex
import signal
import socket
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from .common import EXIT_CANNOT_RUN, EXIT_OK, UsageError, fail

if TYPE_CHECKING:
    from aiohttp import web

DEFAULT_PORT = 8765
HOST = "127.0.0.1"
EXTRA = "pip install 'oddsmon[serve]'"


class _CannotServe(Exception):
    """The port or the socket cannot be listened on; the message says why, in one line."""


# Each session's TUI in a session of its own (setsid): Ctrl+C in the server's terminal reaches the
# server only, which ends every session cleanly (textual-serve's quit message, then the process is
# reaped), rather than killing the TUIs mid-write behind its back.
_SESSION = "import os, sys; os.setsid(); from oddsmon.cli import main; sys.exit(main(sys.argv[1:]))"


def app_command(settings: Settings, *, demo: bool) -> str:
    """The shell command textual-serve runs for each browser connection."""
    parts = [sys.executable, "-c", _SESSION]
    if settings.source is not None:
        parts += ["--config", str(settings.source)]
    if demo:
        parts.append("--demo")
    return " ".join(shlex.quote(p) for p in parts)


def run(settings: Settings, *, port: int | None = None, socket_path: str | None = None,
        demo: bool = False) -> int:
    if port is not None and socket_path is not None:
        raise UsageError("argument --socket: not allowed with argument --port")
    try:
        from .serve_app import build
    except ImportError as exc:  # the optional dependencies of --serve
        return fail(f"--serve needs the serve extra ({exc.name or 'a module'} is missing): {EXTRA}",
                    EXIT_CANNOT_RUN)
    token = secrets.token_urlsafe(32)
    app = build(app_command(settings, demo=demo), token, "oddsmon" + (" · demo" if demo else ""))
    path = None if socket_path is None else Path(socket_path).expanduser().absolute()
    try:
        if path is not None:
            listener = _unix_listener(path)
            banner = _socket_banner(path, token)
        else:
            port = port or DEFAULT_PORT
            listener = _tcp_listener(port)
            banner = _port_banner(port, token)
    except _CannotServe as exc:
        return fail(f"--serve: {exc}", EXIT_CANNOT_RUN)
    bound = None if path is None else path.stat().st_ino
    try:
        asyncio.run(_serve(app, listener, banner))
    finally:
        listener.close()
        if path is not None:
            _remove_own_socket(path, bound)
    return EXIT_OK


def _port_banner(port: int, token: str) -> str:
    return (f"oddsmon: serving the TUI on http://{HOST}:{port}/?token={token} (Ctrl+C stops it)\n"
            f"  from another machine: ssh -L {port}:{HOST}:{port} <this host>, then open "
            f"http://localhost:{port}/?token={token}")


def _socket_banner(path: Path, token: str) -> str:
    target = shlex.quote(str(path))
    return (f"oddsmon: serving the TUI on the Unix socket {path} (mode 0600: this account only; "
            f"Ctrl+C stops it)\n"
            f"  from another machine: ssh -L {DEFAULT_PORT}:{target} <this host>, then open "
            f"http://localhost:{DEFAULT_PORT}/?token={token}")


def _tcp_listener(port: int) -> socket.socket:
    try:
        # SO_REUSEADDR (create_server's default here) reuses a port left in TIME_WAIT, never one
        # another process listens on.
        return socket.create_server((HOST, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise _CannotServe(f"{HOST}:{port} is in use (another oddsmon --serve?); "
                               f"choose another port with --port N") from None
        raise _CannotServe(f"cannot listen on {HOST}:{port}: {exc.strerror}") from None


def _unix_listener(path: Path) -> socket.socket:
    _clear_stale_socket(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The umask makes the socket 0600 from the moment it exists: no window where another
    # account could connect.
    umask = os.umask(0o177)
    try:
        sock.bind(str(path))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise _CannotServe(f"cannot listen on {path}: {exc.strerror or exc}") from None
    finally:
        os.umask(umask)
    return sock


def _clear_stale_socket(path: Path) -> None:
    """Remove a socket a stopped server left at ``path``; refuse a live one or another file."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _CannotServe(f"cannot use {path}: {exc.strerror}") from None
    if not stat.S_ISSOCK(mode):
        raise _CannotServe(f"{path} exists and is not a socket; not replacing it")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except ConnectionRefusedError:  # nobody listens: left by a server that is gone
            path.unlink()
            return
        except OSError as exc:
            raise _CannotServe(f"cannot use {path}: {exc.strerror}") from None
    raise _CannotServe(f"{path} is in use (another oddsmon --serve?); choose another path")


def _remove_own_socket(path: Path, inode: int | None) -> None:
    """Remove the socket file on the way out, unless another server has replaced it since."""
    with contextlib.suppress(OSError):
        if path.stat().st_ino == inode:
            path.unlink()


async def _serve(app: web.Application, listener: socket.socket, banner: str) -> None:
    from aiohttp import web

    # No access log: request lines would carry the token (``/?token=...``) into the output.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.SockSite(runner, listener).start()
        # Only now: nothing says "serving" before the socket listens and a signal stops it cleanly.
        print(banner, flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()
