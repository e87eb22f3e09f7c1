"""``oddsmon --serve [--port N]``: the TUI in a browser, through textual-serve.

Each browser tab gets its own oddsmon process (textual-serve runs the command below per
connection, over Textual's web driver), on the same config and the same shared store as a
terminal would. The server binds 127.0.0.1 only: from another machine, tunnel to it
(``ssh -L 8765:127.0.0.1:8765 host``) rather than opening a port. The API key stays in the
server's environment; no page, URL or packet carries it.
"""

from __future__ import annotations

import shlex
import sys

from ..config import Settings

DEFAULT_PORT = 8765
HOST = "127.0.0.1"


def app_command(settings: Settings, *, demo: bool) -> str:
    """The shell command textual-serve runs for each browser connection."""
    parts = [sys.executable, "-m", "oddsmon"]
    if settings.source is not None:
        parts += ["--config", str(settings.source)]
    if demo:
        parts.append("--demo")
    return " ".join(shlex.quote(p) for p in parts)


def run(settings: Settings, *, port: int | None = None, demo: bool = False) -> int:
    from textual_serve.server import Server

    port = port or DEFAULT_PORT
    server = Server(app_command(settings, demo=demo), host=HOST, port=port,
                    title="oddsmon" + (" · demo" if demo else ""))
    print(f"oddsmon: serving the TUI on http://{HOST}:{port}/ (Ctrl+C stops it); from "
          f"another machine: ssh -L {port}:{HOST}:{port} <this host>", flush=True)
    server.serve()
    return 0
