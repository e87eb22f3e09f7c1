"""What the store knows about fixtures and bookmakers, from the pages it has cached.

The price history keeps ids only; names, kickoffs and results come from the cached
``/fixtures`` and ``/odds/bookmakers`` bodies. Memory grows with the number of fixtures, never
with the number of prices.
"""

from __future__ import annotations

import json

from ..domain.models import Fixture, ParseError, parse_bookmakers, parse_fixtures
from ..store import Store


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
