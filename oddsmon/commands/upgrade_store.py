"""``oddsmon --upgrade-store``: the configured store upgraded to this oddsmon's schema, and
nothing else (docs/hostile.md, "An older store").

What ``--check`` and every report name when they find a store an older oddsmon wrote: they
read a store as it is and never upgrade one (a monitor's check writes nothing; on a team's
store, an oddsmon still at the older version on another host refuses the upgraded one). This
is the writing open every long-lived command does first, without their work: no API call, no
page fetched. The upgrade is the backend's migration, under its lock (a team's store: its
advisory lock, so two hosts at once upgrade it once; SQLite: the write lock, in one
transaction). A store that cannot be read as it is for another reason (damaged, another
program's, a newer oddsmon's, unreachable) is left as it is, never moved aside or created.

Exit 0: upgraded, or already current; 3: not upgraded, the one line on stderr says why.
"""

from __future__ import annotations

from ..config import Settings
from ..store import SCHEMA_VERSION, Store, StoreError, StoreOlder, describe
from .common import EXIT_CANNOT_RUN, EXIT_OK, fail


def run(settings: Settings) -> int:
    """``oddsmon --upgrade-store``."""
    where = describe(settings)
    try:
        Store.open_existing(settings).close()
    except StoreOlder as older:
        found = older.version
    except StoreError as exc:
        return fail(f"{exc}; not upgraded", EXIT_CANNOT_RUN)
    else:
        print(f"{where}: already at schema {SCHEMA_VERSION}: nothing to upgrade")
        return EXIT_OK
    try:
        # Migrates, under the backend's lock; a file found damaged on the way stays where it
        # is (a plain open would move it aside and say "upgraded" over an empty store).
        store = Store.open(settings, repair=False)
    except StoreOlder:
        # Opened read-only after all: "run --upgrade-store" would send the person in a circle.
        return fail(f"{where}: cannot be upgraded from here: it takes no writes (a PostgreSQL "
                    f"standby or read-only server: point store.url at the primary; a file: its "
                    f"disk or permissions); not upgraded", EXIT_CANNOT_RUN)
    except StoreError as exc:
        return fail(f"{exc}; not upgraded", EXIT_CANNOT_RUN)
    try:
        health = store.health()  # a disk that refused the upgrade opened it read-only
    finally:
        store.close()
    if not health.writable:
        return fail(f"{health.problem or f'{where}: opened read-only'}; not upgraded", EXIT_CANNOT_RUN)
    print(f"{where}: upgraded from schema {found} to {SCHEMA_VERSION}")
    return EXIT_OK
