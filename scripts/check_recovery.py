#!/usr/bin/env python3
"""Runbook section 4, ``python scripts/check_recovery.py``: the same as ``oddsmon --check``.

Prints offline or not and why, the time left before the automatic resume, cache metrics,
current quotas, ``quota_reset`` and the closing checklist; exits 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN. Extra arguments are passed on (``--json``, ``--probe``, ``--config``,
``-w``, ``-c``). Runs with any ``python``: outside the project's venv it re-executes itself
under it (see ``_venv.py``), or prints the command to run and exits 3.
"""

import sys

from _venv import run

if __name__ == "__main__":
    run(__file__, ["--check"] + sys.argv[1:], verdict="ODDSMON UNKNOWN")
