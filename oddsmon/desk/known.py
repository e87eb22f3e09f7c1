"""What the store knows about fixtures and bookmakers, from the pages it has cached.

The price history keeps ids only; names, kickoffs and results come from the cached fixtures
and bookmakers answers, read back by the provider that fetched them. Memory grows with the
number of fixtures, never with the number of prices.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from ..config import Settings
from ..domain.models import Fixture
from ..providers import BookmakersRequest, FixturesRequest, Request, codec
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


T = TypeVar("T")


def _answers(store: Store, asked: type[Request[list[T]]]) -> Iterator[list[T]]:
    """Every cached answer of the kind ``asked`` is, oldest fetch first; a body that does not
    read is a page never cached, as everywhere else."""
    reader = codec()
    for body in store.cache.bodies(asked.kind):
        try:
            yield reader.decode(asked, body)
        except ValueError:
            continue


def known_fixtures(store: Store) -> dict[int, Fixture]:
    """Every fixture of every cached fixtures page; the newest fetch of a fixture wins (it has
    the latest status and score)."""
    fixtures: dict[int, Fixture] = {}
    for parsed in _answers(store, FixturesRequest):
        fixtures.update((f.id, f) for f in parsed)
    return fixtures


def bookmaker_names(store: Store) -> dict[int, str]:
    names: dict[int, str] = {}
    for books in _answers(store, BookmakersRequest):
        names.update((b.id, b.name) for b in books)
    return names
