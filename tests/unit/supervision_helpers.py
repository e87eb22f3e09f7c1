"""Shared set-ups for the supervision tests (check, export, journal): a store in a known state,
the metrics schema, and a warm through the in-process simulator."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema

from oddsmon.clock import FakeClock
from oddsmon.config import Secret, Settings
from oddsmon.offline import OfflineMachine
from oddsmon.providers import BookmakersRequest, FixturesRequest, LeagueOddsRequest, PredictionRequest
from oddsmon.store import Store

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "metrics.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

KINDS = tuple(r.kind for r in (PredictionRequest, BookmakersRequest, LeagueOddsRequest, FixturesRequest))


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def machine(store: Store, clock: FakeClock, settings: Settings) -> OfflineMachine:
    return OfflineMachine(store, clock, settings.supervision)


def cache_pages(store: Store, at: datetime, ttl_s: float = 600) -> None:
    """One cache entry behind each critical page, fetched at ``at`` (bodies are not read)."""
    for kind in KINDS:
        store.cache.put(f"{kind}?x=1", kind, '{"response": []}', at, ttl_s)


def observe_quota(store: Store, at: datetime, remaining: int, limit: int = 100) -> None:
    store.ledger.observe(at, limit, remaining, 10, 9)


async def warm_with_simulator(settings: Settings, clock: FakeClock, key: str = "sim-key") -> Any:
    """A real warm of ``settings`` against the in-process simulator, into the real store."""
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimConfig, SimTransport, Simulator

    sim = Simulator(SimConfig(leagues=tuple(settings.watch.leagues), season=settings.watch.one_season,
                              daily_limit=500, per_minute=300), clock=clock)
    engine = build_engine(settings, clock=clock, transport=SimTransport(sim), key=Secret(key))
    try:
        return await engine.service.warm()
    finally:
        await engine.aclose()
