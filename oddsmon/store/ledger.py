"""Quota ledger, counters and the request log: what the API allows and what was spent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..clock import last_utc_midnight, utc_from_ts
from .db import Database, Tx

REQUEST_LOG_KEEP = 500


@dataclass(frozen=True, slots=True)
class Quota:
    daily_limit: int | None = None
    daily_remaining: int | None = None
    minute_limit: int | None = None
    minute_remaining: int | None = None
    observed_at: datetime | None = None

    def remaining_at(self, now: datetime) -> int | None:
        """Calls left today; a reading from before the last 00:00 UTC has been reset since."""
        if self.daily_remaining is None or self.observed_at is None:
            return None
        if self.observed_at < last_utc_midnight(now):
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
            "SELECT daily_limit, daily_remaining, minute_limit, minute_remaining, observed_at "
            "FROM quota WHERE id = 1")
        if row is None:
            return Quota()
        return Quota(row[0], row[1], row[2], row[3], utc_from_ts(row[4]))

    def observe(self, at: datetime, daily_limit: int | None, daily_remaining: int | None,
                minute_limit: int | None, minute_remaining: int | None) -> None:
        """Record what the response headers said; absent headers keep what was known."""
        with self.db.write() as tx:
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
                "SELECT daily_limit, daily_remaining, observed_at FROM quota WHERE id = 1").fetchone()
            quota = Quota(row[0], row[1], None, None, utc_from_ts(row[2]))
            remaining = quota.remaining_at(at)
            if remaining is None:
                return True, None
            if remaining <= reserve:
                return False, remaining
            tx.execute("UPDATE quota SET daily_remaining=?, observed_at=? WHERE id = 1",
                       (remaining - 1, at.timestamp()))
            return True, remaining

    def release_call(self, reserved_at: datetime) -> None:
        """Give back the call ``reserve_call`` took at ``reserved_at`` when the request never
        reached the provider (a connect error): no answer will correct the decrement, and the
        quota shown would stay one lower per failed connect. A newer reading (another process's
        answer) replaced it if ``observed_at`` moved: then there is nothing to give back."""
        with self.db.write() as tx:
            tx.execute("UPDATE quota SET daily_remaining = daily_remaining + 1 "
                       "WHERE id = 1 AND daily_remaining IS NOT NULL AND observed_at = ?",
                       (reserved_at.timestamp(),))

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
