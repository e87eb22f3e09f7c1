"""``oddsmon --init-config PATH``: a commented default configuration (time zone: the host's)."""

from __future__ import annotations

from pathlib import Path

from ..config import ConfigError, write_default
from .common import EXIT_OK, EXIT_USAGE, fail


def run(path: Path) -> int:
    """Write it; an existing file is never overwritten (exit 2, as a configuration error)."""
    try:
        write_default(path)
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    print(f"wrote {path}")
    return EXIT_OK
