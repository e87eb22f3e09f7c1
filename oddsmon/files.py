"""How oddsmon creates the files it keeps beside each other (the store, the journal, their
locks): one rule for their mode, so a group of analysts shares them all or none."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def shared_mode(directory: Path) -> int:
    """The mode of the files oddsmon keeps in ``directory``: 0600, or 0660 when the directory
    is setgid (``chmod g+s``): on Linux its files then take its group, so the analysts of that
    group share one store, one quota and one journal. Nothing secret is in them (the key never
    is). An explicit chmod, so the umask does not take the group's write away."""
    try:
        return 0o660 if os.stat(directory).st_mode & stat.S_ISGID else 0o600
    except OSError:
        return 0o600
