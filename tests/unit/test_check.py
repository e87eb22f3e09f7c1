"""--check: exit codes as monitoring plugins read them, the JSON fields, the closing checklist
item by item, read-only behaviour, and --selftest which the checklist reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oddsmon import cli
from oddsmon.clock import FakeClock
from oddsmon.commands import check, selftest
from oddsmon.commands import export as export_command
from oddsmon.config import Settings
from oddsmon.store import Store
from oddsmon.supervision import journal
from oddsmon.supervision.metrics import collect

from ..stores import sqlite_backend
from .supervision_helpers import ROOT, assert_valid, cache_pages, machine, observe_quota, warm_with_simulator

MIDNIGHT = datetime(2026, 11, 25, tzinfo=UTC)


def run_json(settings: Settings, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    capsys.readouterr()
    code = check.run(settings, as_json=True, clock=clock)
    data = json.loads(capsys.readouterr().out)
    assert_valid(data)
    return code, data


def items(data: dict) -> dict[str, dict]:
    return {i["id"]: i for i in data["checklist"]}


def test_online_and_healthy_is_ok(store: Store, settings: Settings, clock: FakeClock,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    observe_quota(store, clock.now(), 80)
    cache_pages(store, clock.now())
    code, data = run_json(settings, clock, capsys)
    assert code == 0 and data["status"]["label"] == "OK"
    for key in ("offline", "reason", "since", "resume_at", "seconds_to_resume"):
        assert key in data["mode"]
    assert data["mode"]["offline"] is False and data["mode"]["reason"] is None
    assert data["quota"]["daily"].items() >= {"limit": 100, "remaining": 80, "used": 20}.items()
    assert set(data["quota"]["per_minute"]) >= {"limit", "remaining", "used"}
    assert data["quota_reset"] == "2026-11-25T00:00:00Z"
    assert data["cache"]["entries"] == 4
    assert {"size_bytes", "hits", "misses", "hit_ratio"} <= set(data["cache"])
    assert [i["done"] for i in data["checklist"]] == [True, False, True, False, True]


def test_quota_under_the_warning_level_warns(store: Store, settings: Settings, clock: FakeClock,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    observe_quota(store, clock.now(), settings.supervision.quota_warning - 1)
    code, data = run_json(settings, clock, capsys)
    assert code == 1 and "only 49 calls left" in data["status"]["summary"]
    observe_quota(store, clock.now(), settings.supervision.quota_warning)
    assert run_json(settings, clock, capsys)[0] == 0


def test_quota_outage_warns_and_ends_only_on_evidence(store: Store, settings: Settings, clock: FakeClock,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    observe_quota(store, clock.now(), 0)
    machine(store, clock, settings).go_offline("quota", "daily quota exhausted")
    code, data = run_json(settings, clock, capsys)
    assert code == 1
    assert data["mode"].items() >= {"offline": True, "reason": "quota", "since": "2026-11-24T09:00:00Z",
                                    "resume_at": "2026-11-25T00:00:00Z", "seconds_to_resume": 15 * 3600}.items()
    assert data["quota_reset"] == data["mode"]["resume_at"]
    assert data["quota_reset_basis"] == "presumed 00:00 UTC"
    assert data["open_incident"]["reason"] == "quota"
    # The presumed reset came while no oddsmon ran: nothing has shown quota back yet, so the
    # outage stands (a provider resetting at 03:30 would refuse us again at 00:00).
    clock.set(MIDNIGHT + timedelta(minutes=1))
    code, data = run_json(settings, clock, capsys)
    assert code == 1 and data["mode"]["offline"] is True and data["mode"]["reason"] == "quota"
    capsys.readouterr()
    check.run(settings, clock=clock)
    assert "when /status shows quota again" in capsys.readouterr().out


def test_manual_offline_warns_and_network_is_critical(store: Store, settings: Settings, clock: FakeClock,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    m = machine(store, clock, settings)
    m.go_offline("user", "manual offline (--offline)")
    code, data = run_json(settings, clock, capsys)
    assert (code, data["mode"]["reason"], data["mode"]["resume_at"]) == (1, "user", None)
    m.go_online()
    m.go_offline("network", "cannot reach the API")
    code, data = run_json(settings, clock, capsys)
    assert (code, data["mode"]["reason"], data["status"]["label"]) == (2, "network", "CRITICAL")
    assert data["mode"]["probe"]["next_at"] == "2026-11-24T09:00:05Z"


@pytest.mark.parametrize("content", [None, b"SQLite format 3\x00" + b"\x00" * 200, b"plain text " * 99])
def test_unreadable_state_is_unknown_and_left_alone(settings: Settings, clock: FakeClock, content: bytes | None,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = settings.paths.db
    if content is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
        db.write_bytes(content)
    assert check.run(settings, clock=clock) == 3
    out = capsys.readouterr().out
    assert out.startswith("ODDSMON UNKNOWN - state unreadable: ") and str(db) in out
    assert check.run(settings, as_json=True, clock=clock) == 3
    data = json.loads(capsys.readouterr().out)
    assert_valid(data)
    assert data["status"]["code"] == 3
    if content is None:
        assert not db.parent.exists() or not db.exists()
    else:
        assert db.read_bytes() == content and sorted(os.listdir(db.parent)) == [db.name]


def test_another_programs_database_is_unknown(settings: Settings, clock: FakeClock) -> None:
    import sqlite3

    settings.paths.db.parent.mkdir(parents=True)
    conn = sqlite3.connect(settings.paths.db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert check.run(settings, clock=clock) == 3


def test_check_is_read_only(store: Store, settings: Settings, clock: FakeClock,
                            capsys: pytest.CaptureFixture[str]) -> None:
    m = machine(store, clock, settings)
    m.go_offline("quota", "exhausted")
    clock.set(MIDNIGHT + timedelta(hours=1))  # a due quota probe is reported, not sent
    dump = lambda: list(sqlite_backend(store).conn.iterdump())  # noqa: E731
    before = dump()
    files = sorted(p.name for p in settings.paths.db.parent.parent.rglob("*") if "-shm" not in p.name
                   and "-wal" not in p.name)
    assert check.run(settings, clock=clock) == 1
    assert check.run(settings, as_json=True, clock=clock) == 1
    assert dump() == before
    assert sorted(p.name for p in settings.paths.db.parent.parent.rglob("*") if "-shm" not in p.name
                  and "-wal" not in p.name) == files
    assert not settings.paths.incidents.exists() and not settings.paths.metrics.exists()


def seven_minutes_in(store: Store, clock: FakeClock, remaining: int) -> None:
    """A known state: ``remaining`` calls left of 100, every page 7 min old, 3 hits, 1 miss."""
    observe_quota(store, clock.now(), remaining)
    cache_pages(store, clock.now() - timedelta(minutes=7))
    store.ledger.bump("hits", by=3)
    store.ledger.bump("misses", by=1)


def test_text_report_shows_runbook_section_4_and_the_checklist(store: Store, settings: Settings,
                                                              clock: FakeClock,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    seven_minutes_in(store, clock, 3)
    machine(store, clock, settings).go_offline("quota", "3 calls left today (reserve 5)")
    assert check.run(settings, clock=clock) == 1
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("ODDSMON WARNING - offline (quota)")
    for expected in ("OFFLINE (quota) since 2026-11-24 09:00:00 UTC (10:00:00 CET)",
                     "when /status shows quota again, expected 2026-11-25T00:00:00Z (in 15 h 00 min); "
                     "probed at 2026-11-24T09:00:05Z (in 5 s), then at least every 30 min 00 s",
                     "daily: 97 used, 3 left of 100",
                     "quota_reset 2026-11-25 00:00:00 UTC (01:00:00 CET) (presumed 00:00 UTC)",
                     "4 entries", "hits 3, misses 1, hit ratio 75.0 %",
                     "odds         fetched 2026-11-24T08:53:00Z, 7 min 00 s ago",
                     "#1 OPEN (quota)",
                     "Closing checklist (runbook section 6)",
                     "[ ] Offline mode disabled: offline (quota)"):
        assert expected in out, expected


def test_checklist_follows_the_incident_to_its_close(store: Store, settings: Settings, clock: FakeClock,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    cache_pages(store, clock.now() - timedelta(hours=1))
    export_command.run(settings, None, "json", clock)  # an export from before the incident
    capsys.readouterr()
    m = machine(store, clock, settings)
    clock.advance(60)
    m.go_offline("network", "refused")
    clock.advance(600)
    export_command.run(settings, None, "json", clock)  # runbook 1.3: capture the state during it
    _, data = run_json(settings, clock, capsys)
    got = items(data)
    assert not got["offline_disabled"]["done"]
    assert got["metrics_exported"]["done"]  # exported after the start of the open incident
    assert not got["pages_online"]["done"] and "offline" in got["pages_online"]["why"]
    assert not got["journal_documented"]["done"] and "still open" in got["journal_documented"]["why"]
    clock.advance(600)
    m.probe_result(True)
    _, data = run_json(settings, clock, capsys)
    got = items(data)
    assert got["offline_disabled"]["done"]
    assert not got["metrics_exported"]["done"] and "before the resume" in got["metrics_exported"]["why"]
    assert not got["pages_online"]["done"] and "predictions" in got["pages_online"]["why"]
    assert not got["functional_tests"]["done"]
    assert not got["journal_documented"]["done"]  # plain --check writes nothing, not even the journal
    # The runbook's closing steps, each after the resume.
    clock.advance(60)
    cache_pages(store, clock.now())
    store.ledger.set_meta("selftest.last", json.dumps({"at": "2026-11-24T09:23:00Z", "ok": True,
                                                       "duration_s": 1.5, "checks": []}))
    export_command.run(settings, None, "json", clock)  # also syncs the journal
    capsys.readouterr()
    code, data = run_json(settings, clock, capsys)
    assert code == 0
    assert all(i["done"] for i in data["checklist"]), data["checklist"]
    # A person deleting the journal undoes the last item.
    settings.paths.incidents.unlink()
    _, data = run_json(settings, clock, capsys)
    assert not items(data)["journal_documented"]["done"]


def test_an_export_in_the_second_of_the_resume_counts(store: Store, settings: Settings, clock: FakeClock,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """Records hold whole seconds: an export 0.4 s after a resume at hh:mm:ss.5 is recorded as
    hh:mm:ss, and is still the export done after the incident (CI saw it fail on a fast machine)."""
    m = machine(store, clock, settings)
    m.go_offline("network", "refused")
    clock.advance(600.5)
    m.probe_result(True)
    clock.advance(0.4)
    export_command.run(settings, None, "json", clock)
    _, data = run_json(settings, clock, capsys)
    assert items(data)["metrics_exported"]["done"], items(data)["metrics_exported"]
    clock.advance(-1.2)  # an export a whole second before the resume is still before it
    export_command.run(settings, None, "json", clock)
    clock.advance(1.2)
    _, data = run_json(settings, clock, capsys)
    assert "before the resume" in items(data)["metrics_exported"]["why"]


def test_failed_selftest_is_not_done(store: Store, settings: Settings, clock: FakeClock,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    store.ledger.set_meta("selftest.last", json.dumps({
        "at": "2026-11-24T09:00:00Z", "ok": False, "duration_s": 0.4,
        "checks": [{"name": "pages", "ok": False, "detail": "never cached"}]}))
    _, data = run_json(settings, clock, capsys)
    assert "failed: pages" in items(data)["functional_tests"]["why"]


async def test_selftest_passes_on_a_warmed_store_and_is_recorded(store: Store, settings: Settings,
                                                                 clock: FakeClock) -> None:
    report = await warm_with_simulator(settings, clock)
    assert report.stopped is None
    results = await selftest.run_checks(settings, clock)
    assert [(r.name, r.ok) for r in results] == [("config", True), ("store", True), ("pages", True),
                                                 ("simulator", True), ("journal", True)], results
    assert "integrity_check ok" in results[1].detail


def test_selftest_command_records_its_result(store: Store, settings: Settings, clock: FakeClock,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    hits = store.ledger.counters().get("hits", 0)
    assert selftest.run(settings, clock) == 1  # nothing cached: the pages check fails
    out = capsys.readouterr().out
    assert "[FAIL] pages" in out and "never cached" in out and "[ok] simulator" in out
    snap = collect(store, settings, clock)
    assert snap.selftest is not None and not snap.selftest.ok
    assert store.ledger.counters().get("hits", 0) == hits  # the cache-only read wrote nothing


def test_cli_flags_and_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "oddsmon.toml"
    bad.write_text("[supervision]\nquota_warning = -3\n")
    # Under --check a broken config is UNKNOWN (3), as the monitoring-plugins guidelines ask;
    # every other command keeps argparse's 2.
    # Its reason is the verdict on standard output: a monitor reads that first line alone.
    assert cli.main(["--config", str(bad), "--check"]) == 3
    out = capsys.readouterr().out
    assert out.startswith(f"ODDSMON UNKNOWN - {bad}:2: supervision.quota_warning") and out.count("\n") == 1
    assert cli.main(["--config", str(bad), "--check", "--json"]) == 3
    status = json.loads(capsys.readouterr().out)["status"]
    assert status["label"] == "UNKNOWN" and f"{bad}:2: supervision.quota_warning" in status["summary"]
    assert cli.main(["--config", str(bad), "--export", "-"]) == 2
    for argv in (["--json"], ["--probe", "--export"], ["--format", "json"], ["--note", "  "],
                 ["-w", "5"], ["--warm", "-c", "1"]):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        assert info.value.code == 2, argv
    capsys.readouterr()
    for argv, why in ((["--check", "--export"], "not allowed with argument --check"),
                      (["--check", "-w", "x"], "expected a number of calls"),
                      (["--check", "-c", "-1"], "from 0 to"),
                      (["--check", "-w", "5", "-c", "9"], "9 is above the warning level 5"),
                      (["--check", "--bogus"], "unrecognized arguments: --bogus"),
                      (["--check", "-t", "0"], "expected seconds above 0"),
                      (["--check", "-t", "nan"], "expected seconds above 0"),
                      (["--export", "-t", "5"], "only goes with --check")):
        with pytest.raises(SystemExit) as info:
            cli.main(argv)
        out, err = capsys.readouterr()
        if argv[0] == "--check":
            assert info.value.code == 3 and out.startswith("ODDSMON UNKNOWN - bad usage: ") and why in out, argv
            assert "usage: oddsmon" in err, argv  # the synopsis stays on stderr, for people
        else:
            assert info.value.code == 2 and why in err and not out, argv


def _first_line(settings: Settings, clock: FakeClock, capsys: pytest.CaptureFixture[str],
                **kwargs: bool) -> tuple[int, str, dict[str, str]]:
    """--check's exit code, its verdict (before ``|``) and its perfdata by label."""
    capsys.readouterr()
    code = check.run(settings, clock=clock, **kwargs)
    first = capsys.readouterr().out.splitlines()[0]
    head, _, perf = first.partition(" | ")
    fields = dict(item.split("=", 1) for item in perf.split())
    return code, head, {k.strip("'"): v for k, v in fields.items()}


def test_first_line_carries_perfdata_in_the_plugin_format(store: Store, settings: Settings,
                                                         clock: FakeClock,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import re

    seven_minutes_in(store, clock, 80)
    code, head, perf = _first_line(settings, clock, capsys)
    assert code == 0 and head == "ODDSMON OK - online, 80 calls left today"
    assert perf["quota_left"] == "80;50:;;0;100"  # warn below 50 as a Nagios range, max the limit
    assert perf["quota_used"] == "20;;;0;100"
    for page in ("predictions", "bookmakers", "odds", "dashboard"):
        assert perf[f"page_age_{page}"] == "420s;;;0"
    assert perf["cache_hit_ratio"] == "0.75;;;0;1"
    assert perf["seconds_to_resume"] == "0s;;;0"
    grammar = re.compile(r"^'[a-z_]+'=(U|-?[0-9.]+(s|%|B)?)(;[0-9.:]*){0,4}$")
    check.run(settings, clock=clock)
    line = capsys.readouterr().out.splitlines()[0]
    assert line.count("|") == 1
    assert all(grammar.match(item) for item in line.split(" | ")[1].split()), line
    # Offline (quota): the countdown to the reset is graphed in seconds.
    machine(store, clock, settings).go_offline("quota", "exhausted")
    assert _first_line(settings, clock, capsys)[2]["seconds_to_resume"] == f"{15 * 3600}s;;;0"


def test_unknown_values_are_U_and_never_cached_pages_too(store: Store, settings: Settings,
                                                        clock: FakeClock,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, _, perf = _first_line(settings, clock, capsys)
    assert perf["quota_left"].startswith("U;") and perf["page_age_odds"].startswith("U;")
    assert perf["cache_hit_ratio"].startswith("U;")
    machine(store, clock, settings).go_offline("user", "manual")
    assert _first_line(settings, clock, capsys)[2]["seconds_to_resume"].startswith("U;")


def test_w_and_c_override_the_quota_thresholds(store: Store, settings: Settings, clock: FakeClock,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    observe_quota(store, clock.now(), 30)
    config = settings.paths.db.parent.parent / "check.toml"
    config.write_text(f'[paths]\ndb = "{settings.paths.db}"\nincidents = "{settings.paths.incidents}"\n')
    monkeypatch.setattr("oddsmon.clock.SystemClock", lambda: clock)
    monkeypatch.setenv("APISPORTS_KEY", "a-key-for-this-test")  # without one, --check is UNKNOWN
    base = ["--config", str(config), "--check"]
    assert cli.main(base) == 1  # 30 < the configured 50
    assert cli.main([*base, "-w", "20"]) == 0
    capsys.readouterr()
    assert cli.main([*base, "-w", "100", "-c", "40"]) == 2
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("ODDSMON CRITICAL - online, but only 30 calls left today (critical below 40)")
    assert "'quota_left'=30;100:;40:;0;100" in first


@pytest.mark.parametrize("command", ["--check", "--warm"])
def test_no_key_headless_refuses_naming_the_variable_and_sends_nothing(
        store: Store, settings: Settings, tmp_path: Path, command: str) -> None:
    # A cron job's environment without the key: no silent simulator, no exit 0.
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[api]\nkey_env = "ODDSMON_TEST_NO_SUCH_KEY"\n'
                      f'[paths]\ndb = "{settings.paths.db}"\nincidents = "{settings.paths.incidents}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ODDSMON_TEST_NO_SUCH_KEY": " "}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "oddsmon", "--config", str(config),
                           command], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr
    assert "$ODDSMON_TEST_NO_SUCH_KEY is unset or empty" in said
    assert "UNKNOWN" in proc.stdout if command == "--check" else "UNKNOWN" not in said
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "httpx" not in imported and "oddsmon.sim" not in imported  # nothing could be sent


def test_check_imports_neither_textual_nor_httpx(store: Store, settings: Settings, tmp_path: Path) -> None:
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[paths]\ndb = "{settings.paths.db}"\nincidents = "{settings.paths.incidents}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "APISPORTS_KEY": "check-imports-key"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "oddsmon", "--config", str(config),
                           "--check"], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert not {m for m in imported if m.split(".")[0] in ("textual", "httpx", "rich")}


# What the headless start path must not import: the TUI and the wire, the engine and the
# simulator, and what made `--check` start at 3x `python -c "import sqlite3, json"`: dataclasses
# (it imports inspect, ast and dis; oddsmon/records.py replaces it there), shutil (bz2, lzma:
# argparse's help width), tempfile and random, threading, getpass, and zoneinfo while every
# time shown is UTC.
HEAVY = frozenset({"textual", "rich", "httpx", "asyncio", "uvicorn", "dataclasses", "inspect",
                   "ast", "dis", "shutil", "bz2", "lzma", "tempfile", "random", "threading",
                   "getpass", "secrets", "zoneinfo", "oddsmon.sim", "oddsmon.tui", "oddsmon.engine",
                   "oddsmon.api", "oddsmon.domain", "oddsmon.desk", "oddsmon.alerts"})


def _imported(config: Path, *args: str) -> tuple[set[str], str]:
    """Every module ``oddsmon --config CONFIG ARGS`` imports (``-X importtime``), and its output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "APISPORTS_KEY": "check-imports-key"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "oddsmon", "--config", str(config),
                           *args], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode in (0, 1, 2), proc.stdout + proc.stderr  # OK, WARNING, CRITICAL
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}, proc.stdout


def _heavy(imported: set[str]) -> set[str]:
    return {m for m in imported if any(m == h or m.startswith(h + ".") for h in HEAVY)}


@pytest.mark.parametrize("args", [("--check",), ("--check", "--json"), ("--export", "-"),
                                  ("--export", "-", "--format", "prometheus")])
def test_headless_start_imports_nothing_heavy(store: Store, settings: Settings, clock: FakeClock,
                                              tmp_path: Path, args: tuple[str, ...]) -> None:
    """The regression guard for --check's start-up, without timing anything: a store with an
    incident, a journal and cached pages, read with the time shown in UTC."""
    observe_quota(store, clock.now(), 80)
    cache_pages(store, clock.now())
    machine(store, clock, settings).go_offline("network", "cannot reach the API")
    journal.sync(store, settings)
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[watch]\ntimezone = "UTC"\n[paths]\ndb = "{settings.paths.db}"\n'
                      f'incidents = "{settings.paths.incidents}"\nmetrics = "{settings.paths.metrics}"\n')
    imported, out = _imported(config, *args)
    assert "oddsmon.supervision.metrics" in imported and "network" in out
    assert not _heavy(imported)


def test_a_local_zone_is_loaded_only_when_shown(store: Store, settings: Settings, clock: FakeClock,
                                                tmp_path: Path) -> None:
    """The other side of the guard above: with a local zone configured, --check loads zoneinfo
    and shows local times beside UTC; --export writes its file without tempfile's imports."""
    machine(store, clock, settings).go_offline("user", "manual offline (--offline)")
    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[watch]\ntimezone = "Europe/Paris"\n[paths]\ndb = "{settings.paths.db}"\n'
                      f'incidents = "{settings.paths.incidents}"\nmetrics = "{settings.paths.metrics}"\n')
    imported, out = _imported(config, "--check")
    zoneinfo = {m for m in imported if m.startswith("zoneinfo")}
    assert "zoneinfo" in imported and _heavy(imported) == zoneinfo
    assert " CET)" in out
    imported, _ = _imported(config, "--export")
    assert settings.paths.metrics.exists()
    # secrets (which imports random) for the journal's store id, made once in the store's life.
    assert _heavy(imported) - zoneinfo <= {"secrets", "random"}
    assert not _heavy(_imported(config, "--export")[0]) - zoneinfo  # the next export


def test_demo_flag_reaches_the_running_demos_store(settings: Settings, clock: FakeClock, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The runbook rehearsed without a key: --check/--export/--note/--selftest --demo read the
    store of the demo running on this account, and say plainly when none runs."""
    import asyncio

    from oddsmon import demo
    from oddsmon.engine.runtime import build_engine

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state-home"))
    monkeypatch.setenv("ODDSMON_CONFIG", str(tmp_path / "none.toml"))
    # The config the demo below runs with (its watch list and season), as a real demo and the
    # commands beside it would share one.
    (tmp_path / "none.toml").write_text(f"[watch]\nleagues = {list(settings.watch.leagues)}\n"
                                        f"season = {settings.watch.season}\n")
    monkeypatch.delenv("APISPORTS_KEY", raising=False)
    assert cli.main(["--demo", "--check"]) == 3
    assert capsys.readouterr().out.startswith("ODDSMON UNKNOWN - --demo: no demo is running")
    engine = build_engine(settings, demo=True, clock=clock)
    try:
        assert asyncio.run(engine.service.warm()).stopped is None
        assert engine.demo_dir is not None
        assert engine.simulator is not None
        demo.publish(engine.demo_dir, engine.simulator)
        assert cli.main(["--demo", "--check"]) == 0
        out, err = capsys.readouterr()
        assert out.startswith("ODDSMON OK - online") and engine.demo_dir in err
        assert cli.main(["--demo", "--export"]) == 0
        assert (Path(engine.demo_dir) / "supervision_metrics.json").is_file()
        assert cli.main(["--demo", "--selftest"]) == 0
        demo.unpublish(engine.demo_dir)
        assert not list(demo.registry().iterdir())
        assert cli.main(["--demo", "--check"]) == 3
    finally:
        asyncio.run(engine.aclose())
