#!/usr/bin/env python3
"""Runbook section 4, ``python scripts/check_recovery.py``: the same as ``oddsmon --check``.

Prints offline or not and why, the time left before the automatic resume, cache metrics,
current quotas, ``quota_reset`` and the closing checklist; exits 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN. Extra arguments are passed on (``--json``, ``--probe``, ``--config``).
Runs from a checkout with the project's venv, whether or not oddsmon is installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oddsmon.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(["--check", *sys.argv[1:]]))
