"""A screen that is one table (Picks, Value): its columns declared once, the table made once."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import DataTable

from .base import PageScreen


class TableScreen(PageScreen):
    TABLE_ID: ClassVar[str] = ""
    COLUMNS: ClassVar[tuple[str, ...]] = ()

    def compose_body(self) -> ComposeResult:
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True, cell_padding=1)

    def on_mount(self) -> None:
        super().on_mount()
        for label in self.COLUMNS:
            self.table.add_column(label)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    def clear_page(self) -> None:
        self.table.clear()
