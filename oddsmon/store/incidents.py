"""Incident records: one per offline period, with the actions taken during it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import utc_from_ts
from ..records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend, Tx


@record
class Action:
    at: datetime
    kind: str  # transition | warm | purge | toggle | probe | note | ...
    text: str


@record
class Incident:
    id: int
    opened_at: datetime
    reason: str
    closed_at: datetime | None
    actions: tuple[Action, ...] = ()

    @property
    def open(self) -> bool:
        return self.closed_at is None


class IncidentStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    @staticmethod
    def open_in(tx: Tx, at: datetime, reason: str) -> int:
        """Open an incident unless one is open (a reason change stays the same incident)."""
        row = tx.execute("SELECT id FROM incidents WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        if row is not None:
            return int(row[0])
        return int(tx.execute("INSERT INTO incidents (opened_at, reason) VALUES (?, ?) RETURNING id",
                              (at.timestamp(), reason)).fetchall()[0][0])

    @staticmethod
    def close_in(tx: Tx, at: datetime) -> int | None:
        row = tx.execute("SELECT id FROM incidents WHERE closed_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        tx.execute("UPDATE incidents SET closed_at = ? WHERE id = ?", (at.timestamp(), row[0]))
        return int(row[0])

    @staticmethod
    def act_in(tx: Tx, at: datetime, kind: str, text: str, *,
               linger: timedelta | None = None) -> int | None:
        """Add an action to the latest incident: when it is open, or closed at most ``linger``
        before ``at`` (its aftermath, such as the warm that rebuilds the cache). Its id, or
        None when there is no such incident."""
        row = tx.execute("SELECT id, closed_at FROM incidents ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        if row[1] is not None and (linger is None or at.timestamp() - row[1] > linger.total_seconds()):
            return None
        tx.execute("INSERT INTO incident_actions (incident_id, at, kind, text) VALUES (?,?,?,?)",
                   (row[0], at.timestamp(), kind, text))
        return int(row[0])

    def recent(self, limit: int = 10) -> list[Incident]:
        rows = self.db.query(
            "SELECT id, opened_at, reason, closed_at FROM incidents ORDER BY id DESC LIMIT ?", (limit,))
        out = []
        for r in rows:
            acts = self.db.query(
                "SELECT at, kind, text FROM incident_actions WHERE incident_id = ? ORDER BY id", (r[0],))
            out.append(Incident(r[0], utc_from_ts(r[1]), r[2], utc_from_ts(r[3]),  # type: ignore[arg-type]
                                tuple(Action(utc_from_ts(a[0]), a[1], a[2]) for a in acts)))  # type: ignore[arg-type]
        return out

    def current(self) -> Incident | None:
        latest = self.recent(1)
        return latest[0] if latest and latest[0].open else None
