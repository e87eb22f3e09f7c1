"""``python -m tests.perf --only h`` updates docs/performance.md group by group: the groups it ran
replace theirs, every other group's rows, notes and targets stay, each group saying when it was
measured (a full ``make bench`` no longer fits a working session, so groups are run apart)."""

from __future__ import annotations

from tests.perf.__main__ import Kept, markdown
from tests.perf.common import Row


def _info(day: str) -> dict[str, str]:
    return {"date": day, "clock": "2026-12-06 09:00 UTC", "cpu": "cpu", "cores": "2",
            "python": "CPython 3.11", "os": "Linux", "sqlite": "3.40"}


def test_a_run_of_one_group_keeps_the_others_with_their_dates() -> None:
    first = markdown([Row("a", "cache hit", 35.0, "us", "floor", 12.0, runs=15, note="warm"),
                      Row("h", "Odds switch", 607.0, "ms", "15 fixtures", 291.0, target="<= 0.1 s",
                          met=False, runs=5, note="quiet")],
                     _info("2026-12-01 08:05 UTC"), {}, 528.0)
    second = markdown([Row("h", "Odds switch", 90.0, "ms", "15 fixtures", 60.0, target="<= 0.1 s",
                           met=True, runs=5)],
                      _info("2026-12-07 13:40 UTC"), {}, 400.0, Kept(first, ["h"]))
    lines = second.splitlines()
    assert "- (a) measured on 2026-12-01 08:05 UTC on cpu, 2 cores" in lines
    assert "- (h) measured on 2026-12-07 13:40 UTC on cpu, 2 cores" in lines
    assert "groups h only" in second
    # a's row and note stay; h's are the new ones only.
    assert [line for line in lines if line.startswith("| a |")] == [
        line for line in first.splitlines() if line.startswith("| a |")]
    assert [line.split(" | ")[2] for line in lines if line.startswith("| h |")] == ["90.0 ms"]
    assert "- (a) cache hit: warm" in lines and "quiet" not in second
    assert "- met: (h) Odds switch: 90.0 ms, target <= 0.1 s" in lines and "NOT met" not in second
    assert "- every target met" in lines
    # And a third run of a keeps h as the second run left it.
    third = markdown([Row("a", "cache hit", 30.0, "us", "floor", 12.0, runs=15)],
                     _info("2026-12-08 09:00 UTC"), {}, 60.0, Kept(second, ["a"]))
    assert "- (h) measured on 2026-12-07 13:40 UTC on cpu, 2 cores" in third.splitlines()
    assert [line.split(" | ")[2] for line in third.splitlines() if line.startswith("| ")][1:] == ["30.0 µs", "90.0 ms"]
