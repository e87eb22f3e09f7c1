"""Per-minute pacing shared by every process on the key.

The window is the store's request log (counted calls of the last 60 s, whoever sent them) plus
this process's calls still in flight. The pace follows ``X-RateLimit-Limit`` as last seen; the
configured ``per_minute`` can only lower it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from ..clock import Clock
from ..store import Ledger

WINDOW_S = 60.0


class MinuteThrottle:
    def __init__(self, clock: Clock, ledger: Ledger, configured: int = 0) -> None:
        self.clock = clock
        self.ledger = ledger
        self.configured = configured
        self._lock = asyncio.Lock()
        self._pending: list[float] = []  # send times of this process's calls not yet logged
        self._paused_until = 0.0  # set when a response said no call is left this minute

    def limit(self) -> int | None:
        return self.ledger.quota().minute_pace(self.configured)

    async def acquire(self) -> float:
        """Wait for a slot in the window; returns the send time to pass to ``release``."""
        async with self._lock:
            while True:
                now = self.clock.timestamp()
                if now < self._paused_until:
                    await self.clock.sleep(self._paused_until - now)
                    continue
                limit = self.limit()
                if limit is None:
                    break
                logged = [t.timestamp() for t in
                          self.ledger.counted_since(self.clock.now() - timedelta(seconds=WINDOW_S))]
                window = sorted(logged + [t for t in self._pending if t > now - WINDOW_S])
                if len(window) < limit:
                    break
                wait = window[-limit] + WINDOW_S - now
                await self.clock.sleep(max(0.05, wait))
            self._pending.append(now)
            return now

    def release(self, token: float) -> None:
        """The call is logged in the store now (or was never sent)."""
        with contextlib.suppress(ValueError):  # never sent: it was not pending
            self._pending.remove(token)

    def pause(self, until: float) -> None:
        """No call leaves before ``until`` (POSIX seconds): X-RateLimit-Remaining was 0."""
        self._paused_until = max(self._paused_until, until)
