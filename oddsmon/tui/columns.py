"""Table columns that use the terminal's width: fixed ones, and text ones that share the rest.

A screen declares its columns once (:class:`Column`); :func:`layout` turns the width available
into each column's width, leaving out the columns kept for wide terminals. Another column is
one more entry in the list. Names are shortened only when they must be, and then so that two
teams stay apart (:func:`short_name`). Pure: no Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int = 0  # 0: a text column that shares the room the fixed ones leave
    share: int = 1  # its part of that room, among the text columns
    wide_from: int = 0  # shown only when the table has at least this many columns
    min_width: int = 4


def layout(columns: tuple[Column, ...], avail: int) -> list[tuple[Column, int]]:
    """The columns shown at ``avail`` columns, with their widths (the text ones share the rest)."""
    shown = [c for c in columns if avail >= c.wide_from]
    room = max(0, avail - sum(c.width for c in shown))
    shares = sum(c.share for c in shown if not c.width) or 1
    return [(c, c.width or max(c.min_width, room * c.share // shares)) for c in shown]


def short_name(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters, telling similar names apart.

    Every word but the last becomes an initial first (``Manchester United`` -> ``M. United``,
    ``Manchester City`` -> ``M. City``): the last word is the one that tells clubs of one city
    apart. Only then is the end cut, with an ellipsis.
    """
    if len(name) <= width:
        return name
    words = name.split()
    if len(words) > 1:
        initials = " ".join(f"{w[0]}." for w in words[:-1]) + " " + words[-1]
        if len(initials) <= width:
            return initials
        name = initials
    return name[: max(0, width - 1)] + "…" if width > 0 else ""


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (advice, league names)."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
