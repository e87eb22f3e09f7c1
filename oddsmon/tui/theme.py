"""The theme chosen in the palette, remembered per user (``$XDG_STATE_HOME/oddsmon/theme``).

``[ui] theme`` in the config wins when it is set; otherwise the last choice comes back at the
next start. A file that cannot be read or written costs only the memory, never the app.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from ..config import state_dir
from ..supervision.common import SupervisionError, atomic_write

# Themes that NO_COLOR makes unreadable, and why (said when one is configured or remembered).
NO_COLOR_UNREADABLE = {
    "ansi-light": "without colour (NO_COLOR is set) its text and background are both drawn "
                  "black",
}


def memory_file() -> Path:
    return state_dir() / "theme"


def recall(path: Path | None) -> str:
    if path is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return path.read_text(encoding="utf-8").strip()
    return ""


def remember(path: Path | None, name: str) -> None:
    if path is not None and recall(path) != name:
        with contextlib.suppress(SupervisionError):
            atomic_write(path, name.encode("utf-8"))
