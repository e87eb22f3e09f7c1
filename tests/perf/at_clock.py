"""``python -m tests.perf.at_clock [oddsmon arguments]``: the real ``oddsmon`` on the benchmark
run's clock (its offset in ``$BENCH_CLOCK_OFFSET_S``: :func:`tests.perf.common.bench_clock`), so
a store the run prepared is read on the day it was prepared, whatever the wall says."""

import os

import oddsmon.clock
from tests.clocks import OFFSET_ENV, ShiftedClock

OFFSET = float(os.environ[OFFSET_ENV])


def shifted_clock() -> ShiftedClock:
    return ShiftedClock(OFFSET)


# Every oddsmon process reads the time through the SystemClock it makes: replaced before the
# first module that imports it is loaded. ShiftedClock has SystemClock's methods without being
# one, and a class is replaced by a function: what mypy rightly calls an incompatible assignment.
oddsmon.clock.SystemClock = shifted_clock  # type: ignore[assignment, misc]

from oddsmon.cli import main  # noqa: E402 - after the clock is replaced

raise SystemExit(main())
