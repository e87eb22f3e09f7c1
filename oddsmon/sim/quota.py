"""The simulated plan's quota: a daily count that resets ``quota_reset_s`` after 00:00 UTC and
a per-minute count on the clock's minute, with the provider's rate-limit headers.

Every method that changes the counts takes the simulator's lock; the ``roll_*`` and
``rate_headers`` helpers expect the caller to hold it (the request path decides under one lock).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from ..clock import Clock
from .data import SimConfig


class Quota:
    def __init__(self, config: SimConfig, clock: Clock, lock: threading.Lock) -> None:
        self._reset_s = config.quota_reset_s
        self._clock = clock
        self._lock = lock
        self.daily_limit = config.daily_limit
        self.per_minute = config.per_minute
        self.used = 0
        self.day = self._utc_day()
        self._minute: int | None = None
        self.minute_used = 0

    def _utc_day(self) -> date:
        """The quota day: it starts ``quota_reset_s`` after 00:00 UTC."""
        return datetime.fromtimestamp(self._clock.timestamp() - self._reset_s, UTC).date()

    def roll_day(self) -> None:
        """Reset the daily count when the quota day turns (caller holds the lock)."""
        today = self._utc_day()
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

    def rate_headers(self) -> list[tuple[bytes, bytes]]:
        remaining_day = max(0, self.daily_limit - self.used)
        remaining_min = max(0, self.per_minute - self.minute_used)
        return [
            (b"x-ratelimit-requests-limit", str(self.daily_limit).encode()),
            (b"x-ratelimit-requests-remaining", str(remaining_day).encode()),
            (b"x-ratelimit-limit", str(self.per_minute).encode()),
            (b"x-ratelimit-remaining", str(remaining_min).encode()),
        ]

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
        return {
            "quota": {"limit": self.daily_limit, "used": self.used, "remaining": remaining,
                      "day": self.day.isoformat()},
            "quota_used": self.used,
            "quota_remaining": remaining,
            "per_minute": {"limit": self.per_minute, "used": self.minute_used,
                           "remaining": max(0, self.per_minute - self.minute_used)},
        }
