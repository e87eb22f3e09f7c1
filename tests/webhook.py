"""A webhook receiver on a loopback port that can hang, drop connections and come back.

Each accepted POST keeps its raw body and parsed JSON; ``alerts()`` flattens the generic JSON
digests into the alerts they carry. ``statuses`` answers the next POSTs with those codes;
``drops`` closes the next POSTs' connections without an answer; ``hang()`` holds every POST
until ``come_back()`` (then drops it: the sender never learns whether it arrived, and the
receiver does not count it). Threads, not sleeps: a test waits on ``hung``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.raw: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.statuses: list[int] = []
        self.drops = 0
        self.refused = 0  # POSTs answered with an error status or dropped
        self.hung = threading.Event()  # a POST is being held
        self.holding = threading.Event()
        self.back = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if receiver.holding.is_set():
                    receiver.hung.set()
                    receiver.back.wait(60)  # bounded: a failed test never wedges the suite
                    self._drop()
                    return
                with receiver.lock:
                    if receiver.drops:
                        receiver.drops -= 1
                        receiver.refused += 1
                        self._drop()
                        return
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                    if status < 300:
                        receiver.raw.append(body)
                        receiver.headers.append({k.lower(): v for k, v in self.headers.items()})
                        is_json = self.headers.get("content-type", "").startswith("application/json")
                        receiver.bodies.append(json.loads(body) if is_json else body.decode())
                    else:
                        receiver.refused += 1
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def _drop(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def hang(self) -> None:
        self.back.clear()
        self.hung.clear()
        self.holding.set()

    def come_back(self) -> None:
        self.holding.clear()
        self.back.set()

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert delivered, from the generic JSON digests."""
        return [a for b in self.bodies if isinstance(b, dict) for a in b.get("alerts", [])]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.come_back()
        self.server.shutdown()
        self.server.server_close()
