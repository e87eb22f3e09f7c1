"""The collector's shared records: the one-per-host lease, calls spent by kind and day, its
last cycle."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime

from ..clock import utc_from_ts
from ..records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend, Tx

COLLECTOR_LEASE = "collector"


def _host() -> str:
    # socket is imported here, not at the top: --check reads this module and must start fast.
    import socket

    return socket.gethostname()
_STATUS_META = "collector.status"


@record
class Holder:
    pid: int
    host: str
    acquired_at: datetime
    heartbeat_at: datetime


@record
class CollectorStatus:
    """What the collector last wrote about itself (the supervision views read it)."""

    pid: int
    interval_s: float
    last_cycle: datetime | None
    next_due: datetime | None

    def to_json(self) -> str:
        return json.dumps({"pid": self.pid, "interval_s": self.interval_s,
                           "last_cycle": _ts(self.last_cycle), "next_due": _ts(self.next_due)})

    @classmethod
    def from_json(cls, raw: str | None) -> CollectorStatus | None:
        if not raw:
            return None
        try:
            d = json.loads(raw)
            return cls(int(d["pid"]), float(d["interval_s"]), utc_from_ts(d.get("last_cycle")),
                       utc_from_ts(d.get("next_due")))
        except (ValueError, KeyError, TypeError):
            return None


def _ts(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def _alive(pid: int) -> bool:
    """Whether a process of this host still runs with ``pid`` (a holder that died leaves its
    row behind: kill -9, power cut)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class CollectorStore:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # -- lease ---------------------------------------------------------------------------------

    def _now(self, tx: Tx, at: datetime) -> float:
        """The lease's clock: the server's where several hosts share the store (a host whose
        clock runs ahead must not judge the holder stale), else the time passed in."""
        clock = self.db.dialect.server_clock
        return at.timestamp() if clock is None else float(tx.execute(f"SELECT {clock}").fetchone()[0])

    def acquire(self, name: str, at: datetime, stale_s: float, pid: int | None = None,
                host: str | None = None) -> Holder | None:
        """Take the lease ``name`` for this process (``pid`` on ``host``: this one's unless
        given); returns None when taken, else the holder that keeps it. A holder on this host
        whose process is gone, or one on any host that has not renewed for ``stale_s`` (on the
        store's clock: see ``_now``), loses it."""
        pid = os.getpid() if pid is None else pid
        host = host or _host()
        with self.db.write() as tx:
            now = self._now(tx, at)
            row = tx.execute("SELECT pid, host, acquired_at, heartbeat_at FROM leases WHERE name = ?",
                             (name,)).fetchone()
            if row is not None and (row[0], row[1]) != (pid, host):
                heartbeat = row[3]
                if heartbeat > now:
                    # Ahead of this host's clock (the holder's clock is ahead, or this one was
                    # stepped back): read as now, and kept so, so that the stale period runs
                    # on this clock from here rather than from the end of the jump. A live
                    # holder's next heartbeat overwrites it.
                    heartbeat = now
                    tx.execute("UPDATE leases SET heartbeat_at = ? WHERE name = ? AND heartbeat_at > ?",
                               (heartbeat, name, heartbeat))
                gone = (row[1] == _host() and not _alive(row[0])) or now - heartbeat > stale_s
                if not gone:
                    return Holder(row[0], row[1], utc_from_ts(row[2]), utc_from_ts(heartbeat))  # type: ignore[arg-type]
            tx.execute("INSERT INTO leases (name, pid, host, acquired_at, heartbeat_at) VALUES (?,?,?,?,?) "
                       "ON CONFLICT(name) DO UPDATE SET pid=excluded.pid, host=excluded.host, "
                       "acquired_at=excluded.acquired_at, heartbeat_at=excluded.heartbeat_at",
                       (name, pid, host, now, now))
        return None

    def renew(self, name: str, at: datetime, pid: int | None = None) -> bool:
        """Heartbeat; False when the lease is no longer ours (taken over as stale)."""
        with self.db.write() as tx:
            cur = tx.execute("UPDATE leases SET heartbeat_at = ? WHERE name = ? AND pid = ? AND host = ?",
                             (self._now(tx, at), name, os.getpid() if pid is None else pid, _host()))
            return cur.rowcount == 1

    def release(self, name: str, pid: int | None = None) -> None:
        with self.db.write() as tx:
            tx.execute("DELETE FROM leases WHERE name = ? AND pid = ? AND host = ?",
                       (name, os.getpid() if pid is None else pid, _host()))

    def holder(self, name: str) -> Holder | None:
        row = self.db.query_one("SELECT pid, host, acquired_at, heartbeat_at FROM leases WHERE name = ?",
                                (name,))
        if row is None:
            return None
        return Holder(row[0], row[1], utc_from_ts(row[2]), utc_from_ts(row[3]))  # type: ignore[arg-type]

    # -- budget --------------------------------------------------------------------------------

    def add_spend(self, day: date, calls: Mapping[str, int]) -> None:
        rows: list[tuple[object, ...]] = [(day.isoformat(), kind, n) for kind, n in calls.items() if n]
        if not rows:
            return
        with self.db.write() as tx:
            tx.executemany("INSERT INTO collector_spend (day, kind, calls) VALUES (?,?,?) "
                           "ON CONFLICT(day, kind) DO UPDATE SET calls = collector_spend.calls + excluded.calls", rows)

    def spend(self, day: date) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.query(
            "SELECT kind, calls FROM collector_spend WHERE day = ? ORDER BY kind", (day.isoformat(),))}

    # -- status --------------------------------------------------------------------------------

    def set_status(self, status: CollectorStatus) -> None:
        with self.db.write() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       (_STATUS_META, status.to_json()))

    def status(self) -> CollectorStatus | None:
        row = self.db.query_one("SELECT value FROM meta WHERE key = ?", (_STATUS_META,))
        return CollectorStatus.from_json(None if row is None else row[0])
