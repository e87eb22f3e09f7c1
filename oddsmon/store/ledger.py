"""Quota ledger, counters and the request log: what the API allows and what was spent.

The daily reserve holds across any number of processes sharing the key, by two rules:

- **Reservations are counted in the store.** Before a counted call is sent, a row with status
  ``sending`` is written to the request log under the write lock; a call is allowed only when
  the calls left, minus every process's reservations still in flight, stay above the reserve.
  The row becomes the call's log line when it ends. A reservation left by a killed process
  stops counting after ``INFLIGHT_STALE_S``.
- **A late answer never raises the count.** ``daily_remaining`` may fall from any answer, but
  it rises only from an answer to a request *not sent before* the current value was recorded. A
  slow answer carrying an older, higher count is ignored. The rule needs no notion of a
  calendar day, so it holds whatever time of day the provider's quota resets.
- **A call whose answer said nothing is counted once.** The provider counted it but did not say
  what is left: when the reading was taken before the call was sent, one call is taken off it;
  when the reading came in while the call was out, it may count the call already, so the reading
  stays (what ``--check`` shows is never a guess below it) and the call is held back from what
  may be spent instead, until a reading sent after it ended counts it for sure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from ..clock import last_reset, utc_from_ts
from ..config import QUOTA_MAX
from ..records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from .backend import Backend, Tx

REQUEST_LOG_KEEP = 500
# A reservation whose call has not ended after this long was left by a process that died (a
# call lasts at most a minute's pacing wait plus its deadline).
INFLIGHT_STALE_S = 600.0
SENDING = "sending"
# The calls that ended unobserved while a newer reading came in (see the module doc): when each
# ended, as a JSON list, until a reading from a request sent after it is recorded.
META_UNCONFIRMED = "quota_unconfirmed"


def _count(value: int | None) -> int | None:
    """A count from outside, or None when it is not believable (below zero, past QUOTA_MAX)."""
    return value if value is not None and 0 <= value <= QUOTA_MAX else None
# The time of day (seconds after 00:00 UTC) the provider's daily quota resets, and what that
# rests on: "observed" (the daily counter was seen to fall then) or "header" (RapidAPI's
# x-ratelimit-requests-reset said so). The provider's docs do not say when the quota resets
# (docs/provider.md): until either is known, 00:00 UTC is presumed.
META_RESET = "quota_reset_s"
META_RESET_BASIS = "quota_reset_basis"
# A fall counts as the reset only when seen soon after the reading before it (else it happened
# somewhen in between) and when it is larger than what calls in flight can explain.
RESET_SEEN_WITHIN_S = 2 * 3600
RESET_MIN_FALL = 5
# A reset header further off than a day is a monthly plan's: it says nothing of the daily one.
RESET_HEADER_MAX_S = 86400
_RESET_SQL = (f"(SELECT value FROM meta WHERE key = '{META_RESET}'), "
              f"(SELECT value FROM meta WHERE key = '{META_RESET_BASIS}')")


@record
class Quota:
    daily_limit: int | None = None
    daily_remaining: int | None = None
    minute_limit: int | None = None
    minute_remaining: int | None = None
    observed_at: datetime | None = None
    reset_s: int | None = None  # the reset's time of day, None while only presumed
    reset_from: str = "observed"  # what reset_s rests on: "observed" or "header"

    @property
    def reset_offset_s(self) -> int:
        return 0 if self.reset_s is None else self.reset_s

    @property
    def reset_basis(self) -> str:
        """``header 03:30 UTC``, ``observed 03:30 UTC`` or ``presumed 00:00 UTC``: the reset
        time and what it rests on."""
        hours, minutes = divmod(self.reset_offset_s // 60, 60)
        return f"{'presumed' if self.reset_s is None else self.reset_from} {hours:02d}:{minutes:02d} UTC"

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


def _reset(seconds: str | None, basis: str | None) -> tuple[int | None, str]:
    """The stored reset (time of day, basis); a store written before bases were kept says
    nothing of one: its reset was observed."""
    return (None if seconds is None else int(seconds)), basis or "observed"


def _set_reset(tx: Tx, seconds: int, basis: str) -> None:
    tx.executemany("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) "
                   "DO UPDATE SET value = excluded.value",
                   [(META_RESET, str(seconds)), (META_RESET_BASIS, basis)])


def _unconfirmed(tx: Tx) -> list[float]:
    row = tx.execute("SELECT value FROM meta WHERE key = ?", (META_UNCONFIRMED,)).fetchone()
    return [] if row is None else [float(t) for t in json.loads(row[0])]


def _set_unconfirmed(tx: Tx, ends: list[float], before: list[float]) -> None:
    if ends != before:
        tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) "
                   "DO UPDATE SET value = excluded.value", (META_UNCONFIRMED, json.dumps(ends)))


@record
class RequestRecord:
    at: datetime
    endpoint: str
    status: str
    duration_ms: float
    counted: bool
    from_cache: bool = False


class Ledger:
    def __init__(self, db: Backend) -> None:
        self.db = db

    # -- quota -------------------------------------------------------------------------------

    def quota(self) -> Quota:
        row = self.db.query_one(
            "SELECT daily_limit, daily_remaining, minute_limit, minute_remaining, observed_at, "
            f"{_RESET_SQL} FROM quota WHERE id = 1")
        if row is None:
            return Quota()
        return Quota(row[0], row[1], row[2], row[3], utc_from_ts(row[4]), *_reset(row[5], row[6]))

    def observe(self, at: datetime, daily_limit: int | None, daily_remaining: int | None,
                minute_limit: int | None, minute_remaining: int | None, *,
                sent_at: datetime | None = None, reset_in_s: int | None = None) -> None:
        """Record what an answer said; absent (or absurd) values keep what was known.

        ``sent_at``: when the answered request was sent; a rise of the daily remaining is
        kept only when that is not before the current value was recorded (see the module doc).
        A remaining above the limit is read as the limit. A daily count seen to fall (more
        calls left than just before, on the same plan) is the provider's reset: its time of
        day becomes the presumed reset from then on. ``reset_in_s``: RapidAPI's
        ``x-ratelimit-requests-reset``, the seconds to the reset; its time of day is exact
        and replaces what was observed.
        """
        daily_limit, daily_remaining = _count(daily_limit), _count(daily_remaining)
        minute_limit, minute_remaining = _count(minute_limit), _count(minute_remaining)
        with self.db.write() as tx:
            known = self._quota(tx)
            limit = daily_limit if daily_limit is not None else known.daily_limit
            if daily_remaining is not None and limit is not None:
                daily_remaining = min(daily_remaining, limit)
            current = known.remaining_at(at)
            if (daily_remaining is not None and current is not None and daily_remaining > current
                    and sent_at is not None and known.observed_at is not None
                    and sent_at < known.observed_at):
                daily_remaining = None  # a late answer to an older request: keep the lower count
            if reset_in_s is not None and 0 <= reset_in_s <= RESET_HEADER_MAX_S:
                reset_at = at + timedelta(seconds=reset_in_s)
                _set_reset(tx, int(reset_at.timestamp() - last_reset(reset_at).timestamp()), "header")
            elif (daily_remaining is not None and known.daily_remaining is not None
                    and known.observed_at is not None
                    and daily_remaining - known.daily_remaining >= RESET_MIN_FALL
                    and (daily_limit is None or daily_limit == known.daily_limit)
                    and 0 <= (at - known.observed_at).total_seconds() <= RESET_SEEN_WITHIN_S
                    and not (known.reset_from == "header"
                             and last_reset(at, known.reset_offset_s) > known.observed_at)):
                # Seen when the fall was seen (a header's time is kept when the fall fits it).
                _set_reset(tx, int(at.timestamp() - last_reset(at).timestamp()) // 60 * 60, "observed")
            if daily_remaining is not None and sent_at is not None:
                unconfirmed = _unconfirmed(tx)
                _set_unconfirmed(tx, [t for t in unconfirmed if t > sent_at.timestamp()], unconfirmed)
            tx.execute(
                "UPDATE quota SET daily_limit=coalesce(?, daily_limit), "
                "daily_remaining=coalesce(?, daily_remaining), "
                "minute_limit=coalesce(?, minute_limit), "
                "minute_remaining=coalesce(?, minute_remaining), "
                "observed_at=coalesce(?, observed_at) WHERE id = 1",
                (daily_limit, daily_remaining, minute_limit, minute_remaining,
                 None if daily_remaining is None else at.timestamp()),
            )

    @staticmethod
    def _quota(tx: Tx) -> Quota:
        row = tx.execute(f"SELECT daily_limit, daily_remaining, observed_at, {_RESET_SQL} "
                         "FROM quota WHERE id = 1").fetchone()
        return Quota(row[0], row[1], None, None, utc_from_ts(row[2]), *_reset(row[3], row[4]))

    def reserve_call(self, at: datetime, reserve: int,
                     endpoint: str = "") -> tuple[bool, int | None, int | None]:
        """Reserve one counted call if the calls left, less every process's calls in flight,
        stay above ``reserve`` (see the module doc).

        Returns (allowed, calls left counting those in flight, the reservation's ticket for
        ``log_request``).
        """
        with self.db.write() as tx:
            remaining = self._quota(tx).remaining_at(at)
            if remaining is not None:
                in_flight = tx.execute(
                    "SELECT count(*) FROM requests WHERE status = ? AND at > ?",
                    (SENDING, at.timestamp() - INFLIGHT_STALE_S)).fetchone()[0]
                stale = at.timestamp() - INFLIGHT_STALE_S
                in_flight += sum(1 for t in _unconfirmed(tx) if t > stale)
                remaining = max(0, remaining - in_flight)
                if remaining <= reserve:
                    return False, remaining, None
            ticket = tx.execute(
                "INSERT INTO requests (at, endpoint, status, duration_ms, counted) VALUES (?,?,?,0,1) "
                "RETURNING id", (at.timestamp(), endpoint, SENDING)).fetchall()[0][0]
            return True, remaining, int(ticket)

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
                "ON CONFLICT(name) DO UPDATE SET value = counters.value + excluded.value",
                list(counts.items()),
            )

    def counters(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.query("SELECT name, value FROM counters")}

    def log_request(self, at: datetime, endpoint: str, status: str, duration_ms: float,
                    counted: bool, *, ticket: int | None = None, unobserved: bool = False,
                    free: bool = False, sent_at: datetime | None = None) -> None:
        """A request that went over the network (it also counts in ``requests:<endpoint>``).

        ``ticket`` is its reservation, which this line replaces. ``unobserved``: the provider
        counted it but its answer did not say what is left, so one call is taken off here, or
        held back from spending when the reading came in after ``sent_at`` (see the module doc).
        ``free``: a status probe, which never counts (the journal lists them).
        """
        with self.db.write() as tx:
            values = (at.timestamp(), endpoint, status, duration_ms, int(counted), int(free))
            if ticket is None or not tx.execute(
                    "UPDATE requests SET at=?, endpoint=?, status=?, duration_ms=?, counted=?, free=? "
                    "WHERE id = ?", (*values, ticket)).rowcount:
                tx.execute("INSERT INTO requests (at, endpoint, status, duration_ms, counted, free) "
                           "VALUES (?,?,?,?,?,?)", values)
            if unobserved:
                known = self._quota(tx)
                remaining = known.remaining_at(at)
                if remaining is None:
                    pass
                elif sent_at is not None and known.observed_at is not None and known.observed_at > sent_at:
                    # Read while this call was out: it may count it already. Taking it off too
                    # counted it twice (eight processes timing out at the reserve once left
                    # "8 left" with 10 on the account, and no call to mend it).
                    unconfirmed = _unconfirmed(tx)
                    stale = at.timestamp() - INFLIGHT_STALE_S
                    _set_unconfirmed(tx, [t for t in unconfirmed if t > stale] + [at.timestamp()], unconfirmed)
                else:
                    # The reading keeps the provider's time (today's, past a reset): an answer
                    # to a request sent after it replaces this guess.
                    assert known.observed_at is not None  # a remaining was read
                    since = max(known.observed_at, last_reset(at, known.reset_offset_s))
                    tx.execute("UPDATE quota SET daily_remaining=?, observed_at=? WHERE id = 1",
                               (max(0, remaining - 1), since.timestamp()))
            tx.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = counters.value + 1",
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
        # A reservation is not a call sent yet: the pacing that follows it must not count it.
        rows = self.db.query("SELECT at FROM requests WHERE counted = 1 AND status != ? "
                             "AND at >= ? ORDER BY at", (SENDING, since.timestamp()))
        return [utc_from_ts(r[0]) for r in rows]  # type: ignore[misc]

    # -- free-form metadata (selftest results, ...) --------------------------------------------

    # What the latest nonsense rate-limit header was and what was done instead (the wire
    # writes it, Supervision shows it): a header ignored is said, never a silent change of pace.
    HEADER_NOTE = "api.header_note"

    def set_meta(self, key: str, value: str) -> None:
        with self.db.write() as tx:
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def meta(self, key: str) -> str | None:
        row = self.db.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]
