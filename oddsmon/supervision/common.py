"""Small pieces the headless supervision commands share: times for people, atomic files,
secret redaction, and opening an existing store without ever repairing it.

Nothing here imports httpx or Textual: ``--check`` must start fast.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..store import Store, StoreError, StoreUnreachable
from ..text import clean, redact

if TYPE_CHECKING:
    from datetime import tzinfo

    from ..config import Settings

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

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable  # a team's server away (or this host's network)


# -- times -----------------------------------------------------------------------------------


def iso(when: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z``, second precision (what files and JSON hold)."""
    if when is None:
        return None
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def dual(when: datetime, tz: tzinfo) -> str:
    """``2026-11-24 09:00:00 UTC (10:00:00 CET)``: UTC for the record, local for people.

    The local part repeats the date only when it differs from the UTC date.
    """
    utc = when.astimezone(UTC)
    local = when.astimezone(tz)
    if local.tzname() == "UTC":  # UTC, Etc/UTC (a host's default zone): said once
        return utc_text(utc)
    fmt = "%H:%M:%S %Z" if local.date() == utc.date() else "%Y-%m-%d %H:%M:%S %Z"
    return f"{utc_text(utc)} ({local.strftime(fmt)})"


def duration(seconds: float | None) -> str:
    """``2 d 03 h 05 min``, ``15 h 00 min``, ``4 min 10 s``, ``12 s``."""
    if seconds is None:
        return "-"
    s = max(0, round(seconds))
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


def for_output(text: str, secret: str | None) -> str:
    """What a command prints or writes: the key masked, and no terminal controls, whatever an
    older store may hold (what enters now is cleaned at the boundary already)."""
    return clean(redact(text, secret), multiline=True)


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
    On failure nothing is left behind and a ``SupervisionError`` names the file. Only a regular
    file is ever replaced: a device, a FIFO, a socket or a symlink at ``path`` is refused as it
    is (a rename would put a regular file in place of ``/dev/full``, or of a link someone made).
    """
    with atomic_stream(path, mode) as out:
        out.write(data)


@contextlib.contextmanager
def atomic_stream(path: Path, mode: int = 0o600) -> Iterator[BinaryIO]:
    """:func:`atomic_write` for a caller that writes as it goes (an export of millions of rows
    never holds them all): the file appears whole when the block ends, or not at all."""
    path = Path(path)
    refuse_special(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _new_temp_beside(path)
    except OSError as exc:
        raise SupervisionError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(fd, mode)
            yield out
            out.flush()
            os.fsync(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise SupervisionError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _new_temp_beside(path: Path) -> tuple[int, str]:
    """A new file beside ``path`` (``.NAME.<random>.tmp``, mode 0600), open for writing, as
    ``tempfile.mkstemp`` makes it (exclusive creation, links not followed) without importing
    tempfile, which imports shutil and random: ``--export`` should start as fast as ``--check``."""
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no unused temporary name beside {path}")


def refuse_special(path: Path, what: str = "cannot write",
                   error: type[SupervisionError] = SupervisionError) -> None:
    """``error`` naming ``path`` when it exists and is not a regular file (links not followed):
    oddsmon never writes through, replaces or renames a device, a FIFO or a symlink."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode):
        raise error(f"{path}: {what}: it is a directory")
    if not stat.S_ISREG(mode):
        kind = "a symlink" if stat.S_ISLNK(mode) else "a device, FIFO or socket"
        raise error(f"{path}: {what}: it is {kind}, not a regular file; oddsmon only writes "
                    f"regular files")


# -- the store -------------------------------------------------------------------------------


def open_existing(settings: Settings, *, writable: bool = False) -> Store:
    """The configured store as it is (``Store.open_existing``: never created, migrated or
    moved aside, so a report never shows an empty state as if it were true); one that cannot
    be read as it is, is the state unreadable (exit 3)."""
    try:
        return Store.open_existing(settings, writable=writable)
    except StoreError as exc:
        raise StateUnreadable(str(exc), unreachable=isinstance(exc, StoreUnreachable)) from None
