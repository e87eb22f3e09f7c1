"""The oddsmon full-screen app: its screens, one sidebar, the offline key, refresh and warm.

Every second the app (1) polls in a worker: it flushes this process's cache counters and
reads one supervision snapshot from the shared store — cheap reads, so a change made by another
process on the host (``oddsmon --offline`` in a shell, another analyst, the quota running out)
reaches the sidebar within two seconds — and (2) runs ``Service.supervise`` in a worker, which
applies the automatic resume at the quota reset and probes the network during an outage. Every
call reaches the engine through :class:`~oddsmon.engine.runtime.EngineClient`, on the engine's
thread; errors become notifications, never tracebacks.

The start path holds nothing but the frame and the Dashboard: :func:`run` hands the app an
:class:`EngineStart`, the app paints its first frame, and only then is the engine built, on the
engine's own thread (httpx, the API client, the store, the simulator load there, not in front of
the first paint). Every other screen's module is imported the first time it is shown (each screen
is one row of :data:`~oddsmon.tui.screens.SCREENS`), or while idle after the Dashboard came up
(:mod:`~oddsmon.tui.prebuild`), so its key finds it composed and filled.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.reactive import var
from textual.screen import Screen

from .. import log as oddsmon_log
from ..engine.loop import BackgroundLoop
from ..offline import KEY_FIX
from ..supervision.common import secret_of
from ..text import redact
from ..types import FAIR_METHODS, PRICE_FORMATS
from . import fmt
from . import theme as theme_memory
from .base import OFFLINE_KEY, REFRESH_KEY, WARM_KEY, PageScreen
from .help import HELP_KEYS, HelpScreen, key_lines
from .host import FixtureSelected, PageLoaded, WarmProgress
from .messages import LOG_KEY, MessageBar, MessageLog, MessagesScreen, Note
from .modals import ConfirmOnline
from .prebuild import Prebuild
from .screens import BY_NAME, FIRST, PREBUILT, SCREENS
from .search import DESK_BINDINGS, DeskActions
from .sidebar import DEMO_LABEL
from .textual_fixes import apply as apply_textual_fixes
from .ticker import IntervalTicker, Ticker

if TYPE_CHECKING:  # types only: the first frame is painted before httpx and the store load
    from ..alerts import Alert
    from ..clock import Clock
    from ..config import Settings
    from ..engine.runtime import Engine, EngineClient
    from ..engine.service import Provenance, WarmReport, WarmStep
    from ..offline import ModeView
    from ..supervision.metrics import Snapshot
    from ..types import FairMethod, PriceFormat

@dataclass(frozen=True)
class EngineStart:
    """What the app paints its first frame from, and how it then builds its engine (called on
    the engine's thread)."""

    settings: Settings
    clock: Clock
    demo: bool
    build: Callable[[], Engine]


class OddsmonApp(DeskActions, App[int]):
    """The app. Its shared state is four reactives (and the warm's progress, and the tick's
    instant) that the sidebars and screens watch; screens tell it things through messages
    (:mod:`.host`)."""

    # Every poll is news (the Supervision screen says when it was read), even an equal one.
    snapshot: var[Snapshot | None] = var(None, always_update=True)
    selected_fixture: var[int | None] = var(None)  # shared by Dashboard, Predictions and Odds
    # Display choices for this session, starting from the config; the Odds keys cycle them.
    price_format: var[PriceFormat] = var(PRICE_FORMATS[0])
    fair_method: var[FairMethod] = var(FAIR_METHODS[0])
    warm_progress: var[WarmProgress | None] = var(None)
    # The instant the screens show: set by every tick, even when the clock stood still, so
    # countdowns and page ages are redrawn.
    shown_at: var[datetime] = var(datetime.min.replace(tzinfo=UTC), always_update=True)

    CSS_PATH = Path(__file__).with_name("oddsmon.tcss")  # absolute: subclasses live elsewhere
    TITLE = "oddsmon"
    # Each screen's module is imported when the screen is first made (oddsmon.tui.screens).
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {spec.name: spec.make for spec in SCREENS}
    DEFAULT_MODE = FIRST
    # Narrow terminals (80 columns) get a narrower sidebar; nothing is hidden.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        # Screens out of the footer (one row at 120 columns): ? and the palette list them.
        *[Binding(spec.key, f"show('{spec.name}')", spec.label, tooltip=spec.help, show=spec.in_footer)
          for spec in SCREENS],
        Binding(OFFLINE_KEY, "go_offline", "Go offline", id="offline",
                tooltip="Switch every oddsmon on this host to offline mode (reason: user)"),
        Binding(OFFLINE_KEY, "go_online", "End offline", id="online",
                tooltip="Leave offline mode and go back online"),
        Binding(REFRESH_KEY, "refresh_page", "Refresh", tooltip="Rebuild this screen's cache"),
        Binding(WARM_KEY, "warm", "Warm", tooltip="Refresh the four critical pages, within the quota"),
        Binding(HELP_KEYS, "help", "Help", key_display="?",
                tooltip="This screen's keys and a glossary (margin, fair odds, value, ...)"),
        Binding(LOG_KEY, "messages", "Log", show=False, tooltip="Every message, newest first"),
        Binding("q", "quit", "Quit", tooltip="Quit oddsmon"),
        *DESK_BINDINGS,
    ]

    def __init__(self, engine: Engine | EngineStart, *, poll_s: float = 1.0, supervise: bool = True,
                 loop: BackgroundLoop | None = None, theme_file: Path | None = None,
                 log_file: Path | None = None, debug: bool = False,
                 ticker: Ticker | None = None, prebuild: bool = False) -> None:
        """``engine``: one already built (tests), or an :class:`EngineStart` to build it from
        after the first frame. ``prebuild``: compose and fill the
        :data:`~oddsmon.tui.screens.PREBUILT` screens while idle once the first screen is up."""
        apply_textual_fixes()
        super().__init__()
        if isinstance(engine, EngineStart):
            start, built = engine, None
        else:
            start, built = EngineStart(engine.settings, engine.clock, engine.demo, lambda: engine), engine
        self.settings = start.settings
        self.demo = start.demo
        self._clock = start.clock
        self._start = start
        self._service: EngineClient | None = None
        self._engine_up = asyncio.Event()
        self.start_error: BaseException | None = None  # the engine could not be built
        self._prebuild = Prebuild(self, PREBUILT if prebuild else ())
        self.theme_file = theme_file  # where the palette's theme is remembered (None: nowhere)
        self.log_file = log_file  # where caught errors' tracebacks go (named in the message)
        # --debug: a caught error stops the app and is raised again by run(), traceback and all.
        self.debug_raises = debug
        self.debug_error: BaseException | None = None
        # The engine works on its own loop thread: a big parse or a long SQLite write there
        # never freezes the screen. Screens call self.service, never engine.service.
        self._own_engine_loop = loop is None
        self._engine_loop = loop or BackgroundLoop()
        self.poll_s = poll_s
        self.ticker = ticker or IntervalTicker()  # a test passes one it advances itself
        self.supervise_enabled = supervise
        self.warm_log: list[tuple[int, int, str]] = []  # the last warm's progress, for tests
        self.messages = MessageLog()
        self.set_reactive(OddsmonApp.price_format, self.settings.odds.format)
        self.set_reactive(OddsmonApp.fair_method, self.settings.odds.fair_method)
        self.set_reactive(OddsmonApp.shown_at, self._clock.now())
        self._said_once: set[str] = set()  # errors said once per streak ("store", "journal")
        self._secret = secret_of(self.settings)  # redacted from every message, from the start
        if self.demo:
            self.title = f"oddsmon · {DEMO_LABEL}"
        if built is not None:
            self._use_engine(built)

    # -- conveniences the screens use -------------------------------------------------------------

    @property
    def tz(self) -> tzinfo:
        return self.settings.watch.tz

    @property
    def clock(self) -> Clock:
        return self._clock

    def now(self) -> datetime:
        return self._clock.now()

    @property
    def service(self) -> EngineClient:
        if self._service is None:
            raise RuntimeError("the engine is not up yet: await engine_up() first")
        return self._service

    @property
    def engine_ready(self) -> bool:
        """Whether the engine is up (:attr:`service` may be used without waiting)."""
        return self._service is not None

    async def engine_up(self) -> EngineClient:
        """The engine's client, once the engine is built: what a key pressed during the
        start waits for (at once when the app was given a built engine)."""
        await self._engine_up.wait()
        return self.service

    def report_error(self, what: str, exc: BaseException) -> None:
        """A caught error: its traceback to the log, one line on screen that says where the
        log is (never a traceback on screen)."""
        oddsmon_log.log.error("%s", what, exc_info=exc)
        where = f" (details in {self.log_file})" if self.log_file is not None else ""
        self.notify(f"{what}: {exc}{where}", title="Error", severity="error", markup=False)

    @contextlib.contextmanager
    def reporting(self, what: str, *, once: str | None = None) -> Iterator[None]:
        """A block whose failure must not end the app: the error is reported (logged with
        its traceback, said in one line) and the code after the block runs on. ``once``
        names an error that repeats every second (the store, the journal): said and logged
        at the first failure of a streak only, so the log keeps the traces worth reading."""
        try:
            yield
        except Exception as exc:
            if self.debug_raises:
                self.debug_error = exc
                self.exit(return_code=1)
                raise
            if once is None or once not in self._said_once:
                if once is not None:
                    self._said_once.add(once)
                self.report_error(what, exc)

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False, topic: str = "") -> None:
        """A message to the log and the message line, never a toast over the data.

        ``topic`` names the state a message describes; a newer one on it replaces the older.
        Messages carry API errors and file paths: never markup, and never the key (defence
        in depth: no message should hold it in the first place).
        """
        message = redact(message, self._secret)
        self.messages.add(Note(self.now(), message, title, str(severity), topic))
        self.show_messages()

    def show_messages(self) -> None:
        """Redraw the visible screen's message line from the log."""
        try:
            bar = self.screen.query_one(MessageBar)
        except NoMatches:  # a dialog, or not composed yet
            return
        bar.show(self.messages, self.tz, self.now())

    # -- lifecycle ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._apply_theme()
        self.ticker.start(self, self.poll_s, self._tick)
        if not self.engine_ready:
            # The first frame first; the engine's imports and its store come after it.
            self.call_after_refresh(self._build_engine)
        self._tick()

    @work(exclusive=True, group="engine", exit_on_error=False)
    async def _build_engine(self) -> None:
        async def build() -> Engine:  # on the engine's thread: the UI keeps drawing
            return self._start.build()

        try:
            engine = await self._engine_loop.run(build())
        except Exception as exc:  # noqa: BLE001 - logged with its traceback, then said by run()
            # Nothing works without it (a store that cannot be opened): said by run() once
            # the terminal is back, as before the app existed.
            oddsmon_log.log.exception("oddsmon could not start")
            self.start_error = exc
            self.exit(return_code=1)
            return
        self._use_engine(engine)
        message = self.service.store_notice()  # a damaged store moved aside
        if message:
            self.notify(message, title="Store", severity="warning")
        self._tick()

    def _use_engine(self, engine: Engine) -> None:
        from ..engine.runtime import EngineClient  # loaded with the engine

        self._service = EngineClient(engine, self._engine_loop)
        # A team's store: another host's offline switch redraws the sidebar as it commits.
        engine.watch_team(lambda: self._call(self.poll_now))
        self._engine_up.set()

    def _apply_theme(self) -> None:
        """``[ui] theme``, else the theme last chosen in the palette; a later choice is kept.
        Under NO_COLOR the themes that cannot be read without colour are not offered, and one
        configured or remembered is refused, saying why."""
        configured = self.settings.ui.theme
        name = configured or theme_memory.recall(self.theme_file)
        refused = theme_memory.NO_COLOR_UNREADABLE if self.no_color else {}
        for unreadable in refused:
            self.unregister_theme(unreadable)
        if name in refused:
            self.notify(f"Theme {name!r} is not used: {refused[name]}. Unset NO_COLOR to use it.",
                        title="Theme", severity="warning")
        elif name and name in self.available_themes:
            self.theme = name
        elif configured:
            self.notify(f"[ui] theme: no theme named {configured!r} (known: "
                        f"{', '.join(sorted(self.available_themes))})", title="Theme",
                        severity="warning")
        self.theme_changed_signal.subscribe(
            self, lambda theme: theme_memory.remember(self.theme_file, theme.name))

    def on_unmount(self) -> None:
        if self._own_engine_loop:
            self._engine_loop.close()

    def _tick(self) -> None:
        with self.reporting("oddsmon"):  # a timer that raises would end the app: say it instead
            self._tick_once()

    def _tick_once(self) -> None:
        # A tick never stacks work: a poll or a supervise still running is left to finish.
        # Nothing to poll before the engine is up (its first tick follows at once).
        if self.engine_ready:
            if not self.running("poll"):
                self.poll_now()
            if self.supervise_enabled and not self.running("supervise"):
                self._supervise()
        self.shown_at = self.now()  # the screen on show reloads what expired; sidebars redraw

    def poll_now(self) -> None:
        """Read the shared state now (after our own toggles, so the sidebar answers at once).
        A newer poll replaces one still running: the newest read stands."""
        self._poll()

    def running(self, group: str) -> bool:
        """Whether a worker of ``group`` ("poll", "supervise", "warm", ...) is still at work."""
        return any(worker.group == group and not worker.is_finished for worker in self.workers)

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def _poll(self) -> None:
        snap = None
        with self.reporting("Store", once="store"):  # a store problem must not kill the poll
            await self.service.flush_counters()
            snap = await self.service.snapshot()
        if snap is None:
            return
        self._said_once.discard("store")
        with self.reporting("oddsmon"):
            self.snapshot = snap
        with self.reporting("Incident journal", once="journal"):
            # Keep the incident journal in step with the store (returns at once when nothing
            # changed), so transitions seen by this process reach the file without an export.
            await self.service.sync_journal()

    def _call(self, fn: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.call_from_thread(fn, *args)

    def watch_snapshot(self, before: Snapshot | None, snap: Snapshot | None) -> None:
        """A new snapshot: the keys follow the mode, and a change of mode is said."""
        if snap is None:
            return
        old = None if before is None else (before.mode.offline, before.mode.reason)
        new = (snap.mode.offline, snap.mode.reason)
        if old != new:
            self.refresh_bindings()
            if before is not None:
                self._say_mode_change(snap, was_offline=before.mode.offline)

    def _say_mode_change(self, snap: Snapshot, *, was_offline: bool) -> None:
        mode = snap.mode
        if mode.offline:
            detail = f": {mode.detail}" if mode.detail else ""
            todo = f"\nTo do: {KEY_FIX}." if mode.reason == "key" else ""
            self.notify(f"oddsmon is OFFLINE ({mode.why}){detail}{todo}", title="Offline",
                        severity="error" if mode.reason == "key" else "warning", topic="mode")
        elif was_offline:
            self.notify("oddsmon is back ONLINE.", title="Online", topic="mode")

    @work(exclusive=True, group="supervise", exit_on_error=False)
    async def _supervise(self) -> None:
        report = None
        with self.reporting("Supervision"):
            report = await self.service.supervise(progress=self._progress_from_engine)
        if report is not None:
            self.poll_now()
            self._say_warm(report, after_resume=True)
        alerts = None
        with self.reporting("Alerts"):
            # Also POSTed to the webhook, unless a collector runs (it posts them).
            alerts = await self.service.dispatch_alerts()
        if alerts is None:
            return
        # On screen: a match's drops in one message, naming the match, each bookmaker,
        # outcome and price; a newer message about the match replaces it.
        by_match: dict[int | None, list[Alert]] = {}
        for alert in alerts:
            if alert.kind == "drop":
                by_match.setdefault(alert.fixture, []).append(alert)
        for fid, group in by_match.items():
            self.notify(fmt.drops_text(group), title="Price drop", severity="warning", topic=f"drop:{fid}")

    # -- actions -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("go_offline", "go_online"):
            offline = self.snapshot.mode.offline if self.snapshot else False
            return offline == (action == "go_online")
        return super().check_action(action, parameters)

    def action_show(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_help(self) -> None:
        screen = self.screen
        if not isinstance(screen, PageScreen):
            return  # a dialog is up: its own keys are on it
        spec = BY_NAME[self.current_mode]
        extra = ""
        if self.demo:  # how to leave the simulator for the provider: named first, told last
            from ..demo import USE_A_REAL_KEY

            extra = USE_A_REAL_KEY
        self.push_screen(HelpScreen(spec.title, key_lines(screen), spec.help, extra))

    def action_messages(self) -> None:
        self.push_screen(MessagesScreen(self.messages, self.tz, self.now()))

    def action_go_offline(self) -> None:
        self._go_offline()

    @work(group="mode", exit_on_error=False)
    async def _go_offline(self) -> None:
        service = await self.engine_up()
        from ..engine.runtime import StoreError  # loaded with the engine

        try:
            changed = await service.set_offline()
        except StoreError as exc:
            self.report_error("Offline", exc)
            return
        if not changed:
            self.notify("oddsmon was already offline.", title="Offline")
        self.poll_now()

    def action_go_online(self) -> None:
        self._go_online()

    @work(group="mode", exit_on_error=False)
    async def _go_online(self) -> None:
        service = await self.engine_up()
        from ..engine.runtime import StoreError  # loaded with the engine

        try:
            mode = await service.mode()
        except StoreError as exc:
            self.report_error("Online", exc)
            return
        if not mode.offline:
            self.poll_now()
            return
        if mode.reason == "key":
            self.push_screen(ConfirmOnline(lambda: self._key_refused_text(mode), manual=False,
                                           title="The provider refuses the API key: go online anyway?"),
                             self._online_or_say("Staying offline until a /status probe is answered."))
            return
        if mode.resume_at is not None and mode.seconds_to_resume and mode.seconds_to_resume > 0:
            resume_at, reason = mode.resume_at, mode.reason
            self.push_screen(ConfirmOnline(lambda: self._early_resume_cost(resume_at, reason)),
                             self._confirmed_online)
            return
        quota = self.snapshot.quota if self.snapshot else None
        if quota is not None and quota.daily_remaining is not None \
                and quota.daily_remaining <= quota.reserve:
            # Online with nothing to spend: the first counted call would go offline (quota)
            # again. Said first, as --online says it (and asks for --force).
            self.push_screen(ConfirmOnline(self._calls_left_cost, title="Go online with no calls left?",
                                           manual=False),
                             self._online_or_say("Staying offline: no calls left above the reserve."))
            return
        self._set_online()

    def _calls_left_cost(self) -> str:
        """What going online spends, from the quota as last polled (the dialog follows it)."""
        quota = self.snapshot.quota if self.snapshot else None
        if quota is None or quota.daily_remaining is None:
            return "The calls left today are not known yet."
        if quota.daily_remaining > quota.reserve:
            return (f"{quota.daily_remaining} calls are left today now, above the reserve of "
                    f"{quota.reserve}: going online can fetch again.")
        return (f"Only {quota.daily_remaining} calls are left today, at or below the reserve of "
                f"{quota.reserve}: every page would be served from the cache anyway, and the "
                f"first fetch would go offline (quota) again.")

    def _key_refused_text(self, mode: ModeView) -> str:
        now = self.now()
        probe = (f"The next /status probe is at {fmt.stamp_zone(mode.next_probe_at, self.tz, now)} "
                 f"({WARM_KEY} probes now)" if mode.next_probe_at else f"{WARM_KEY} probes now")
        return (f"oddsmon is offline because the provider refuses the API key or the account"
                f"{': ' + mode.detail if mode.detail else ''}.\n\n"
                f"To do: {KEY_FIX}. oddsmon comes back by itself when a free /status probe "
                f"succeeds. {probe}.\n\n"
                f"Going online by hand sends requests the provider refuses unless the key was "
                f"fixed: the first refusal goes offline (key) again.")

    def _online_or_say(self, staying: str) -> Callable[[bool | str | None], None]:
        """A dialog's answer: online on yes, else ``staying`` is said."""
        def answered(answer: bool | str | None) -> None:
            if answer:
                self._set_online()
            else:
                self.notify(staying, title="Online", topic="mode")
        return answered

    def _early_resume_cost(self, resume_at: datetime, reason: str | None) -> str:
        now = self.now()
        snap = self.snapshot
        if snap is not None and snap.mode.offline and snap.mode.resume_at is not None:
            resume_at, reason = snap.mode.resume_at, snap.mode.reason  # as polled since
        quota = snap.quota if snap else None
        left = (f"{quota.daily_remaining} of {quota.daily_limit} calls are left today"
                if quota and quota.daily_remaining is not None and quota.daily_limit is not None
                else "the calls left today are not known")
        reserve = quota.reserve if quota else self.settings.api.daily_reserve
        why = ("the daily quota ran out (or reached the reserve)" if reason == "quota"
               else "a quota outage is pending under this manual offline")
        return (f"oddsmon is offline because {why}. The quota resets at "
                f"{fmt.stamp_zone(resume_at, self.tz, now)} ({resume_at:%H:%M} UTC), "
                f"in {fmt.countdown((resume_at - now).total_seconds())}.\n\n"
                f"Going online now spends what is left: {left}, with a reserve of {reserve}. "
                f"The reserve may be hit, and oddsmon will then go offline (quota) again "
                f"until the reset.")

    def _confirmed_online(self, answer: bool | str | None) -> None:
        if answer == "manual":
            self.action_go_offline()  # the machine keeps the quota's reset under it
        elif answer:
            self._set_online()
        else:
            self.notify("Staying offline until the quota reset.", title="Online")

    @work(group="mode", exit_on_error=False)
    async def _set_online(self) -> None:
        from ..engine.runtime import StoreError  # asked after _go_online: the engine is up

        try:
            await self.service.set_online()
        except StoreError as exc:
            self.report_error("Online", exc)
            return
        self.poll_now()
        self._refresh_quota()

    @work(group="online", exit_on_error=False)
    async def _refresh_quota(self) -> None:
        """As ``oddsmon --online`` does: one free /status so the quota shown is the provider's."""
        with self.reporting("Online"):
            note = await self.service.refresh_quota()
            self.notify(note, title="Online")
            self.poll_now()

    def action_refresh_page(self) -> None:
        screen = self.screen
        if isinstance(screen, PageScreen):
            screen.load(force=True)

    def action_warm(self) -> None:
        if self.running("warm"):
            self.notify("A warm is already running.", title="Warm")
            return
        self.warm_progress = WarmProgress(0, 1, "starting")
        self.warm_log = []
        self._warm()

    def _progress_from_engine(self, done: int, total: int, step: WarmStep) -> None:
        """Warm progress, reported from the engine's thread: drawn on the UI's."""
        self._call(self._show_progress, done, total, step.label)

    def _show_progress(self, done: int, total: int, label: str) -> None:
        self.warm_progress = WarmProgress(done, total, label)
        self.warm_log.append((done, total, label))

    @work(exclusive=True, group="warm", exit_on_error=False)
    async def _warm(self) -> None:
        report = None
        try:
            with self.reporting("Warm"):
                service = await self.engine_up()
                report = await service.warm(self._progress_from_engine)
        finally:
            self.warm_progress = None
        if report is None:
            return
        self.poll_now()
        self._say_warm(report)

    def _say_warm(self, report: WarmReport, *, after_resume: bool = False) -> None:
        fetched = len(report.fetched)
        fresh = sum(1 for s in report.steps if s.source == "fresh")
        what = (f"{fetched} page(s) fetched, {fresh} already fresh, "
                f"{report.counted_calls} counted call(s) spent")
        prefix = "Back online, cache rebuilt" if after_resume else "Warm done"
        if report.stopped:
            self.notify(f"Warm stopped: {report.stopped}. So far: {what}.", title="Warm",
                        severity="warning", topic="warm")
        else:
            self.notify(f"{prefix}: {what}.", title="Warm", topic="warm")
        for text in filter(None, (report.left_out_text, *report.notes)):
            self.notify(text, title="Warm", severity="warning")
        screen = self.screen
        if isinstance(screen, PageScreen) and fetched:
            screen.load()

    async def action_quit(self) -> None:
        self.exit(0)

    def action_help_quit(self) -> None:
        """Ctrl+C, pressed out of habit: how to quit, in plain words (Textual's own says it in
        markup, which every message here shows as typed)."""
        self.notify("Press q (or ctrl+q) to quit oddsmon.", title="Quit?", topic="quit")

    def _save_screenshot(self) -> None:
        """The palette's Screenshot, saved where oddsmon keeps its state (never into the
        folder it was started from) and said in plain words."""
        from ..config import state_dir

        folder = state_dir() / "screenshots"
        with self.reporting("Screenshot"):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.notify(f"Screenshot saved to {self.save_screenshot(path=str(folder))}",
                        title="Screenshot")

    # -- what the screens tell the app ---------------------------------------------------------

    @on(FixtureSelected)
    def _select_fixture(self, event: FixtureSelected) -> None:
        self.selected_fixture = event.fixture_id
        if event.open_odds:
            self.switch_mode("odds")

    @on(PageLoaded)
    def _say_page(self, event: PageLoaded) -> None:
        """What a page's arrival means for the analyst: a refresh's outcome, or its error,
        and the leagues left out of it (no coverage, no season), and why."""
        if self._prebuild.waiting:  # the first page is up: the next screens are built meanwhile
            self.call_after_refresh(self._prebuild.next)
        else:
            self._prebuild.freeze()
        prov, label = event.provenance, event.label
        if event.forced:
            self._say_refreshed(label, prov)
        elif prov.error:
            self.notify(prov.error, title=label, severity="warning")
        # A page's notes describe it as it is now ("8 fixtures' value bets still being worked
        # out"): the next load's replace them, and a load without any ends them, so the message
        # line does not keep saying what stopped being true.
        topic = f"page-notes:{label}"
        if prov.notes:
            self.notify("\n".join(prov.notes), title=label, topic=topic)
        elif self.messages.end(topic):
            self.show_messages()

    def _say_refreshed(self, label: str, prov: Provenance) -> None:
        topic = f"refresh:{label}"  # the latest refresh of a screen replaces the earlier
        if prov.source == "live":
            self.notify(f"{label} refreshed from the API.", title="Refresh", topic=topic)
        elif prov.offline_reason:
            served = "nothing cached" if prov.source == "none" else "served from the cache"
            self.notify(f"oddsmon is offline ({prov.offline_reason}): {label} {served}. "
                        f"Go online ({OFFLINE_KEY}) to refresh it.", title="Refresh",
                        severity="warning", topic=topic)
        elif prov.error:
            self.notify(f"{label} could not be refreshed: {prov.error}", title="Refresh",
                        severity="warning", topic=topic)
        else:
            self.notify(f"{label} is up to date.", title="Refresh", topic=topic)

    # -- command palette -------------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for spec in SCREENS:
            yield SystemCommand(f"Show {spec.title} ({spec.key})", spec.help,
                                lambda mode=spec.name: self.action_show(mode))
        offline = self.snapshot.mode.offline if self.snapshot else False
        if offline:
            yield SystemCommand(f"End offline: go back online ({OFFLINE_KEY})",
                                "Leave offline mode (asks first during a quota outage)",
                                self.action_go_online)
        else:
            yield SystemCommand(f"Go offline ({OFFLINE_KEY})",
                                "Manual offline mode for every oddsmon on this host (reason: user)",
                                self.action_go_offline)
        yield SystemCommand(f"Refresh this screen ({REFRESH_KEY})",
                            "Rebuild the cache entries of the current screen",
                            self.action_refresh_page)
        yield SystemCommand(f"Warm the cache ({WARM_KEY})",
                            "Refresh Predictions, Bookmakers, Odds and Dashboard within the quota",
                            self.action_warm)
        if isinstance(screen, PageScreen):
            yield from screen.commands()
        yield SystemCommand(f"Messages ({LOG_KEY})", "Every message, newest first",
                            self.action_messages)
        for command in super().get_system_commands(screen):
            if command.title == "Quit":
                yield SystemCommand("Quit (q)", "Quit oddsmon", self.action_quit)
            elif command.title == "Screenshot":
                yield SystemCommand(command.title, "Save an SVG picture of this screen under "
                                    "oddsmon's state folder", self._save_screenshot)
            elif command.title == "Keys":  # Textual's side panel: 28 columns at 80x24
                yield SystemCommand("Help: keys and glossary (?)",
                                    "This screen's keys, then margin, fair odds, value, ...",
                                    self.action_help)
            else:
                yield command


def run(settings: Settings, *, demo: bool = False, debug: bool = False) -> int:
    """Run the TUI until the user quits; returns the exit status (0 on ``q``).

    Caught errors go to the log (``oddsmon.log``) with their traceback; with ``debug`` (or
    ``ODDSMON_DEBUG=1``) the first one ends the app and is raised here instead. The engine is
    built by the app after its first frame (:class:`EngineStart`); a store that cannot be
    opened ends the app and is said here."""

    import signal

    from .. import demo as demo_store
    from ..clock import SystemClock

    built: list[Engine] = []  # the engine, once built (on the engine's thread)

    def build() -> Engine:
        from ..engine.runtime import build_engine

        engine = build_engine(settings, demo=demo, clock=clock, warn=False, copy=True)
        built.append(engine)
        if engine.demo_dir is not None and engine.simulator is not None:
            demo_store.publish(engine.demo_dir, engine.simulator)  # for other shells' --demo
        return engine

    clock = SystemClock()
    loop = BackgroundLoop()
    previous = signal.getsignal(signal.SIGHUP)

    def hang_up(signum: int, frame: object) -> None:
        # The terminal was closed: leave through the finally below, so a demo's throwaway
        # store does not stay behind in the temporary folder.
        raise SystemExit(128 + signum)

    try:
        signal.signal(signal.SIGHUP, hang_up)
        log_file = oddsmon_log.setup(secret_of(settings))
        app = OddsmonApp(EngineStart(settings, clock, demo, build), loop=loop,
                         theme_file=theme_memory.memory_file(), log_file=log_file,
                         debug=oddsmon_log.debug_requested(debug), prebuild=True)
        app.run()
        if app.start_error is not None:
            print(f"oddsmon: {app.start_error}", file=sys.stderr)
            return 1
        if app.debug_error is not None:
            raise app.debug_error
        code = app.return_code
    finally:
        signal.signal(signal.SIGHUP, previous)
        oddsmon_log.close()
        # A build or a page still running (q pressed at once) unwinds first; a big parse
        # cannot be interrupted, and on a busy host it may take more than a few seconds.
        loop.cancel_pending(timeout=30)
        for engine in built:
            if engine.demo_dir is not None:
                demo_store.unpublish(engine.demo_dir)
            loop.run_sync(engine.aclose(), timeout=10)  # the engine's client lives on that loop
        loop.close()
    return 0 if code is None else int(code)
