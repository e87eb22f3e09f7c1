"""Odds history: a snapshot per fixture, bookmaker, bet and outcome, only when the price moved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..clock import utc_from_ts
from .db import Database


@dataclass(frozen=True, slots=True)
class PricePoint:
    fixture_id: int
    bookmaker_id: int
    bet_id: int
    outcome: str
    observed_at: datetime
    price: float


class OddsHistory:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, at: datetime, prices: Iterable[tuple[int, int, int, str, float]]) -> int:
        """Store (fixture, bookmaker, bet, outcome, price) rows whose price changed; returns how many.

        The comparison with the latest stored price happens inside the write transaction, so two
        processes recording the same fetch do not both insert it.
        """
        rows = list(prices)
        if not rows:
            return 0
        inserted = 0
        with self.db.write() as tx:
            fixtures = sorted({r[0] for r in rows})
            latest: dict[tuple[int, int, int, str], float] = {}
            for chunk_start in range(0, len(fixtures), 500):
                chunk = fixtures[chunk_start:chunk_start + 500]
                marks = ",".join("?" * len(chunk))
                for r in tx.execute(
                    "SELECT fixture_id, bookmaker_id, bet_id, outcome, price FROM odds_snapshots s "
                    f"WHERE fixture_id IN ({marks}) AND observed_at = ("
                    "  SELECT max(observed_at) FROM odds_snapshots t WHERE t.fixture_id = s.fixture_id"
                    "  AND t.bet_id = s.bet_id AND t.outcome = s.outcome"
                    "  AND t.bookmaker_id = s.bookmaker_id)", chunk):
                    latest[(r[0], r[1], r[2], r[3])] = r[4]
            new = [(f, b, bet, o, at.timestamp(), p) for f, b, bet, o, p in rows
                   if latest.get((f, b, bet, o)) != p]
            if new:
                tx.executemany(
                    "INSERT OR IGNORE INTO odds_snapshots "
                    "(fixture_id, bookmaker_id, bet_id, outcome, observed_at, price) VALUES (?,?,?,?,?,?)",
                    new)
                inserted = len(new)
        return inserted

    def series(self, fixture_id: int, bet_id: int) -> list[PricePoint]:
        """Every stored price of one fixture's market, oldest first."""
        rows = self.db.query(
            "SELECT fixture_id, bookmaker_id, bet_id, outcome, observed_at, price FROM odds_snapshots "
            "WHERE fixture_id = ? AND bet_id = ? ORDER BY observed_at", (fixture_id, bet_id))
        return [PricePoint(r[0], r[1], r[2], r[3], utc_from_ts(r[4]), r[5]) for r in rows]  # type: ignore[arg-type]

    def openings(self, bet_id: int, fixture_ids: Iterable[int]) -> dict[tuple[int, int, str], float]:
        """First stored price per (fixture, bookmaker, outcome) for many fixtures at once."""
        ids = sorted(set(fixture_ids))
        out: dict[tuple[int, int, str], float] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.query(
                "SELECT fixture_id, bookmaker_id, outcome, price FROM odds_snapshots s "
                f"WHERE bet_id = ? AND fixture_id IN ({marks}) AND observed_at = ("
                "  SELECT min(observed_at) FROM odds_snapshots t WHERE t.fixture_id = s.fixture_id"
                "  AND t.bet_id = s.bet_id AND t.outcome = s.outcome AND t.bookmaker_id = s.bookmaker_id)",
                (bet_id, *chunk)):
                out[(r[0], r[1], r[2])] = r[3]
        return out

    def changes_since(self, since: datetime) -> list[PricePoint]:
        """Prices stored after ``since``, plus the price each of those series had at ``since``
        (history keeps changes only, so the price in force may be older)."""
        t = since.timestamp()
        rows = self.db.query(
            "WITH moved AS (SELECT DISTINCT fixture_id, bookmaker_id, bet_id, outcome "
            "               FROM odds_snapshots WHERE observed_at > ?) "
            "SELECT s.fixture_id, s.bookmaker_id, s.bet_id, s.outcome, s.observed_at, s.price "
            "FROM odds_snapshots s JOIN moved m USING (fixture_id, bookmaker_id, bet_id, outcome) "
            "WHERE s.observed_at > ? OR s.observed_at = ("
            "  SELECT max(observed_at) FROM odds_snapshots t WHERE t.fixture_id = s.fixture_id "
            "  AND t.bet_id = s.bet_id AND t.outcome = s.outcome AND t.bookmaker_id = s.bookmaker_id "
            "  AND t.observed_at <= ?)", (t, t, t))
        return [PricePoint(r[0], r[1], r[2], r[3], utc_from_ts(r[4]), r[5]) for r in rows]  # type: ignore[arg-type]

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM odds_snapshots")
        return 0 if row is None else row[0]
