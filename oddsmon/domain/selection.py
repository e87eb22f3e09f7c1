"""Find, filter, sort and pin fixtures: what the ``/`` search, the league filter, the sortable
columns and the watchlist do, as pure functions the screens call."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type only: the TUI's first frame needs this module, not the models
    from .models import Fixture

SORT_KEYS: tuple[str, ...] = ("kickoff", "league", "best", "margin", "value")
"""Sortable columns; kickoff and league ascend, the others put the most interesting first."""


@dataclass(frozen=True, slots=True)
class Numbers:
    """A fixture's sortable figures (None sorts last)."""

    best: float | None = None  # the best home price
    margin: float | None = None  # the lowest bookmaker margin
    value: float | None = None  # the largest value among the best prices


@dataclass(frozen=True, slots=True)
class Selection:
    query: str = ""
    sort: str = "kickoff"
    hidden_leagues: frozenset[int] = field(default_factory=frozenset)

    def describe(self, shown: int, total: int) -> str:
        """What the screen says about the selection, or "" when it shows everything as it is."""
        parts = []
        if self.query:
            parts.append(f"search “{self.query}”")
        if self.hidden_leagues:
            parts.append(f"{len(self.hidden_leagues)} league(s) hidden")
        if self.sort != "kickoff":
            parts.append(f"sorted by {self.sort}")
        return f"{shown} of {total} · " + ", ".join(parts) if parts else ""


def matches(fx: Fixture, query: str) -> bool:
    """A fixture matches when every word of ``query`` is in a team, league or country name
    (any case, accents as typed)."""
    text = f"{fx.home.name} {fx.away.name} {fx.league_name} {fx.country}".casefold()
    return all(word in text for word in query.casefold().split())


def _sort_key(sort: str, fx: Fixture, numbers: Mapping[int, Numbers]) -> tuple[object, ...]:
    n = numbers.get(fx.id, Numbers())
    if sort == "kickoff":
        # What an analyst acts on comes first: in play, then upcoming by kickoff, then the
        # finished ones, latest first.
        if fx.is_live:
            return (0, fx.kickoff.timestamp(), fx.id)
        if fx.is_upcoming:
            return (1, fx.kickoff.timestamp(), fx.id)
        return (2, -fx.kickoff.timestamp(), fx.id)
    if sort == "league":
        return (fx.league_name.casefold(), fx.kickoff, fx.id)
    # Best price and value: highest first; margin: lowest first. Missing figures go last.
    figure = {"best": n.best, "margin": n.margin, "value": n.value}[sort]
    if figure is None:
        return (1, 0.0, fx.kickoff, fx.id)
    return (0, figure if sort == "margin" else -figure, fx.kickoff, fx.id)


def arrange(fixtures: Iterable[Fixture], selection: Selection, *, pinned: Collection[int] = (),
            numbers: Mapping[int, Numbers] | None = None) -> list[Fixture]:
    """The fixtures a screen lists: matching the search, in a league not hidden, sorted, with
    pinned fixtures first (a pinned fixture is shown even in a hidden league: it was asked for)."""
    if selection.sort not in SORT_KEYS:
        raise ValueError(f"unknown sort {selection.sort!r}; expected one of {SORT_KEYS}")
    figures = numbers or {}
    # No search: no names to join and fold (2,000 of them at each fixture switch).
    searched = selection.query.strip()
    kept = [fx for fx in fixtures
            if (not searched or matches(fx, searched))
            and (fx.id in pinned or fx.league_id not in selection.hidden_leagues)]
    return sorted(kept, key=lambda fx: (fx.id not in pinned, _sort_key(selection.sort, fx, figures)))


def next_sort(sort: str) -> str:
    return SORT_KEYS[(SORT_KEYS.index(sort) + 1) % len(SORT_KEYS)]
