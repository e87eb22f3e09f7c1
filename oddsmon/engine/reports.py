"""The reports the TUI shows and writes, over the store: the supervision snapshot, the incident
journal and the metrics export (the same code as ``--export``)."""

from __future__ import annotations

from pathlib import Path

from ..clock import Clock
from ..config import Settings
from ..store import Store
from ..supervision import export, journal
from ..supervision.metrics import Snapshot, collect


class Reports:
    def __init__(self, settings: Settings, store: Store, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock

    def snapshot(self) -> Snapshot:
        """Everything the supervision screen and the sidebar show, read from the store."""
        return collect(self.store, self.settings, self.clock)

    def sync_journal(self) -> None:
        """Bring the incident journal up to date with the store (at once when nothing changed)."""
        journal.sync(self.store, self.settings)

    def export_metrics(self, path: Path) -> None:
        """Write the metrics JSON to ``path`` as ``oddsmon --export`` does, journal included."""
        export.check_target(path)
        export.write(self.store, self.settings, self.clock, path, "json")
        self.sync_journal()
