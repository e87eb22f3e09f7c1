"""Injectable time.

Everything in oddsmon that reads the time or waits goes through a ``Clock`` so that tests can
jump to the quota reset instead of sleeping. Times are aware UTC datetimes; the store keeps
them as POSIX seconds (UTC by definition).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
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
    """The provider's daily reset: the first 00:00 UTC strictly after ``when``."""
    day = when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def last_utc_midnight(when: datetime) -> datetime:
    """The most recent 00:00 UTC at or before ``when``."""
    return when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def iso_utc(when: datetime | None) -> str | None:
    """ISO 8601 with a ``Z``, second precision: the one format oddsmon writes times in."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def last_reset(when: datetime, offset_s: int = 0) -> datetime:
    """The most recent daily reset at or before ``when``: ``offset_s`` seconds after 00:00 UTC."""
    at = last_utc_midnight(when) + timedelta(seconds=offset_s)
    return at if at <= when else at - timedelta(days=1)


def next_reset(when: datetime, offset_s: int = 0) -> datetime:
    """The first daily reset strictly after ``when`` (``offset_s`` seconds after 00:00 UTC)."""
    return last_reset(when, offset_s) + timedelta(days=1)
