"""The headless side end to end, through the real command line (subprocesses), against the
simulator on a real loopback port: the issue's "Done when" scenario, then the runbook's closing
checklist, and the API key in no file and no output."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from oddsmon.clock import iso_utc, next_utc_midnight
from oddsmon.sim import LoopbackServer, SimConfig, Simulator

KEY = "E2E-KEY-3b9f7d1c-never-in-a-file"
ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft202012Validator(json.loads((ROOT / "docs" / "metrics.schema.json").read_text()))


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


class Cli:
    def __init__(self, tmp: Path, config: Path) -> None:
        self.tmp = tmp
        self.config = config
        self.env = {k: v for k, v in os.environ.items() if k not in ("ODDSMON_CONFIG", "APISPORTS_KEY")}
        self.env.update(APISPORTS_KEY=KEY, PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp / "xdg"),
                        XDG_DATA_HOME=str(tmp / "xdg"), XDG_CONFIG_HOME=str(tmp / "xdg"))
        self.outputs: list[str] = []

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "oddsmon", "--config", str(self.config), *args],
                              cwd=self.tmp, env=self.env, capture_output=True, text=True, timeout=60)
        self.outputs += [proc.stdout, proc.stderr]
        return proc

    def check(self) -> tuple[int, dict[str, Any]]:
        proc = self("--check", "--json")
        data = json.loads(proc.stdout)
        assert_valid(data)
        return proc.returncode, data


@pytest.fixture
def server() -> Any:
    sim = Simulator(SimConfig(leagues=(39, 61), season=2026, daily_limit=100, per_minute=300))
    srv = LoopbackServer(sim).start()
    yield srv
    srv.stop()


def stats(server: LoopbackServer) -> dict[str, Any]:
    return httpx.get(f"{server.url}/__sim/stats", timeout=5).json()


def control(server: LoopbackServer, **doc: Any) -> None:
    httpx.post(f"{server.url}/__sim/control", json=doc, timeout=5).raise_for_status()


@pytest.mark.slow
def test_headless_runbook_end_to_end(server: LoopbackServer, tmp_path: Path) -> None:
    config = tmp_path / "oddsmon.toml"
    config.write_text(f"""
[api]
base_url = "{server.url}"
daily_reserve = 5
timeout_s = 2.0
retries = 0
[watch]
leagues = [39, 61]
season = 2026
days_ahead = 1
timezone = "Europe/Paris"
[paths]
db = "state/oddsmon.db"
metrics = "docs/supervision_metrics.json"
incidents = "docs/incidents_supervision.md"
[cache]
# Every page is due again at once, so each warm really asks the API.
fixtures_ttl_s = 0
predictions_ttl_s = 0
odds_ttl_s = 0
bookmakers_ttl_s = 0
[supervision]
quota_warning = 10
""")
    cli = Cli(tmp_path, config)
    docs = tmp_path / "docs"

    # Before anything ran, the state is unknown.
    proc = cli("--check")
    assert proc.returncode == 3 and "UNKNOWN" in proc.stdout

    # 1. Warm online, then the check is OK.
    proc = cli("--warm")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stats(server)["counted_total"] > 0
    code, data = cli.check()
    assert code == 0, data["status"]
    assert data["mode"]["offline"] is False
    assert data["quota"]["daily"]["remaining"] > 0
    assert data["cache"]["entries"] > 0

    # 2. The export holds quota_reset and validates.
    proc = cli("--export")
    assert proc.returncode == 0, proc.stderr
    exported = json.loads((docs / "supervision_metrics.json").read_text())
    assert_valid(exported)
    assert exported["quota_reset"] == iso_utc(next_utc_midnight(datetime.fromisoformat(
        exported["generated_at"].replace("Z", "+00:00"))))
    proc = cli("--export", "--format", "prometheus")
    assert proc.returncode == 0 and "oddsmon_quota_reset_timestamp_seconds" in \
        (docs / "supervision_metrics.prom").read_text()

    # 3. The quota runs out: reason quota, WARNING, resume at the next 00:00 UTC.
    control(server, exhaust_quota=True)
    before = datetime.now(UTC)
    proc = cli("--warm")
    assert proc.returncode == 1 and "offline (quota)" in proc.stdout
    code, data = cli.check()
    after = datetime.now(UTC)
    assert code == 1 and data["status"]["label"] == "WARNING"
    assert data["mode"]["offline"] is True and data["mode"]["reason"] == "quota"
    assert data["mode"]["resume_at"] in {iso_utc(next_utc_midnight(before)), iso_utc(next_utc_midnight(after))}
    assert data["mode"]["resume_at"].endswith("T00:00:00Z") and data["mode"]["seconds_to_resume"] > 0
    assert data["open_incident"]["reason"] == "quota"
    # A further warm sends at most one request (none: a quota outage sends nothing at all).
    sent = stats(server)["requests_total"]
    proc = cli("--warm")
    assert proc.returncode == 1
    assert stats(server)["requests_total"] - sent <= 1
    proc = cli("--note", "contacted support")
    assert proc.returncode == 0 and "incident #1 (open)" in proc.stdout

    # Still no call left: --online refuses (it would be offline again at once) unless --force.
    proc = cli("--online")
    assert proc.returncode == 1 and "--online --force" in proc.stderr, proc.stdout + proc.stderr
    assert cli.check()[1]["mode"]["reason"] == "quota"

    # 4. The plan is topped up; --online clears the quota offline (and reads /status for free).
    control(server, set_quota={"used": 0})
    proc = cli("--online")
    assert proc.returncode == 0 and "ONLINE" in proc.stdout and "100 calls left" in proc.stdout
    assert cli.check()[0] == 0

    # 5. The server stops: a real outage. Reason network, CRITICAL.
    server.stop()
    proc = cli("--warm")
    assert proc.returncode == 1 and "offline (network)" in proc.stdout
    code, data = cli.check()
    assert code == 2 and data["mode"]["reason"] == "network" and data["status"]["label"] == "CRITICAL"
    # While offline for the network, a warm sends at most one request: the /status probe.
    sent_before = dict(data["requests_by_endpoint"])
    assert cli("--warm").returncode == 1
    _, data = cli.check()
    delta = {k: v - sent_before.get(k, 0) for k, v in data["requests_by_endpoint"].items()
             if v != sent_before.get(k, 0)}
    assert delta in ({}, {"/status": 1}), delta
    # A probe that fails is folded into the one verdict line a monitor reads.
    proc = cli("--check", "--probe")
    assert proc.returncode == 2
    verdicts = [line for line in proc.stdout.splitlines() if line.startswith("ODDSMON ")]
    assert len(verdicts) == 1 and verdicts[0] == proc.stdout.splitlines()[0], proc.stdout
    assert verdicts[0].startswith("ODDSMON CRITICAL - offline (network)")
    assert "/status probe failed" in verdicts[0] and " | 'quota_left'=" in verdicts[0]

    # 6. The server is back: --check --probe ends the outage (a free /status), exit 0.
    server.start()
    proc = cli("--check", "--probe")
    assert proc.returncode == 0, proc.stdout
    assert "network outage over" in proc.stdout

    # 7. The runbook's closing steps, then every checklist item is done.
    assert cli("--warm").returncode == 0
    assert cli("--export").returncode == 0
    proc = cli("--selftest")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    code, data = cli.check()
    assert code == 0
    assert [(i["id"], i["done"]) for i in data["checklist"]] == [
        ("offline_disabled", True), ("metrics_exported", True), ("pages_online", True),
        ("functional_tests", True), ("journal_documented", True)], data["checklist"]

    # The journal holds both incidents, start to end, with the note; files are 0600.
    journal = (docs / "incidents_supervision.md").read_text()
    assert "## Incident #1 - quota - " in journal and "## Incident #2 - network - " in journal
    assert journal.count("**Back online**") == 2
    assert ": contacted support" in journal and "· warm · " in journal
    assert "· probes · " in journal
    for path in (tmp_path / "state" / "oddsmon.db", docs / "incidents_supervision.md",
                 docs / "supervision_metrics.json", docs / "supervision_metrics.prom"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path

    # The key is in no file written and in no output.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert all(KEY not in out for out in cli.outputs)
    assert stats(server)["counted_total"] > 0  # and the simulator did see it, in headers only


def test_export_odds_after_a_warm_prints_one_row_per_price_observation(server: LoopbackServer,
                                                                       tmp_path: Path) -> None:
    config = tmp_path / "oddsmon.toml"
    config.write_text(f"""
[api]
base_url = "{server.url}"
retries = 0
[watch]
leagues = [39, 61]
season = 2026
days_ahead = 1
[paths]
db = "state/oddsmon.db"
metrics = "docs/supervision_metrics.json"
incidents = "docs/incidents_supervision.md"
""")
    cli = Cli(tmp_path, config)
    proc = cli("--warm")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = cli("--export-odds", "-", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    header, *rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert ",".join(header) == ("observed_at,fixture_id,kickoff,league_id,league,home,away,bookmaker_id,"
                      "bookmaker,market,line,outcome,price")
    with sqlite3.connect(tmp_path / "state" / "oddsmon.db") as conn:
        stored = conn.execute("SELECT count(*) FROM odds_snapshots").fetchone()[0]
    assert stored > 0 and len(rows) == stored
    assert {"Match Winner", "Goals Over/Under", "Both Teams Score"} <= {row[9] for row in rows}
    # Times are UTC; bookmakers are named (their page was warmed); a fixture is named when a
    # cached fixtures page lists it (the window is 1 day, the odds pages reach further).
    assert all(row[0].endswith("Z") and row[8] for row in rows)
    named = [row for row in rows if row[4]]
    assert named and all(row[2].endswith("Z") and row[5] and row[6] for row in named)
    assert all(not any(row[2:7]) for row in rows if not row[4])
    assert not any(KEY in out for out in cli.outputs)
