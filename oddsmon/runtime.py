"""Wiring: settings -> store, offline machine, API client and service, for the CLI and the TUI.

Importing this pulls in httpx but never Textual, so headless commands stay fast.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from .api import ApiClient
from .clock import Clock, SystemClock
from .config import DEMO_KEY, Secret, Settings
from .service import Service
from .store import Store
from .supervision import OfflineMachine

DEMO_BASE_URL = "http://simulator.oddsmon.invalid"


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
    base = Path(tmp)
    demo = replace(settings, api=replace(settings.api, base_url=DEMO_BASE_URL))
    demo = demo.with_paths(db=base / "oddsmon.db", metrics=base / "supervision_metrics.json",
                           incidents=base / "incidents_supervision.md")
    return demo, tmp


def build_engine(settings: Settings, *, demo: bool = False, clock: Clock | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 key: Secret | None = None) -> Engine:
    """Everything a process needs. ``demo`` (or no API key at all) runs on the simulator."""
    clock = clock or SystemClock()
    simulator = None
    tmpdir = None
    if key is None and not demo:
        key = settings.api_key()
        demo = key is None
    if demo:
        from .sim import SimConfig, Simulator, SimTransport

        settings, tmpdir = demo_settings(settings)
        # A generous plan so a newcomer can browse freely; the Supervision screen can burn it.
        simulator = Simulator(SimConfig(leagues=tuple(settings.watch.leagues) or (39, 61, 140),
                                        season=settings.watch.season, daily_limit=500,
                                        per_minute=300), clock=clock)
        transport = SimTransport(simulator)
        key = Secret(DEMO_KEY)
    assert key is not None
    store = open_store(settings)
    machine = OfflineMachine(store, clock, settings.supervision)
    api = ApiClient(settings.api, key, store.ledger, clock, transport=transport, gate=machine.gate)
    service = Service(settings, store, machine, api, clock)
    return Engine(settings, store, machine, service, clock, simulator, tmpdir)
