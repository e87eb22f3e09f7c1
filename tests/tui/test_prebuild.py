"""The prebuild's fence around Textual's private API: this Textual has the names it uses (a
release that renames them fails here, so the fence is noticed, not silently shut); without
them the app builds each screen when shown and says so once in the log; and no other module
of oddsmon touches Textual's private names."""

from __future__ import annotations

import ast
import functools
import gc
import inspect
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import textual
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from oddsmon import log as oddsmon_log
from oddsmon.engine.runtime import Engine
from oddsmon.tui import prebuild
from oddsmon.tui.value import ValueScreen

from ..conftest import SECRET
from .conftest import SIZE, ManualTicker, RecordingApp, press, settle

BUILT_WHEN_SHOWN = "the screens are built when first shown"


async def test_this_textual_has_every_private_name_the_prebuild_uses(
        engine: Engine, ticker: ManualTicker) -> None:
    app = RecordingApp(engine, ticker=ticker, prebuild=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=6)
        gone = prebuild.missing(app)
        assert gone == [], (f"Textual {textual.__version__} has no {', '.join(gone)}: the prebuild "
                            f"is off (oddsmon/tui/prebuild.py needs another way to build a screen "
                            f"while idle)")
        assert app.current_mode == "dashboard"
        assert app.get_screen_stack("odds")[0].query_one("#odds-table", DataTable).row_count > 0
        # The Value screen's board is there before V is pressed.
        value = app.get_screen_stack("value")[0]
        assert value.query_one(f"#{ValueScreen.TABLE_ID}", DataTable).row_count > 0
        await press(pilot, "V")
        assert app.current_mode == "value"
        assert app.screen.query_one(f"#{ValueScreen.TABLE_ID}", DataTable).row_count > 0
        # What was made up to then is out of the collector's full passes.
        assert gc.get_freeze_count() > 0


async def test_an_app_that_builds_nothing_while_idle_freezes_nothing(app: RecordingApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=6)
        await press(pilot, "o")
        assert gc.get_freeze_count() == 0


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = oddsmon_log.setup(SECRET, tmp_path / "oddsmon.log")
    yield path
    oddsmon_log.close()


async def test_without_them_each_screen_is_built_when_shown_and_the_log_says_so_once(
        engine: Engine, ticker: ManualTicker, log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A Textual release that renamed one of them.
    monkeypatch.setattr(prebuild, "APP_PRIVATE", (*prebuild.APP_PRIVATE, "_init_mode_renamed"))
    app = RecordingApp(engine, ticker=ticker, prebuild=True, log_file=log_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=6)
        await press(pilot, "r", "r")  # more pages loaded: nothing more is tried, or said
        assert app.screen.query_one("#fixtures", DataTable).row_count > 0
        with pytest.raises(KeyError):
            app.get_screen_stack("odds")  # not built while idle
        await press(pilot, "o")
        assert app.screen.query_one("#odds-table", DataTable).row_count > 0
        await press(pilot, "b")
        assert app.screen.query_one("#bookmakers", DataTable).row_count > 0
    text = log_file.read_text(encoding="utf-8")
    assert text.count(BUILT_WHEN_SHOWN) == 1, text
    assert f"Textual {textual.__version__} has no App._init_mode_renamed" in text
    assert not [m for sev, m in app.said if sev == "error"]  # nothing on screen: it is not the analyst's


def _private_names(classes: set[type]) -> set[str]:
    """The private names these classes define: in their bodies, and set or read on ``self``."""
    return set().union(*map(_private_names_of, classes))


@functools.cache  # every class of ours shares Textual's bases: each is read and parsed once
def _private_names_of(cls: type) -> frozenset[str]:
    names = set(vars(cls))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):  # no source (a builtin base)
        tree = None
    if tree is not None:
        names.update(n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                     and isinstance(n.value, ast.Name) and n.value.id == "self")
    return frozenset(n for n in names if n.startswith("_") and not n.startswith("__"))


def _own_names(cls: type) -> set[str]:
    """The private names a class of ours writes itself: its methods and class attributes, and
    what it sets or reads on ``self``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    names = {n.attr for n in ast.walk(body) if isinstance(n, ast.Attribute)
             and isinstance(n.value, ast.Name) and n.value.id == "self"}
    for item in body.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
        elif isinstance(item, ast.Assign):
            names.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _textual_bases(cls: type) -> set[type]:
    return {c for c in cls.__mro__ if c.__module__.startswith("textual")}


def test_no_module_but_the_fence_touches_textuals_private_names() -> None:
    """Reading, setting or overriding one of Textual's private names (even one chosen by
    chance for an attribute of our own) ties oddsmon to Textual's internals: that belongs in
    oddsmon/tui/prebuild.py, behind its check."""
    import importlib
    import pkgutil

    import oddsmon.tui

    # What a module reaches on another object: the app, a screen, a widget.
    reached = _private_names(_textual_bases(App) | _textual_bases(Screen) | _textual_bases(Widget))
    assert set(prebuild.APP_PRIVATE) | set(prebuild.SCREEN_PRIVATE) <= reached
    found = []
    for info in pkgutil.iter_modules(oddsmon.tui.__path__):
        module = importlib.import_module(f"oddsmon.tui.{info.name}")
        if module is prebuild:
            continue
        for cls in vars(module).values():  # its own classes: what they use of their bases
            if inspect.isclass(cls) and cls.__module__ == module.__name__ and _textual_bases(cls):
                found += [f"{module.__name__}.{cls.__name__}: {name}"
                          for name in sorted(_own_names(cls) & _private_names(_textual_bases(cls)))]
        tree = ast.parse(inspect.getsource(module))
        found += [f"{module.__name__}:{node.lineno}: {node.attr}" for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and node.attr in reached
                  and not (isinstance(node.value, ast.Name) and node.value.id == "self")]
    assert found == []
