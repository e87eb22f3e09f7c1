"""The Dashboard's headline per fixture, computed when its odds are stored.

A headline (best Match Winner prices and their bookmakers, margin, fair value and arbitrage
markers, the move since opening) is a full market analysis: on a big day the Dashboard would
redo thousands at every open. The fetch that stores the odds computes it once; the Dashboard
reads these rows with one indexed query. The rows are JSON text the domain's codec writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .backend import in_lists

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend

class HeadlineStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def put(self, at: datetime, books: str, rows: Iterable[tuple[int, str]]) -> None:
        """Keep (fixture id, headline text) computed at ``at`` over the bookmakers ``books``
        names ('' for all)."""
        with self.db.write() as tx:
            tx.upsert_rows(
                "INSERT INTO headlines (fixture_id, seen_at, books, body)",
                "ON CONFLICT(fixture_id) DO UPDATE SET seen_at = excluded.seen_at, "
                "books = excluded.books, body = excluded.body",
                [(fid, at.timestamp(), books, body) for fid, body in rows], 1)

    def get(self, fixture_ids: Iterable[int], books: str) -> dict[int, str]:
        """The kept headline text of each of those fixtures computed over ``books``."""
        ids = list(fixture_ids)
        out: dict[int, str] = {}
        for chunk, marks in in_lists(ids):
            out.update((r[0], r[1]) for r in self.db.query(
                f"SELECT fixture_id, body FROM headlines WHERE books = ? AND fixture_id IN ({marks})",
                (books, *chunk)))
        return out
