"""This host's copy of a team's store (store/hostcopy.py) on the TUI's own thread, against a real
PostgreSQL server: the engine serves its pages while the copy runs, the copy holds what the
server does once it ends, and closing the engine ends a copy still running before the store
closes (nothing raised on the thread, the host's file whole)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from oddsmon.clock import FakeClock
from oddsmon.config import Settings
from oddsmon.store import Store

from .test_team_away import _engine, _host, _shown

# The prices as read (schema 16: a book first seen whole is one row of odds_packs).
_COPIED = ("odds_snapshots", "odds_packs", "odds_latest", "odds_books", "headlines", "cache")


def _counts(store: Store) -> dict[str, int]:
    return {t: store.db.query_one(f"SELECT count(*) FROM {t}")[0] for t in _COPIED}  # type: ignore[index]


def _copier() -> threading.Thread:
    [thread] = [t for t in threading.enumerate() if t.name == "oddsmon-host-copy"]
    return thread


@contextlib.contextmanager
def _held(url: str) -> Iterator[None]:
    """Another client of the server holds a table the copy reads and no screen does (the
    fixtures' names, for the team's SQL views): the copy waits on it, the screens do not."""
    with psycopg.connect(url) as conn:
        conn.execute("LOCK TABLE fixture_names IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What any thread raised (threading's hook would only print it)."""
    errors: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", errors.append)
    return errors


async def test_the_copy_runs_beside_the_engine_and_holds_what_the_server_does(
        settings: Settings, tmp_path: Path, clock: FakeClock, pg_url: str, thread_errors: list[Any]) -> None:
    host = _host(settings, tmp_path, pg_url)
    engine = _engine(host, clock)
    try:
        before = await _shown(engine)
        with _held(pg_url):
            assert engine.service.keep_copy(wait=False) is None  # the caller does not wait
            copier = _copier()
            # The engine serves the screens meanwhile, the copy still waiting.
            assert await _shown(engine) == before
            assert copier.is_alive()
        await asyncio.to_thread(copier.join)
        server = _counts(engine.store)
    finally:
        await engine.aclose()
    own = Store.open(host.paths.db)
    try:
        assert _counts(own) == server and server["odds_snapshots"] > 1000
    finally:
        own.close()
    assert thread_errors == []


async def test_closing_the_engine_ends_a_copy_still_running_before_the_store_closes(
        settings: Settings, tmp_path: Path, clock: FakeClock, pg_url: str, thread_errors: list[Any]) -> None:
    host = _host(settings, tmp_path, pg_url)
    engine = _engine(host, clock)
    await _shown(engine)
    with _held(pg_url):
        engine.service.keep_copy(wait=False)
        copier = _copier()
        closing = asyncio.create_task(engine.aclose())
        await asyncio.sleep(0)  # the engine is closing, the copy still waiting on the server
        assert not closing.done() and copier.is_alive()
    await closing
    # Closed: the copy's thread had ended first, and raised nothing on a closed store.
    assert not copier.is_alive()
    assert thread_errors == []
    own = Store.open(host.paths.db)
    try:
        assert own.integrity_check() == "ok"
    finally:
        own.close()
    # The next engine on this host takes the copy up from there, to what the server holds.
    engine = _engine(host, clock)
    try:
        assert engine.service.keep_copy() is not None
        server = _counts(engine.store)
    finally:
        await engine.aclose()
    own = Store.open(host.paths.db)
    try:
        assert _counts(own) == server
    finally:
        own.close()
    assert thread_errors == []
