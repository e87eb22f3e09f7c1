"""The offline state row every process shares, changed only by atomic read-modify-write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..clock import utc_from_ts
from ..records import record, replace
from ..text import clean
from ..types import REASONS, Reason

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend, Row, Tx


@record
class OfflineState:
    offline: bool = False
    reason: Reason | None = None  # None while online
    since: datetime | None = None  # when the current mode (offline or online) began
    resume_at: datetime | None = None  # automatic resume instant, None when none is planned
    detail: str | None = None  # the error or remark that caused the last transition
    probe_failures: int = 0
    next_probe_at: datetime | None = None
    last_probe_at: datetime | None = None
    last_probe_ok: bool | None = None

    def evolve(self, **changes: object) -> OfflineState:
        return replace(self, **changes)


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def _from_row(row: Row) -> OfflineState:
    """The state row's _COLUMNS, in order."""
    offline, reason, since, resume_at, detail, failures, next_probe, last_probe, last_ok = row
    return OfflineState(
        offline=bool(offline),
        reason=reason,
        since=utc_from_ts(since),
        resume_at=utc_from_ts(resume_at),
        # What an older oddsmon stored came from the API unsanitised; it reaches the screen.
        detail=None if detail is None else clean(detail),
        probe_failures=failures,
        next_probe_at=utc_from_ts(next_probe),
        last_probe_at=utc_from_ts(last_probe),
        last_probe_ok=None if last_ok is None else bool(last_ok),
    )


# What a change of the offline state is announced as (Backend.notify), for every host's sidebar.
STATE_TOPIC = "state"

_COLUMNS = ("offline, reason, since, resume_at, detail, probe_failures, next_probe_at, "
            "last_probe_at, last_probe_ok")


class StateStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    def read(self) -> OfflineState:
        row = self.db.query_one(f"SELECT {_COLUMNS} FROM state WHERE id = 1")
        return OfflineState() if row is None else _from_row(row)

    def update(
        self,
        change: Callable[[OfflineState], OfflineState | None],
        at: datetime,
        on_transition: Callable[[Tx, OfflineState, OfflineState], None] | None = None,
    ) -> tuple[OfflineState, OfflineState]:
        """Apply ``change`` to the current row under the write lock; returns (before, after).

        ``change`` sees the row as it is at that instant in every process and returns the new
        row, or None to leave it. A change of mode or reason is logged in ``transitions`` in the
        same transaction, so the journal can never miss one; ``on_transition`` runs in that
        transaction too (the incident records).
        """
        with self.db.write() as tx:
            row = tx.execute(f"SELECT {_COLUMNS} FROM state WHERE id = 1").fetchone()
            before = OfflineState() if row is None else _from_row(row)
            after = change(before)
            if after is None or after == before:
                return before, before
            if after.reason is not None and after.reason not in REASONS:
                raise ValueError(f"unknown offline reason {after.reason!r}")
            tx.execute(
                "UPDATE state SET offline=?, reason=?, since=?, resume_at=?, detail=?, "
                "probe_failures=?, next_probe_at=?, last_probe_at=?, last_probe_ok=?, "
                "updated_at=? WHERE id = 1",
                (int(after.offline), after.reason, _ts(after.since), _ts(after.resume_at),
                 after.detail, after.probe_failures, _ts(after.next_probe_at),
                 _ts(after.last_probe_at),
                 None if after.last_probe_ok is None else int(after.last_probe_ok), at.timestamp()),
            )
            if (after.offline, after.reason) != (before.offline, before.reason):
                tx.execute(
                    "INSERT INTO transitions (at, offline, reason, detail) VALUES (?, ?, ?, ?)",
                    (at.timestamp(), int(after.offline), after.reason, after.detail),
                )
                if on_transition is not None:
                    on_transition(tx, before, after)
            # Other hosts sharing a server learn of it at commit (their sidebars listen).
            self.db.notify(tx, STATE_TOPIC, "offline" if after.offline else "online")
            return before, after

    def transitions(self, limit: int = 50) -> list[tuple[datetime, bool, str | None, str | None]]:
        rows = self.db.query(
            "SELECT at, offline, reason, detail FROM transitions ORDER BY id DESC LIMIT ?", (limit,))
        return [(utc_from_ts(r[0]), bool(r[1]), r[2], r[3]) for r in rows]  # type: ignore[misc]

    def transitions_after(self, last_id: int) -> list[tuple[int, datetime, bool, str | None, str | None]]:
        """Transitions recorded after ``last_id`` (by any process), oldest first, with their ids."""
        rows = self.db.query("SELECT id, at, offline, reason, detail FROM transitions WHERE id > ? "
                             "ORDER BY id", (last_id,))
        return [(r[0], utc_from_ts(r[1]), bool(r[2]), r[3], r[4]) for r in rows]  # type: ignore[misc]

    def last_transition_id(self) -> int:
        row = self.db.query_one("SELECT coalesce(max(id), 0) FROM transitions")
        return 0 if row is None else int(row[0])
