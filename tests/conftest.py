"""Shared fixtures: a fake clock, settings in a temp dir, and an opened store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Settings
from oddsmon.store import Store

SECRET = "TEST-KEY-7f3a9c-never-written-anywhere"

# The loopback simulator's fixtures (sim, server, live_settings, transport, loopback_engine),
# for every directory that needs a real socket; a real PostgreSQL server (pg_url, pg_server).
pytest_plugins = ("tests.loopback", "tests.postgres")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first, in their order: on make test's workers a half-minute test
    handed out last keeps one worker busy while the others have nothing left to run."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = Settings()
    return replace(
        base,
        api=replace(base.api, retries=1, timeout_s=2.0, daily_reserve=5),
        watch=replace(base.watch, leagues=(39, 61), season=2026, days_ahead=3,
                      timezone="Europe/Paris"),
    ).with_paths(db=tmp_path / "state" / "oddsmon.db", metrics=tmp_path / "metrics.json",
                 incidents=tmp_path / "incidents.md")


@pytest.fixture
def store(settings: Settings):  # type: ignore[no-untyped-def]
    s = Store.open(settings.paths.db)
    yield s
    s.close()
