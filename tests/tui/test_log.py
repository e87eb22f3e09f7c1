"""The log: every caught error of the TUI with its traceback, in a private, rotating file that
never holds the API key; the message on screen stays one line and says where the log is.
``--debug`` (or ``ODDSMON_DEBUG=1``) raises the error instead."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

import pytest

from oddsmon import log as oddsmon_log
from oddsmon.config import Settings
from oddsmon.engine.runtime import Engine
from oddsmon.tui.app import OddsmonApp
from oddsmon.tui.bookmakers import BookmakersScreen

from ..conftest import SECRET
from .conftest import SIZE, RecordingApp, press, settle, until


@pytest.fixture
def log_file(tmp_path: Path) -> Any:
    path = oddsmon_log.setup(SECRET, tmp_path / "state" / "oddsmon" / "oddsmon.log")
    yield path
    oddsmon_log.close()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_an_error_in_a_screen_lands_in_the_log_with_its_traceback_and_without_the_key(
        engine: Engine, log_file: Path) -> None:
    async def broken(**_: Any) -> Any:
        raise RuntimeError(f"disk on fire (while sending key={SECRET})")

    engine.service.bookmakers_summary = broken  # type: ignore[method-assign]  # what the screen reads
    app = RecordingApp(engine, log_file=log_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        assert isinstance(app.screen, BookmakersScreen)  # still running
    said = [m for sev, m in app.said if sev == "error"]
    assert said and all("\n" not in m and "Traceback" not in m for m in said)
    assert "Bookmakers: could not load: disk on fire" in said[0]
    assert f"details in {log_file}" in said[0]
    text = log_file.read_text(encoding="utf-8")
    assert "ERROR oddsmon: Bookmakers: could not load" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: disk on fire" in text
    assert "in broken" in text  # the frame that raised, from the engine's thread
    assert SECRET not in text and "********" in text
    assert mode_of(log_file) == 0o600


def test_the_log_rotates_and_every_file_stays_private_and_redacted(log_file: Path) -> None:
    log = logging.getLogger("oddsmon")
    for i in range(3):
        try:
            raise ValueError(f"bad answer {i} for {SECRET}")
        except ValueError:
            log.exception("caught %s (key %s)", i, SECRET)
        handler = next(h for h in log.handlers if isinstance(h, oddsmon_log.PrivateRotatingFileHandler))
        handler.doRollover()
    log.error("after the rotations, for %s", SECRET)  # the file reopened: a new one, private too
    files = sorted(log_file.parent.glob("oddsmon.log*"))
    assert len(files) == 1 + oddsmon_log.BACKUPS
    for path in files:
        assert mode_of(path) == 0o600, path
        assert SECRET not in path.read_text(encoding="utf-8")
    assert "ValueError: bad answer 0 for ********" in "".join(p.read_text(encoding="utf-8") for p in files)


def test_the_log_lives_under_xdg_state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert oddsmon_log.log_path() == tmp_path / "xdg" / "oddsmon" / "oddsmon.log"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert oddsmon_log.log_path() == Path.home() / ".local" / "state" / "oddsmon" / "oddsmon.log"


async def test_debug_stops_the_app_on_the_first_error_and_keeps_it(engine: Engine) -> None:
    async def broken(**_: Any) -> Any:
        raise RuntimeError("disk on fire")

    engine.service.bookmakers_summary = broken  # type: ignore[method-assign]  # what the screen reads
    app = RecordingApp(engine, debug=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert isinstance(app.debug_error, RuntimeError) and str(app.debug_error) == "disk on fire"
    assert app.return_code == 1
    assert not [m for sev, m in app.said if sev == "error"]  # raised, not turned into a message


@pytest.mark.parametrize("how", ["flag", "env"])
def test_run_reraises_under_debug(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                  how: str) -> None:
    """What ``oddsmon --debug`` (or ``ODDSMON_DEBUG=1 oddsmon``) gets: the error, raised."""
    from oddsmon.tui import app as app_module

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    if how == "env":
        monkeypatch.setenv("ODDSMON_DEBUG", "1")
    original = OddsmonApp.run_async

    async def fail(self: BookmakersScreen) -> Any:
        raise RuntimeError("a bug in a screen")

    async def headless(self: OddsmonApp, **kwargs: Any) -> Any:
        async def auto_pilot(pilot: Any) -> None:
            # Conditions, not times: the engine up, then the key, then the app ended by the
            # screen's error (each a wait on messages and workers, however loaded the machine).
            await self.engine_up()
            await pilot.press("b")
            await until(pilot, lambda: self.debug_error is not None)

        return await original(self, headless=True, size=SIZE, auto_pilot=auto_pilot)

    monkeypatch.setattr(BookmakersScreen, "fetch", fail)
    monkeypatch.setattr(OddsmonApp, "run_async", headless)
    with pytest.raises(RuntimeError, match="a bug in a screen"):
        app_module.run(settings, demo=True, debug=how == "flag")
