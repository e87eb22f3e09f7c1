"""``oddsmon --export-odds [PATH|-] [--format csv|jsonl] [--since ISO8601] [--league N]
[--fixture N]``: every stored price observation, streamed to PATH (atomically) or stdout."""

from __future__ import annotations

import io
import os
import sys
from datetime import datetime
from pathlib import Path

from ..config import Settings
from ..desk.export import rows, write
from ..desk.known import run_on_store
from ..store import Store
from ..supervision.common import atomic_stream
from .common import EXIT_OK


def run(settings: Settings, target: str, fmt: str, *, since: datetime | None = None,
        league: int | None = None, fixture: int | None = None) -> int:
    """Export to ``target`` (a path, or ``-`` for stdout); exit 0, or 3 when the store cannot
    be read, 1 when the file cannot be written."""

    def work(store: Store) -> int:
        data = rows(store, since=since, league=league, fixture=fixture, spreadsheet=fmt == "csv")
        if target == "-":
            try:
                write(sys.stdout, data, fmt)
                sys.stdout.flush()
            except BrokenPipeError:
                # `| head` closed the pipe: what the reader wanted has been written.
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stops the flush at exit failing
            return EXIT_OK
        with atomic_stream(Path(target)) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            count = write(text, data, fmt)
            text.flush()
            text.detach()  # the atomic writer closes the file itself
        print(f"wrote {count} price observation(s) to {target}", file=sys.stderr)
        return EXIT_OK

    return run_on_store(settings, work)
