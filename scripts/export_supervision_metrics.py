#!/usr/bin/env python3
"""Runbook section 1.3, ``python scripts/export_supervision_metrics.py``: the same as
``oddsmon --export``.

Writes the supervision metrics JSON atomically to ``paths.metrics`` (the example config's
``docs/supervision_metrics.json``). Extra arguments are passed on: a PATH, ``--format
prometheus``, ``--config``. Runs with any ``python``: outside the project's venv it
re-executes itself under it (see ``_venv.py``), or prints the command to run and exits 3.
"""

import sys

from _venv import run

if __name__ == "__main__":
    args = sys.argv[1:]
    # `--export [PATH]`: a first argument that is not an option is the PATH.
    if args and not args[0].startswith("-"):
        argv = ["--export", args[0]] + args[1:]
    else:
        argv = args + ["--export"]
    run(__file__, argv)
