"""Wiring: settings -> store, offline machine, API client and service, for the CLI and the TUI.

Importing this pulls in httpx but never Textual, so headless commands stay fast.
"""

from __future__ import annotations

import asyncio
import inspect
import shutil
import sys
import tempfile
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ..api import ApiClient
from ..clock import Clock, SystemClock
from ..config import DEMO_KEY, ConfigError, Secret, Settings
from ..demo import demo_paths
from ..service import Service
from ..store import Store
from ..supervision import OfflineMachine

T = TypeVar("T")


class BackgroundLoop:
    """A private event loop in a daemon thread, for the engine's work.

    The service is async but also does blocking work (SQLite, parsing a big odds page); run
    from the UI's own loop, a 2,000-fixture refresh would freeze the screen. ``await run(...)``
    from any loop hands the coroutine over and waits without blocking that loop; cancelling
    the waiter cancels the work.
    """

    def __init__(self, name: str = "oddsmon-engine") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def run_sync(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """From a thread that has no running loop (start-up, shutdown, tests)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self, timeout: float = 5.0) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()


class ServiceOnLoop:
    """The service as a UI sees it: its coroutines run on a :class:`BackgroundLoop`.

    Quick synchronous methods (the mode, toggles, counters) still run where they are called;
    they are short reads and writes of the shared store.
    """

    def __init__(self, service: Service, loop: BackgroundLoop) -> None:
        self._service = service
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._service, name)
        if not inspect.iscoroutinefunction(attr):
            return attr

        async def on_loop(*args: Any, **kwargs: Any) -> Any:
            return await self._loop.run(attr(*args, **kwargs))

        return on_loop


@dataclass
class Engine:
    settings: Settings
    store: Store
    machine: OfflineMachine
    service: Service
    clock: Clock
    simulator: object | None = None  # the in-process Simulator in demo mode
    _tmpdir: str | None = field(default=None, repr=False)

    @property
    def demo(self) -> bool:
        return self.simulator is not None

    @property
    def demo_dir(self) -> str | None:
        """The throwaway directory of a ``--demo`` engine (None otherwise)."""
        return self._tmpdir

    async def aclose(self) -> None:
        await self.service.aclose()
        self.store.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


def open_store(settings: Settings, *, warn: bool = True) -> Store:
    """Open the shared store; a damaged file is moved aside and said so in one line."""
    store = Store.open(settings.paths.db)
    message = store.db.report.message()
    if message and warn:
        print(f"oddsmon: {message}", file=sys.stderr)
    return store


def demo_settings(settings: Settings) -> tuple[Settings, str]:
    """The same settings pointed at the simulator, with a throwaway store and files."""
    tmp = tempfile.mkdtemp(prefix="oddsmon-demo-")
    return demo_paths(settings, Path(tmp)), tmp


def build_engine(settings: Settings, *, demo: bool = False, clock: Clock | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 key: Secret | None = None,
                 alerts_transport: httpx.AsyncBaseTransport | None = None) -> Engine:
    """Everything a process needs. ``demo`` runs on the simulator; without it, no API key is a
    ``ConfigError`` (never a silent switch to the simulator)."""
    clock = clock or SystemClock()
    simulator = None
    tmpdir = None
    if key is None and not demo:
        key = settings.api_key()
        if key is None:
            raise ConfigError(settings.missing_key() or "no API key")
    if demo:
        from ..sim import SimConfig, SimTransport, Simulator

        settings, tmpdir = demo_settings(settings)
        # A generous plan so a newcomer can browse freely; the Supervision screen can burn it.
        simulator = Simulator(SimConfig(leagues=tuple(settings.watch.leagues) or (39, 61, 140),
                                        season=settings.watch.one_season, daily_limit=500,
                                        per_minute=300), clock=clock)
        transport = SimTransport(simulator)
        key = Secret(DEMO_KEY)
    assert key is not None
    store = open_store(settings)
    machine = OfflineMachine(store, clock, settings.supervision)
    api = ApiClient(settings.api, key, store.ledger, clock, transport=transport, gate=machine.gate)
    service = Service(settings, store, machine, api, clock)
    if settings.alerts.webhook_url is not None:
        from ..alerts import AlertSender

        service.alert_sender = AlertSender(settings.alerts, store, clock, key, transport=alerts_transport)
    return Engine(settings, store, machine, service, clock, simulator, tmpdir)
