"""Wiring: settings -> store, offline machine, API client and service, for the CLI and the TUI.

Importing this pulls in httpx but never Textual, so headless commands stay fast.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import httpx

from ..clock import Clock, SystemClock
from ..config import DEMO_KEY, ConfigError, Secret, Settings
from ..demo import demo_paths
from ..offline import OfflineMachine
from ..providers import connect

# The store's value types a UI needs, re-exported so that tui/ never imports oddsmon.store.
from ..store import LivePrice, NewPick, Store, StoreError
from ..supervision import export
from .loop import BackgroundLoop
from .reader import Reader
from .service import Service
from .team import TeamWatch

__all__ = ["BackgroundLoop", "DemoControls", "Engine", "EngineClient", "LivePrice", "NewPick",
           "Simulated", "StoreError", "build_engine", "demo_settings", "open_store"]

T = TypeVar("T")
P = ParamSpec("P")


def _on_engine(method: Callable[Concatenate[Service, P], Coroutine[Any, Any, T]], *, shown: bool = False,
               ) -> Callable[Concatenate[EngineClient, P], Coroutine[Any, Any, T]]:
    """A coroutine method of the service, run on the engine's loop; ``shown``: a page a screen
    shows, after which this host's copy of a team's store is kept (``Service.keep_copy``).

    Looked up by name on the service at each call, so what the engine holds (a test's spy
    included) is what runs."""
    name = method.__name__

    async def call(client: EngineClient, *args: P.args, **kwargs: P.kwargs) -> T:
        service = client.service_on_loop
        bound: Callable[P, Coroutine[Any, Any, T]] = getattr(service, name)

        async def page() -> T:
            answer = await bound(*args, **kwargs)
            service.keep_copy(wait=False)
            return answer

        return await client.loop.run(page() if shown else bound(*args, **kwargs))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    return call


def _sync_on_engine(method: Callable[Concatenate[Service, P], T],
                    ) -> Callable[Concatenate[EngineClient, P], Coroutine[Any, Any, T]]:
    """A plain method of the service (a store read or write), awaited from the UI and run on
    the engine's loop like everything else: the UI thread never touches the store."""
    name = method.__name__

    async def call(client: EngineClient, *args: P.args, **kwargs: P.kwargs) -> T:
        bound: Callable[P, T] = getattr(client.service_on_loop, name)

        async def there() -> T:
            return bound(*args, **kwargs)

        return await client.loop.run(there())

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    return call


class Simulated(Protocol):
    """What the demo's simulator offers its drill (``oddsmon.sim.ServedSimulator`` has it all)."""

    @property
    def network_down(self) -> bool: ...

    def cut_network(self) -> None: ...

    def restore_network(self) -> None: ...

    def exhaust_quota(self) -> None: ...

    def set_quota(self, limit: int | None = None, used: int | None = None) -> None: ...

    def serve(self) -> str: ...  # on loopback too, for the --demo commands of other shells

    def stop_serving(self) -> None: ...


class DemoControls:
    """The ``--demo`` drill of the Supervision screen: the simulator's network and quota.

    The simulator guards its own state with a lock, so these run where they are called."""

    def __init__(self, simulator: Simulated) -> None:
        self._sim = simulator

    @property
    def network_down(self) -> bool:
        return self._sim.network_down

    def cut_network(self) -> None:
        self._sim.cut_network()

    def restore_network(self) -> None:
        self._sim.restore_network()

    def exhaust_quota(self) -> None:
        self._sim.exhaust_quota()

    def refill_quota(self) -> None:
        self._sim.set_quota(used=0)


class EngineClient:
    """The engine as the TUI sees it: every call, sync or async, runs on the engine's loop.

    That loop's thread is the one owner of the service and its store connection: counters,
    drop alerts, toggles, pages and the once-a-second snapshot never race each other, and the
    UI never stalls behind a store write (it awaits, it does not block).
    """

    def __init__(self, engine: Engine, loop: BackgroundLoop) -> None:
        self.loop = loop
        self.service_on_loop = engine.service  # only ever called through self.loop
        self.settings = engine.settings
        self.clock = engine.clock
        self.demo = None if engine.simulator is None else DemoControls(engine.simulator)
        self._store_notice = engine.store.health().problem
        # An interactive client reads what a collector on the host records and sends nothing.
        engine.service.defer_to_collector = True
        # The webhook's task runs on the engine's loop, never in a screen's work.
        loop.loop.call_soon_threadsafe(engine.service.start_delivery)

    # A context variable: set by the caller, it travels with each call to the engine's loop
    # (the task there starts from a copy of the caller's context).
    cache_only = staticmethod(Reader.cache_only)
    stored_only = staticmethod(Reader.stored_only)

    # -- pages and engine work ---------------------------------------------------------------
    bookmakers = _on_engine(Service.bookmakers)
    bookmakers_summary = _on_engine(Service.bookmakers_summary, shown=True)
    dashboard = _on_engine(Service.dashboard, shown=True)
    fixtures = _on_engine(Service.fixtures)
    live = _on_engine(Service.live)
    market = _on_engine(Service.market, shown=True)
    predictions = _on_engine(Service.predictions, shown=True)
    picks = _on_engine(Service.picks, shown=True)
    value_board = _on_engine(Service.value_board)
    value_page = _on_engine(Service.value_page)
    scan_values = _on_engine(Service.scan_values)
    refresh = _on_engine(Service.refresh)
    warm = _on_engine(Service.warm)
    supervise = _on_engine(Service.supervise)
    dispatch_alerts = _on_engine(Service.dispatch_alerts)
    refresh_quota = _on_engine(Service.refresh_quota)

    # -- the store's quick reads and writes --------------------------------------------------
    mode = _sync_on_engine(Service.mode)
    set_offline = _sync_on_engine(Service.set_offline)
    set_online = _sync_on_engine(Service.set_online)
    flush_counters = _sync_on_engine(Service.flush_counters)
    take_drop_alerts = _sync_on_engine(Service.take_drop_alerts)
    closing_means = _sync_on_engine(Service.closing_means)
    movement = _sync_on_engine(Service.movement)
    add_pick = _sync_on_engine(Service.add_pick)
    filters = _sync_on_engine(Service.filters)
    save_filters = _sync_on_engine(Service.save_filters)
    pinned = _sync_on_engine(Service.pinned)
    toggle_pin = _sync_on_engine(Service.toggle_pin)
    value_sources = _sync_on_engine(Service.value_sources)
    snapshot = _sync_on_engine(Service.snapshot)
    sync_journal = _sync_on_engine(Service.sync_journal)
    export_metrics = _sync_on_engine(Service.export_metrics)

    def store_notice(self) -> str | None:
        """What opening the store had to say (a damaged file moved aside), or None."""
        return self._store_notice

    def export_target(self) -> Path:
        """Where :meth:`export_metrics` writes by default: ``paths.metrics``, as ``--export``."""
        return export.default_path(self.settings, "json")


@dataclass
class Engine:
    settings: Settings
    store: Store
    machine: OfflineMachine
    service: Service
    clock: Clock
    simulator: Simulated | None = None  # the in-process Simulator in demo mode
    _tmpdir: str | None = field(default=None, repr=False)
    _watches: list[TeamWatch] = field(default_factory=list, repr=False)

    @property
    def demo(self) -> bool:
        return self.simulator is not None

    @property
    def demo_dir(self) -> str | None:
        """The throwaway directory of a ``--demo`` engine (None otherwise)."""
        return self._tmpdir

    def watch_team(self, on_change: Callable[[], None]) -> bool:
        """On a team's store, call ``on_change`` (from another thread) whenever another host
        changes the offline state, as it commits; False on one host's store (nothing is
        announced there: every process reads the one file)."""
        watch = TeamWatch(self.store, on_change)
        if not watch.start():
            return False
        self._watches.append(watch)
        return True

    async def aclose(self) -> None:
        for watch in self._watches:
            watch.close()
        await self.service.aclose()
        self.store.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)


def open_store(settings: Settings, *, warn: bool = True, copy: bool = False) -> Store:
    """Open the shared store; a damaged file is moved aside and said so in one line.
    ``copy``: see ``Store.open`` (the TUI's: a team's store served from this host's copy
    while the server is away)."""
    store = Store.open(settings, copy=copy)
    message = store.health().problem
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
                 alerts_transport: httpx.AsyncBaseTransport | None = None, warn: bool = True,
                 copy: bool = False) -> Engine:
    """Everything a process needs. ``demo`` runs on the simulator; without it, no API key is a
    ``ConfigError`` (never a silent switch to the simulator). ``warn=False``: a damaged store
    moved aside is not printed (the TUI, drawing on the terminal, says it on screen).
    ``copy``: the TUI's, on a team's store (see ``Store.open``)."""
    clock = clock or SystemClock()
    simulator = None
    tmpdir = None
    # A key read from the settings is read again before each /status probe (a key rotated in
    # api.key_file ends a key outage by itself); one handed in, or the demo's, is the only one.
    key_source = None
    if key is None and not demo:
        key_source = settings.api_key
        key = settings.api_key()
        if key is None:
            raise ConfigError(settings.missing_key() or "no API key")
    if demo:
        from ..sim import SimConfig, SimTransport, Simulator
        from ..sim.served import ServedSimulator

        settings, tmpdir = demo_settings(settings)
        # A generous plan so a newcomer can browse freely; the Supervision screen can burn it.
        sim = Simulator(SimConfig(leagues=tuple(settings.watch.leagues) or (39, 61, 140),
                                  season=settings.watch.one_season, daily_limit=500,
                                  per_minute=300), clock=clock)
        simulator = ServedSimulator(sim)  # served on loopback once the demo is published
        transport = SimTransport(sim)
        key = Secret(DEMO_KEY)
    assert key is not None
    store = open_store(settings, warn=warn, copy=copy)
    machine = OfflineMachine(store, clock, settings.supervision)
    provider = connect(settings.api, key, store.ledger, clock, transport=transport, gate=machine.gate,
                       key_source=key_source)
    deliverer = None
    if settings.alerts.webhook_url is not None:
        from ..alerts import Deliverer

        deliverer = Deliverer(settings.alerts, store, clock, key, transport=alerts_transport)
    service = Service(settings, store, machine, provider, clock, deliverer=deliverer)
    return Engine(settings, store, machine, service, clock, simulator, tmpdir)
