"""What every oddsmon screen shares: the layout (header, sidebar, content, footer), loading a
page through the service in a worker, and saying plainly where the page came from.

A screen holds no business logic: it asks :class:`~oddsmon.engine.service.Service` for a page and
renders the answer. It never touches the network or the store directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Static

from . import fmt
from .footer import WrappingFooter
from .host import Host, PageLoaded
from .messages import MessageBar
from .sidebar import Sidebar
from .tables import retext

if TYPE_CHECKING:  # types only: the first frame is painted before httpx and the store load
    from ..engine.service import Page, Provenance
    from ..supervision.metrics import Snapshot

REFRESH_KEY = "r"
WARM_KEY = "w"
OFFLINE_KEY = "f"


class PageScreen(Screen[None]):
    """A screen with the sidebar, a status line, a notice area and a body."""

    PAGE: ClassVar[str] = ""  # the service page the refresh key rebuilds ("" for none)

    provenance: var[Provenance | None] = var(None)  # the page shown; the sidebar is bound to it
    status_suffix: str = ""  # what render_page adds to the status line ("12 fixtures")
    # Auto-refresh: after a reload that left the page expired (offline, a failed fetch, a
    # collector not there yet), the next try waits this long, so nothing is hammered.
    AUTO_RETRY: ClassVar[timedelta] = timedelta(seconds=30)
    _loading: bool = False
    _not_before: datetime | None = None
    _laid_out_for = 0  # the table width the columns were last laid out for (0: no such table)

    @property
    def oddsmon(self) -> Host:
        return cast(Host, self.app)

    @property
    def label(self) -> str:
        """The screen's name in messages: its title (:mod:`oddsmon.tui.screens`)."""
        return self.sub_title or type(self).__name__

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        with Horizontal(id="main"):
            yield Sidebar(offline_key=OFFLINE_KEY,
                          age_override=self.sidebar_age()).data_bind(PageScreen.provenance)
            with Vertical(id="content"):
                yield Static("loading…", id="page-status", markup=False)
                yield Static("", id="page-notice", markup=False)
                yield from self.compose_body()
        yield MessageBar()
        yield WrappingFooter()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, under the status line."""
        return iter(())

    def on_mount(self) -> None:
        self.query_one("#page-notice").display = False
        self.watch(self.app, "shown_at", self._tick, init=False)
        self.watch(self.app, "snapshot", self._polled, init=False)

    def on_screen_resume(self) -> None:
        self.oddsmon.show_messages()
        self.load()

    def _polled(self, before: Snapshot | None, snap: Snapshot | None) -> None:
        """Back online: the page on show is read again (from the network if it expired)."""
        if before is not None and snap is not None and before.mode.offline \
                and not snap.mode.offline and self.app.screen is self:
            self.load()

    def _tick(self, now: datetime) -> None:
        """The app's 1 s tick, for the screen on show only (not one under a dialog)."""
        if self.app.screen is not self:
            return
        self.tick_auto_refresh(now)
        if self.provenance is not None and self.PAGE:
            self.update_status()  # the page's age, ticking

    # -- tables whose columns follow the width -------------------------------------------------

    def table_width(self) -> int:
        """Columns a table in the content area can use: the content less its scrollbar."""
        content = self.query_one("#content").content_region.width
        return max(40, (content or self.app.size.width - 24) - 1)

    def lay_out(self) -> int:
        """The width to lay a table's columns out for now. Once the layout has settled (a page
        may arrive before the sidebar took its width), and after each resize, the page is
        redrawn if that width changed."""
        self._laid_out_for = self.table_width()
        self.call_after_refresh(self._relayout)
        return self._laid_out_for

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._relayout)

    def _relayout(self) -> None:
        if self._laid_out_for and self.table_width() != self._laid_out_for:
            self.redraw()

    def redraw(self) -> None:
        """Show the last page again, laid out anew (screens with such tables override)."""

    # -- what the sidebar and palette ask of a screen -------------------------------------------

    def sidebar_age(self) -> str | None:
        """Override to show something else than the provenance's age in the sidebar."""
        return None

    def commands(self) -> Iterable[SystemCommand]:
        """This screen's own actions, for the command palette."""
        return ()

    # -- loading ---------------------------------------------------------------------------------

    def load(self, force: bool = False) -> None:
        """Fetch (or re-read) this screen's page in a worker; ``force`` rebuilds its cache."""
        self._loading = True
        self._load(force)

    def refresh_due_at(self) -> datetime | None:
        """When this page reloads by itself: its data's expiry, never before the next retry."""
        prov = self.provenance
        if prov is None or prov.expires_at is None:
            return None
        return max(prov.expires_at, self._not_before or prov.expires_at)

    def tick_auto_refresh(self, now: datetime) -> None:
        """The app's 1 s tick: reload the page once its data expired, and keep the countdown
        current. The service decides what a reload costs: the cache while offline or while a
        collector keeps it current, else a fetch within the quota."""
        due = self.refresh_due_at()
        if due is not None and now >= due and not self._loading:
            self._not_before = now + self.AUTO_RETRY
            self.load()
        elif self.provenance is not None:
            self.update_status()

    async def fetch(self) -> Page[Any]:
        """The page this screen shows; the service decides cache or network."""
        raise NotImplementedError

    def render_page(self, page: Page[Any]) -> None:
        """Show a page that has data."""

    def clear_page(self) -> None:
        """Show nothing (the page was never cached)."""

    @work(exclusive=True, group="page", exit_on_error=False)
    async def _load(self, force: bool) -> None:
        page = None
        try:
            # A screen must never die of a fetch: say it, keep going.
            with self.oddsmon.reporting(f"{self.label}: could not load"):
                page = await self._read(force)
        finally:
            self._loading = False
        if page is not None:
            self._present(page, force)

    async def _read(self, force: bool) -> Page[Any] | None:
        """The page to present now; None when the cached copy already shown stands."""
        app = self.oddsmon
        await app.load_desk()  # the filters and pins every page is arranged by
        if force and self.PAGE:
            # Rebuild the cache entries, then read the screen's view of them (from the
            # cache just written) under the refresh's provenance: live, or why not.
            from ..engine.service import Page  # loaded with the engine, which is up by now

            refreshed = await app.service.refresh(self.PAGE)
            page = await self.fetch()
            return Page(page.data, refreshed.provenance)
        # Whatever is cached first, at once: a slow or silent network must never keep a
        # screen on "loading…" when there is something to show.
        with app.service.cache_only():
            page = await self.fetch()
        if not page.cached_never:
            self._present(page, force)
        if page.cached_never or (page.provenance.stale and not page.provenance.offline_reason):
            return await self.fetch()
        return None

    def _present(self, page: Page[Any], force: bool) -> None:
        self.provenance = page.provenance
        with self.oddsmon.reporting(f"{self.label}: could not show the page"):
            self._show(page)
        self.post_message(PageLoaded(self.label, page.provenance, forced=force))

    def _show(self, page: Page[Any]) -> None:
        if page.cached_never:
            self.status_suffix = ""
            self.show_notice(self.never_cached_text(page.provenance))
            self.clear_page()
        else:
            self.show_notice(None)
            self.render_page(page)  # may set status_suffix, or a notice of its own
        self.update_status()

    def show_notice(self, text: str | None) -> None:
        """A plain message above the body (never-cached pages), or none."""
        notice = self.query_one("#page-notice", Static)
        notice.display = text is not None
        retext(notice, text or "")

    def update_status(self) -> None:
        app = self.oddsmon
        now = app.now()
        text = fmt.provenance_line(self.provenance, app.tz, now)
        suffix = f" · {self.status_suffix}" if self.status_suffix else ""
        due = self.refresh_due_at()
        if due is not None:
            suffix += f" · refresh in {fmt.age(max(0.0, (due - now).total_seconds()))}"
        # The header names the screen; this line says where its data came from. Its size is
        # fixed (one line, the content's width: oddsmon.tcss), so the 1 s tick repaints the line
        # without laying out the whole screen again.
        self.query_one("#page-status", Static).update(f"{text}{suffix}", layout=False)

    def never_cached_text(self, prov: Provenance) -> str:
        what = f"{self.label} has never been fetched on this host, so there is no cached copy."
        if prov.offline_reason:
            how = (f"oddsmon is offline ({prov.offline_reason}). Once online, press "
                   f"{REFRESH_KEY} to fetch it (or {WARM_KEY} to warm every page).")
        else:
            how = f"Press {REFRESH_KEY} to fetch it."
        text = f"Never cached: {what}\n{how}"
        if prov.error:
            text += f"\nLast error: {prov.error}"
        return text
