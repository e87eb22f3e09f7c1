"""Every command ends on one line and a documented status, never a traceback without --debug:
a Python without oddsmon's dependencies (a system ``python3 -m oddsmon``, an old venv), a
Python older than 3.11, an error nothing else caught, Ctrl+C."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oddsmon import cli

ROOT = Path(__file__).resolve().parents[2]


def _bare(tmp_path: Path, *args: str, key: bool = True) -> subprocess.CompletedProcess[str]:
    """``python -S -m oddsmon ARGS``: the interpreter without site-packages, as a system Python
    without httpx or Textual would run it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ODDSMON_CONFIG", "APISPORTS_KEY")}
    env.update(PYTHONPATH=str(ROOT), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    if key:
        env["APISPORTS_KEY"] = "a-key-for-this-test"
    return subprocess.run([sys.executable, "-S", "-m", "oddsmon", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_missing_dependency_is_one_line(tmp_path: Path) -> None:
    proc = _bare(tmp_path, "--warm")  # imports httpx
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("oddsmon: cannot run: No module named") and proc.stderr.count("\n") == 1
    assert ".venv/bin/oddsmon" in proc.stderr
    proc = _bare(tmp_path, "--demo")  # the TUI: Textual
    assert proc.returncode == 3 and "No module named" in proc.stderr and "Traceback" not in proc.stderr
    subprocess.run([sys.executable, "-m", "oddsmon", "--offline"], cwd=tmp_path, check=True,  # a store
                   env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"),
                        "XDG_DATA_HOME": str(tmp_path / "data")}, capture_output=True, timeout=60)
    proc = _bare(tmp_path, "--check", "--probe")  # a monitor reads stdout's first line
    assert proc.returncode == 3 and proc.stdout.startswith("ODDSMON UNKNOWN - cannot run: No module named")
    proc = _bare(tmp_path, "--warm", "--debug")  # the traceback, when asked for
    assert proc.returncode == 1 and "Traceback" in proc.stderr


def _old_python() -> tuple[str, str] | None:
    """A Python 3.7 to 3.10 on this machine (its path, "3.N"), or None."""
    candidates = [shutil.which(f"python3.{n}") for n in range(10, 6, -1)]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3"))]
    for python in filter(None, candidates):
        try:
            proc = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                  capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        version = proc.stdout.strip()
        if proc.returncode == 0 and version in {f"3.{n}" for n in range(7, 11)}:
            return python, version
    return None


OLD = _old_python()


@pytest.mark.skipif(OLD is None, reason="no Python 3.7 to 3.10 on this machine")
def test_an_old_python_is_told_what_to_run() -> None:
    assert OLD is not None
    python, version = OLD
    for args, stream in ((["--warm"], "stderr"), (["--check"], "stdout")):
        proc = subprocess.run([python, "-m", "oddsmon", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        said = getattr(proc, stream)
        assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc
        assert f"Python {version} is older than 3.11" in said and ".venv/bin/oddsmon" in said


def test_an_unexpected_error_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    def broken(given: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli, "_main", broken)
    monkeypatch.delenv("ODDSMON_DEBUG", raising=False)
    assert cli.main(["--export"]) == 3
    out, err = capsys.readouterr()
    assert not out and err == ("oddsmon: unexpected error: OSError: [Errno 28] No space left on device "
                               "(--debug shows the traceback)\n")
    assert cli.main(["--check"]) == 3
    assert capsys.readouterr().out.startswith("ODDSMON UNKNOWN - unexpected error: OSError")
    with pytest.raises(OSError):
        cli.main(["--export", "--debug"])

    def interrupted(given: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_main", interrupted)
    assert cli.main(["--warm"]) == 130
    assert capsys.readouterr().err == "oddsmon: interrupted\n"
