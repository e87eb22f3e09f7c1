"""contrib/systemd: the user units load in a user manager and the system units (a service
account's) in the system manager, as ``systemd-analyze verify`` reads them, without a warning;
they say what docs/collector.md promises. A user unit names no ``network-online.target``: a
user manager has none to order after."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "contrib" / "systemd"
ANALYZE = shutil.which("systemd-analyze")
ODDSMON = Path(sys.executable).with_name("oddsmon")  # the venv's entry point
needs_analyze = pytest.mark.skipif(ANALYZE is None or not ODDSMON.exists(),
                                   reason="systemd-analyze (or the venv's oddsmon) is not on this machine")


def _verify(units: list[Path], tmp_path: Path, *, user: bool) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    (home / ".local" / "bin").mkdir(parents=True, exist_ok=True)
    runtime.mkdir(mode=0o700, exist_ok=True)
    # The units name where oddsmon is installed (~/.local/bin, /opt/oddsmon/.venv): here, the
    # venv running these tests, so that verify finds an executable there.
    link = home / ".local" / "bin" / "oddsmon"
    if not link.exists():
        link.symlink_to(ODDSMON)
    copies = []
    for unit in units:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/oddsmon/.venv/bin/oddsmon", str(ODDSMON)))
        copies.append(str(copy))
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "SYSTEMD_LOG_COLOR": "0"}
    return subprocess.run([ANALYZE, *(["--user"] if user else []), "verify", *copies],
                          env=env, capture_output=True, text=True, timeout=60)


@needs_analyze
@pytest.mark.parametrize("kind", ["user", "system"])
def test_the_units_verify_without_a_warning(kind: str, tmp_path: Path) -> None:
    units = sorted((UNITS / kind).iterdir())
    assert {u.name for u in units} == {"oddsmon-collect.service", "oddsmon-export.service",
                                       "oddsmon-export.timer"}
    proc = _verify(units, tmp_path, user=kind == "user")
    assert proc.returncode == 0 and not proc.stdout and not proc.stderr, proc


@needs_analyze
def test_verify_would_tell_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key is a warning verify prints."""
    broken = tmp_path / "src" / "oddsmon-collect.service"
    broken.parent.mkdir()
    broken.write_text((UNITS / "user" / "oddsmon-collect.service").read_text()
                      .replace("RestartSec=30", "RestartSecs=30"))
    proc = _verify([broken], tmp_path, user=True)
    assert "Unknown key 'RestartSecs'" in proc.stderr


def test_only_the_system_units_wait_for_the_network() -> None:
    for unit in (UNITS / "user").iterdir():
        lines = [line for line in unit.read_text().splitlines() if not line.startswith("#")]
        assert not any("network-online" in line for line in lines), unit
    collect = (UNITS / "system" / "oddsmon-collect.service").read_text().splitlines()
    assert {"After=network-online.target", "Wants=network-online.target", "User=oddsmon"} <= set(collect)


def unit(kind: str, name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((UNITS / kind / name).read_text())
    return parser


@pytest.mark.parametrize(("kind", "target"), [("user", "default.target"), ("system", "multi-user.target")])
def test_the_collector_runs_in_the_foreground_and_stops_on_sigterm(kind: str, target: str) -> None:
    svc = unit(kind, "oddsmon-collect.service")
    assert svc["Service"]["ExecStart"].endswith("oddsmon --collect")
    assert svc["Service"]["Type"] == "simple" and svc["Service"]["KillSignal"] == "SIGTERM"
    assert svc["Install"]["WantedBy"] == target


@pytest.mark.parametrize("kind", ["user", "system"])
def test_the_export_timer_catches_up_after_downtime(kind: str) -> None:
    timer = unit(kind, "oddsmon-export.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "oddsmon-export.service"
    svc = unit(kind, "oddsmon-export.service")
    assert svc["Service"]["Type"] == "oneshot" and svc["Service"]["ExecStart"].endswith("oddsmon --export")
