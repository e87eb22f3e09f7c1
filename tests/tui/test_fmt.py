"""The pure helpers behind what the screens print (no app needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from oddsmon.engine.service import Provenance
from oddsmon.offline import ModeView
from oddsmon.tui import fmt
from oddsmon.tui.odds import margin_text
from oddsmon.tui.sidebar import mode_lines

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_times_are_shown_in_the_configured_zone() -> None:
    assert fmt.clock_time(NOW, PARIS) == "10:00:00"
    assert fmt.short_time(NOW + timedelta(hours=3), PARIS, NOW) == "13:00"
    assert fmt.short_time(NOW + timedelta(days=1), PARIS, NOW) == "Wed 10:00"
    assert fmt.stamp(NOW + timedelta(days=1), PARIS, NOW) == "Wed 25 10:00:00"
    assert fmt.clock_time(None, PARIS) == "—"


def test_today_says_today_and_times_carry_their_zone() -> None:
    assert fmt.kickoff(NOW + timedelta(hours=3), PARIS, NOW) == "today 13:00"
    assert fmt.kickoff(NOW + timedelta(days=1), PARIS, NOW) == "Wed 10:00"
    assert fmt.stamp_zone(NOW, PARIS, NOW) == "10:00:00 CET"
    assert fmt.stamp_zone(NOW + timedelta(days=200), PARIS, NOW) == "Sat 12 11:00:00 CEST"
    assert fmt.stamp_zone(NOW, ZoneInfo("UTC"), NOW) == "09:00:00 UTC"


def test_names_shrink_only_when_they_must_and_stay_apart() -> None:
    from oddsmon.tui.columns import Column, fitting, layout, rotating, short_name, team_tag

    assert short_name("Borussia Mönchengladbach", 30) == "Borussia Mönchengladbach"
    assert short_name("Manchester United", 9) == "M. United"
    assert short_name("Manchester City", 9) == "M. City"
    assert short_name("Manchester United", 8) == "M. Unit…"
    assert short_name("Chelsea", 5) == "Chel…"
    # Narrower still, a tag of each team: the word that tells clubs of one city apart.
    assert [team_tag(n, 4) for n in ("Manchester City", "Manchester United", "FSV Mainz 05", "Lens")] == \
        ["City", "Unit", "Main", "Lens"]
    # A title on one line: the fullest wording that fits, else the shortest cut.
    assert fitting(["Match Winner · Premier League", "Match Winner"], 20) == "Match Winner"
    assert fitting(["Match Winner · Premier League", "Match Winner"], 40) == "Match Winner · Premier League"
    assert fitting(["Match Winner · Premier League", "Match Winner"], 8) == "Match W…"
    cols = (Column("a", "A", 10), Column("b", "B", share=2), Column("c", "C", share=1),
            Column("d", "D", 5, wide_from=100))
    assert [(c.key, w) for c, w in layout(cols, 70)] == [("a", 10), ("b", 40), ("c", 20)]
    assert [(c.key, w) for c, w in layout(cols, 130)] == [("a", 10), ("b", 76), ("c", 38), ("d", 5)]
    # Columns that cannot all show come a few at a time, round the list, at least one.
    assert rotating([10, 7, 7, 8], 40, 0) == [0, 1, 2, 3]
    assert rotating([10, 7, 7, 8], 19, 0) == [0, 1]
    assert rotating([10, 7, 7, 8], 19, 2) == [2, 3]
    assert rotating([10, 7, 7, 8], 19, 3) == [0, 3]  # Value/pred, then at again
    assert rotating([10, 7, 7, 8], 5, 1) == [1]


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
    assert fmt.provenance_line(live, PARIS, NOW) == "live 10:00:00 CET"  # a time says its zone
    cached = Provenance("cache", NOW, 300.0, True, "quota")
    assert fmt.provenance_line(cached, PARIS, NOW + timedelta(minutes=5)) == \
        "cache 5m 00s old, stale · offline (quota)"
    never = Provenance("none", None, None, False, "user")
    assert fmt.provenance_line(never, PARIS, NOW) == "never cached · offline (user)"
    assert fmt.page_age(never, NOW) == "never cached"
    assert fmt.page_age(None, NOW) == "loading"


class _Snap:
    def __init__(self, mode: ModeView, basis: str = "presumed 00:00 UTC") -> None:
        self.mode = mode
        self.quota_reset_basis = basis
        self.store_copy_at = None  # a team's server answering (or one host's store)


def test_sidebar_mode_lines_for_each_reason() -> None:
    base = ModeView(offline=True, reason="quota", since=NOW, resume_at=NOW + timedelta(hours=15),
                    seconds_to_resume=None, detail=None, next_probe_at=None, last_probe_at=None,
                    last_probe_ok=None, probe_failures=0)
    quota = mode_lines(_Snap(base), PARIS, NOW, "f")  # type: ignore[arg-type]
    # The sidebar's times sit under the line that names their zone; the reset and its basis last.
    reset = ["reset   00:00 UTC", "        presumed"]
    assert quota == ["times   CET", "reason  quota", "since   10:00:00", "resumes Wed 01:00",
                     "in      15:00:00", *reset]
    network = mode_lines(_Snap(replace(base, reason="network", resume_at=None,  # type: ignore[arg-type]
                                       next_probe_at=NOW + timedelta(seconds=20))), PARIS, NOW, "f")
    assert network[3:5] == ["resumes on probe", "probe   10:00:20"]
    user = mode_lines(_Snap(replace(base, reason="user", resume_at=None)), PARIS, NOW, "f")  # type: ignore[arg-type]
    assert user[3:4] == ["resumes press f"]
    online = mode_lines(_Snap(replace(base, offline=False, reason=None), "observed 03:30 UTC"),  # type: ignore[arg-type]
                        PARIS, NOW, "f")
    assert online == ["times   CET", "since   10:00:00", "reset   03:30 UTC", "        observed"]
    never = mode_lines(_Snap(replace(base, offline=False, reason=None, since=None)), PARIS, NOW, "f")  # type: ignore[arg-type]
    assert never == ["times   CET", "never offline", *reset]

