"""Quota ledger, counters and the request log: what the API allows and what was spent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..clock import last_reset, utc_from_ts
from .db import Database, Tx

REQUEST_LOG_KEEP = 500
# The time of day (seconds after 00:00 UTC) oddsmon last saw the daily counter fall. The
# provider's docs do not say when the quota resets (docs/provider.md): until one is seen,
# 00:00 UTC is presumed.
META_RESET = "quota_reset_s"
# A fall counts as the reset only when seen soon after the reading before it (else it happened
# somewhen in between) and when it is larger than what calls in flight can explain.
RESET_SEEN_WITHIN_S = 2 * 3600
RESET_MIN_FALL = 5


@dataclass(frozen=True, slots=True)
class Quota:
    daily_limit: int | None = None
    daily_remaining: int | None = None
    minute_limit: int | None = None
    minute_remaining: int | None = None
    observed_at: datetime | None = None
    reset_s: int | None = None  # the observed reset time of day, None while only presumed

    @property
    def reset_offset_s(self) -> int:
        return 0 if self.reset_s is None else self.reset_s

    @property
    def reset_basis(self) -> str:
        """``observed 03:30 UTC`` or ``presumed 00:00 UTC``: the reset time and what it rests on."""
        hours, minutes = divmod(self.reset_offset_s // 60, 60)
        return f"{'presumed' if self.reset_s is None else 'observed'} {hours:02d}:{minutes:02d} UTC"

    def remaining_at(self, now: datetime) -> int | None:
        """Calls left today; a reading from before the last reset has been reset since."""
        if self.daily_remaining is None or self.observed_at is None:
            return None
        if self.observed_at < last_reset(now, self.reset_offset_s):
            return self.daily_limit
        return self.daily_remaining

    def minute_pace(self, configured: int) -> int | None:
        """Calls allowed per minute: the plan's X-RateLimit-Limit as last seen, which the
        configured ``per_minute`` (0 = none) can only lower; None while neither is known."""
        limits = [x for x in (self.minute_limit, configured or None) if x]
        return min(limits) if limits else None

    def used_at(self, now: datetime) -> int | None:
        remaining = self.remaining_at(now)
        if remaining is None or self.daily_limit is None:
            return None
        return max(0, self.daily_limit - remaining)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    at: datetime
    endpoint: str
    status: str
    duration_ms: float
    counted: bool
    from_cache: bool = False


class Ledger:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- quota -------------------------------------------------------------------------------

    def quota(self) -> Quota:
        row = self.db.query_one(
            "SELECT daily_limit, daily_remaining, minute_limit, minute_remaining, observed_at, "
            "(SELECT value FROM meta WHERE key = ?) FROM quota WHERE id = 1", (META_RESET,))
        if row is None:
            return Quota()
        return Quota(row[0], row[1], row[2], row[3], utc_from_ts(row[4]),
                     None if row[5] is None else int(row[5]))

    def observe(self, at: datetime, daily_limit: int | None, daily_remaining: int | None,
                minute_limit: int | None, minute_remaining: int | None) -> None:
        """Record what the response headers said; absent headers keep what was known.

        A daily count seen to fall (more calls left than just before, on the same plan) is the
        provider's reset: its time of day becomes the presumed reset from then on.
        """
        with self.db.write() as tx:
            before = tx.execute(
                "SELECT daily_limit, daily_remaining, observed_at FROM quota WHERE id = 1").fetchone()
            if (before is not None and None not in (before[1], before[2], daily_remaining)
                    and daily_remaining is not None and daily_remaining - before[1] >= RESET_MIN_FALL
                    and (daily_limit is None or daily_limit == before[0])
                    and 0 <= at.timestamp() - before[2] <= RESET_SEEN_WITHIN_S):
                seconds = int(at.timestamp() - last_reset(at).timestamp()) // 60 * 60
                tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) "
                           "DO UPDATE SET value = excluded.value", (META_RESET, str(seconds)))
            tx.execute(
                "UPDATE quota SET daily_limit=coalesce(?, daily_limit), "
                "daily_remaining=coalesce(?, daily_remaining), "
                "minute_limit=coalesce(?, minute_limit), "
                "minute_remaining=coalesce(?, minute_remaining), observed_at=? WHERE id = 1",
                (daily_limit, daily_remaining, minute_limit, minute_remaining, at.timestamp()),
            )

    def reserve_call(self, at: datetime, reserve: int) -> tuple[bool, int | None]:
        """Take one counted call from today's remaining if that leaves more than ``reserve``.

        Done under the write lock so that processes sharing the key never overspend between
        them: the optimistic decrement is corrected by the response's headers.
        Returns (allowed, remaining before the call).
        """
        with self.db.write() as tx:
            row = tx.execute(
                "SELECT daily_limit, daily_remaining, observed_at, "
                "(SELECT value FROM meta WHERE key = ?) FROM quota WHERE id = 1",
                (META_RESET,)).fetchone()
            quota = Quota(row[0], row[1], None, None, utc_from_ts(row[2]),
                          None if row[3] is None else int(row[3]))
            remaining = quota.remaining_at(at)
            if remaining is None:
                return True, None
            if remaining <= reserve:
                return False, remaining
            tx.execute("UPDATE quota SET daily_remaining=?, observed_at=? WHERE id = 1",
                       (remaining - 1, at.timestamp()))
            return True, remaining

    # -- counters and request log -------------------------------------------------------------

    def bump(self, *names: str, by: int = 1) -> None:
        counts: dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + by
        self.add_counts(counts)

    def add_counts(self, counts: Mapping[str, int]) -> None:
        if not counts:
            return
        with self.db.write() as tx:
            tx.executemany(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
                list(counts.items()),
            )

    def counters(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.query("SELECT name, value FROM counters")}

    def log_request(self, at: datetime, endpoint: str, status: str, duration_ms: float,
                    counted: bool) -> None:
        """A request that went over the network (it also counts in ``requests:<endpoint>``)."""
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO requests (at, endpoint, status, duration_ms, counted) VALUES (?,?,?,?,?)",
                (at.timestamp(), endpoint, status, duration_ms, int(counted)),
            )
            tx.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1",
                (f"requests:{endpoint}",),
            )
            self._trim(tx)

    def log_cache_reads(self, reads: list[tuple[datetime, str, float]]) -> None:
        """Pages served from the cache: (at, endpoint, duration_ms), written in one go."""
        if not reads:
            return
        with self.db.write() as tx:
            tx.executemany(
                "INSERT INTO requests (at, endpoint, status, duration_ms, counted, from_cache) "
                "VALUES (?, ?, 'cache', ?, 0, 1)",
                [(at.timestamp(), endpoint, ms) for at, endpoint, ms in reads])
            self._trim(tx)

    @staticmethod
    def _trim(tx: Tx) -> None:
        # Keep the log bounded; it serves the "last requests" view and the minute window.
        tx.execute("DELETE FROM requests WHERE id <= (SELECT max(id) FROM requests) - ?",
                   (REQUEST_LOG_KEEP,))

    def recent_requests(self, limit: int = 20) -> list[RequestRecord]:
        rows = self.db.query(
            "SELECT at, endpoint, status, duration_ms, counted, from_cache FROM requests "
            "ORDER BY id DESC LIMIT ?", (limit,))
        return [RequestRecord(utc_from_ts(r[0]), r[1], r[2], r[3], bool(r[4]), bool(r[5]))  # type: ignore[arg-type]
                for r in rows]

    def counted_since(self, since: datetime) -> list[datetime]:
        """When each counted call since ``since`` was sent (by any process): the minute window."""
        rows = self.db.query("SELECT at FROM requests WHERE counted = 1 AND at >= ? ORDER BY at",
                             (since.timestamp(),))
        return [utc_from_ts(r[0]) for r in rows]  # type: ignore[misc]

    # -- free-form metadata (selftest results, ...) --------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        with self.db.write() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def meta(self, key: str) -> str | None:
        row = self.db.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]
