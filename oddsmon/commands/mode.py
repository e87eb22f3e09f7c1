"""``oddsmon --offline`` / ``--online [--force]``: manual offline mode for every oddsmon on the
host (reason ``user``), or back online; the journal records the transition."""

from __future__ import annotations

from ..config import Settings
from ..store import StoreError
from ..supervision.common import SupervisionError
from .common import EXIT_FAIL, EXIT_OK, fail, journal_sync


def offline(settings: Settings) -> int:
    """``oddsmon --offline``."""
    return _guarded(settings, offline=True)


def online(settings: Settings, *, force: bool = False) -> int:
    """``oddsmon --online [--force]``."""
    return _guarded(settings, offline=False, force=force)


def _guarded(settings: Settings, *, offline: bool, force: bool = False) -> int:
    try:
        return _set_mode(settings, offline=offline, force=force)
    except (StoreError, SupervisionError) as exc:
        return fail(str(exc), EXIT_FAIL)


def _set_mode(settings: Settings, *, offline: bool, force: bool = False) -> int:
    import asyncio

    from ..clock import SystemClock
    from ..engine.runtime import open_store
    from ..offline import OfflineMachine
    from ..supervision import journal

    journal.check_usable(settings.paths.incidents)  # a bad journal: say so before changing anything
    # Going online: first the free /status, so the calls left are the provider's (the ledger
    # may still hold the 0 it saw before a plan upgrade or a reset).
    quota_note = None if offline or settings.api_key() is None \
        else asyncio.run(_refresh_quota(settings))
    store = open_store(settings)
    try:
        clock = SystemClock()
        left = store.ledger.quota().remaining_at(clock.now())
        reserve = settings.api.daily_reserve
        if not offline and not force and left is not None and left <= reserve:
            # Online with nothing above the reserve is offline (quota) again at the first
            # request, and the journal would record a resume that did not happen.
            return fail(f"{left} call(s) left today, at or below the reserve ({reserve}): "
                        f"oddsmon would go straight back offline (quota). Wait for the reset, "
                        f"or run: {settings.prog} --online --force")
        machine = OfflineMachine(store, clock, settings.supervision)
        changed = machine.go_offline("user", "manual offline (--offline)") if offline \
            else machine.go_online("manual resume (--online)")
        view = machine.view()
        journal_sync(store, settings)
    finally:
        store.close()
    state = f"OFFLINE ({view.reason})" if view.offline else "ONLINE"
    print(f"oddsmon is {state}{'' if changed else ' (unchanged)'}")
    if quota_note is not None:
        print(quota_note)
    return EXIT_OK


async def _refresh_quota(settings: Settings) -> str:
    from ..engine.runtime import build_engine

    engine = build_engine(settings, key=settings.api_key())
    try:
        return await engine.service.refresh_quota()
    finally:
        await engine.aclose()
