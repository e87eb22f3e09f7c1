"""The collector's pure parts and store records: live odds parsing, the plan, the budget, the
closing price, the lease, and the WARNING for a collector gone quiet."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oddsmon.budget import budget_day, daily_budget, left_today
from oddsmon.clock import FakeClock
from oddsmon.collect.scheduler import Cadence, Known, Watched, live_every, plan
from oddsmon.config import ConfigError, load_file
from oddsmon.domain.models import ParseError, parse_live_odds
from oddsmon.store import CollectorStatus, Store
from oddsmon.supervision.metrics import collect

from ..samples import SAMPLES

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CADENCE = Cadence(fixtures_s=86400, odds_s=3 * 3600, bookmakers_s=86400, live_s=60,
                  live_fixtures_s=60, closing_window=timedelta(hours=1))


def live_sample() -> list[object]:
    return json.loads((SAMPLES / "odds_live__official_docs_fixture721238.json").read_text())["response"]


def test_live_odds_from_the_docs_sample_keep_lines_main_and_suspension() -> None:
    [live] = parse_live_odds(live_sample())
    st = live.status
    assert (live.fixture_id, st.elapsed, st.goals_home, st.goals_away) == (721238, 62, 1, 0)
    assert (st.status_long, st.stopped, st.finished) == ("Second Half", False, False)
    ah = next(b for b in live.bets if b.id == 33)
    main = [v for v in ah.values if v.main]
    assert [(v.label, v.handicap, v.price) for v in main] == [("Home", "-1", 2.05), ("Away", "1", 1.8)]
    scorer = {v.label: v for v in next(b for b in live.bets if b.id == 63).values}
    # Suspended with odd "0": kept, without a price; its neighbours keep theirs.
    assert scorer["Correa Caio Canedo"].suspended and scorer["Correa Caio Canedo"].price is None
    assert not scorer["Mahmood Al Mawas"].suspended and scorer["Mahmood Al Mawas"].price == 9.0
    # Live bet 59 is "Fulltime Result": its own id space, not the pre-match /odds/bets one.
    assert next(b for b in live.bets if b.id == 59).name == "Fulltime Result"


def test_live_odds_with_a_broken_structure_name_the_path() -> None:
    item = live_sample()[0]
    with pytest.raises(ParseError, match=r"response\[0\]\.odds\[0\]\.id"):
        parse_live_odds([{**item, "odds": [{"name": "x", "values": []}]}])  # type: ignore[dict-item]


def known(fixtures: list[Watched], **kw: object) -> Known:
    base: dict[str, object] = dict(now=NOW, leagues=(39,), fixtures=fixtures, in_play=frozenset(),
                                   live_list_at=None, fetched={("fixtures", 39): NOW, ("odds", 39): NOW,
                                                               ("bookmakers", None): NOW})
    base.update(kw)
    return Known(**base)  # type: ignore[arg-type]


def test_the_closing_price_goes_first_and_its_calls_are_kept_back() -> None:
    soon = Watched(1, 39, NOW + timedelta(minutes=8), "NS", False)
    tonight = [Watched(i, 39, NOW + timedelta(hours=5 + i), "NS", False) for i in (2, 3)]
    stale = known([soon, *tonight], fetched={("fixtures", 39): NOW - timedelta(days=2)})
    # Three calls left: one closing now, two kept for tonight's closes: the fixtures refresh waits.
    p = plan(stale, CADENCE, left=3, routine_left=10)
    assert [t.label for t in p.tasks] == ["closing 1"]
    assert p.kept_back == 2 and {t.kind for t in p.deferred} >= {"fixtures", "odds"}
    # A close already observed within the window is not fetched again.
    seen = known([soon], seen_before_kickoff={1: NOW - timedelta(minutes=5)})
    assert all(t.kind != "closing" for t in plan(seen, CADENCE, 10, 10).tasks)
    # The close goes out late, ten minutes before kickoff: the last price, with cycles to spare.
    early = known([Watched(1, 39, NOW + timedelta(minutes=40), "NS", False)])
    p = plan(early, CADENCE, 10, 10)
    assert all(t.kind != "closing" for t in p.tasks) and p.kept_back == 1
    assert p.next_due == NOW + timedelta(minutes=30)


def test_names_of_fixtures_beyond_the_window_go_last_a_batch_a_call_within_the_routine_share() -> None:
    tomorrow = Watched(1, 39, NOW + timedelta(hours=20), "NS", False)
    batches = known([tomorrow], unnamed=(1380100, 1380120, 1380140))
    assert [t.label for t in plan(batches, CADENCE, 40, 20).tasks] == [
        "prediction 1", "names 1380100", "names 1380120", "names 1380140"]
    # The routine share spent: the names wait (for the next quota day), nothing else is dropped.
    tight = plan(batches, CADENCE, 40, 2)
    assert [t.label for t in tight.tasks] == ["prediction 1", "names 1380100"]
    assert [t.label for t in tight.deferred] == ["names 1380120", "names 1380140"]


def test_odds_cost_what_their_route_takes_and_nothing_at_hand_costs_nothing() -> None:
    tomorrow = [Watched(i, lg, NOW + timedelta(hours=20), "NS", False) for i, lg in ((1, 39), (2, 61))]
    # Due (fetched a day ago): 39 by league page (3 pages), 61 fixture by fixture (2 at hand),
    # 140 by fixture with none at hand: no task, nothing kept for it.
    stale: dict[tuple[str, int | None], datetime] = {
        (kind, lg): NOW - timedelta(days=1) for kind in ("fixtures", "odds") for lg in (39, 61, 140)}
    due = known(tomorrow, leagues=(39, 61, 140), fetched={**stale, ("bookmakers", None): NOW},
                odds_pages={39: 3, 61: 2, 140: 0})
    tasks = plan(due, CADENCE, 40, 40).tasks
    assert [(t.label, t.cost) for t in tasks if t.kind == "odds"] == [("odds 39", 3), ("odds 61", 2)]


def test_live_odds_go_out_only_on_a_fresh_live_list() -> None:
    playing = Watched(1, 39, NOW - timedelta(minutes=30), "1H", False)
    no_list = plan(known([playing]), CADENCE, 40, 20)
    assert [t.kind for t in no_list.tasks] == ["live_fixtures"]
    fresh = known([playing], in_play=frozenset({1}), live_list_at=NOW,
                  fetched={("live_fixtures", None): NOW, ("fixtures", 39): NOW, ("odds", 39): NOW,
                           ("bookmakers", None): NOW})
    assert [t.label for t in plan(fresh, CADENCE, 40, 20).tasks] == ["live 39"]
    # Out of the list fetched after kickoff: it is over, nothing in play is asked for.
    over = known([playing], live_list_at=NOW - timedelta(seconds=10),
                 fetched={("live_fixtures", None): NOW - timedelta(seconds=10), ("fixtures", 39): NOW,
                          ("odds", 39): NOW, ("bookmakers", None): NOW})
    assert plan(over, CADENCE, 40, 20).tasks == ()


def test_the_live_cadence_stretches_to_fit_the_budget() -> None:
    assert live_every(60, NOW, left=10_000, calls_per_round=2) == 60
    # 12 h left today and 24 calls: a round of 2 calls every hour.
    assert live_every(60, NOW, left=24, calls_per_round=2) == 3600


# 03:30 in UTC, Europe/Paris and America/New_York on NOW's date, as seconds after 00:00 UTC:
# the ledger keeps the provider's reset so.
RESETS = {"UTC": 3 * 3600 + 1800, "Europe/Paris": 2 * 3600 + 1800, "America/New_York": 8 * 3600 + 1800}
DAY = NOW.replace(hour=0)


@pytest.mark.parametrize("zone", RESETS)
@pytest.mark.parametrize(("at", "before_reset"), [
    (DAY + timedelta(minutes=5), True),  # just after 00:00 UTC
    (DAY + timedelta(hours=1), True),  # before every one of the three resets
    (DAY + timedelta(hours=9), False),  # after every one of them
    (DAY + timedelta(hours=18), False),
])
def test_the_budget_day_is_the_providers_quota_day(zone: str, at: datetime, before_reset: bool) -> None:
    offset = RESETS[zone]
    reset = DAY + timedelta(seconds=offset)
    # Just after midnight the quota day is still yesterday's until the provider's reset.
    assert budget_day(at, offset) == (DAY.date() - timedelta(days=1) if before_reset else DAY.date())
    assert budget_day(at, 0) == at.date()  # presumed 00:00 UTC: the calendar day
    # In-play rounds stretch over what is left until the reset, not until midnight.
    day_ends = reset if before_reset else reset + timedelta(days=1)
    left_s = (day_ends - at).total_seconds()
    assert live_every(60, at, left=10, calls_per_round=2, reset_offset_s=offset) == max(60, left_s / 10 * 2)
    # Calls are kept back for the closes still to come before the reset, not before midnight.
    before = Watched(1, 39, day_ends - timedelta(minutes=30), "NS", False)
    after = Watched(2, 39, day_ends + timedelta(minutes=30), "NS", False)
    p = plan(known([before, after], now=at, reset_offset_s=offset), CADENCE, 10, 10)
    assert p.kept_back == 1


def test_the_budget_is_half_of_what_the_plan_leaves_and_never_the_reserve() -> None:
    assert daily_budget(0, 100, 10) == 45
    assert daily_budget(5, 100, 10) == 5
    assert daily_budget(0, None, 10) is None
    assert left_today(45, 40, remaining=100, reserve=10) == 5
    assert left_today(45, 0, remaining=12, reserve=10) == 2  # analysts spent the rest
    assert left_today(45, 0, remaining=8, reserve=10) == 0


def test_closing_is_the_last_price_before_kickoff(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "o.db")
    kickoff = NOW + timedelta(hours=2)
    try:
        for at, price in ((NOW - timedelta(days=1), 2.10), (kickoff - timedelta(minutes=30), 1.95),
                          (kickoff + timedelta(minutes=1), 1.50)):
            store.history.record(at, [(7, 8, 1, "Home", price)])
            store.history.note_seen(at, [(7, kickoff)])
        assert store.history.closing([7]) == {(7, 8, 1, "Home"): 1.95}
        assert store.history.closing_seen([7]) == {7: (kickoff, kickoff - timedelta(minutes=30))}
        assert store.history.openings(1, [7]) == {(7, 8, "Home"): 2.10}
    finally:
        store.close()


def test_a_lease_held_by_a_live_process_is_kept_and_a_dead_ones_taken(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "o.db")
    try:
        assert store.collector.acquire("collector", NOW, 300, pid=1) is None  # pid 1 is alive
        held = store.collector.acquire("collector", NOW, 300, pid=2)
        assert held is not None and held.pid == 1
        # Silent for longer than the stale limit: taken over.
        assert store.collector.acquire("collector", NOW + timedelta(seconds=301), 300, pid=2) is None
        # A holder whose process is gone loses it at once.
        store.collector.release("collector", pid=2)
        assert store.collector.acquire("collector", NOW, 300, pid=2 ** 22 + 12345) is None
        assert store.collector.acquire("collector", NOW, 300, pid=2) is None
    finally:
        store.close()


def test_a_collector_silent_for_twice_its_interval_is_a_warning(tmp_path: Path, settings: object) -> None:
    from oddsmon.config import Settings

    assert isinstance(settings, Settings)
    store = Store.open(settings.paths.db)
    clock = FakeClock(NOW)
    try:
        store.collector.acquire("collector", NOW, 300, pid=1)
        store.collector.set_status(CollectorStatus(1, 60.0, NOW, NOW + timedelta(minutes=1)))
        clock.advance(119)
        snap = collect(store, settings, clock)
        assert snap.status.label == "OK" and snap.collector is not None and snap.collector.running
        clock.advance(2)
        snap = collect(store, settings, clock)
        assert snap.status.label == "WARNING" and "has not cycled" in snap.status.summary
    finally:
        store.close()


def test_collect_and_alerts_config_is_validated_with_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "oddsmon.toml"
    path.write_text("[collect]\ninterval_s = 60\ndaily_budget = -1\n")
    with pytest.raises(ConfigError, match=r"oddsmon.toml:3: collect.daily_budget: must be at least 0"):
        load_file(path)
    path.write_text("[alerts]\nmode_changes = \"yes\"\n")
    with pytest.raises(ConfigError, match=r":2: alerts.mode_changes: expected true or false"):
        load_file(path)
    path.write_text("[alerts]\nwebhook_url = \"slack\"\n")
    with pytest.raises(ConfigError, match=r"alerts.webhook_url: expected an http\(s\) URL"):
        load_file(path)


def test_a_cycle_that_met_an_outage_says_so_rather_than_nothing_due() -> None:
    from datetime import UTC, datetime

    from oddsmon.collect.runner import CycleReport
    from oddsmon.collect.scheduler import Task

    at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    met = CycleReport(at, offline="network", budget=45, left=44,
                      ran=[(Task("fixtures", 39, 1), 1, "network"), (Task("odds", 39, 1), 0, "cannot reach the API")])
    assert met.summary() == ("1 counted call(s) (fixtures 1); 44 left of a budget of 45 today; 0 deferred; "
                             "went offline (network) at odds 39: the rest waits for the resume")
    assert CycleReport(at, offline="quota").summary() == "offline (quota): nothing sent"
    assert "nothing due" in CycleReport(at, budget=45, left=45).summary()
