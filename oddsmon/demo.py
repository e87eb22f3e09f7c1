"""Where the running demo keeps its throwaway store, so the headless commands can reach it.

``oddsmon --demo`` works in a throwaway directory; the TUI names it in a per-user pointer file
while it runs, and ``--check``, ``--export``, ``--note`` and ``--selftest`` given ``--demo``
read that demo's store, so the whole runbook can be rehearsed without a key. Light on
purpose (no httpx, no Textual): ``--check --demo`` starts as fast as ``--check``.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from .config import Settings, state_dir

DEMO_BASE_URL = "http://simulator.oddsmon.invalid"


def demo_paths(settings: Settings, base: Path) -> Settings:
    """``settings`` pointed at the simulator, with the store and files under ``base``."""
    demo = replace(settings, api=replace(settings.api, base_url=DEMO_BASE_URL))
    return demo.with_paths(db=base / "oddsmon.db", metrics=base / "supervision_metrics.json",
                           incidents=base / "incidents_supervision.md")


def demo_pointer() -> Path:
    """The file naming the running demo's directory: per user, under ``$XDG_STATE_HOME``."""
    return state_dir() / "demo-running"


def publish(directory: str) -> None:
    from .supervision.common import atomic_write

    atomic_write(demo_pointer(), directory.encode("utf-8"))


def unpublish(directory: str) -> None:
    pointer = demo_pointer()
    with contextlib.suppress(OSError):
        if pointer.read_text(encoding="utf-8") == directory:  # a newer demo's pointer stays
            pointer.unlink()


def running_demo(settings: Settings) -> Settings | None:
    """The settings of the demo running on this account (its store and files), or None."""
    try:
        directory = Path(demo_pointer().read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return None
    if not directory.is_absolute():
        return None
    from .store import Store

    demo = demo_paths(settings, directory)
    return demo if Store.exists(demo) else None
