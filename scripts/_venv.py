"""What the runbook's scripts share: run oddsmon with any Python 3, as the runbook writes it.

``python scripts/check_recovery.py`` is typed with whatever ``python`` is on the PATH, often
not the project's venv. When oddsmon's dependencies cannot be imported here, the script
re-executes itself under the checkout's ``.venv/bin/python``; when there is no such venv (or
it is broken too) it prints the exact command to run and exits 3, which ``--check``'s callers
read as UNKNOWN (``check_recovery.py`` says so on standard output, the line a monitor reads),
never a traceback. Kept free of newer syntax so an old Python gets this far.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
_REEXEC = "ODDSMON_SCRIPT_REEXEC"  # set on the re-executed process: never loop
EXIT_UNKNOWN = 3


def _missing(module):  # type: (str) -> str | None
    """Why ``module`` cannot be imported under this interpreter, or None when it can."""
    if sys.version_info < (3, 11):
        return "Python %d.%d is older than 3.11" % sys.version_info[:2]
    sys.path.insert(0, str(ROOT))
    try:
        __import__(module)
    except ImportError as exc:
        return "%s (under %s)" % (exc, sys.executable)
    return None


def run(script, argv, module="oddsmon.cli", verdict=""):  # type: (str, list[str], str, str) -> None
    """Run ``module.main(argv)`` here, or re-execute ``script`` under the venv. ``verdict``:
    the monitoring line to print on standard output when it cannot run at all."""
    problem = _missing(module)
    if problem is None:
        raise SystemExit(sys.modules[module].main(argv))
    if os.environ.get(_REEXEC) is None and os.access(str(VENV_PYTHON), os.X_OK):
        env = dict(os.environ)
        env[_REEXEC] = "1"
        os.execve(str(VENV_PYTHON), [str(VENV_PYTHON), script] + sys.argv[1:], env)
    command = "%s %s %s" % (VENV_PYTHON, script, " ".join(sys.argv[1:]))
    setup = "" if VENV_PYTHON.exists() else "make -C %s .venv/.installed\n  " % ROOT
    if verdict:
        sys.stdout.write("%s - cannot run: %s\n" % (verdict, problem))
    sys.stderr.write("oddsmon: cannot run: %s.\nRun it with the project's venv:\n  %s%s\n"
                     % (problem, setup, command.rstrip()))
    raise SystemExit(EXIT_UNKNOWN)
