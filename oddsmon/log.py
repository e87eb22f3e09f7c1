"""The oddsmon log: every caught error of the TUI and the engine, with its traceback.

A toast says one line; the traceback goes here, so a bug met on an analyst's SSH session
leaves a trace. The file lives beside the store under ``$XDG_STATE_HOME/oddsmon/``
(``~/.local/state/oddsmon`` when unset), is readable by its owner only (0600, rotated files
too), rotates at ``MAX_BYTES`` and never holds the API key: a filter masks it in the message,
its arguments and the traceback before anything is written. Light on purpose (no Textual).
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .config import state_dir
from .text import redact

LOGGER = "oddsmon"
MAX_BYTES = 1_000_000
BACKUPS = 3
DEBUG_ENV = "ODDSMON_DEBUG"

log = logging.getLogger(LOGGER)
log.addHandler(logging.NullHandler())  # until setup(): never Python's last-resort stderr


def log_path() -> Path:
    """``$XDG_STATE_HOME/oddsmon/oddsmon.log``, beside the default store."""
    return state_dir() / "oddsmon.log"


def debug_requested(flag: bool = False) -> bool:
    """``--debug`` or ``ODDSMON_DEBUG=1``: errors are raised, not caught and logged."""
    return flag or os.environ.get(DEBUG_ENV, "").strip() == "1"


class RedactKey(logging.Filter):
    """Masks the API key in a record: the message with its arguments, and the traceback
    (rendered here, so the handler's formatter never renders an unmasked one)."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self._secret)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(record.exc_info[1])).rstrip(),
                                     self._secret)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secret)
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating file handler whose files are created, and kept, mode 0600."""

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a file left by an older run with wider rights is narrowed
        return open(fd, "a", encoding=self.encoding or "utf-8", errors=self.errors)


def setup(secret: str | None, path: Path | None = None) -> Path:
    """Send the ``oddsmon`` logger to the rotating, redacted, private file; returns its path.

    Called again (another app in the same process, a test), it replaces the handler."""
    path = path or log_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                         encoding="utf-8", delay=True)
    handler.addFilter(RedactKey(secret))
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                  datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime  # stored times are UTC, and say so
    handler.setFormatter(formatter)
    close()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # the terminal belongs to the TUI
    return path


def close() -> None:
    """Detach and close the file set up by :func:`setup` (the end of a TUI run)."""
    for handler in [h for h in log.handlers if isinstance(h, PrivateRotatingFileHandler)]:
        log.removeHandler(handler)
        handler.close()
