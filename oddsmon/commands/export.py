"""``oddsmon --export [PATH|-] [--format json|prometheus]``: the supervision metrics written
atomically to PATH (default ``paths.metrics``), or printed; the journal is synced after."""

from __future__ import annotations

import sys
from pathlib import Path

from ..clock import Clock
from ..config import Settings
from ..store import StoreError
from ..supervision.common import (
    EXIT_OK,
    EXIT_STATE,
    StateUnreadable,
    SupervisionError,
    for_output,
    open_existing,
    secret_of,
)
from ..supervision.export import check_target, default_path, to_json, to_prometheus, write
from ..supervision.metrics import collect


def run(settings: Settings, target: str | None, fmt: str, clock: Clock | None = None) -> int:
    """``oddsmon --export [PATH] [--format json|prometheus]``."""
    from ..clock import SystemClock
    from ..supervision import journal

    clock = clock or SystemClock()
    to_stdout = target == "-"
    path = None if to_stdout else (Path(target) if target else default_path(settings, fmt))
    try:
        if path is not None:
            check_target(path)
            journal.check_usable(settings.paths.incidents)
        store = open_existing(settings, writable=not to_stdout)
        try:
            if to_stdout:
                snap = collect(store, settings, clock)
                secret = secret_of(settings)
                sys.stdout.write(to_json(snap, secret) if fmt == "json" else to_prometheus(snap, secret))
                return EXIT_OK
            assert path is not None
            snap = write(store, settings, clock, path, fmt)
            journal.sync(store, settings)
        finally:
            store.close()
    except (SupervisionError, StateUnreadable) as exc:
        print(f"oddsmon: {for_output(str(exc), secret_of(settings))}", file=sys.stderr)
        return exc.exit_code
    except StoreError as exc:  # damaged under our feet: the state is unknown
        print(f"oddsmon: {exc}", file=sys.stderr)
        return EXIT_STATE
    summary = for_output(snap.status.summary, secret_of(settings))
    print(f"wrote {path} ({fmt}): {snap.status.label} - {summary}")
    return EXIT_OK
