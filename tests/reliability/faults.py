"""Real faults for the reliability suite: hand-written servers that misbehave on a real socket,
a listening socket that never completes a handshake, and small helpers to look at the store.

Nothing here mocks the network: every fault is produced by the kernel's TCP stack on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import struct
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from oddsmon.store import Store

# ---------------------------------------------------------------------------------------------
# A raw HTTP/1.1 server whose behaviour per request is a coroutine the test chooses.
# ---------------------------------------------------------------------------------------------

Behaviour = Callable[["RawHttpServer", asyncio.StreamReader, asyncio.StreamWriter, bytes],
                     Awaitable[None]]


class RawHttpServer:
    """A tiny HTTP server on 127.0.0.1, in its own thread and event loop.

    It reads one request head per connection (``requests`` counts them; ``paths`` keeps the
    request lines) and hands the connection to ``behaviour``, which writes whatever bytes the
    fault needs (or nothing) and decides how the connection ends.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.connections = 0
        self.requests = 0
        self.paths: list[str] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RawHttpServer:
        self._thread = threading.Thread(target=self._run, name="reliability-raw-http", daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("raw HTTP server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> RawHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

        asyncio.run(main())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.requests += 1
                self.paths.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
                await self.behaviour(self, reader, writer, head)
                if writer.transport.is_closing():
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.transport.abort()


def http_head(status: int, reason: str, length: int, content_type: str = "application/json",
              extra: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", f"content-type: {content_type}",
             f"content-length: {length}"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


QUOTA_HEADERS = {"x-ratelimit-requests-limit": "100", "x-ratelimit-requests-remaining": "80",
                 "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"}


def envelope_bytes(n_items: int = 400) -> bytes:
    """A plausible API-Football body, big enough that half of it is several TCP segments."""
    items = ",".join(f'{{"id":{i},"name":"Bookmaker {i}"}}' for i in range(n_items))
    return (f'{{"get":"odds/bookmakers","parameters":[],"errors":[],"results":{n_items},'
            f'"paging":{{"current":1,"total":1}},"response":[{items}]}}').encode()


async def _half_body(writer: asyncio.StreamWriter, payload: bytes) -> None:
    """A 200 announcing the whole ``payload``, and only its first half sent."""
    writer.write(http_head(200, "OK", len(payload), extra=QUOTA_HEADERS))
    writer.write(payload[: len(payload) // 2])
    await writer.drain()


def stall_mid_body(body: bytes | None = None) -> Behaviour:
    """Status line, headers and half the body, then silence until the client gives up."""
    payload = body or envelope_bytes()

    async def behave(srv: RawHttpServer, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter, head: bytes) -> None:
        await _half_body(writer, payload)
        # Wait for the client to hang up (its read timeout), never sending the rest.
        with contextlib.suppress(Exception):
            while await reader.read(65536):
                pass
        writer.transport.abort()

    return behave


def reset_mid_body(body: bytes | None = None) -> Behaviour:
    """Headers and half the body, then a TCP RST (SO_LINGER 0 and close): ECONNRESET."""
    payload = body or envelope_bytes()

    async def behave(srv: RawHttpServer, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter, head: bytes) -> None:
        await _half_body(writer, payload)
        await asyncio.sleep(0.02)  # let the client read the first half
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # close() with linger 0: the kernel sends RST, not FIN

    return behave


def respond(status: int, reason: str, body: bytes, content_type: str = "application/json",
            extra: dict[str, str] | None = None) -> Behaviour:
    async def behave(srv: RawHttpServer, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter, head: bytes) -> None:
        writer.write(http_head(status, reason, len(body), content_type, extra) + body)
        await writer.drain()

    return behave


# ---------------------------------------------------------------------------------------------
# A socket that never accepts: the listen backlog is full, so further SYNs go unanswered.
# ---------------------------------------------------------------------------------------------


class BlackHole:
    """A listening socket with ``listen(0)`` whose accept queue is filled by our own connects.

    Linux then drops further SYNs (with ``net.ipv4.tcp_abort_on_overflow = 0``, the default):
    the client's SYN is never answered, so its connect times out: ``httpx.ConnectTimeout``.
    """

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.port = self.listener.getsockname()[1]
        self.fillers: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fill(self) -> bool:
        """Fill the accept queue; True once a fresh connect really goes unanswered."""
        return any(not self._completes(0.1) for _ in range(16))

    def _completes(self, wait_s: float) -> bool:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect(("127.0.0.1", self.port))
        self.fillers.append(s)  # keep it: a completed one holds a slot of the queue
        import select

        _, writable, _ = select.select([], [s], [], wait_s)
        return bool(writable) and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0

    def close(self) -> None:
        for s in self.fillers:
            s.close()
        self.listener.close()


def tcp_abort_on_overflow() -> int | None:
    try:
        return int(Path("/proc/sys/net/ipv4/tcp_abort_on_overflow").read_text())
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Looking at the store.
# ---------------------------------------------------------------------------------------------


def cache_snapshot(store: Store) -> dict[str, tuple[str, float]]:
    """key -> (sha256 of the body, fetched_at): to prove nothing cached was lost or changed."""
    rows = store.db.query("SELECT key, body, fetched_at FROM cache")
    # A big body is kept compressed (bytes): its stored form is what must not change.
    return {r[0]: (hashlib.sha256(r[1] if isinstance(r[1], bytes) else r[1].encode()).hexdigest(), r[2])
            for r in rows}


def secret_hits(data: bytes, secret: str) -> list[str]:
    """Every form the key could take in a file or an output: raw, URL-encoded, base64, hex."""
    import base64
    import urllib.parse

    forms = {secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret),
             base64.b64encode(secret.encode()).decode(), secret.encode().hex()}
    return [f for f in forms if f.encode() in data]


def scan_tree_for_secret(root: Path, secret: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in root.rglob("*"):
        with contextlib.suppress(OSError):
            if p.is_file():
                hits = secret_hits(p.read_bytes(), secret)
                if hits:
                    found[str(p)] = hits
    return found
