"""Each fixture's value bets as a scan found them, kept after its odds were stored.

Finding the value bets, arbitrages and middles of one fixture reads and parses its whole odds
entry (every bet of eight bookmakers) and prices every line of it: some tens of milliseconds.
The Value screen lists them across every watched fixture, so it would redo thousands at each
open. A scan step (engine/valuescan.py) works them out after the odds are written, a few
fixtures at a time, and keeps them here under the scan's settings (``scan``: fair method,
consensus, bookmakers left out) with the fetch time of the entry they came from: the screen
reads rows, and an entry fetched again is scanned again. The rows are JSON text the scan
step writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .backend import in_lists

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend

class ValueStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def put(self, scan: str, rows: Iterable[tuple[int, str, datetime, str]]) -> None:
        """Keep (fixture id, its odds entry's cache key, that entry's fetch time, value bets
        text) for ``scan``."""
        with self.db.write() as tx:
            tx.executemany(
                "INSERT INTO value_scans (fixture_id, scan, entry, fetched_at, body) VALUES (?,?,?,?,?) "
                "ON CONFLICT(fixture_id, scan) DO UPDATE SET entry = excluded.entry, "
                "fetched_at = excluded.fetched_at, body = excluded.body",
                [(fid, scan, entry, at.timestamp(), body) for fid, entry, at, body in rows])

    def current(self, scan: str, fixture_ids: Iterable[int]) -> dict[int, str]:
        """The kept scan (text) of each of those fixtures whose odds entry is still the one
        scanned (one query, the entry's time read from the cache's row without its body)."""
        ids = list(fixture_ids)
        out: dict[int, str] = {}
        for chunk, marks in in_lists(ids):
            # Within a millisecond: the time is kept as the float the cache's datetime gives.
            out.update((r[0], r[1]) for r in self.db.query(
                "SELECT v.fixture_id, v.body FROM value_scans v JOIN cache c ON c.key = v.entry "
                f"WHERE v.scan = ? AND v.fixture_id IN ({marks}) AND abs(c.fetched_at - v.fetched_at) < 0.001",
                (scan, *chunk)))
        return out

    def forget_except(self, fixture_ids: Iterable[int]) -> int:
        """Drop the scans of every fixture not in ``fixture_ids`` (those no longer watched):
        the table never outgrows the watched fixtures times the settings used. Returns how many."""
        keep = set(fixture_ids)
        gone = [r[0] for r in self.db.query("SELECT DISTINCT fixture_id FROM value_scans") if r[0] not in keep]
        with self.db.write() as tx:
            tx.executemany("DELETE FROM value_scans WHERE fixture_id = ?", [(fid,) for fid in gone])
        return len(gone)
