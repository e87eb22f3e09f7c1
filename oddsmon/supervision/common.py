"""Small pieces the headless supervision commands share: times for people, atomic files,
secret redaction, and opening an existing store without ever repairing it.

Nothing here imports httpx or Textual: ``--check`` must start fast.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..store import Store, StoreError

# Monitoring-plugin exit statuses (Nagios/Icinga/Sensu/Zabbix all read them the same way).
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
LABELS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}

# Exit statuses of the other headless commands (--export, --note, --selftest).
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_STATE = 0, 1, 2, 3


class SupervisionError(Exception):
    """A problem already phrased for a person, naming the file concerned."""

    exit_code = EXIT_FAIL


class StateUnreadable(SupervisionError):
    """The shared store is missing, damaged or not oddsmon's: the state is unknown."""

    exit_code = EXIT_STATE


# -- times -----------------------------------------------------------------------------------


def iso(when: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z``, second precision (what files and JSON hold)."""
    if when is None:
        return None
    return when.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_text(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def dual(when: datetime, tz: ZoneInfo) -> str:
    """``2026-11-24 09:00:00 UTC (10:00:00 CET)``: UTC for the record, local for people.

    The local part repeats the date only when it differs from the UTC date.
    """
    utc = when.astimezone(timezone.utc)
    local = when.astimezone(tz)
    if local.tzname() == "UTC":  # UTC, Etc/UTC (a host's default zone): said once
        return utc_text(utc)
    fmt = "%H:%M:%S %Z" if local.date() == utc.date() else "%Y-%m-%d %H:%M:%S %Z"
    return f"{utc_text(utc)} ({local.strftime(fmt)})"


def duration(seconds: float | None) -> str:
    """``2 d 03 h 05 min``, ``15 h 00 min``, ``4 min 10 s``, ``12 s``."""
    if seconds is None:
        return "-"
    s = max(0, int(round(seconds)))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours:02d} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


# -- secrets ---------------------------------------------------------------------------------


def redact(text: str, secret: str | None) -> str:
    """Mask the API key should it ever reach a message (defence in depth: nothing should)."""
    if secret and len(secret) >= 6 and secret in text:
        return text.replace(secret, "********")
    return text


def secret_of(settings: object) -> str | None:
    """The configured key's value, only to redact it; None when there is none or it is unreadable."""
    try:
        key = settings.api_key()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a bad key_file is reported elsewhere
        return None
    return key.reveal() if key else None


# -- files -----------------------------------------------------------------------------------


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``path`` all at once: a temp file in the same directory, fsync, rename.

    Readers (and node_exporter's textfile collector) see the old file or the new one, never a
    half-written one. The file is created with ``mode`` (0600: it describes oddsmon's state).
    On failure nothing is left behind and a ``SupervisionError`` names the file.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise SupervisionError(f"{path}: cannot write: it is a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise SupervisionError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SupervisionError(f"{path}: cannot write: {exc.strerror or exc}") from None
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


# -- the store -------------------------------------------------------------------------------


def open_existing(db: Path, *, writable: bool = False) -> Store:
    """Open the shared store as it is, never creating, migrating or moving it aside.

    The engine's usual ``Store.open`` repairs a damaged file by moving it aside and starting
    empty; that is right for the TUI and ``--warm`` but wrong for a check or an export, which
    would then report an empty state as if it were true. So the file is first opened read-only
    (which verifies it is an oddsmon store of the current schema); only then, if asked, is a
    read-write connection opened on a file known to be good.
    """
    try:
        store = Store.open(db, read_only=True)
    except StoreError as exc:
        raise StateUnreadable(str(exc)) from None
    if not writable:
        return store
    store.close()
    try:
        return Store.open(db)
    except StoreError as exc:
        raise StateUnreadable(str(exc)) from None
