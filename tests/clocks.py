"""A clock for what must run in real time on an injected date: processes sharing a store,
a pseudo-terminal, the benchmarks. (Tests that can jump time use ``oddsmon.clock.FakeClock``,
and ``planned`` for the time they jump it to.)"""

from __future__ import annotations

import time
from datetime import UTC, datetime

OFFSET_ENV = "BENCH_CLOCK_OFFSET_S"  # a ShiftedClock's offset, handed to the processes started

# The day the tests that run the simulator and real oddsmon processes in real time start on,
# whatever the day the suite runs: which fixtures the simulator has, which are priced and how old
# a page is all move with the date and the hour. A Saturday morning: the round ahead names
# enough teams, bookmakers and fixtures for what those tests look for (a Tuesday's three
# fixtures did not).
SATURDAY = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class ShiftedClock:
    """Real time moved by a fixed offset: it runs, sleeps and times out as the real clock
    does, on the date it was started at rather than the wall's. Processes handed the same
    offset agree on the time (``tests/perf/at_clock.py`` hands it to a real ``oddsmon``)."""

    def __init__(self, offset_s: float) -> None:
        self.offset_s = offset_s

    @classmethod
    def starting_at(cls, when: datetime) -> ShiftedClock:
        return cls(when.timestamp() - time.time())

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def timestamp(self) -> float:
        return time.time() + self.offset_s

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        import asyncio  # here: the launcher of a real oddsmon imports this module at its start

        await asyncio.sleep(max(0.0, seconds))


def planned(when: datetime | None) -> datetime:
    """A time the test expects oddsmon to have planned (the next probe, the resume), typically
    to jump a ``FakeClock`` to: fails plainly when nothing was planned."""
    assert when is not None, "nothing planned: expected a time"
    return when
