#!/usr/bin/env python3
"""Runbook section 1.3, ``python scripts/export_supervision_metrics.py``: the same as
``oddsmon --export``.

Writes the supervision metrics JSON atomically to ``paths.metrics`` (the example config's
``docs/supervision_metrics.json``). Extra arguments are passed on: a PATH, ``--format
prometheus``, ``--config``. Runs from a checkout with the project's venv, whether or not
oddsmon is installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oddsmon.cli import main  # noqa: E402

if __name__ == "__main__":
    args = sys.argv[1:]
    # `--export [PATH]`: a first argument that is not an option is the PATH.
    if args and not args[0].startswith("-"):
        argv = ["--export", args[0], *args[1:]]
    else:
        argv = [*args, "--export"]
    raise SystemExit(main(argv))
