"""What the runbook's scripts share: run oddsmon's CLI with any Python 3, as the runbook writes it.

``python scripts/check_recovery.py`` is typed with whatever ``python`` is on the PATH, often
not the project's venv. When oddsmon's dependencies cannot be imported here, the script
re-executes itself under the checkout's ``.venv/bin/python``; when there is no such venv (or
it is broken too) it prints the exact command to run and exits 3, which ``--check``'s callers
read as UNKNOWN, never a traceback. Kept free of newer syntax so an old Python gets this far.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
_REEXEC = "ODDSMON_SCRIPT_REEXEC"  # set on the re-executed process: never loop
EXIT_UNKNOWN = 3


def _missing():  # type: () -> str | None
    """Why oddsmon cannot run under this interpreter, or None when it can."""
    if sys.version_info < (3, 11):
        return "Python %d.%d is older than 3.11" % sys.version_info[:2]
    sys.path.insert(0, str(ROOT))
    try:
        import oddsmon.cli  # noqa: F401
    except ImportError as exc:
        return "%s (under %s)" % (exc, sys.executable)
    return None


def run(script, argv):  # type: (str, list[str]) -> None
    """Run ``oddsmon.cli.main(argv)`` here, or re-execute ``script`` under the venv."""
    problem = _missing()
    if problem is None:
        from oddsmon.cli import main

        raise SystemExit(main(argv))
    if os.environ.get(_REEXEC) is None and os.access(str(VENV_PYTHON), os.X_OK):
        env = dict(os.environ)
        env[_REEXEC] = "1"
        os.execve(str(VENV_PYTHON), [str(VENV_PYTHON), script] + sys.argv[1:], env)
    command = "%s %s %s" % (VENV_PYTHON, script, " ".join(sys.argv[1:]))
    setup = "" if VENV_PYTHON.exists() else "make -C %s .venv/.installed\n  " % ROOT
    sys.stderr.write("oddsmon: cannot run: %s.\nRun it with the project's venv:\n  %s%s\n"
                     % (problem, setup, command.rstrip()))
    raise SystemExit(EXIT_UNKNOWN)
