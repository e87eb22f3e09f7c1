"""Pure text formatting for the screens: times in the configured zone, ages, countdowns.

Times are stored and passed around as aware UTC datetimes; only these helpers turn them into
what a person reads, always in ``settings.watch.timezone``. No Textual here, so it is cheap to
unit-test.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..alerts import Alert
    from ..engine.service import Provenance


def clock_time(when: datetime | None, tz: tzinfo) -> str:
    """``HH:MM:SS`` in ``tz``; an em dash for no time."""
    if when is None:
        return "—"
    return when.astimezone(tz).strftime("%H:%M:%S")


def short_time(when: datetime | None, tz: tzinfo, now: datetime) -> str:
    """``HH:MM`` when ``when`` falls on the same local day as ``now``, else ``Wed 21:00``.

    The weekday is enough: the screens show a window of a few days around today.
    """
    if when is None:
        return "—"
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %H:%M")


def stamp(when: datetime | None, tz: tzinfo, now: datetime) -> str:
    """``HH:MM:SS`` today, ``Wed 25 21:00:05`` on another day."""
    if when is None:
        return "—"
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%a %d %H:%M:%S")


def countdown(seconds: float | None) -> str:
    """A live countdown: ``14:47:57``, ``2d 03:04:05``; an em dash for none."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock


def age(seconds: float | None) -> str:
    """How old something is, coarsely: ``12s``, ``3m 12s``, ``2h 05m``, ``3d 4h``."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m {total % 60:02d}s"
    if total < 86400:
        return f"{total // 3600}h {total % 3600 // 60:02d}m"
    return f"{total // 86400}d {total % 86400 // 3600}h"


def percent(fraction: float | None, digits: int = 0) -> str:
    """``0.4512 -> "45%"`` (or with ``digits``); an em dash for None."""
    if fraction is None:
        return "—"
    return f"{fraction * 100:.{digits}f}%"


def size(num_bytes: int | None) -> str:
    """``1.2 MB``-style sizes (decimal units, as ``ls -h --si``)."""
    if num_bytes is None:
        return "—"
    value = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - loop always returns


def text_bar(value: int | None, total: int | None, width: int) -> str:
    """A bar drawn with characters (readable without colour): ``███████░░░``."""
    if value is None or not total or width <= 0:
        return "░" * max(0, width)
    filled = round(width * max(0, min(value, total)) / total)
    return "█" * filled + "░" * (width - filled)


def provenance_line(prov: Provenance | None, tz: tzinfo, now: datetime) -> str:
    """Where a page came from and how old it is, short enough for one line at 80 columns:
    ``live 10:00:00 CET``, ``cache 3m 12s old, stale · offline (user)``, ``never cached``."""
    if prov is None:
        return "loading…"
    if prov.source == "none":
        text = "never cached"
    elif prov.source == "live":
        text = f"live {stamp_zone(prov.fetched_at, tz, now)}"
    else:
        old = age(None if prov.fetched_at is None else (now - prov.fetched_at).total_seconds())
        text = f"cache {old} old"
        if prov.stale:
            text += ", stale"
    if prov.offline_reason:
        text += f" · offline ({prov.offline_reason})"
    if prov.missing and prov.source != "none":
        text += f" · {len(prov.missing)} part(s) never cached"
    return text


def page_age(prov: Provenance | None, now: datetime) -> str:
    """The sidebar's "age of what this screen shows"."""
    if prov is None:
        return "loading"
    if prov.source == "none" or prov.fetched_at is None:
        return "never cached"
    return age((now - prov.fetched_at).total_seconds())


def zone(when: datetime, tz: tzinfo) -> str:
    """The zone's abbreviation at ``when`` (``CET``, ``CEST``, ``UTC``)."""
    return when.astimezone(tz).strftime("%Z")


def stamp_zone(when: datetime | None, tz: tzinfo, now: datetime) -> str:
    """:func:`stamp` followed by its zone: ``10:02:11 CET``."""
    if when is None:
        return "—"
    return f"{stamp(when, tz, now)} {zone(when, tz)}"


def match_title(home: str, away: str) -> str:
    """``Chelsea – Manchester City``: full names, for messages and titles."""
    return f"{home} – {away}"


def drops_text(drops: Sequence[Alert]) -> str:
    """One match's price drops in one message, each with its market, outcome, bookmaker and
    prices: ``Chelsea v Arsenal: Match Winner Home at Bet365 2.10→1.85 (-11.9%), ...``."""
    parts = [f"{d.market} {d.outcome} at {d.bookmaker} {d.old_price:.2f}→{d.new_price:.2f} "
             f"(-{d.change_pct or 0:.1f}%)"
             for d in sorted(drops, key=lambda d: -(d.change_pct or 0))]  # the largest first
    return f"{drops[0].match}: {', '.join(parts)}"


def kickoff(when: datetime, tz: tzinfo, now: datetime) -> str:
    """``today 21:00``, ``Wed 21:00``: the day always said (the zone is in the column title)."""
    local = when.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("today %H:%M")
    return local.strftime("%a %H:%M")
