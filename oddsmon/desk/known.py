"""What the store knows about fixtures and bookmakers, from the pages it has cached.

The price history keeps ids only; names, kickoffs and results come from the cached
``/fixtures`` and ``/odds/bookmakers`` bodies. Memory grows with the number of fixtures, never
with the number of prices.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from ..config import Settings
from ..domain.models import Fixture, ParseError, parse_bookmakers, parse_fixtures
from ..store import Store, StoreError
from ..supervision.common import StateUnreadable, SupervisionError, open_existing


def run_on_store(settings: Settings, work: Callable[[Store], int]) -> int:
    """Run a headless desk command on the shared store, opened as it is (never repaired, never
    migrated); a problem is one line on stderr and its exit status (3: the store cannot be
    read, 1: a file cannot be written)."""
    try:
        store = open_existing(settings)
    except StateUnreadable as exc:
        print(f"oddsmon: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        return work(store)
    except SupervisionError as exc:
        print(f"oddsmon: {exc}", file=sys.stderr)
        return exc.exit_code
    except StoreError as exc:  # damaged under our feet
        print(f"oddsmon: {exc}", file=sys.stderr)
        return StateUnreadable.exit_code
    finally:
        store.close()


def _responses(store: Store, endpoint: str) -> list[object]:
    out = []
    for body in store.cache.bodies(endpoint):
        try:
            envelope = json.loads(body)
        except ValueError:
            continue  # a body that does not parse is a page never cached, as everywhere else
        if isinstance(envelope, dict):
            out.append(envelope.get("response"))
    return out


def known_fixtures(store: Store) -> dict[int, Fixture]:
    """Every fixture of every cached fixtures page; the newest fetch of a fixture wins (it has
    the latest status and score)."""
    fixtures: dict[int, Fixture] = {}
    for response in _responses(store, "/fixtures"):
        try:
            parsed = parse_fixtures(response)
        except ParseError:
            continue
        fixtures.update((f.id, f) for f in parsed)
    return fixtures


def bookmaker_names(store: Store) -> dict[int, str]:
    names: dict[int, str] = {}
    for response in _responses(store, "/odds/bookmakers"):
        try:
            names.update((b.id, b.name) for b in parse_bookmakers(response))
        except ParseError:
            continue
    return names
