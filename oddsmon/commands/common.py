"""What the headless commands share: their exit statuses, their one-line failure, the journal's
sync at their end, and the usage error a command finds once the configuration is read.

Exit statuses, for every command in one table: docs/hostile.md. In short: 0 done; 1 partly or
not done (for ``--warm``: unless every page is now fresh); 2 bad usage or configuration
(argparse's convention; ``--check`` says 3, UNKNOWN, for its own usage and config errors);
3 could not run (``--warm``) or the shared store cannot be read (``--export``, ``--note``,
``--export-odds``, ``--picks``). ``--check`` exits like a monitoring plugin instead (0 OK,
1 WARNING, 2 CRITICAL, 3 UNKNOWN; see commands/check.py).
"""

from __future__ import annotations

import sys

from ..config import Settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3
EXIT_CHECK_USAGE = 3  # UNKNOWN: monitoring-plugins guidelines, "Plugin Return Codes"


class UsageError(Exception):
    """A command line that only the configuration shows to be wrong (``-c`` above the
    configured warning level): the CLI reports it as argparse reports its own."""


def fail(message: str, code: int = EXIT_FAIL) -> int:
    """Say why on stderr, in one line, and return the exit status."""
    from ..text import clean

    print(f"oddsmon: {clean(message)}", file=sys.stderr)  # may quote a path or a provider's text
    return code


def journal_sync(store: object, settings: Settings) -> None:
    """The sync step at the end of a command: the journal shows what the store records.

    A journal that cannot be written is reported on stderr; the command's own work stands.
    """
    from ..supervision import journal
    from ..supervision.common import SupervisionError

    try:
        journal.sync(store, settings)  # type: ignore[arg-type]
    except SupervisionError as exc:
        print(f"oddsmon: {exc}", file=sys.stderr)
