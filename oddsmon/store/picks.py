"""Picks (the bets an analyst records from the Odds screen), pinned fixtures (the watchlist) and
the hidden leagues and bookmakers.

All live in the shared store, so they survive restarts and ``kill -9`` (every write is one
transaction). Each carries its author (``user@host``): an analyst sees their own by default
(``mine``), everyone's on request (``team``), on one host's file as on a team's server. Those
recorded before authors were kept (author ``''``) are every author's own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ..clock import utc_from_ts

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend


@dataclass(frozen=True, slots=True)
class NewPick:
    fixture_id: int
    kickoff: datetime | None
    match: str
    league: str
    bet_id: int
    line: str
    outcome: str
    label: str
    bookmaker_id: int
    bookmaker: str
    price: float
    stake: float
    # What the stake was sized against: "market" (its fair view), "prediction", "model" (your
    # own probabilities); "-joint" after it when several outcomes of one market were sized
    # together (simultaneous Kelly).
    basis: str = "market"


@dataclass(frozen=True, slots=True)
class Pick(NewPick):
    id: int = 0
    created_at: datetime | None = None
    author: str = ""  # user@host; '' before authors were kept


# What a stake can be sized against (see NewPick.basis).
BASES = ("market", "prediction", "model", "market-joint", "prediction-joint", "model-joint")
# Whose: this author's own (and those from before authors were kept), or the whole team's.
Scope = Literal["mine", "team"]
_MINE = "author IN (?, '')"

_COLUMNS = ("fixture_id", "kickoff", "match", "league", "bet_id", "line", "outcome", "label",
            "bookmaker_id", "bookmaker", "price", "stake", "basis")


class PickStore:
    def __init__(self, db: Backend, author: str) -> None:
        self.db = db
        self.author = author

    def _whose(self, scope: Scope) -> tuple[str, tuple[object, ...]]:
        if scope == "team":
            return "1 = 1", ()
        return _MINE, (self.author,)

    def add(self, pick: NewPick, at: datetime) -> int:
        if not pick.price > 1.0 or not pick.stake >= 0.0:
            raise ValueError(f"a pick needs a price above 1 and a stake of 0 or more, got "
                             f"{pick.price!r} and {pick.stake!r}")
        if pick.basis not in BASES:
            raise ValueError(f"a pick's basis is one of {', '.join(BASES)}, got {pick.basis!r}")
        values = [getattr(pick, c) for c in _COLUMNS]
        values[1] = None if pick.kickoff is None else pick.kickoff.timestamp()
        with self.db.write() as tx:
            return int(tx.execute(f"INSERT INTO picks (created_at, author, {', '.join(_COLUMNS)}) "
                                  f"VALUES (?, ?{', ?' * len(_COLUMNS)}) RETURNING id",
                                  (at.timestamp(), self.author, *values)).fetchall()[0][0])

    def all(self, scope: Scope = "mine") -> list[Pick]:
        """The picks of this author (``mine``) or of every author (``team``), oldest first."""
        where, params = self._whose(scope)
        rows = self.db.query(f"SELECT id, created_at, author, {', '.join(_COLUMNS)} FROM picks "
                             f"WHERE {where} ORDER BY id", params)
        out = []
        for r in rows:
            fields = dict(zip(_COLUMNS, tuple(r)[3:], strict=True))
            fields["kickoff"] = utc_from_ts(fields["kickoff"])
            out.append(Pick(**fields, id=r[0], created_at=utc_from_ts(r[1]), author=r[2]))
        return out

    # -- filters, remembered for each author on every oddsmon --------------------------------------

    def filters(self) -> tuple[frozenset[int], frozenset[int]]:
        """This author's (hidden league ids, hidden bookmaker ids): their own, else those saved
        before authors were kept. A stored value that does not read as two lists of ids
        (hand-edited, an older format) reads as nothing hidden."""
        row = self.db.query_one(f"SELECT value FROM desk_filters WHERE {_MINE} ORDER BY author DESC "
                                "LIMIT 1", (self.author,))
        return _filters(row)

    def team_filters(self) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
        """Every author's filters, by author."""
        return {r[0]: _filters((r[1],)) for r in self.db.query("SELECT author, value FROM desk_filters")}

    def save_filters(self, hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int]) -> None:
        value = json.dumps({"hidden_leagues": sorted(hidden_leagues),
                            "hidden_bookmakers": sorted(hidden_bookmakers)})
        with self.db.write() as tx:
            tx.execute("INSERT INTO desk_filters (author, value) VALUES (?, ?) "
                       "ON CONFLICT(author) DO UPDATE SET value = excluded.value", (self.author, value))

    # -- the watchlist ---------------------------------------------------------------------------

    def pinned(self, scope: Scope = "mine") -> set[int]:
        where, params = self._whose(scope)
        return {r[0] for r in self.db.query(f"SELECT fixture_id FROM pins WHERE {where}", params)}

    def toggle_pin(self, fixture_id: int, at: datetime) -> bool:
        """Pin the fixture for this author, or unpin it if they had; returns whether it is
        pinned for them now."""
        with self.db.write() as tx:
            if tx.execute(f"DELETE FROM pins WHERE fixture_id = ? AND {_MINE}",
                          (fixture_id, self.author)).rowcount:
                return False
            tx.execute("INSERT INTO pins (author, fixture_id, pinned_at) VALUES (?, ?, ?)",
                       (self.author, fixture_id, at.timestamp()))
            return True


def _filters(row: tuple[object, ...] | None) -> tuple[frozenset[int], frozenset[int]]:
    try:
        data = json.loads(row[0]) if row is not None else {}  # type: ignore[arg-type]
        leagues, books = data.get("hidden_leagues", []), data.get("hidden_bookmakers", [])
        if all(isinstance(x, int) for x in [*leagues, *books]):
            return frozenset(leagues), frozenset(books)
    except (ValueError, AttributeError, TypeError):
        pass
    return frozenset(), frozenset()
