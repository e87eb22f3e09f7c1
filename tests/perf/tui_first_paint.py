"""Time to first paint of ``oddsmon --demo`` beside a bare Textual app (Header + Footer).

Each app runs as a real process on a pseudo-terminal of the given size, as in an SSH session;
the clock starts at spawn and stops when the terminal output first shows a marker:

- bare app: its footer (first paint);
- oddsmon:  its header (first paint), the sidebar saying ONLINE, and the Dashboard filled
  (its status line counting the fixtures shown): together, what the issue's "paints the
  Dashboard within 5 s with the sidebar saying ONLINE" asks.

Then ``q`` is sent and the exit status checked (0). Runs alternate between the two apps so
both see the same machine load; medians over ``--runs`` (default 5).

With ``--store DIR`` (an ``oddsmon.db`` and its ``settings.pkl``, as bench_real_size or
common.warmed_store leave them; copied first, never opened in place), the real ``oddsmon``
also runs offline on that store, beside the same on a store of the example config's size,
and once the Dashboard is filled the keys are timed as a user at the terminal sees them:
``b`` to the Bookmakers table filled, ``o`` to the Odds table filled, and on the Odds screen
switching fixture (the picker, next fixture, enter; ``.``; the picker's last but one, enter) to
its table filled again. Not a pytest test:

    python tests/perf/tui_first_paint.py [--runs 5] [--size 80x24] [--store /tmp/big2000]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pickle
import pty
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]

BARE_APP = textwrap.dedent("""
    from textual.app import App
    from textual.widgets import Footer, Header

    class Bare(App):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self):
            yield Header()
            yield Footer()

    if __name__ == "__main__":
        Bare().run()
""")


@dataclass
class Run:
    marks: dict[str, float] = field(default_factory=dict)  # marker -> seconds since spawn
    keys: dict[str, float] = field(default_factory=dict)  # key step -> seconds key to marker
    # key step -> the app's seconds on a core and waiting for one meanwhile (cpu_s)
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)
    status: int | None = None


def cpu_s(pid: int) -> tuple[float, float]:
    """Seconds process ``pid``'s threads have run on a core and have waited, runnable, for one
    (Linux's schedstat; (0, 0) where there is none). A key's wall time on a loaded machine is
    mostly the second: the first is what the app did."""
    ran = waited = 0
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError):
                on_core, runnable, _ = (task / "schedstat").read_text().split()
                ran, waited = ran + int(on_core), waited + int(runnable)
    return ran / 1e9, waited / 1e9


@dataclass(frozen=True)
class KeyStep:
    """Keys typed once the start markers showed, timed from the last key to ``marker``
    appearing in what the terminal receives after it. With ``changed``, the marker's line
    (up to the next escape sequence) must also differ from what it said before the keys:
    a repaint of the old content (a dialog closing over it) is not the new content."""

    name: str
    keys: tuple[bytes, ...]
    marker: bytes
    changed: bool = False


# What a user does on a store's screens: the Bookmakers table ("25 known" in its status
# line), the Odds table ("8 bookmakers"), and other fixtures on the Odds screen (the Fair view's
# first outcome, its best and fair prices, drawn with its table; the "Best" line under the table
# is not drawn at 80 columns): the next one in the picker, the one after with '.', and the last
# but one of the picker (End, Up). The fixtures beside the one shown are read ahead while the
# analyst reads it (each key comes a pause after the screen before it filled); that one is not.
# (PageDown is the Odds screen's own key, before the drop-down's.)
KEY_STEPS = (
    KeyStep("'b' to Bookmakers table filled", (b"b",), b" known"),
    KeyStep("'o' to Odds table filled", (b"o",), b" bookmakers"),
    KeyStep("Odds: switch fixture to table filled", (b"g", b"\x1b[B", b"\r"), b"Home ", changed=True),
    KeyStep("Odds: '.' to the next fixture, table filled", (b".",), b"Home ", changed=True),
    KeyStep("Odds: switch fixture far down the picker (not read ahead) to table filled",
            (b"g", b"\x1b[F", b"\x1b[A", b"\r"), b"Home ", changed=True),
)
# The Value screen's first open (issue 23: it "opens in at most 0.5 s"): 'V' once the Dashboard is
# filled, to its first rows on screen (its status line counting the bets), on a run of its own.
VALUE_STEP = KeyStep("'V' to Value table filled (first open)", (b"V",), b" bets")
_COLOURS = re.compile(rb"\x1b\[[0-9;]*m")


def _lines_at(text: bytes, marker: bytes) -> list[bytes]:
    """Each line ``marker`` starts in ``text``, up to the next escape sequence but colours (a
    line may be drawn in pieces: a repaint of part of the screen crops it; a table's cells
    each come with their colours)."""
    text = _COLOURS.sub(b"", text)
    lines = []
    at = text.find(marker)
    while at >= 0:
        end = text.find(b"\x1b", at)
        lines.append(text[at:] if end < 0 else text[at:end])
        at = text.find(marker, at + 1)
    return lines


def _is_new(line: bytes, before: list[bytes]) -> bool:
    """Whether ``line`` says something none of the ``before`` lines (or pieces) said."""
    return all(line[:n] != old[:n] for old in before for n in [min(len(line), len(old))])


class _Terminal:
    """The parent's end of a pty: what the child wrote, read as it comes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = b""

    def read(self, wait: float = 0.05) -> bool:
        """Read what is there (waiting at most ``wait``); False once the child is gone."""
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False
        self.seen += chunk
        return bool(chunk)


def _type_keys(term: _Terminal, pid: int, steps: tuple[KeyStep, ...], result: Run, deadline: float,
               pause: float) -> None:
    for step in steps:
        # A key is typed ``pause`` seconds after the screen before it was filled (a user
        # reading it); what the app does meanwhile (building the next screens) counts.
        quiet = time.perf_counter() + pause
        while time.perf_counter() < quiet and term.read(max(0.0, quiet - time.perf_counter())):
            pass
        for key in step.keys[:-1]:  # untimed: each given a second to show what it opens
            os.write(term.fd, key)
            settle = time.perf_counter() + 1.0
            while time.perf_counter() < settle and term.read():
                pass
        before = _lines_at(term.seen, step.marker) if step.changed else []
        term.seen = b""
        ran, waited = cpu_s(pid)
        os.write(term.fd, step.keys[-1])
        typed = time.perf_counter()
        while not any(_is_new(line, before) for line in _lines_at(term.seen, step.marker)):
            if time.perf_counter() > deadline or not term.read():
                return
        result.keys[step.name] = time.perf_counter() - typed
        now_ran, now_waited = cpu_s(pid)
        result.cpu[step.name] = (now_ran - ran, now_waited - waited)


def run_once(argv: list[str], markers: dict[str, bytes], size: tuple[int, int],
             timeout: float = 20.0, env: dict[str, str] | None = None,
             steps: tuple[KeyStep, ...] = (), pause: float = 0.3) -> Run:
    """Spawn ``argv`` on a new pty; time each marker's first appearance, then each key
    step's; quit with ``q``."""
    cols, rows = size
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(argv[0], argv, env or os.environ.copy())
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    result = Run()
    term = _Terminal(fd)
    deadline = start + timeout
    try:
        while len(result.marks) < len(markers) and time.perf_counter() < deadline:
            if not term.read():
                break
            now = time.perf_counter() - start
            for name, marker in markers.items():
                if name not in result.marks and marker in term.seen:
                    result.marks[name] = now
        if len(result.marks) == len(markers):
            _type_keys(term, pid, steps, result, time.perf_counter() + timeout, pause)
        os.write(fd, b"q")
        quit_deadline = time.perf_counter() + 10
        while time.perf_counter() < quit_deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                result.status = os.waitstatus_to_exitcode(status)
                break
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return result


def store_app(settings: Any, directory: Path, env: dict[str, str]) -> list[str]:
    """The command that starts the real ``oddsmon`` offline on a copy of ``settings``' store
    in ``directory`` (nothing is sent: every screen is served from the copied cache), on the
    run's clock (``env`` holds it): the store is read on the day it was warmed."""
    from oddsmon.config import render_commented
    from tests.perf.common import ODDSMON

    directory.mkdir(parents=True, exist_ok=True)
    for part in settings.paths.db.parent.glob(settings.paths.db.name + "*"):
        shutil.copy(part, directory / part.name)
    here = settings.with_paths(db=directory / settings.paths.db.name,
                               metrics=directory / "supervision_metrics.json",
                               incidents=directory / "incidents_supervision.md")
    config = directory / "oddsmon.toml"
    config.write_text(render_commented(here))
    argv = [*ODDSMON, "--config", str(config)]
    subprocess.run([*argv, "--offline"], env=env, check=True, capture_output=True)
    return argv


def example_settings(directory: Path) -> Any:
    """A store of the example config's size (3 leagues, 3 days), warmed on the simulator."""
    from oddsmon.sim import SimConfig
    from tests.perf.common import warmed_store

    config = SimConfig(leagues=(39, 61, 140), daily_limit=10**6, per_minute=10**6)
    directory.mkdir(parents=True, exist_ok=True)
    return warmed_store(directory, config, days_ahead=3)[0]


class KeyTime(NamedTuple):
    """One key step of one run: seconds from the key to its marker on screen, and the app's
    seconds on a core and waiting for one meanwhile (:func:`cpu_s`)."""

    wall: float
    cpu: float
    waited: float


def key_runs(apps: dict[str, list[str]], size: tuple[int, int], env: dict[str, str],
             runs: int, pause: float, steps: tuple[KeyStep, ...] = KEY_STEPS) -> dict[str, dict[str, list[KeyTime]]]:
    """Each app ``runs`` times, interleaved, typing ``steps`` once the Dashboard is filled:
    step name -> its times in each run that showed it, for each app."""
    out: dict[str, dict[str, list[KeyTime]]] = {name: {} for name in apps}
    for _ in range(runs):
        for name, argv in apps.items():
            result = run_once(argv, {"Dashboard filled": b" fixtures"}, size, timeout=60,
                              env=env, steps=steps, pause=pause)
            for step, took in result.keys.items():
                out[name].setdefault(step, []).append(KeyTime(took, *result.cpu[step]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--store", type=Path, help="a directory with oddsmon.db and settings.pkl: "
                        "also time the keys on it, beside the example config's store")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds between a screen filled and the next key (default 0.3)")
    args = parser.parse_args(argv)
    cols, rows = (int(x) for x in args.size.split("x"))
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    env.pop("APISPORTS_KEY", None)
    env.pop("NO_COLOR", None)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP)
        # An empty config: defaults, no key, so --demo is what a newcomer would start.
        config = Path(tmp) / "oddsmon.toml"
        config.write_text("")
        env["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        env["XDG_DATA_HOME"] = str(Path(tmp) / "data")
        apps = {
            "bare Textual (Header+Footer)": ([sys.executable, str(bare)], {"first paint": b"Quit"}),
            "oddsmon --demo": ([sys.executable, "-m", "oddsmon", "--config", str(config), "--demo"],
                               {"first paint": b"oddsmon", "sidebar ONLINE": b"ONLINE",
                                "Dashboard filled": b" fixtures"}),
        }
        results: dict[str, list[Run]] = {name: [] for name in apps}
        for _ in range(args.runs):
            for name, (cmd, markers) in apps.items():
                results[name].append(run_once(cmd, markers, (cols, rows), env=env))
        keyed = None
        if args.store is not None:
            sys.path.insert(0, str(ROOT))
            from tests.clocks import OFFSET_ENV
            from tests.perf.common import bench_clock

            key_env = {**env, "APISPORTS_KEY": "bench-key-not-a-real-one",
                       OFFSET_ENV: repr(bench_clock().offset_s)}
            stored = pickle.loads((args.store / "settings.pkl").read_bytes())
            stored = stored.with_paths(db=args.store / "oddsmon.db", metrics=stored.paths.metrics,
                                       incidents=stored.paths.incidents)
            keyed = key_runs({str(args.store): store_app(stored, Path(tmp) / "store", key_env),
                              "example config": store_app(example_settings(Path(tmp) / "example"),
                                                          Path(tmp) / "example-copy", key_env)},
                             (cols, rows), key_env, args.runs, args.pause)
    print(f"time to first paint, {cols}x{rows} pty, medians of {args.runs} runs "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    failed = False
    for name, runs in results.items():
        markers = apps[name][1]
        for marker in markers:
            times = [r.marks[marker] for r in runs if marker in r.marks]
            missing = len(runs) - len(times)
            if times:
                print(f"  {name:<30} {marker:<16} median {statistics.median(times):6.3f} s "
                      f"(min {min(times):.3f}, max {max(times):.3f})"
                      + (f", {missing} run(s) never showed it" if missing else ""))
            else:
                print(f"  {name:<30} {marker:<16} never seen")
                failed = True
        statuses = sorted({r.status for r in runs}, key=str)
        print(f"  {name:<30} exit status after q: {statuses}")
        failed |= statuses != [0]
    for name, steps in (keyed or {}).items():
        for step in KEY_STEPS:
            took = steps.get(step.name, [])
            print(f"  {name:<30} {step.name:<38} "
                  + (f"median {statistics.median(t.wall for t in took):6.3f} s over {len(took)} run(s), "
                     f"the app on a core {statistics.median(t.cpu for t in took):6.3f} s, waiting for one "
                     f"{statistics.median(t.waited for t in took):6.3f} s" if took else "never seen"))
            failed |= not took
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
