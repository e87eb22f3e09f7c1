"""Injectable time.

Everything in oddsmon that reads the time or waits goes through a ``Clock`` so that tests can
jump to the quota reset instead of sleeping. Times are aware UTC datetimes; the store keeps
them as POSIX seconds (UTC by definition).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""

    def timestamp(self) -> float:
        """The current instant as POSIX seconds."""

    def monotonic(self) -> float:
        """Seconds for measuring durations; never goes backwards."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def timestamp(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        import asyncio  # here, not at the top: --check imports this module and never sleeps

        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly.

    Thread-safe enough for the simulator thread and the test thread to share: reads and the
    single float assignment in ``advance`` are atomic under the GIL.
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        if start is None:
            start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        self._t = start.timestamp() if isinstance(start, datetime) else float(start)
        self._mono = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._t, UTC)

    def timestamp(self) -> float:
        return self._t

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._t += seconds
        self._mono += seconds

    def set(self, when: datetime) -> None:
        delta = when.timestamp() - self._t
        if delta < 0:
            raise ValueError("FakeClock cannot go backwards")
        self.advance(delta)

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self.advance(seconds)
        import asyncio

        await asyncio.sleep(0)  # still yield, as a real sleep would


def utc_from_ts(ts: float | None) -> datetime | None:
    """POSIX seconds (as stored) -> aware UTC datetime, passing None through."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def next_utc_midnight(when: datetime) -> datetime:
    """The first 00:00 UTC strictly after ``when``."""
    return next_reset(when)


def iso_utc(when: datetime | None) -> str | None:
    """ISO 8601 with a ``Z``, second precision: the one format oddsmon writes times in."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _daily(day: date, at_s: int, tz: tzinfo) -> datetime:
    """``at_s`` seconds of wall-clock time after midnight of ``day`` in ``tz``, as UTC (a wall
    time skipped by a DST change lands where ``zoneinfo`` puts it, an hour on)."""
    return (datetime.combine(day, datetime.min.time(), tzinfo=tz)
            + timedelta(seconds=at_s)).astimezone(UTC)


def last_reset(when: datetime, offset_s: int = 0, tz: tzinfo = UTC) -> datetime:
    """The most recent daily reset at or before ``when``: ``offset_s`` seconds after midnight
    in ``tz`` (oddsmon keeps the provider's reset as seconds after 00:00 UTC; the simulator's
    quota day may start at a local time of any zone)."""
    day = when.astimezone(tz).date()
    at = _daily(day, offset_s, tz)
    return at if at.timestamp() <= when.timestamp() else _daily(day - timedelta(days=1), offset_s, tz)


def next_reset(when: datetime, offset_s: int = 0, tz: tzinfo = UTC) -> datetime:
    """The first daily reset strictly after ``when`` (``offset_s`` seconds after midnight in
    ``tz``)."""
    day = when.astimezone(tz).date()
    at = _daily(day, offset_s, tz)
    return at if at.timestamp() > when.timestamp() else _daily(day + timedelta(days=1), offset_s, tz)
