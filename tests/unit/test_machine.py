"""Offline state machine: reasons, resumes, probe backoff, incidents, the public function."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from oddsmon.clock import FakeClock
from oddsmon.config import Settings, SupervisionSettings
from oddsmon.offline import OfflineMachine
from oddsmon.store import Store

MIDNIGHT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def machine(store: Store, clock: FakeClock) -> OfflineMachine:
    return OfflineMachine(store, clock, SupervisionSettings(probe_min_s=5, probe_max_s=60))


def test_quota_outage_ends_on_evidence_not_at_the_presumed_reset(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    assert m.go_offline("quota", "daily quota exhausted")
    view = m.view()
    assert view.offline and view.reason == "quota"
    assert view.resume_at == MIDNIGHT  # presumed: no reset seen yet
    assert view.seconds_to_resume == 15 * 3600
    assert not m.claim_quota_probe()
    clock.set(MIDNIGHT)
    assert m.gate() == "quota"  # the presumed reset alone lets nothing out
    assert m.claim_quota_probe()
    assert not m.claim_quota_probe()  # one process probes each slot
    assert m.view().resume_at == MIDNIGHT + timedelta(seconds=1800)  # the next probe
    assert not m.quota_probe_result(0, reserve=10)  # still exhausted: stays offline
    assert m.gate() == "quota"
    clock.advance(1800)
    assert m.claim_quota_probe()
    assert not m.quota_probe_result(10, reserve=10)  # at the reserve is not enough
    clock.advance(1800)
    assert m.claim_quota_probe()
    assert m.quota_probe_result(97, reserve=10)
    assert not m.state().offline and "97 calls left" in (m.state().detail or "")
    assert not m.quota_probe_result(97, reserve=10)  # only once


def test_learned_reset_time_of_day_becomes_the_presumed_reset(store: Store, clock: FakeClock) -> None:
    at_0300 = MIDNIGHT + timedelta(hours=3)
    clock.set(at_0300)
    store.ledger.observe(clock.now(), 100, 0, None, None)
    clock.advance(1800)  # 03:30: the counter fell (used 100 -> 0)
    store.ledger.observe(clock.now(), 100, 100, None, None)
    quota = store.ledger.quota()
    assert quota.reset_basis == "observed 03:30 UTC"
    m = machine(store, clock)
    clock.advance(3600)
    assert m.go_offline("quota")
    assert m.view().resume_at == MIDNIGHT + timedelta(days=1, hours=3, minutes=30)


def test_a_fall_seen_after_a_long_gap_teaches_nothing(store: Store, clock: FakeClock) -> None:
    store.ledger.observe(clock.now(), 100, 0, None, None)
    clock.advance(6 * 3600)  # it fell somewhen in these six hours: no time of day to learn
    store.ledger.observe(clock.now(), 100, 100, None, None)
    assert store.ledger.quota().reset_basis == "presumed 00:00 UTC"


def test_manual_offline_during_quota_keeps_the_reset(store: Store, clock: FakeClock) -> None:
    m = machine(store, clock)
    m.go_offline("quota")
    assert m.go_offline("user", "runbook 3.2")
    view = m.view()
    assert (view.reason, view.resume_at) == ("user", MIDNIGHT)
    clock.set(MIDNIGHT)
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
    other = machine(Store.open(store.path), clock)  # a second process on the same file
    m.go_offline("network")
    assert not m.claim_probe()  # first probe only after probe_min_s
    waits = []
    for _ in range(6):
        clock.set(m.state().next_probe_at)
        assert m.claim_probe()
        assert not other.claim_probe()  # the slot is taken
        m.probe_result(False, "refused")
        waits.append((m.state().next_probe_at - clock.now()).total_seconds())
    # Full jitter under a cap that doubles (10, 20, 40, then 60), never below probe_min_s.
    caps = [10, 20, 40, 60, 60, 60]
    assert all(5 <= w <= cap for w, cap in zip(waits, caps, strict=False)), waits
    assert waits != caps  # jittered, not the caps themselves
    clock.set(m.state().next_probe_at)
    assert other.claim_probe()
    assert other.probe_result(True)
    assert m.gate() is None


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
    assert incident.closed_at - incident.opened_at == timedelta(seconds=360)
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
    store.close()


def test_importing_the_package_loads_nothing_until_is_offline_mode_is_used() -> None:
    """``import oddsmon`` from a script is cheap: the store and the state machine load on the
    first call of ``is_offline_mode`` only."""
    code = ("import sys, oddsmon; print(sorted(m for m in sys.modules if m.startswith('oddsmon')));"
            "oddsmon.is_offline_mode; print('oddsmon.offline' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["['oddsmon']", "True"]
