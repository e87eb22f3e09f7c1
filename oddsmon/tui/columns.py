"""Table columns that use the terminal's width: fixed ones, and text ones that share the rest.

A screen declares its columns once (:class:`Column`); :func:`layout` turns the width available
into each column's width, leaving out the columns kept for wide terminals. Another column is
one more entry in the list. Where a table's columns cannot all show, :func:`rotating` shows
its optional ones a few at a time. Names are shortened only when they must be, and then so that two
teams stay apart (:func:`short_name`). Pure: no Textual here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int = 0  # 0: a text column that shares the room the fixed ones leave
    share: int = 1  # its part of that room, among the text columns
    wide_from: int = 0  # shown only when the table has at least this many columns
    min_width: int = 4
    narrow_below: int = 0  # shown only when the table has fewer columns (its narrower form)


def layout(columns: tuple[Column, ...], avail: int,
           want: dict[str, int] | None = None) -> list[tuple[Column, int]]:
    """The columns shown at ``avail`` columns, with their widths.

    The text columns share the room the fixed ones leave, by ``share``; one whose content
    (``want``: its longest cell) needs less than its part takes only that, and the others
    share what it leaves, so the longest names get the room short league names do not use.
    """
    want = want or {}
    shown = [c for c in columns if avail >= c.wide_from and not avail >= c.narrow_below > 0]
    room = max(0, avail - sum(c.width for c in shown))
    widths: dict[str, int] = {}
    pending = [c for c in shown if not c.width]
    while pending:
        shares = sum(c.share for c in pending)
        modest = [c for c in pending if c.key in want and want[c.key] <= room * c.share // shares]
        if not modest:
            break
        for c in modest:
            widths[c.key] = max(c.min_width, want[c.key])
            room -= widths[c.key]
            pending.remove(c)
    shares = sum(c.share for c in pending) or 1
    for c in pending:
        widths[c.key] = max(c.min_width, room * c.share // shares)
    return [(c, c.width or widths[c.key]) for c in shown]


def rotating(widths: Sequence[int], room: int, start: int) -> list[int]:
    """Which of the columns of ``widths`` (each its content and padding) share ``room``: all
    when they fit, else those that fit one after another from ``start``, round the list (a key
    moves ``start`` on past them, so each is shown in turn). At least one, in the list's order.
    """
    if sum(widths) <= room or not widths:
        return list(range(len(widths)))
    shown: list[int] = []
    for k in range(len(widths)):
        i = (start + k) % len(widths)
        if shown and widths[i] > room:
            break
        shown.append(i)
        room -= widths[i]
    return sorted(shown)


def short_name(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters, telling similar names apart.

    Every word but the last becomes an initial first (``Manchester United`` -> ``M. United``,
    ``Manchester City`` -> ``M. City``): the last word is the one that tells clubs of one city
    apart, so it is kept, cut if it must be while four letters of it still fit
    (``M. Unit…``); else the name itself is cut (``1. FC K…``).
    """
    if len(name) <= width:
        return name
    words = name.split()
    if len(words) > 1:
        prefix = " ".join(f"{w[0]}." for w in words[:-1]) + " "
        if len(prefix) + min(len(words[-1]), 4) + 1 <= width:
            return cut(prefix + words[-1], width)
    return cut(name, width)


def team_tag(name: str, width: int) -> str:
    """A team in ``width`` characters or fewer where even initials do not fit: its last word
    of three letters or more (the one that tells ``Manchester City`` from ``Manchester
    United``; ``Mainz`` in ``FSV Mainz 05``), cut without an ellipsis."""
    words = [w for w in name.split() if len(w) >= 3 and not w.isdigit()]
    return (words[-1] if words else name)[:width]


def fitting(texts: list[str], width: int) -> str:
    """The first of ``texts`` (fullest first) that fits in ``width`` columns, else the last cut
    to it: a title that stays on its one line."""
    return next((t for t in texts if len(t) <= width), cut(texts[-1], width))


def cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (advice, league names)."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
