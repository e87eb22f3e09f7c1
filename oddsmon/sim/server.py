"""Serve a ``Simulator`` on a real loopback socket, in a background thread.

``LoopbackServer`` binds the socket itself (so ``port=0`` picks a free port that is then kept:
a restart listens on the same port again), runs uvicorn with its own event loop in a daemon
thread, and on ``stop()`` closes the listening socket and aborts open connections, so that
afterwards a connect is refused, like a real outage. ``start()`` again brings it back.

    with LoopbackServer(sim) as server:
        httpx.get(f"{server.url}/status", headers={"x-apisports-key": "k"})
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from .app import Simulator


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``SO_REUSEADDR``, so restarts rebind at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def uvicorn_config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                          access_log=False, interface="asgi3", timeout_graceful_shutdown=1)


class LoopbackServer:
    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._guard = threading.Lock()

    # ------------------------------------------------------------------ properties
    @property
    def url(self) -> str:
        if self.port == 0:
            raise RuntimeError("LoopbackServer has no port yet: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 5.0) -> LoopbackServer:
        """Listen and serve; returns once connections are accepted. No-op when running."""
        with self._guard:
            if self.running:
                return self
            sock = bind_socket(self.host, self.port)
            self.port = sock.getsockname()[1]
            server = uvicorn.Server(uvicorn_config(self.sim, self.host, self.port))
            self._error = None
            self._loop = None
            thread = threading.Thread(target=self._run, args=(server, sock),
                                      name=f"oddsmon-sim-{self.port}", daemon=True)
            thread.start()
            deadline = time.monotonic() + timeout
            while not server.started:
                if not thread.is_alive():
                    sock.close()
                    raise RuntimeError(f"simulator server failed to start: {self._error!r}") from self._error
                if time.monotonic() > deadline:
                    server.should_exit = server.force_exit = True
                    thread.join(timeout)
                    sock.close()
                    raise RuntimeError("simulator server did not start in time")
                time.sleep(0.002)
            self._server, self._thread = server, thread
            return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listening socket and every connection, and join the thread."""
        with self._guard:
            server, thread, loop = self._server, self._thread, self._loop
            if server is None or thread is None:
                return
            server.should_exit = True
            server.force_exit = True
            if loop is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed in between
                    loop.call_soon_threadsafe(self._abort_connections, server)
            thread.join(timeout)
            if thread.is_alive():
                raise RuntimeError("simulator server thread did not stop")
            self._server = self._thread = self._loop = None

    def restart(self) -> LoopbackServer:
        self.stop()
        return self.start()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ thread side
    @staticmethod
    def _abort_connections(server: uvicorn.Server) -> None:
        for conn in list(server.server_state.connections):
            transport = getattr(conn, "transport", None)
            if transport is not None:
                transport.abort()

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            try:
                await server.serve(sockets=[sock])
            finally:
                self._abort_connections(server)
                sock.close()

        try:
            asyncio.run(serve())
        # SystemExit from a failed uvicorn startup, etc.: handed to start(), which raises from it.
        except BaseException as exc:  # noqa: BLE001
            self._error = exc
        finally:
            sock.close()
