"""The incident journal (``paths.incidents``, the runbook's ``docs/incidents_supervision.md``).

The store is the record: the offline machine opens an incident, appends its transitions and
closes it in the same transaction as each offline transition, and commands add their actions
(warm, export, selftest, a person's ``--note``). This module renders those records into the
markdown journal people read and annotate.

Design (see ``docs/supervision.md``):

- **Append only.** oddsmon never rewrites the file: it only appends lines at its end, so any
  line a person wrote, anywhere, stays as written. The file keeps its inode, owner and mode
  (``tail -f`` keeps working; a file the team made group-writable stays so). A new journal is
  created 0600.
- **Idempotent by markers.** Every block oddsmon writes ends with an HTML comment such as
  ``<!-- oddsmon 3fa9c2:a17 -->`` (invisible once rendered): store id, then ``i`` incident
  opened, ``a`` action, ``p`` probe summary, ``c`` incident closed, and the record's id. A sync
  reads the file, and appends exactly the records whose marker is absent. Running it twice, or
  in two processes, or after a crash, writes each record once; a record whose line was lost
  (an editor saved a stale buffer over it) is written again. The store id scopes the markers,
  so a store rebuilt from scratch (ids restarting at 1) is not mistaken for the old one.
- **Two processes at once.** The read-compare-append runs under an exclusive ``fcntl.flock``
  on a lock file beside the journal (``.<name>.lock``; a lock on the journal itself would not
  survive an editor replacing the file). Each append is one ``write`` on an ``O_APPEND``
  descriptor, followed by ``fsync``; when it fails part-way (ENOSPC, EIO) the file is cut back
  to its length before the append, so no torn line stays and the next sync writes it whole.
- **Only a regular file.** A journal path that is a symlink, a FIFO, a device or a directory is
  refused as it is (nothing is opened for writing, nothing replaced).
- **Format check.** A non-empty file without the ``<!-- oddsmon:journal v1 -->`` line is not
  oddsmon's: nothing is written, and the error names the file and says how to adopt it.

``sync(store, settings)`` is the one entry point: the CLI calls it at the end of every command
that may change the record, the TUI periodically; it returns at once when nothing changed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import utc_from_ts
from ..config import Settings, shared_mode
from ..offline import KEY_FIX
from ..records import record
from ..store import Store
from ..store.journal import JournalIncident
from ..text import clean
from .common import SupervisionError, dual, duration, iso, redact, refuse_special, secret_of

if TYPE_CHECKING:
    from datetime import tzinfo
from .health import META_STORE_ID

HEADER_MARK = "<!-- oddsmon:journal v1 -->"
# Patterns as text: re compiles them on first use (a store with no journal file never does).
_MARK = r"<!-- oddsmon ([0-9a-f]{6,32}):([iacp])(\d+) -->"
_HEADER_RE = r"(?m)^<!-- oddsmon:journal v1 -->\s*$"
LOCK_TIMEOUT_S = 10.0
NOTE_MAX = 500
# Actions a command records after an incident closed (the warm that rebuilds the cache, the
# export and selftest of the closing checklist) still belong to it for this long.
LINGER = timedelta(hours=24)

REASON_TEXT = {"user": "manual offline", "network": "network error", "quota": "API quota reached",
               "key": f"API key or account refused by the provider: {KEY_FIX}"}

NEW_JOURNAL = f"""# Incident journal (oddsmon)

{HEADER_MARK}
oddsmon appends every offline incident here: when it started (UTC and local time), why
(`user`, `network`, `quota`, `key`), the actions taken, and when oddsmon was effectively back online.
Write your own lines anywhere: oddsmon only ever appends, and never changes a line.
From a shell: `oddsmon --note "contacted support"` adds a note to the current incident.
"""


class JournalError(SupervisionError):
    """The journal cannot be used (not oddsmon's format, unreadable, not writable)."""


@record
class SyncResult:
    path: Path
    appended: int  # blocks appended (0 when the file already reflected the store)
    created: bool = False


# -- records ---------------------------------------------------------------------------------


def clean_text(text: str, secret: str | None = None) -> str:
    """One line, no escape sequences or controls, no marker look-alikes, bounded, key masked."""
    one = " ".join(clean(text).split())
    one = one.replace("<!--", "<!-").replace("-->", "->")
    if len(one) > NOTE_MAX:
        one = one[:NOTE_MAX - 1] + "…"
    return redact(one, secret)


def record_action(store: Store, at: datetime, kind: str, text: str, *,
                  secret: str | None = None) -> int | None:
    """Add an action to the open incident, or to the latest one if it closed within
    ``LINGER``; returns its id, None when there is none."""
    return store.journal.record_action(at, kind, clean_text(text, secret), LINGER)


def author() -> str:
    import getpass  # it imports termios: only commands that record a note need it

    with contextlib.suppress(Exception):
        return getpass.getuser()
    return os.environ.get("USER") or "unknown"


def store_id(store: Store, *, create: bool = False) -> str | None:
    """This store's random id (scopes the journal's markers); created once when asked."""
    value = store.ledger.meta(META_STORE_ID)
    if value is not None or not create:
        return value
    import secrets  # once per store's life: not worth its import on every start

    return store.journal.meta_once(META_STORE_ID, secrets.token_hex(3))


def _probe_summary(store: Store, inc: JournalIncident) -> str | None:
    """The /status probes sent during the outage, from the request log, in one line."""
    assert inc.closed_at is not None
    rows = store.journal.status_probes(inc.opened_at, inc.closed_at)
    if not rows:
        return None
    failed: dict[str, int] = {}
    ok = [r for r in rows if r[1] == "200"]
    for r in rows:
        if r[1] != "200":
            failed[r[1]] = failed.get(r[1], 0) + 1
    parts = [f"{len(rows)} /status probe{'s' if len(rows) != 1 else ''} during the outage"]
    if failed:
        kinds = ", ".join(f"{k} x{n}" for k, n in sorted(failed.items()))
        parts.append(f"{sum(failed.values())} failed ({kinds})")
    if ok:
        parts.append(f"{len(ok)} succeeded, last at {iso(utc_from_ts(ok[-1][0]))}")
    return "; ".join(parts)


# -- rendering -------------------------------------------------------------------------------


def _blocks(store: Store, incs: list[JournalIncident], sid: str, tz: tzinfo,
            secret: str | None) -> Iterator[tuple[str, str]]:
    """(marker key, text) for every record, in the order a fresh journal would hold them."""
    for inc in incs:
        reason = REASON_TEXT.get(inc.reason, inc.reason)
        yield f"i{inc.id}", (
            f"\n## Incident #{inc.id} - {inc.reason} - {iso(inc.opened_at)}\n\n"
            f"- Opened {dual(inc.opened_at, tz)}; reason `{inc.reason}` ({reason})"
            f" <!-- oddsmon {sid}:i{inc.id} -->\n")
        tail: list[tuple[datetime, int, str, str]] = [
            (a.at, 1, f"a{a.id}", f"- {dual(a.at, tz)} · {a.kind} · {clean_text(a.text, secret)}"
                                  f" <!-- oddsmon {sid}:a{a.id} -->\n")
            for a in inc.actions]
        if inc.closed_at is not None:
            probes = _probe_summary(store, inc)
            if probes:
                tail.append((inc.closed_at, 2, f"p{inc.id}",
                             f"- {dual(inc.closed_at, tz)} · probes · {probes} <!-- oddsmon {sid}:p{inc.id} -->\n"))
            took = duration((inc.closed_at - inc.opened_at).total_seconds())
            tail.append((inc.closed_at, 3, f"c{inc.id}",
                         f"- **Back online** {dual(inc.closed_at, tz)}: effective resume, "
                         f"incident #{inc.id} lasted {took} <!-- oddsmon {sid}:c{inc.id} -->\n"))
        tail.sort(key=lambda t: (t[0], t[1]))
        for _, _, key, text in tail:
            yield key, text


def _markers(text: str, sid: str) -> set[str]:
    return {f"{m.group(2)}{m.group(3)}" for m in re.finditer(_MARK, text) if m.group(1) == sid}


# -- the file --------------------------------------------------------------------------------


def _read(path: Path) -> str | None:
    """The journal's text, None when it does not exist; JournalError when it is not ours."""
    refuse_special(path, "the incident journal path is refused", JournalError)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise JournalError(f"{path}: the incident journal path is a directory") from None
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the incident journal: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JournalError(f"{path}: not oddsmon's incident journal (not UTF-8 text); "
                           f"nothing written") from None
    if text.strip() and not re.search(_HEADER_RE, text):
        raise JournalError(
            f"{path}: not oddsmon's incident journal (no line '{HEADER_MARK}'); nothing written. "
            f"Move it aside, point paths.incidents elsewhere, or add that line to adopt it")
    return text


def check_usable(path: Path) -> None:
    """Fail now, naming the file, if a sync could not write the journal; writes nothing."""
    path = Path(path)
    text = _read(path)
    if text is not None:
        if not os.access(path, os.W_OK):
            raise JournalError(f"{path}: the incident journal is not writable")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise JournalError(f"{path}: cannot create the incident journal ({parent} is not a writable directory)")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(f".{path.name}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, shared_mode(path.parent))
    except OSError as exc:
        raise JournalError(f"{path}: cannot lock the incident journal ({lock}: {exc.strerror})") from None
    try:
        import fcntl  # only writers lock the journal; --check reads it

        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise JournalError(f"{path}: cannot lock the incident journal: {exc.strerror}") from None
                if time.monotonic() > deadline:
                    raise JournalError(f"{path}: the incident journal stayed locked by another "
                                       f"process for {LOCK_TIMEOUT_S:.0f} s ({lock})") from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _append(path: Path, payload: str) -> None:
    """Append ``payload`` whole or not at all (called under the lock, after ``_read``)."""
    data = payload.encode("utf-8")
    mode = shared_mode(path.parent)
    try:
        # O_NOFOLLOW and O_NONBLOCK: a symlink or FIFO swapped in since _read is refused, never
        # followed or waited on.
        flags = os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, mode)
            os.fchmod(fd, mode)  # a new journal: its mode past the umask
        except FileExistsError:  # an existing one keeps the mode people gave it
            fd = os.open(path, flags)
    except OSError as exc:
        raise JournalError(f"{path}: cannot write the incident journal: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise JournalError(f"{path}: the incident journal path is not a regular file")
        start = st.st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError as exc:
            # A short write (disk full) would leave a torn line for good: cut back to the
            # length before this append, so the journal holds whole records only.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
                os.fsync(fd)
            raise JournalError(f"{path}: cannot write the incident journal: {exc.strerror}; "
                               f"nothing of this append was kept") from None
    finally:
        os.close(fd)


_last_sync: dict[str, tuple[object, ...]] = {}


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def sync(store: Store, settings: Settings, *, path: Path | None = None) -> SyncResult:
    """Append to the journal whatever the store holds that the file does not show yet.

    Safe to call often (returns at once when neither the records nor the file changed), from
    several processes at once, and after a crash. Raises ``JournalError`` naming the file when
    it is not oddsmon's or cannot be written; the file is then left exactly as it was.
    """
    path = Path(path or settings.paths.incidents)
    sid = store_id(store, create=True)
    assert sid is not None
    stamp = (sid, store.journal.fingerprint(), _file_stamp(path))
    if _last_sync.get(str(path)) == stamp:
        return SyncResult(path, 0)
    tz = settings.watch.tz
    secret = secret_of(settings)
    with _locked(path):
        text = _read(path)
        created = text is None or not text.strip()
        present = _markers(text or "", sid)
        incs = store.journal.incidents()
        missing = [body for key, body in _blocks(store, incs, sid, tz, secret) if key not in present]
        if missing or created:
            payload = "".join(missing)
            if created:
                payload = NEW_JOURNAL + payload if text is None or text == "" else \
                    ("" if text.endswith("\n") else "\n") + NEW_JOURNAL + payload
            elif not text.endswith("\n"):  # type: ignore[union-attr]
                payload = "\n" + payload  # never glue our line onto a person's last line
            _append(path, payload)
    _last_sync[str(path)] = (sid, store.journal.fingerprint(), _file_stamp(path))
    return SyncResult(path, len(missing), created)


def documented(path: Path, sid: str | None, incident_id: int | None, closed: bool,
               action_ids: tuple[int, ...] = ()) -> tuple[bool, str]:
    """The closing checklist's last item: does the journal show this incident, start to end?
    Reads only."""
    if incident_id is None:
        return True, "no incident recorded: nothing to document"
    try:
        found = _all_markers(Path(path))
    except JournalError as exc:
        return False, str(exc)
    if found is None:
        return False, f"{path} does not exist yet; oddsmon --export (or any command but --check) writes it"
    if sid is None:
        return False, f"{path} was never synced with this store; run oddsmon --export"
    present = {key for s, key in found if s == sid}
    if not closed:
        return False, f"incident #{incident_id} is still open"
    wanted = {f"i{incident_id}", f"c{incident_id}", *(f"a{a}" for a in action_ids)}
    lacking = wanted - present
    if lacking:
        return False, (f"{path} lacks {len(lacking)} record(s) of incident #{incident_id}; "
                       f"run oddsmon --export (or any command but --check) to sync it")
    return True, f"{path} holds incident #{incident_id} from start to resume"


_marker_cache: dict[str, tuple[tuple[int, int, int], frozenset[tuple[str, str]]]] = {}


def _all_markers(path: Path) -> frozenset[tuple[str, str]] | None:
    """Every (store id, record key) marker in the file; None when it does not exist.

    The TUI evaluates the checklist every second: the file is read again only when its inode,
    size or mtime changed.
    """
    stamp = _file_stamp(path)
    if stamp is None:
        _read(path)  # a directory or an unreadable path says so; a missing file is None
        return None
    cached = _marker_cache.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    text = _read(path)
    if text is None:
        return None
    found = frozenset((m.group(1), f"{m.group(2)}{m.group(3)}") for m in re.finditer(_MARK, text))
    _marker_cache[str(path)] = (stamp, found)
    return found


def incident_action_ids(store: Store, incident_id: int) -> tuple[int, ...]:
    return store.journal.action_ids(incident_id)


def record_note(store: Store, at: datetime, text: str, secret: str | None) -> tuple[int | None, bool]:
    """(incident id, whether the note is new): the same note on the same incident (a retry
    after an error) is recorded once."""
    return store.journal.record_note(at, clean_text(text, secret))
