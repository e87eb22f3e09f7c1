"""Time to first paint of ``oddsmon --demo`` beside a bare Textual app (Header + Footer).

Each app runs as a real process on a pseudo-terminal of the given size, as in an SSH session;
the clock starts at spawn and stops when the terminal output first shows a marker:

- bare app: its footer (first paint);
- oddsmon:  its header (first paint), the sidebar saying ONLINE, and the Dashboard filled
  (its status line counting the fixtures shown): together, what the issue's "paints the
  Dashboard within 5 s with the sidebar saying ONLINE" asks.

Then ``q`` is sent and the exit status checked (0). Runs alternate between the two apps so
both see the same machine load; medians over ``--runs`` (default 5). Not a pytest test:

    python tests/perf/tui_first_paint.py [--runs 5] [--size 80x24]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

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
    status: int | None = None


def run_once(argv: list[str], markers: dict[str, bytes], size: tuple[int, int],
             timeout: float = 20.0, env: dict[str, str] | None = None) -> Run:
    """Spawn ``argv`` on a new pty; time each marker's first appearance; quit with ``q``."""
    cols, rows = size
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(argv[0], argv, env or os.environ.copy())
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    result = Run()
    seen = b""
    deadline = start + timeout
    try:
        while len(result.marks) < len(markers) and time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            now = time.perf_counter() - start
            for name, marker in markers.items():
                if name not in result.marks and marker in seen:
                    result.marks[name] = now
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="80x24")
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
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
