"""The simulated plan's quota: a daily count that resets at a wall-clock time of a time zone
(03:30 UTC by default; any ``HH:MM`` of any IANA zone), and a per-minute count on the clock's
minute, with the provider's rate-limit headers; behind RapidAPI's gateway also
``x-ratelimit-requests-reset``, the seconds to the next reset (docs/provider.md, "Quota").

Every method that changes the counts takes the simulator's lock; the ``roll_*`` and
``rate_headers`` helpers expect the caller to hold it (the request path decides under one lock).
"""

from __future__ import annotations

import math
import threading
from datetime import datetime

from ..clock import Clock, last_reset, next_reset
from .data import SimConfig, zone

RESET_HEADER = b"x-ratelimit-requests-reset"


def parse_reset_time(text: str) -> int:
    """``"HH:MM"`` -> seconds after midnight; ValueError naming what is wrong."""
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
            and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"a reset time is HH:MM (00:00 to 23:59), got {text!r}")
    return int(hours) * 3600 + int(minutes) * 60


class Quota:
    def __init__(self, config: SimConfig, clock: Clock, lock: threading.Lock) -> None:
        self._reset_s = config.quota_reset_s
        self._tz_name = config.quota_reset_tz
        self._tz = zone(config.quota_reset_tz)
        self._clock = clock
        self._lock = lock
        self.daily_limit = config.daily_limit
        self.per_minute = config.per_minute
        # RapidAPI's gateway sends the seconds to the reset on every answer; the direct API
        # sends no such header (docs/provider.md).
        self.reset_header = config.gateway == "rapidapi"
        self.used = 0
        self.day = self._day()
        self._minute: int | None = None
        self.minute_used = 0

    def _now(self) -> datetime:
        return self._clock.now()

    def _day(self) -> datetime:
        """The quota day, named by the instant it began (the last reset)."""
        return last_reset(self._now(), self._reset_s, self._tz)

    def next_reset(self) -> datetime:
        return next_reset(self._now(), self._reset_s, self._tz)

    def roll_day(self) -> None:
        """Reset the daily count when the quota day turns (caller holds the lock)."""
        today = self._day()
        if today != self.day:
            self.day = today
            self.used = 0

    def roll_minute(self) -> None:
        minute = int(self._clock.timestamp() // 60)
        if minute != self._minute:
            self._minute = minute
            self.minute_used = 0

    @property
    def day_spent(self) -> bool:
        return self.used >= self.daily_limit

    @property
    def minute_spent(self) -> bool:
        return self.minute_used >= self.per_minute

    def count(self) -> None:
        """One counted call, daily and per minute (caller holds the lock)."""
        self.used += 1
        self.minute_used += 1

    def rate_headers(self, *, zero_minute: bool = False) -> list[tuple[bytes, bytes]]:
        """The quota headers; ``zero_minute``: the per-minute pair says 0 and 0 (nonsense on
        an answered call, which a client must not believe)."""
        remaining_day = max(0, self.daily_limit - self.used)
        remaining_min = 0 if zero_minute else max(0, self.per_minute - self.minute_used)
        headers = [
            (b"x-ratelimit-requests-limit", str(self.daily_limit).encode()),
            (b"x-ratelimit-requests-remaining", str(remaining_day).encode()),
            (b"x-ratelimit-limit", str(0 if zero_minute else self.per_minute).encode()),
            (b"x-ratelimit-remaining", str(remaining_min).encode()),
        ]
        if self.reset_header:
            seconds = math.ceil(self.next_reset().timestamp() - self._clock.timestamp())
            headers.append((RESET_HEADER, str(seconds).encode()))
        return headers

    def exhaust(self) -> None:
        """Use up today's quota: every counted call answers the ``requests`` error."""
        with self._lock:
            self.roll_day()
            self.used = self.daily_limit

    def set(self, limit: int | None = None, used: int | None = None) -> None:
        with self._lock:
            self.roll_day()
            if limit is not None:
                if limit < 0:
                    raise ValueError("limit must be >= 0")
                self.daily_limit = int(limit)
            if used is not None:
                if used < 0:
                    raise ValueError("used must be >= 0")
                self.used = int(used)

    def set_reset(self, at: str | None = None, tz: str | None = None) -> None:
        """Move the daily reset to ``at`` (``"HH:MM"``) in zone ``tz``; today's count is kept
        (the day is renamed, not turned). Both are checked before either is applied."""
        seconds = self._reset_s if at is None else parse_reset_time(at)
        where = self._tz if tz is None else zone(tz)
        with self._lock:
            self._reset_s, self._tz = seconds, where
            self._tz_name = self._tz_name if tz is None else tz
            self.day = self._day()

    def set_reset_header(self, on: bool) -> None:
        with self._lock:
            self.reset_header = bool(on)

    def set_per_minute(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("per_minute must be >= 1")
        with self._lock:
            self.per_minute = int(limit)

    def reset_rate_window(self) -> None:
        """Forget the requests counted in the current minute."""
        with self._lock:
            self.minute_used = 0

    def snapshot(self) -> dict[str, object]:
        """The quota part of ``stats()`` (caller holds the lock)."""
        self.roll_day()
        self.roll_minute()
        remaining = max(0, self.daily_limit - self.used)
        hours, minutes = divmod(self._reset_s // 60, 60)
        return {
            "quota": {"limit": self.daily_limit, "used": self.used, "remaining": remaining,
                      "day": self.day.astimezone(self._tz).date().isoformat()},
            "quota_reset": {"at": f"{hours:02d}:{minutes:02d}", "tz": self._tz_name,
                            "next": self.next_reset().isoformat(), "header": self.reset_header},
            "quota_used": self.used,
            "quota_remaining": remaining,
            "per_minute": {"limit": self.per_minute, "used": self.minute_used,
                           "remaining": max(0, self.per_minute - self.minute_used)},
        }
