"""--export: the JSON every export writes validates against docs/metrics.schema.json, the
Prometheus text is well formed, writes are atomic and 0600, and bad paths or stores change
nothing."""

from __future__ import annotations

import json
import re
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from oddsmon import __version__
from oddsmon.clock import FakeClock
from oddsmon.commands import export as export_command
from oddsmon.config import Settings
from oddsmon.store import Store
from oddsmon.supervision import export, journal
from oddsmon.supervision.common import SupervisionError
from oddsmon.supervision.metrics import collect

from ..conftest import SECRET
from .supervision_helpers import assert_valid, cache_pages, machine, observe_quota

REQUIRED = ("generated_at", "mode", "quota_reset", "quota", "cache", "requests_by_endpoint",
            "open_incident")


def test_empty_store_exports_a_valid_document(store: Store, settings: Settings, clock: FakeClock) -> None:
    data = export.to_dict(collect(store, settings, clock))
    assert_valid(data)
    assert all(k in data for k in REQUIRED)
    assert data["quota_reset"] == "2026-11-25T00:00:00Z"
    assert data["quota"]["daily"]["remaining"] is None and data["status"]["code"] == 0


def test_every_state_exports_a_valid_document(store: Store, settings: Settings, clock: FakeClock) -> None:
    m = machine(store, clock, settings)
    observe_quota(store, clock.now(), 80)
    cache_pages(store, clock.now())
    store.ledger.log_request(clock.now(), "/odds", "200", 12.0, True)
    docs = [export.to_dict(collect(store, settings, clock))]
    m.go_offline("quota", "daily quota exhausted")
    clock.advance(60)
    journal.record_action(store, clock.now(), "note", "alice: contacted support")
    docs.append(export.to_dict(collect(store, settings, clock)))
    m.go_offline("user", "manual")
    docs.append(export.to_dict(collect(store, settings, clock)))
    m.go_online()
    m.go_offline("network", "refused")
    m.probe_result(False, "refused")
    docs.append(export.to_dict(collect(store, settings, clock)))
    m.probe_result(False, "probe failed: API key rejected (HTTP 401)", "key")
    docs.append(export.to_dict(collect(store, settings, clock)))
    for doc in docs:
        assert_valid(doc)
    quota, user, network, key = docs[1], docs[2], docs[3], docs[4]
    assert quota["mode"]["reason"] == "quota" and quota["mode"]["resume_at"] == "2026-11-25T00:00:00Z"
    assert quota["mode"]["probe"]["next_at"] == "2026-11-24T09:00:05Z"  # probed from the exhaustion on
    assert quota["open_incident"]["actions"][-1]["text"] == "alice: contacted support"
    assert user["mode"]["resume_at"] == "2026-11-25T00:00:00Z"  # manual during quota keeps the reset
    assert key["mode"]["reason"] == "key" and key["status"]["code"] == 2
    assert network["mode"]["probe"]["failures"] == 1 and network["status"]["code"] == 2
    assert docs[0]["requests_by_endpoint"] == {"/odds": 1}


def test_write_is_atomic_0600_and_recorded(store: Store, settings: Settings, clock: FakeClock) -> None:
    path = settings.paths.metrics
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("old")
    path.chmod(0o644)
    snap = export.write(store, settings, clock, path)
    data = json.loads(path.read_text())
    assert_valid(data)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    # The export counts itself as done in the file it writes, and in the next snapshot.
    item = {i["id"]: i for i in data["checklist"]}["metrics_exported"]
    assert item["done"] and "this export" in item["why"]
    assert snap.last_export is not None
    again = {i.id: i for i in collect(store, settings, clock).checklist}["metrics_exported"]
    assert again.done and str(path) in again.why


def test_prometheus_text_is_well_formed(store: Store, settings: Settings, clock: FakeClock) -> None:
    observe_quota(store, clock.now(), 80)
    cache_pages(store, clock.now() - timedelta(minutes=5))
    store.ledger.log_request(clock.now(), '/odds"x', "200", 12.0, True)  # a label that needs escaping
    machine(store, clock, settings).go_offline("quota", "exhausted")
    text = export.to_prometheus(collect(store, settings, clock))
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
                        r'-?[0-9.e+-]+$')
    typed: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
        elif not line.startswith("# HELP "):
            assert sample.match(line), line
            assert line.split("{")[0].split(" ")[0] in typed, line
    assert 'oddsmon_offline{reason="quota"} 1' in text
    assert 'oddsmon_requests_total{endpoint="/odds\\"x"} 1' in text
    assert "oddsmon_quota_reset_timestamp_seconds 1795564800.0" in text
    assert "oddsmon_quota_daily_remaining 80" in text
    assert 'oddsmon_page_age_seconds{page="odds"} 300.0' in text
    assert "oddsmon_incident_open 1" in text
    assert text.endswith("\n")
    # Units in the names, no label carrying a value, the version as an info metric.
    assert "oddsmon_resume_remaining_seconds " in text and "oddsmon_seconds_to_resume" not in text
    assert "oddsmon_check_status 1" in text and "oddsmon_check_status{" not in text
    assert f'oddsmon_build_info{{version="{__version__}"}} 1' in text
    opened = [line for line in text.splitlines() if line.startswith("oddsmon_incident_opened_timestamp_seconds")]
    assert opened and all("id=" not in line for line in opened)


def test_run_default_paths_and_formats(store: Store, settings: Settings, clock: FakeClock,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert export_command.run(settings, None, "json", clock) == 0
    assert_valid(json.loads(settings.paths.metrics.read_text()))
    assert export_command.run(settings, None, "prometheus", clock) == 0
    prom = settings.paths.metrics.with_suffix(".prom")
    assert "oddsmon_up 1" in prom.read_text()
    assert stat.S_IMODE(prom.stat().st_mode) == 0o600
    # [paths] export_mode = "0644": a node_exporter running as another user can read it.
    shared = replace(settings, paths=replace(settings.paths, export_mode=0o644))
    assert export_command.run(shared, None, "prometheus", clock) == 0
    assert stat.S_IMODE(prom.stat().st_mode) == 0o644
    capsys.readouterr()
    assert export_command.run(settings, "-", "json", clock) == 0
    assert_valid(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("kind", ["directory", "under-a-file"])
def test_a_path_that_cannot_be_written_changes_nothing(store: Store, settings: Settings, clock: FakeClock,
                                                       tmp_path: Path, kind: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    if kind == "directory":
        target = tmp_path / "adir"
        target.mkdir()
    else:
        (tmp_path / "afile").write_text("x")
        target = tmp_path / "afile" / "metrics.json"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert export_command.run(settings, str(target), "json", clock) == 1
    err = capsys.readouterr().err
    assert str(target) in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert store.ledger.meta("export.last.json") is None
    with pytest.raises(SupervisionError, match=str(target)):
        export.write(store, settings, clock, target)


@pytest.mark.parametrize("content", [None, b"garbage, not sqlite at all " * 50])
def test_missing_or_damaged_store_exits_3_and_is_left_alone(settings: Settings, clock: FakeClock,
                                                            content: bytes | None,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = settings.paths.db
    if content is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
        db.write_bytes(content)
    assert export_command.run(settings, None, "json", clock) == 3
    assert str(db) in capsys.readouterr().err
    assert not settings.paths.metrics.exists()
    if content is None:
        assert not db.exists()
    else:
        assert db.read_bytes() == content
        assert [p.name for p in db.parent.iterdir()] == [db.name]  # nothing moved aside


def test_the_key_never_reaches_an_export(store: Store, settings: Settings, clock: FakeClock,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.api.key_env, SECRET)
    # Even if an error message ever carried the key, the export masks it.
    machine(store, clock, settings).go_offline("network", f"refused for key {SECRET}")
    assert export_command.run(settings, None, "json", clock) == 0
    assert export_command.run(settings, None, "prometheus", clock) == 0
    for path in (settings.paths.metrics, settings.paths.metrics.with_suffix(".prom"), settings.paths.incidents):
        assert SECRET not in path.read_text()
    assert "refused for key ********" in settings.paths.metrics.read_text()


def test_export_during_an_incident_is_journaled(store: Store, settings: Settings, clock: FakeClock) -> None:
    machine(store, clock, settings).go_offline("quota", "exhausted")
    assert export_command.run(settings, None, "json", clock) == 0
    actions = store.incidents.current().actions  # type: ignore[union-attr]
    assert actions[-1].kind == "export" and str(settings.paths.metrics) in actions[-1].text
    assert "· export · metrics exported to" in settings.paths.incidents.read_text()


def test_runbook_scripts_run_from_anywhere(store: Store, settings: Settings, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from .supervision_helpers import ROOT

    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[paths]\ndb = "{settings.paths.db}"\nmetrics = "{settings.paths.metrics}"\n'
                      f'incidents = "{settings.paths.incidents}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "APISPORTS_KEY", "ODDSMON_CONFIG")}
    env["ODDSMON_CONFIG"] = str(config)
    env["APISPORTS_KEY"] = "runbook-scripts-key"  # without one, --check says UNKNOWN (no key)
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_recovery.py"), "--json"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["mode"]["offline"] is False
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_supervision_metrics.py")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert_valid(json.loads(settings.paths.metrics.read_text()))
    prom = tmp_path / "m.prom"
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "export_supervision_metrics.py"), str(prom),
                          "--format", "prometheus"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0 and "oddsmon_up 1" in prom.read_text()


def test_runbook_scripts_run_with_a_python_outside_the_venv(store: Store, settings: Settings,
                                                            tmp_path: Path) -> None:
    """``python scripts/check_recovery.py`` as the runbook writes it: ``-S`` hides every
    installed package, as a system Python would; the script re-executes under the checkout's
    venv, or prints the exact command and exits 3 (UNKNOWN), never a traceback."""
    import os
    import shutil
    import subprocess
    import sys

    from .supervision_helpers import ROOT

    config = tmp_path / "oddsmon.toml"
    config.write_text(f'[paths]\ndb = "{settings.paths.db}"\nmetrics = "{settings.paths.metrics}"\n'
                      f'incidents = "{settings.paths.incidents}"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "APISPORTS_KEY", "ODDSMON_CONFIG")}
    env["ODDSMON_CONFIG"] = str(config)
    env["APISPORTS_KEY"] = "a-key-for-this-test"  # without one, --check is UNKNOWN
    venv = ROOT / ".venv" / "bin" / "python"
    proc = subprocess.run([sys.executable, "-S", str(ROOT / "scripts" / "check_recovery.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert "Traceback" not in proc.stderr and 0 <= proc.returncode <= 3, proc.stderr
    if venv.exists():
        assert proc.returncode == 0 and proc.stdout.startswith("ODDSMON OK - online"), proc.stderr
        # The drill simulator, as the runbook names it after `make run`'s set-up.
        sim = subprocess.run([sys.executable, "-S", str(ROOT / "scripts" / "simulator.py"), "--help"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
        assert sim.returncode == 0 and "--move-period" in sim.stdout, sim.stderr
    # A checkout with no venv at all: the headless paths import nothing from outside the
    # standard library, so the status is printed by the bare interpreter itself.
    bare = tmp_path / "checkout"
    shutil.copytree(ROOT / "scripts", bare / "scripts")
    shutil.copytree(ROOT / "oddsmon", bare / "oddsmon")
    proc = subprocess.run([sys.executable, "-S", str(bare / "scripts" / "check_recovery.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout.startswith("ODDSMON OK - online"), proc.stderr
    # ... and where oddsmon cannot be imported there (a dependency missing): the exact command
    # to run, exit 3.
    cli_py = bare / "oddsmon" / "cli.py"
    cli_py.write_text(cli_py.read_text() + "\nimport a_dependency_this_python_lacks  # noqa: E402, F401\n")
    sim_py = bare / "oddsmon" / "sim" / "__main__.py"
    sim_py.write_text(sim_py.read_text() + "\nimport a_dependency_this_python_lacks  # noqa: E402, F401\n")
    for script in ("check_recovery.py", "export_supervision_metrics.py", "simulator.py"):
        proc = subprocess.run([sys.executable, "-S", str(bare / "scripts" / script)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
        assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
        assert f"{bare / '.venv' / 'bin' / 'python'} {bare / 'scripts' / script}" in proc.stderr
        assert "No module named" in proc.stderr
        # --check's is also its UNKNOWN verdict, on the line a monitor reads.
        assert proc.stdout.startswith("ODDSMON UNKNOWN - cannot run: No module named") == \
            (script == "check_recovery.py"), proc.stdout
