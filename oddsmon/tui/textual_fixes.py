"""Work-arounds for Textual defects that a week-long session would feel, each applied once by
the app and each removed when the Textual release we pin fixes it.

``StylesCache.get_inner_outer`` (Textual issue #6665, open on 8.2): an instance method under
``functools.lru_cache(1024)``, so each cache entry's key holds a ``StylesCache`` and, through
it, the rendered lines of a widget long since removed. A screen switch at 80x24 removes a few
widgets (the footer's keys, a table's rows): the 1,024 entries filled after about 800 switches,
4 to 5 MB of lines that no screen would ever show again (bench j: 160 -> 165 MB). What it
computes depends on the two colours only, so the colours alone key it here.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(_cache: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def apply() -> None:
    """Key ``get_inner_outer``'s memo on the colours only (see the module's docstring)."""
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign,assignment]
