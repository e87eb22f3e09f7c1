"""``oddsmon --selftest``: run the quick functional tests, print each check, exit 0 when all passed."""

from __future__ import annotations

import sys

from ..clock import Clock, SystemClock
from ..config import Settings
from ..engine.selftest import perform
from ..supervision.common import EXIT_FAIL, EXIT_OK


def run(settings: Settings, clock: Clock | None = None) -> int:
    """``oddsmon --selftest``: run, print, record; exit 0 when every check passed, else 1."""
    outcome = perform(settings, clock or SystemClock())
    for r in outcome.results:
        print(f"  [{'ok' if r.ok else 'FAIL'}] {r.name:<10} {r.detail} ({r.duration_ms:.0f} ms)")
    print(outcome.summary)
    if outcome.problem is not None:
        print(f"oddsmon: {outcome.problem}", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK if outcome.ok else EXIT_FAIL
