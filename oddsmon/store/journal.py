"""What the markdown incident journal (supervision/journal.py) reads from and records in the
store: every incident with every action and its id (the journal's markers name them), the
/status probes of an outage, a cheap change fingerprint, notes recorded once, and the store's
random id. The rendering stays with the journal; the SQL lives here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..clock import utc_from_ts
from ..records import field, mutable_record
from .incidents import IncidentStore

# The meta keys of the notes a host queued while its team's server was away (JournalRecords).
_QUEUED = "queued-note:"

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend


@mutable_record
class JournalAction:
    id: int
    incident_id: int
    at: datetime
    kind: str
    text: str


@mutable_record
class JournalIncident:
    id: int
    opened_at: datetime
    reason: str
    closed_at: datetime | None
    actions: list[JournalAction] = field(default_factory=list)


class JournalRecords:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def incidents(self) -> list[JournalIncident]:
        """Every incident, oldest first, each with its actions in the order they were recorded."""
        incs = {r[0]: JournalIncident(r[0], utc_from_ts(r[1]), r[2], utc_from_ts(r[3]))  # type: ignore[arg-type]
                for r in self.db.query("SELECT id, opened_at, reason, closed_at FROM incidents ORDER BY id")}
        for r in self.db.query("SELECT id, incident_id, at, kind, text FROM incident_actions ORDER BY id"):
            inc = incs.get(r[1])
            if inc is not None:
                inc.actions.append(JournalAction(r[0], r[1], utc_from_ts(r[2]), r[3], r[4]))  # type: ignore[arg-type]
        return list(incs.values())

    def fingerprint(self) -> tuple[object, ...]:
        """Changes whenever an incident or action is added or an incident closes."""
        row = self.db.query_one(
            "SELECT (SELECT max(id) FROM incidents), (SELECT max(id) FROM incident_actions), "
            "(SELECT count(*) FROM incidents WHERE closed_at IS NOT NULL)")
        return tuple(row) if row is not None else ()

    def status_probes(self, start: datetime, end: datetime) -> list[tuple[float, str]]:
        """(time, HTTP status) of each free status probe logged between ``start`` and ``end``."""
        rows = self.db.query(
            "SELECT at, status FROM requests WHERE free = 1 AND at >= ? AND at <= ? ORDER BY at",
            (start.timestamp(), end.timestamp()))
        return [(r[0], r[1]) for r in rows]

    def action_ids(self, incident_id: int) -> tuple[int, ...]:
        return tuple(r[0] for r in self.db.query(
            "SELECT id FROM incident_actions WHERE incident_id = ? ORDER BY id", (incident_id,)))

    def meta_once(self, key: str, value: str) -> str:
        """``key``'s value in the meta table, set to ``value`` unless another process set it first."""
        with self.db.write() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, value))
            return str(tx.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def record_action(self, at: datetime, kind: str, text: str, linger: timedelta) -> int | None:
        """Add an action to the open incident, or to the latest one if it closed within ``linger``."""
        with self.db.write() as tx:
            return IncidentStore.act_in(tx, at, kind, text, linger=linger)

    # -- notes written while a team's server was away, queued in the host's own file ------------

    def queue_note(self, at: datetime, line: str) -> None:
        """Keep ``line`` (written at ``at``) until the team's server is back (``queued_notes``)."""
        with self.db.write() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                       (f"{_QUEUED}{at.timestamp():.6f}:{line}", line))

    def queued_notes(self) -> list[tuple[str, datetime, str]]:
        """(its key, when it was written, the note) of each queued note, oldest first."""
        rows = self.db.query("SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key", (f"{_QUEUED}%",))
        return [(str(r[0]), datetime.fromtimestamp(float(str(r[0])[len(_QUEUED):].split(":", 1)[0]), UTC),
                 str(r[1])) for r in rows]

    def unqueue(self, key: str) -> None:
        with self.db.write() as tx:
            tx.execute("DELETE FROM meta WHERE key = ?", (key,))

    def record_note(self, at: datetime, line: str) -> tuple[int | None, bool]:
        """(incident id, whether the note is new): the same note on the latest incident (a retry
        after an error) is recorded once."""
        with self.db.write() as tx:
            row = tx.execute("SELECT incident_id FROM incident_actions WHERE kind = 'note' AND text = ? "
                             "AND incident_id = (SELECT max(id) FROM incidents)", (line,)).fetchone()
            if row is not None:
                return int(row[0]), False
            return IncidentStore.act_in(tx, at, "note", line, linger=timedelta.max), True
