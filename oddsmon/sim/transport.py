"""In-process transport: an ``httpx`` client talking to the simulator without a socket.

Used by the app's ``--demo`` mode and by tests. ``sim.cut_network()`` makes every request
fail with ``httpx.ConnectError`` before the simulator sees it (so nothing is counted), the
way a dropped connection looks to the app; ``sim.restore_network()`` ends the outage.

The request's read timeout is honoured (``httpx.ReadTimeout``), so a ``stall_s`` longer than
the client's timeout behaves as over a real socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

import httpx


class NetworkedApp(Protocol):
    """An ASGI app with a network switch: what this transport needs of the simulator (a
    protocol, so the simulator imports this module and nothing imports back)."""

    network_down: bool

    def __call__(self, scope: MutableMapping[str, Any],
                 receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
                 send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> Awaitable[None]: ...


class SimTransport(httpx.AsyncBaseTransport):
    def __init__(self, sim: NetworkedApp) -> None:
        self.sim = sim
        self._inner = httpx.ASGITransport(app=sim)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.sim.network_down:
            raise httpx.ConnectError("simulated network cut", request=request)
        timeouts = request.extensions.get("timeout") or {}
        read = timeouts.get("read")
        if read is None:
            return await self._inner.handle_async_request(request)
        try:
            return await asyncio.wait_for(self._inner.handle_async_request(request), read)
        except TimeoutError:
            raise httpx.ReadTimeout("simulated read timeout", request=request) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
