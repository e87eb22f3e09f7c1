"""Offline state machine: reasons, resumes, probe backoff, incidents, the public function."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oddsmon.clock import FakeClock
from oddsmon.config import Settings, SupervisionSettings
from oddsmon.offline import OfflineMachine
from oddsmon.store import Store
from tests.stores import sqlite_backend

MIDNIGHT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def machine(store: Store, clock: FakeClock) -> OfflineMachine:
    return OfflineMachine(store, clock, SupervisionSettings(probe_min_s=5, probe_max_s=60))


def next_probe(m: OfflineMachine) -> datetime:
    """The next probe slot, which the test expects set (an outage is on)."""
    at = m.state().next_probe_at
    assert at is not None, "no probe planned"
    return at


def slots(m: OfflineMachine, clock: FakeClock, until: datetime, other: OfflineMachine | None = None) -> list[datetime]:
    """Every quota probe slot up to ``until``, each claimed by ``m`` and finding no quota."""
    taken = []
    while (at := m.view().next_probe_at) is not None and at <= until:
        clock.set(at)
        assert m.claim_quota_probe()
        assert other is None or not other.claim_quota_probe()  # one process probes each slot
        assert not m.quota_probe_result(0, reserve=10)
        taken.append(clock.now())
    return taken


def test_quota_outage_is_probed_from_exhaustion_with_a_bounded_backoff(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    other = machine(Store.open(sqlite_backend(store).path), clock)  # a second process on the same file
    start = clock.now()
    assert m.go_offline("quota", "daily quota exhausted")
    view = m.view()
    assert view.offline and view.reason == "quota"
    assert view.next_probe_at == start + timedelta(seconds=5)  # probe_min_s: not the presumed reset
    assert view.resume_at == MIDNIGHT  # the resume shown: the expected reset (presumed)
    assert not m.claim_quota_probe()  # not yet
    taken = slots(m, clock, start + timedelta(hours=6), other)
    waits = [(b - a).total_seconds() for a, b in itertools.pairwise([start, *taken])]
    assert waits[:6] == [5, 5, 10, 20, 40, 80]  # the wait doubles with the outage's age ...
    assert max(waits) == 1800 and waits[-3:] == [1800] * 3  # ... up to quota_probe_s
    assert m.gate() == "quota"
    assert not m.quota_probe_result(10, reserve=10)  # at the reserve is not enough
    clock.set(next_probe(m))
    assert m.claim_quota_probe()
    assert m.quota_probe_result(97, reserve=10)
    assert not m.state().offline and "97 calls left" in (m.state().detail or "")
    assert not m.quota_probe_result(97, reserve=10)  # only once


def test_the_expected_reset_is_probed_and_short_waits_start_again(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("quota")
    taken = slots(m, clock, MIDNIGHT + timedelta(minutes=30))
    # 00:00 UTC is presumed: a probe goes out 10 s after it, whatever the backoff had reached.
    assert MIDNIGHT + timedelta(seconds=10) in taken
    after = [t for t in taken if t > MIDNIGHT]
    waits = [(b - a).total_seconds() for a, b in itertools.pairwise(after)]
    assert waits[:4] == [5, 5, 10, 20]


def test_past_the_expected_reset_the_resume_shown_is_the_next_probe(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("quota")
    slots(m, clock, MIDNIGHT + timedelta(minutes=5))  # the presumed reset came: no quota back
    view = m.view()
    assert view.resume_at is not None and view.resume_at == view.next_probe_at
    assert MIDNIGHT < view.resume_at <= MIDNIGHT + timedelta(minutes=10)


def test_learned_reset_time_of_day_is_probed_at(store: Store, clock: FakeClock) -> None:
    at_0300 = MIDNIGHT + timedelta(hours=3)
    clock.set(at_0300)
    store.ledger.observe(clock.now(), 100, 0, None, None)
    clock.advance(1800)  # 03:30: the counter fell (used 100 -> 0)
    store.ledger.observe(clock.now(), 100, 100, None, None)
    assert Store.open(sqlite_backend(store).path).ledger.quota().reset_basis == "observed 03:30 UTC"  # kept in the store
    m = machine(store, clock)
    clock.set(MIDNIGHT + timedelta(days=1, hours=1))  # exhausted at 01:00, before the reset
    assert m.go_offline("quota")
    taken = slots(m, clock, MIDNIGHT + timedelta(days=1, hours=3, minutes=31))
    assert MIDNIGHT + timedelta(days=1, hours=3, minutes=30, seconds=10) in taken


def test_rapidapi_reset_header_is_exact_and_probed_at(store: Store, clock: FakeClock) -> None:
    # 09:00 UTC + 5 h 12 min 30 s: the gateway's day turns at 14:12:30 UTC.
    store.ledger.observe(clock.now(), 100, 0, None, None, reset_in_s=5 * 3600 + 12 * 60 + 30)
    quota = store.ledger.quota()
    assert quota.reset_basis == "header 14:12 UTC" and quota.reset_offset_s == 14 * 3600 + 12 * 60 + 30
    m = machine(store, clock)
    m.go_offline("quota")
    reset = clock.now() + timedelta(hours=5, minutes=12, seconds=30)
    assert reset + timedelta(seconds=10) in slots(m, clock, reset + timedelta(minutes=1))
    # A monthly plan's header (further off than a day) says nothing of the daily reset.
    store.ledger.observe(clock.now(), 100, 0, None, None, reset_in_s=20 * 86400)
    assert store.ledger.quota().reset_basis == "header 14:12 UTC"


def test_a_fall_seen_after_a_long_gap_teaches_nothing(store: Store, clock: FakeClock) -> None:
    store.ledger.observe(clock.now(), 100, 0, None, None)
    clock.advance(6 * 3600)  # it fell somewhen in these six hours: no time of day to learn
    store.ledger.observe(clock.now(), 100, 100, None, None)
    assert store.ledger.quota().reset_basis == "presumed 00:00 UTC"


def test_manual_offline_during_quota_keeps_the_probes(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("quota")
    slot = next_probe(m)
    assert m.go_offline("user", "runbook 3.2")
    view = m.view()
    assert (view.reason, view.resume_at, view.next_probe_at) == ("user", MIDNIGHT, slot)
    clock.set(slot)
    assert m.claim_quota_probe()
    assert m.quota_probe_result(90, reserve=10)


def test_manual_offline_while_online_never_resumes_alone(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("user")
    clock.advance(10 * 86400)
    assert not m.claim_quota_probe()
    assert not m.quota_probe_result(90, reserve=10)
    assert m.gate() == "user"
    assert m.go_online()
    assert m.gate() is None


def test_first_outage_reason_wins_but_user_takes_over(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("network", "connection refused")
    assert not m.go_offline("quota")
    assert m.view().reason == "network"
    assert m.go_offline("user")
    assert m.view().reason == "user"


def test_probe_backoff_doubles_up_to_the_cap_and_one_process_probes(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    other = machine(Store.open(sqlite_backend(store).path), clock)  # a second process on the same file
    m.go_offline("network")
    assert not m.claim_probe()  # first probe only after probe_min_s
    waits = []
    for _ in range(6):
        clock.set(next_probe(m))
        assert m.claim_probe()
        assert not other.claim_probe()  # the slot is taken
        m.probe_result(False, "refused")
        waits.append((next_probe(m) - clock.now()).total_seconds())
    # Full jitter under a cap that doubles (10, 20, 40, then 60), never below probe_min_s.
    caps = [10, 20, 40, 60, 60, 60]
    assert all(5 <= w <= cap for w, cap in zip(waits, caps, strict=False)), waits
    assert waits != caps  # jittered, not the caps themselves
    clock.set(next_probe(m))
    assert other.claim_probe()
    assert other.probe_result(True)
    assert m.gate() is None


def test_a_refused_key_is_an_outage_of_its_own_ended_by_a_probe(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    other = machine(Store.open(sqlite_backend(store).path), clock)
    assert m.go_offline("key", "API key rejected by the provider: Error/Missing application key.")
    view = other.view()  # every process sees it
    assert (view.offline, view.reason) == (True, "key") and other.gate() == "key"
    assert view.resume_at is None and view.next_probe_at == clock.now() + timedelta(seconds=5)
    assert not m.go_offline("network") and not m.go_offline("quota")  # nothing replaces it
    assert not m.go_offline("user") and m.view().reason == "key"
    waits = []
    for _ in range(5):
        clock.set(next_probe(m))
        assert m.claim_probe() and not other.claim_probe()
        assert not m.probe_result(False, "probe failed: cannot reach the API", "network")
        waits.append((next_probe(m) - clock.now()).total_seconds())
    assert all(5 <= w <= cap for w, cap in zip(waits, [10, 20, 40, 60, 60], strict=True)), waits
    # Its probes failing for another reason do not hide what is wrong.
    assert m.view().detail == "API key rejected by the provider: Error/Missing application key."
    clock.set(next_probe(m))
    assert m.claim_probe()
    assert m.probe_result(True)  # the key was rotated: /status answers
    assert m.gate() is None and m.state().detail == "key probe succeeded"
    incident = store.incidents.recent(1)[0]
    assert incident.reason == "key" and not incident.open


def test_a_refused_key_takes_over_any_other_outage(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    for first in ("network", "quota", "user"):
        m.go_offline(first)
        assert m.go_offline("key", "account refused by the provider: Your account is suspended")
        assert m.view().reason == "key" and m.view().resume_at is None
        assert m.go_online("key rotated, resumed by hand")  # a person may end it
    assert [t[2] for t in store.state.transitions()][::-1] == [
        "network", "key", None, "quota", "key", None, "user", "key", None]


def test_a_probe_the_provider_refuses_is_a_key_outage_whatever_the_state(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    assert not m.probe_result(False, "probe failed: API key rejected (HTTP 401)", "key")  # online (--check --probe)
    assert m.view().reason == "key" and m.state().probe_failures == 1
    m.go_online()
    m.go_offline("network", "connection refused")
    clock.set(next_probe(m))
    assert m.claim_probe()
    m.probe_result(False, "probe failed: API key rejected (HTTP 403)", "key")  # the network is back
    assert m.view().reason == "key" and m.view().detail == "probe failed: API key rejected (HTTP 403)"
    m.probe_result(False, "probe failed: connection refused")  # a later probe meets the network
    assert m.view().reason == "key" and m.view().detail == "probe failed: API key rejected (HTTP 403)"


def test_incident_opened_and_closed_with_actions(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("network", "connection refused")
    with store.db.write() as tx:
        store.incidents.act_in(tx, clock.now(), "note", "contacted support")
    clock.advance(300)
    m.go_offline("user")
    clock.advance(60)
    m.go_online("manual resume")
    incident = store.incidents.recent(1)[0]
    assert incident.reason == "network" and not incident.open
    assert incident.closed_at is not None and incident.closed_at - incident.opened_at == timedelta(seconds=360)
    kinds = [a.kind for a in incident.actions]
    assert kinds == ["transition", "note", "transition", "transition"]
    assert "contacted support" in incident.actions[1].text
    assert store.incidents.current() is None


def test_note_quota_goes_offline_at_or_below_the_reserve(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    assert not m.note_quota(6, reserve=5)
    assert not m.note_quota(None, reserve=5)
    assert m.note_quota(5, reserve=5)
    assert m.view().reason == "quota"


def test_is_offline_mode_is_true_in_every_process(tmp_path: Path, clock: FakeClock) -> None:
    cfg = tmp_path / "o.toml"
    db = tmp_path / "shared.db"
    cfg.write_text(f'[paths]\ndb = "{db}"\n')
    probe = [sys.executable, "-c", f"import oddsmon; print(oddsmon.is_offline_mode({str(cfg)!r}))"]
    assert subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == "False"
    store = Store.open(db)
    OfflineMachine(store, FakeClock(), Settings().supervision).go_offline("user")
    assert subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip() == "True"
    # A refused key is offline too, and says why apart from user, network and quota.
    OfflineMachine(store, FakeClock(), Settings().supervision).go_offline("key", "refused")
    why = [sys.executable, "-c", "import oddsmon; "
           f"print(oddsmon.is_offline_mode({str(cfg)!r}), oddsmon.offline_reason({str(cfg)!r}))"]
    assert subprocess.run(why, capture_output=True, text=True, check=True).stdout.strip() == "True key"
    store.close()


def test_importing_the_package_loads_nothing_until_is_offline_mode_is_used() -> None:
    """``import oddsmon`` from a script is cheap: the store and the state machine load on the
    first call of ``is_offline_mode`` only."""
    code = ("import sys, oddsmon; print(sorted(m for m in sys.modules if m.startswith('oddsmon')));"
            "oddsmon.is_offline_mode; print('oddsmon.offline' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["['oddsmon']", "True"]
