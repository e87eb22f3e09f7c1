"""``oddsmon --note TEXT``: a person's action on the open incident, in the store and the journal."""

from __future__ import annotations

import sys
from datetime import datetime

from ..clock import Clock
from ..config import Settings
from ..store import Store, StoreError
from ..supervision.common import EXIT_FAIL, EXIT_OK, EXIT_STATE, StateUnreadable, open_existing, secret_of
from ..supervision.journal import JournalError, author, check_usable, clean_text, record_note, sync
from .common import fail


def run(settings: Settings, text: str, clock: Clock | None = None) -> int:
    """``oddsmon --note TEXT``: a person's action, on the open incident (else the latest one),
    recorded in the store and then in the journal. Exit 0 added, 1 nothing to attach it to or
    the journal is unusable, 3 the store cannot be read; nothing is changed on failure."""
    from ..clock import SystemClock

    clock = clock or SystemClock()
    secret = secret_of(settings)
    path = settings.paths.incidents
    try:
        check_usable(path)
        store = open_existing(settings, writable=True)
    except StateUnreadable as exc:
        if exc.unreachable:
            return _queue(settings, clock.now(), f"{author()}: {text}", secret, exc)
        print(f"oddsmon: {exc}", file=sys.stderr)
        return exc.exit_code
    except JournalError as exc:
        print(f"oddsmon: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        now = clock.now()
        incident, new = record_note(store, now, f"{author()}: {text}", secret)
        if incident is None:
            print("oddsmon: no incident recorded yet: nothing to attach the note to",
                  file=sys.stderr)
            return EXIT_FAIL
        open_now = store.incidents.current()
        recorded = (f"note recorded on incident #{incident}" if new else
                    f"this note was already recorded on incident #{incident}; not added again")
        try:
            sync(store, settings)
        except JournalError as exc:
            # The store holds the note: say so, or a person retrying would add it twice.
            print(f"oddsmon: {recorded} in the store, but the journal could not be written: "
                  f"{exc}. The next oddsmon command adds it to {path}; do not add it again",
                  file=sys.stderr)
            return EXIT_FAIL
    except StoreError as exc:
        print(f"oddsmon: {exc}", file=sys.stderr)
        return EXIT_STATE
    finally:
        store.close()
    state = "open" if open_now is not None and open_now.id == incident else "closed"
    print(f"{recorded} ({state}) in {path}" if not new else
          f"note added to incident #{incident} ({state}) in {path}")
    return EXIT_OK


def _queue(settings: Settings, at: datetime, line: str, secret: str | None, why: StateUnreadable) -> int:
    """The team's server is away: keep the note in this host's own file, to be recorded (with
    this time) by the first oddsmon on this host that reaches the server again. Exit 0 queued,
    3 when this host's file cannot take it either."""
    try:
        host = Store.open_host(settings)
        try:
            host.journal.queue_note(at, clean_text(line, secret))
            where = host.health().where
        finally:
            host.close()
    except StoreError as exc:
        return fail(f"{why}; and the note could not be queued on this host: {exc}", EXIT_STATE)
    print(f"team store unreachable: note queued on this host ({where}); it is added to "
          f"the incident, with this time, when the server is back (the next oddsmon that reaches it)")
    return EXIT_OK
