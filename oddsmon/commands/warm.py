"""``oddsmon --warm [--force]``: the four critical pages made fresh within the quota, a line per
step, what it cost; exit 0 only when every page is now fresh."""

from __future__ import annotations

from ..config import Settings
from ..store import StoreError
from ..supervision.common import SupervisionError
from .common import EXIT_CANNOT_RUN, EXIT_FAIL, EXIT_OK, fail, journal_sync


def run(settings: Settings, *, demo: bool = False, force: bool = False) -> int:
    """``oddsmon --warm [--force]``; a store or journal it cannot use: exit 3, nothing sent."""
    import asyncio

    try:
        return asyncio.run(_warm(settings, demo=demo, force=force))
    except (StoreError, SupervisionError) as exc:
        return fail(str(exc), EXIT_CANNOT_RUN)


async def _warm(settings: Settings, *, demo: bool, force: bool = False) -> int:
    from ..engine.runtime import build_engine
    from ..supervision import journal
    from ..text import clean

    engine = build_engine(settings, demo=demo)
    try:
        journal.check_usable(engine.settings.paths.incidents)

        def progress(done: int, total: int, step: object) -> None:
            again = f", refetched: {step.refetched}" if step.refetched and step.calls else ""  # type: ignore[attr-defined]
            print(clean(f"  [{done}/{total}] {step.label}: {step.source}{again}"  # type: ignore[attr-defined]
                        f"{f' ({step.calls} calls)' if step.calls else ''}"  # type: ignore[attr-defined]
                        f"{f' - {step.error}' if step.error else ''}"))  # type: ignore[attr-defined]

        report = await engine.service.warm(progress, force=force)
        journal_sync(engine.store, engine.settings)
    finally:
        await engine.aclose()
    for step in report.steps:
        if step.source == "skipped" and step.error:  # no call spent on it, and why
            print(clean(f"  skipped {step.label}: {step.error}"))
    print(clean(f"warm: {report.summary}"))
    if report.left_out_text:
        print(clean(f"warm: {report.left_out_text}"))
    for note in report.notes:
        print(clean(f"warm: note: {note}"))
    if report.stopped:
        print(clean(f"warm stopped: {report.stopped}"))
    # Success only when every page is now fresh: a page that failed (a portal page, an error
    # envelope, a refused key) is not done, even when nothing stopped the warm.
    return EXIT_OK if report.complete else EXIT_FAIL
