"""The pure helpers behind what the screens print (no app needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from oddsmon.service import Provenance
from oddsmon.supervision.machine import ModeView
from oddsmon.tui import fmt
from oddsmon.tui.odds import margin_text
from oddsmon.tui.sidebar import mode_lines

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


def test_times_are_shown_in_the_configured_zone() -> None:
    assert fmt.clock_time(NOW, PARIS) == "10:00:00"
    assert fmt.short_time(NOW + timedelta(hours=3), PARIS, NOW) == "13:00"
    assert fmt.short_time(NOW + timedelta(days=1), PARIS, NOW) == "Wed 10:00"
    assert fmt.stamp(NOW + timedelta(days=1), PARIS, NOW) == "Wed 25 10:00:00"
    assert fmt.clock_time(None, PARIS) == "—"


def test_ages_and_countdowns() -> None:
    assert [fmt.age(s) for s in (0, 59, 60, 192, 3600, 7500, 90000)] == \
        ["0s", "59s", "1m 00s", "3m 12s", "1h 00m", "2h 05m", "1d 1h"]
    assert fmt.countdown(15 * 3600) == "15:00:00"
    assert fmt.countdown(2 * 86400 + 61) == "2d 00:01:01"
    assert fmt.countdown(-5) == "00:00:00"


def test_bars_and_sizes_read_without_colour() -> None:
    assert fmt.text_bar(50, 100, 10) == "█████░░░░░"
    assert fmt.text_bar(None, 100, 4) == "░░░░"
    assert fmt.text_bar(0, 500, 4) == "░░░░"
    assert fmt.size(999) == "999 B" and fmt.size(2_100_000) == "2.1 MB"


def test_margin_is_a_percentage_with_two_decimals() -> None:
    assert margin_text(0.0487) == "4.87%"
    assert margin_text(0.085040016) == "8.50%"
    assert margin_text(None) == "—"


def test_provenance_lines() -> None:
    live = Provenance("live", NOW, 0.0, False)
    assert fmt.provenance_line(live, PARIS, NOW) == "live 10:00:00"
    cached = Provenance("cache", NOW, 300.0, True, "quota")
    assert fmt.provenance_line(cached, PARIS, NOW + timedelta(minutes=5)) == \
        "cache 5m 00s old, stale · offline (quota)"
    never = Provenance("none", None, None, False, "user")
    assert fmt.provenance_line(never, PARIS, NOW) == "never cached · offline (user)"
    assert fmt.page_age(never, NOW) == "never cached"
    assert fmt.page_age(None, NOW) == "loading"


class _Snap:
    def __init__(self, mode: ModeView) -> None:
        self.mode = mode


def test_sidebar_mode_lines_for_each_reason() -> None:
    base = ModeView(offline=True, reason="quota", since=NOW, resume_at=NOW + timedelta(hours=15),
                    seconds_to_resume=None, detail=None, next_probe_at=None, last_probe_at=None,
                    last_probe_ok=None, probe_failures=0)
    quota = mode_lines(_Snap(base), PARIS, NOW, "f")  # type: ignore[arg-type]
    assert quota == ["reason  quota", "since   10:00:00", "resumes Wed 01:00", "in      15:00:00"]
    network = mode_lines(_Snap(replace(base, reason="network", resume_at=None,  # type: ignore[arg-type]
                                       next_probe_at=NOW + timedelta(seconds=20))), PARIS, NOW, "f")
    assert network[2:] == ["resumes on probe", "probe   10:00:20"]
    user = mode_lines(_Snap(replace(base, reason="user", resume_at=None)), PARIS, NOW, "f")  # type: ignore[arg-type]
    assert user[2:] == ["resumes key f"]
    online = mode_lines(_Snap(replace(base, offline=False, reason=None)), PARIS, NOW, "f")  # type: ignore[arg-type]
    assert online == ["since   10:00:00"]
