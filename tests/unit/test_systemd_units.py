"""The shipped systemd user units say what docs/collector.md promises."""

from __future__ import annotations

import configparser
from pathlib import Path

UNITS = Path(__file__).resolve().parents[2] / "contrib" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def test_the_collector_runs_in_the_foreground_and_stops_on_sigterm() -> None:
    svc = unit("oddsmon-collect.service")
    assert svc["Service"]["ExecStart"].endswith("oddsmon --collect")
    assert svc["Service"]["Type"] == "simple" and svc["Service"]["KillSignal"] == "SIGTERM"
    assert svc["Install"]["WantedBy"] == "default.target"  # a user unit


def test_the_export_timer_catches_up_after_downtime() -> None:
    timer = unit("oddsmon-export.timer")
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "oddsmon-export.service"
    svc = unit("oddsmon-export.service")
    assert svc["Service"]["Type"] == "oneshot" and svc["Service"]["ExecStart"].endswith("oddsmon --export")
