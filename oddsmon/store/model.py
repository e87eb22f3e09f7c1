"""The analyst's own probabilities ("model"), as last imported: one set for the host, replaced
whole by each import (``oddsmon --import-probs``, or a change of ``[model] file``), in one
transaction, so every process sees the old set or the new one, never half of each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend

# (fixture id, bet id, the API's outcome label, probability)
ModelRow = tuple[int, int, str, float]


@dataclass(frozen=True, slots=True)
class ModelImport:
    """Where the set in the store came from: the file, its mtime, when, and how many rows."""

    source: str
    mtime: float | None
    imported_at: datetime
    rows: int


class ModelStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def replace(self, rows: Iterable[ModelRow], source: str, mtime: float | None, at: datetime) -> int:
        """The set becomes ``rows``; returns how many."""
        rows = list(rows)
        with self.db.write() as tx:
            tx.execute("DELETE FROM model_probs")
            tx.executemany("INSERT INTO model_probs (fixture_id, bet_id, outcome, p) VALUES (?,?,?,?)", rows)
            tx.execute("INSERT INTO model_source (id, source, mtime, imported_at, rows) VALUES (1,?,?,?,?) "
                       "ON CONFLICT(id) DO UPDATE SET source = excluded.source, mtime = excluded.mtime, "
                       "imported_at = excluded.imported_at, rows = excluded.rows",
                       (source, mtime, at.timestamp(), len(rows)))
        return len(rows)

    def last_import(self) -> ModelImport | None:
        row = self.db.query_one("SELECT source, mtime, imported_at, rows FROM model_source WHERE id = 1")
        if row is None:
            return None
        return ModelImport(row[0], row[1], datetime.fromtimestamp(row[2], UTC), row[3])

    def probabilities(self, fixture_id: int) -> dict[tuple[int, str], float]:
        """One fixture's probabilities by (bet id, outcome label)."""
        return {(r[0], r[1]): r[2] for r in self.db.query(
            "SELECT bet_id, outcome, p FROM model_probs WHERE fixture_id = ?", (fixture_id,))}

    def fixtures(self) -> set[int]:
        return {r[0] for r in self.db.query("SELECT DISTINCT fixture_id FROM model_probs")}
