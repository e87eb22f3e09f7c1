#!/usr/bin/env python3
"""The runbook's drill simulator, ``python scripts/simulator.py --port 8099``: the same as
``python -m oddsmon.sim --port 8099`` (see ``--help``), the API-Football simulator on a
loopback port until Ctrl-C (stopping it is a real network outage). Runs with any ``python``:
outside the project's venv it re-executes itself under it (see ``_venv.py``), or prints the
command to run and exits 3."""

import sys

from _venv import run

if __name__ == "__main__":
    run(__file__, sys.argv[1:], module="oddsmon.sim.__main__")
