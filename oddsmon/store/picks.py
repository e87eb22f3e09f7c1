"""Picks (the bets an analyst records from the Odds screen) and pinned fixtures (the watchlist).

Both live in the shared store, so they survive restarts, ``kill -9`` (every write is one
transaction) and every process on the host sees the same list; nothing here leaves the host.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

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


# What a stake can be sized against (see NewPick.basis).
BASES = ("market", "prediction", "model", "market-joint", "prediction-joint", "model-joint")

_COLUMNS = ("fixture_id", "kickoff", "match", "league", "bet_id", "line", "outcome", "label",
            "bookmaker_id", "bookmaker", "price", "stake", "basis")


class PickStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def add(self, pick: NewPick, at: datetime) -> int:
        if not pick.price > 1.0 or not pick.stake >= 0.0:
            raise ValueError(f"a pick needs a price above 1 and a stake of 0 or more, got "
                             f"{pick.price!r} and {pick.stake!r}")
        if pick.basis not in BASES:
            raise ValueError(f"a pick's basis is one of {', '.join(BASES)}, got {pick.basis!r}")
        values = [getattr(pick, c) for c in _COLUMNS]
        values[1] = None if pick.kickoff is None else pick.kickoff.timestamp()
        with self.db.write() as tx:
            return int(tx.execute(f"INSERT INTO picks (created_at, {', '.join(_COLUMNS)}) "
                                  f"VALUES (?{', ?' * len(_COLUMNS)}) RETURNING id",
                                  (at.timestamp(), *values)).fetchall()[0][0])

    def all(self) -> list[Pick]:
        rows = self.db.query(f"SELECT id, created_at, {', '.join(_COLUMNS)} FROM picks ORDER BY id")
        out = []
        for r in rows:
            fields = dict(zip(_COLUMNS, tuple(r)[2:], strict=True))
            fields["kickoff"] = utc_from_ts(fields["kickoff"])
            out.append(Pick(**fields, id=r[0], created_at=utc_from_ts(r[1])))
        return out

    # -- filters, remembered for every oddsmon on the host --------------------------------------

    _FILTERS = "desk.filters"

    def filters(self) -> tuple[frozenset[int], frozenset[int]]:
        """(hidden league ids, hidden bookmaker ids); a stored value that does not read as
        two lists of ids (hand-edited, an older format) reads as nothing hidden."""
        row = self.db.query_one("SELECT value FROM meta WHERE key = ?", (self._FILTERS,))
        try:
            data = json.loads(row[0]) if row is not None else {}
            leagues, books = data.get("hidden_leagues", []), data.get("hidden_bookmakers", [])
            if all(isinstance(x, int) for x in [*leagues, *books]):
                return frozenset(leagues), frozenset(books)
        except (ValueError, AttributeError, TypeError):
            pass
        return frozenset(), frozenset()

    def save_filters(self, hidden_leagues: frozenset[int], hidden_bookmakers: frozenset[int]) -> None:
        value = json.dumps({"hidden_leagues": sorted(hidden_leagues),
                            "hidden_bookmakers": sorted(hidden_bookmakers)})
        with self.db.write() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (self._FILTERS, value))

    # -- the watchlist ---------------------------------------------------------------------------

    def pinned(self) -> set[int]:
        return {r[0] for r in self.db.query("SELECT fixture_id FROM pins")}

    def toggle_pin(self, fixture_id: int, at: datetime) -> bool:
        """Pin the fixture, or unpin it if it was pinned; returns whether it is pinned now."""
        with self.db.write() as tx:
            if tx.execute("DELETE FROM pins WHERE fixture_id = ?", (fixture_id,)).rowcount:
                return False
            tx.execute("INSERT INTO pins (fixture_id, pinned_at) VALUES (?, ?)",
                       (fixture_id, at.timestamp()))
            return True
