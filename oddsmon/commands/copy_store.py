"""``oddsmon --copy-store FROM TO``: move a store between SQLite and PostgreSQL (either way), each
a path or a postgresql:// URL (libpq key=value pairs too). The copy is verified table by table
(row counts and checksums), resumes where an interrupted run stopped, and refuses a target
that already holds a store. The rows and their SQL are store/copy.py's.

Exit status: 0 copied and verified; 1 a table differs after the copy (the source changed
meanwhile: run it again), or interrupted; 2 bad usage or a target that is not empty; 3 a store
that cannot be opened.
"""

from __future__ import annotations

import sys

from ..config import ConfigError, Settings, is_postgres
from ..store import Store, StoreError, StoreOlder, Where, describe
from .common import EXIT_CANNOT_RUN, EXIT_FAIL, EXIT_OK, EXIT_USAGE, fail


def _where(location: str, settings: Settings) -> Where:
    """A command-line location: the configured store's settings when it names that one (its
    password_file then applies), else the location as such; a URL holding a password is
    refused, as in the configuration."""
    if settings.store.url and location == settings.store.url:
        return settings
    if is_postgres(location):
        from ..config import check_store_url

        try:
            check_store_url(location)
        except ValueError as exc:
            raise ConfigError(f"--copy-store: {exc}") from None
    return location


def _progress(table: str, done: int, total: int) -> None:
    print(f"  {table}: {done:,} of {total:,} rows", file=sys.stderr, flush=True)


def run(settings: Settings, stores: list[str]) -> int:
    from ..store.copy import CopyRefused, claim, copy_store

    origin, destination = stores
    try:
        src, dst = _where(origin, settings), _where(destination, settings)
    except ConfigError as exc:
        return fail(str(exc), EXIT_USAGE)
    if describe(src) == describe(dst):
        return fail(f"--copy-store: FROM and TO are the same store ({describe(src)})", EXIT_USAGE)
    try:
        source = Store.open_existing(src)
    except StoreOlder as older:
        # --upgrade-store acts on the configured store, which FROM need not be.
        return fail(f"--copy-store: the source {describe(src)} is an older oddsmon store (schema "
                    f"{older.version}): upgrade it first with a config whose paths.db (or store.url) "
                    f"names it: oddsmon --config FILE --upgrade-store", EXIT_CANNOT_RUN)
    except StoreError as exc:
        return fail(f"--copy-store: the source cannot be read: {exc}", EXIT_CANNOT_RUN)
    try:
        try:
            target = Store.open(dst)
        except StoreError as exc:
            return fail(f"--copy-store: the target cannot be opened: {exc}", EXIT_CANNOT_RUN)
        try:
            if target.health().problem:
                return fail(f"--copy-store: {target.health().problem}", EXIT_CANNOT_RUN)
            claim(target, describe(src))
            print(f"copying {describe(src)} to {describe(dst)}", file=sys.stderr, flush=True)
            checks = copy_store(source, target, describe(src), _progress)
        except CopyRefused as exc:
            return fail(f"--copy-store: {describe(dst)}: {exc}", EXIT_USAGE)
        except StoreError as exc:
            return fail(f"--copy-store: {exc}; run the same command again to resume", EXIT_FAIL)
        finally:
            target.close()
    finally:
        source.close()
    width = max(len(c.table) for c in checks)
    print(f"{'table':<{width}}  {'source rows':>12}  {'target rows':>12}  checksum")
    for c in checks:
        verdict = "same" if c.ok else f"DIFFERS ({c.source_sum[:12]} vs {c.target_sum[:12]})"
        print(f"{c.table:<{width}}  {c.source_rows:>12,}  {c.target_rows:>12,}  {verdict}")
    bad = [c.table for c in checks if not c.ok]
    if bad:
        return fail(f"--copy-store: {', '.join(bad)} differ after the copy (was oddsmon writing to the "
                    f"source?); run the same command again", EXIT_FAIL)
    print(f"verified: {sum(c.source_rows for c in checks[:-1]):,} rows in {len(checks) - 1} tables, "
          f"counts and checksums the same")
    return EXIT_OK
