"""The alerts' outbox: every alert waiting for a webhook, durable until delivered.

An alert is enqueued in the transaction that records what produced it (the cursor of what was
already turned into alerts moves with it), so a process killed at any point loses none and
enqueues none twice: a (target, key) pair is stored once. A deliverer claims a target's due
rows (at most one claim a target per ``min_interval_s``, across every process on the store),
posts them, then marks them sent; a claim left by a process that died (kill -9, power cut) is
taken over, so each alert is delivered once after a restart (twice only if a process dies
between the receiver's answer and the mark, the unavoidable window of any outbox). Failures
wait their backoff; past the last attempt a row is a dead letter, which the supervision shows.
Sent rows and old dead letters are pruned.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime

from ..clock import utc_from_ts
from ..records import record
from .backend import in_lists
from .collector import _alive, _host

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend

_LAST_CLAIM = "outbox.last_claim."  # + target: when its last batch was claimed (POSIX s)
_CURSOR = "outbox.cursor."  # + name: how far the producers have turned records into alerts


@record
class Queued:
    """One alert to enqueue: ``body`` is its JSON, ``key`` what makes it the same alert."""

    key: str
    kind: str
    body: str


@record
class Claimed:
    """A claimed row, posted by the process that claimed it."""

    id: int
    key: str
    kind: str
    body: str
    attempts: int  # this one included


@record
class OutboxView:
    """The outbox as the supervision shows it."""

    pending: int  # waiting, claimed or retrying
    oldest_pending: datetime | None
    dead: int  # dead letters kept (pruned after a while)
    dead_kinds: dict[str, int]
    last_dead: datetime | None
    last_error: str | None  # the newest failure's, with when


class Outbox:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # -- producers -------------------------------------------------------------------------------

    def enqueue(self, targets: Sequence[str], alerts: Iterable[Queued], now: datetime, *,
                cursor: tuple[str, int] | None = None) -> int:
        """Add each alert for each target (due from ``now``), unless already there; ``cursor``
        (name, value) is moved forward in the same transaction. Returns how many rows were new."""
        t = now.timestamp()
        rows: list[tuple[object, ...]] = [(target, a.key, a.kind, t, a.body, t) for a in alerts for target in targets]
        added = 0
        with self.db.write() as tx:
            for row in rows:
                cur = tx.execute("INSERT INTO alert_outbox (target, key, kind, created_at, body, next_at) "
                                 "VALUES (?,?,?,?,?,?) ON CONFLICT (target, key) DO NOTHING", row)
                added += max(cur.rowcount, 0)
            if cursor is not None:
                name, value = cursor
                tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                           "value = CASE WHEN CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER) "
                           "THEN excluded.value ELSE meta.value END", (_CURSOR + name, str(value)))
        return added

    def cursor(self, name: str) -> int | None:
        row = self.db.query_one("SELECT value FROM meta WHERE key = ?", (_CURSOR + name,))
        return None if row is None else int(row[0])

    # -- the deliverer ---------------------------------------------------------------------------

    def claim(self, target: str, now: datetime, *, min_interval_s: float, stale_s: float,
              limit: int = 1000, pid: int | None = None) -> list[Claimed]:
        """The target's due rows, oldest first, claimed for this process; none when the
        target's last claim was less than ``min_interval_s`` ago (whichever process made it).
        A row claimed by a dead process of this host, or claimed more than ``stale_s`` ago,
        is due again."""
        pid = os.getpid() if pid is None else pid
        host, t = _host(), now.timestamp()
        with self.db.write() as tx:
            row = tx.execute("SELECT value FROM meta WHERE key = ?", (_LAST_CLAIM + target,)).fetchone()
            if row is not None and t - float(row[0]) < min_interval_s:
                return []
            found = tx.execute(
                "SELECT id, key, kind, body, attempts, claimed_pid, claimed_host, claimed_at FROM alert_outbox "
                "WHERE target = ? AND sent_at IS NULL AND dead_at IS NULL AND next_at <= ? ORDER BY id",
                (target, t)).fetchall()
            due = [r for r in found if r[5] is None or r[7] < t - stale_s
                   or (r[6] == host and r[5] != pid and not _alive(r[5]))][:limit]
            if not due:
                return []
            for chunk, marks in in_lists([r[0] for r in due]):
                tx.execute(f"UPDATE alert_outbox SET claimed_pid = ?, claimed_host = ?, claimed_at = ?, "
                           f"attempts = attempts + 1 WHERE id IN ({marks})", (pid, host, t, *chunk))
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (_LAST_CLAIM + target, repr(t)))
        return [Claimed(r[0], r[1], r[2], r[3], r[4] + 1) for r in due]

    def next_due(self, target: str, now: datetime, min_interval_s: float) -> datetime | None:
        """When the target may next be claimed with something due (None: nothing waits)."""
        row = self.db.query_one("SELECT min(next_at) FROM alert_outbox WHERE target = ? AND sent_at IS NULL "
                                "AND dead_at IS NULL", (target,))
        if row is None or row[0] is None:
            return None
        last = self.db.query_one("SELECT value FROM meta WHERE key = ?", (_LAST_CLAIM + target,))
        paced = float(last[0]) + min_interval_s if last is not None else 0.0
        return utc_from_ts(max(float(row[0]), paced, now.timestamp()))

    def sent(self, ids: Sequence[int], now: datetime) -> None:
        self._update(ids, "sent_at = ?, claimed_pid = NULL, claimed_host = NULL, claimed_at = NULL",
                     (now.timestamp(),))

    def failed(self, ids: Sequence[int], now: datetime, error: str, retry_at: datetime | None) -> None:
        """A post that failed: tried again from ``retry_at``, or a dead letter (None)."""
        if retry_at is None:
            self._update(ids, "dead_at = ?, failed_at = ?, last_error = ?, claimed_pid = NULL, "
                              "claimed_host = NULL, claimed_at = NULL", (now.timestamp(), now.timestamp(), error))
        else:
            self._update(ids, "next_at = ?, failed_at = ?, last_error = ?, claimed_pid = NULL, "
                              "claimed_host = NULL, claimed_at = NULL", (retry_at.timestamp(), now.timestamp(), error))

    def release(self, ids: Sequence[int]) -> None:
        """Claimed, never posted (the process is stopping): not an attempt."""
        self._update(ids, "attempts = attempts - 1, claimed_pid = NULL, claimed_host = NULL, "
                          "claimed_at = NULL", ())

    def prune(self, now: datetime, *, sent_keep_s: float, dead_keep_s: float) -> int:
        """Forget sent rows older than ``sent_keep_s`` (kept that long so a producer finding the
        same alert again adds nothing) and dead letters older than ``dead_keep_s``."""
        t = now.timestamp()
        with self.db.write() as tx:
            cur = tx.execute("DELETE FROM alert_outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) "
                             "OR (dead_at IS NOT NULL AND dead_at < ?)", (t - sent_keep_s, t - dead_keep_s))
            return max(cur.rowcount, 0)

    # -- reports ---------------------------------------------------------------------------------

    def view(self) -> OutboxView:
        with self.db.read() as tx:
            pending = tx.execute("SELECT count(*), min(created_at) FROM alert_outbox "
                                 "WHERE sent_at IS NULL AND dead_at IS NULL").fetchone()
            dead = tx.execute("SELECT kind, count(*), max(dead_at) FROM alert_outbox WHERE dead_at IS NOT NULL "
                              "GROUP BY kind ORDER BY kind").fetchall()
            err = tx.execute("SELECT last_error, failed_at FROM alert_outbox WHERE failed_at IS NOT NULL "
                             "ORDER BY failed_at DESC, id DESC LIMIT 1").fetchone()
        last_dead = max((r[2] for r in dead), default=None)
        return OutboxView(pending[0], utc_from_ts(pending[1]), sum(r[1] for r in dead),
                          {r[0]: r[1] for r in dead}, utc_from_ts(last_dead),
                          None if err is None else f"{utc_from_ts(err[1]).isoformat(timespec='seconds')} "  # type: ignore[union-attr]
                                                   f"{err[0]}")

    def _update(self, ids: Sequence[int], assignments: str, params: tuple[object, ...]) -> None:
        with self.db.write() as tx:
            for chunk, marks in in_lists(ids):
                tx.execute(f"UPDATE alert_outbox SET {assignments} WHERE id IN ({marks})",
                           (*params, *chunk))
