"""The running demos, so that every ``--demo`` command of any shell acts on one.

``oddsmon --demo`` works in a throwaway directory, on a simulator that lives in its process.
While it runs it serves that simulator on a loopback port too and registers itself: one file
per demo in ``$XDG_STATE_HOME/oddsmon/demos/`` naming its directory, the simulator's address,
its pid and when it started, locked (``flock``) by the demo for as long as it lives. A command
given ``--demo`` acts on the most recent demo whose lock is still held, through that very
simulator (its quota, its account, its network), and says which. A file whose lock is free is a
demo that ended (closed, killed, its browser tab gone) and is removed by whoever finds it, so
one demo closing never hides another, and a pid reused by another program is never mistaken
for a demo.

Light on purpose (no httpx, no Textual): ``--check --demo`` starts as fast as ``--check``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from .config import Settings, state_dir
from .records import record, replace

DEMO_BASE_URL = "http://simulator.oddsmon.invalid"

# How to leave the demo for the provider, wherever oddsmon says it (--help, the TUI's demo).
USE_A_REAL_KEY = ("To use a real key: export APISPORTS_KEY=<key> (the variable api.key_env "
                  "names), or write the key alone to a file only you can read (chmod 600), "
                  "e.g. ~/.config/oddsmon/apisports.key, and name it in oddsmon.toml as "
                  "api.key_file; then start oddsmon without --demo.")


class Served(Protocol):
    """The demo's simulator as other processes reach it (``oddsmon.sim.ServedSimulator``)."""

    def serve(self) -> str: ...  # listens on loopback; its URL

    def stop_serving(self) -> None: ...


@record
class RunningDemo:
    """A demo found running on this account: its settings, and which one it is."""

    settings: Settings
    pid: int
    started_at: float  # seconds since the epoch
    running: int  # how many demos run on this account

    def describe(self) -> str:
        import time

        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.started_at))
        which = f"the most recent of {self.running} running, " if self.running > 1 else ""
        # The demo's folder: its store and files (named through a file beside the store,
        # which only the store itself locates).
        return (f"on the demo started {started} ({which}pid {self.pid}, store "
                f"{self.settings.paths.metrics.parent})")


def demo_paths(settings: Settings, base: Path, base_url: str = DEMO_BASE_URL) -> Settings:
    """``settings`` of a demo: the simulator at ``base_url``, the store and files under ``base``."""
    demo = replace(settings, api=replace(settings.api, base_url=base_url), demo=True)
    return demo.with_paths(db=base / "oddsmon.db", metrics=base / "supervision_metrics.json",
                           incidents=base / "incidents_supervision.md")


def registry() -> Path:
    """The folder of the running demos' files: per user, under ``$XDG_STATE_HOME``."""
    return state_dir() / "demos"


# This process's demos: directory -> (the locked file's descriptor, the served simulator).
_held: dict[str, tuple[int, Served]] = {}


def publish(directory: str, simulator: Served) -> None:
    """Serve the demo's simulator and register the demo until :func:`unpublish` (or its end)."""
    import fcntl
    import json
    import time

    url = simulator.serve()
    folder = registry()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    entry = folder / f"{Path(directory).name}.json"
    fresh = folder / f".{entry.name}.new"
    fd = os.open(fresh, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # Locked before it gets its name, so no reader ever sees it unlocked: the lock held is
        # the demo alive; the kernel drops it when the process ends, however it ends.
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({"directory": directory, "simulator": url, "pid": os.getpid(),
                                 "started_at": time.time()}).encode("utf-8"))
        os.replace(fresh, entry)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            fresh.unlink()
        simulator.stop_serving()
        raise
    _held[directory] = (fd, simulator)


def unpublish(directory: str) -> None:
    """The demo in ``directory`` is ending: unregister it and stop serving its simulator."""
    held = _held.pop(directory, None)
    if held is None:
        return
    fd, simulator = held
    with contextlib.suppress(OSError):
        (registry() / f"{Path(directory).name}.json").unlink()
    os.close(fd)
    simulator.stop_serving()


def _entry(path: Path) -> dict[str, object] | None:
    """What a live demo registered in ``path``; None (and the file removed) for one that ended."""
    import fcntl
    import json

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: the demo runs
            with open(fd, "rb", closefd=False) as file:
                data = json.loads(file.read().decode("utf-8"))
            return data if isinstance(data, dict) else None
        except OSError:
            return None
        with contextlib.suppress(OSError):  # nobody holds it: that demo has ended
            path.unlink()
        return None
    except (ValueError, UnicodeDecodeError):  # not what publish writes: not a demo of ours
        return None
    finally:
        os.close(fd)


def running_demo(settings: Settings) -> RunningDemo | None:
    """The most recent demo running on this account (its store, files and simulator), or None."""
    try:
        paths = sorted(registry().glob("*.json"))
    except OSError:
        return None
    from .store import Store

    found: list[tuple[float, int, Settings]] = []
    for path in paths:
        entry = _entry(path)
        if entry is None:
            continue
        directory, url = entry.get("directory"), entry.get("simulator")
        started, pid = entry.get("started_at"), entry.get("pid")
        if isinstance(directory, str) and isinstance(url, str) and isinstance(started, float | int) \
                and isinstance(pid, int) and Path(directory).is_absolute():
            demo = demo_paths(settings, Path(directory), url)
            if Store.exists(demo):
                found.append((float(started), pid, demo))
    if not found:
        return None
    started, pid, demo = max(found, key=lambda each: each[:2])
    return RunningDemo(demo, pid, started, len(found))
