"""``python -m oddsmon``. Readable by any Python 3: an older one is told, in one line, what to
run instead, before anything it cannot parse is imported (exit 3; under ``--check`` that line is
its UNKNOWN verdict on standard output, as a monitor reads it)."""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 (this is the check)
    WHY = ("cannot run: Python {}.{} is older than 3.11; use the project's .venv/bin/oddsmon "
           "(`make run` sets it up) or a Python 3.11+\n").format(*sys.version_info[:2])
    if any(len(a) >= 5 and "--check".startswith(a) for a in sys.argv[1:]):
        sys.stdout.write("ODDSMON UNKNOWN - " + WHY)
    else:
        sys.stderr.write("oddsmon: " + WHY)
    raise SystemExit(3)

from .cli import main

raise SystemExit(main())
