"""``oddsmon --collect [--once]``: the collector in the foreground, one per host.

The loop: take the store's ``collector`` lease (another holder: say which, exit 0), run a cycle
(collect/runner.py), sleep ``[collect] interval_s``, renew the lease, again, until SIGTERM or
SIGINT (or once with ``--once``); then release the lease. The sleeper is injected: tests run a
day on a fake clock without sleeping.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from ..collect.runner import Collector
from ..config import Settings
from ..store import COLLECTOR_LEASE, Holder, StoreError
from ..supervision.common import SupervisionError
from .common import EXIT_FAIL, fail, journal_sync

Sleeper = Callable[[float], Awaitable[None]]


def run(settings: Settings, *, once: bool = False) -> int:
    """``oddsmon --collect [--once]``; a store or journal it cannot use: exit 1."""
    try:
        return asyncio.run(_collect(settings, once=once))
    except (StoreError, SupervisionError) as exc:
        return fail(str(exc), EXIT_FAIL)


async def _collect(settings: Settings, *, once: bool) -> int:
    from ..engine.runtime import build_engine
    from ..supervision import journal

    engine = build_engine(settings)  # --demo: the running demo's store and simulator
    try:
        journal.check_usable(engine.settings.paths.incidents)
        if not once:
            engine.service.start_delivery()  # the webhook's own task, beside the cycles
        code = await cycles(Collector(engine.service), once=once,
                            say=lambda line: print(f"collect: {line}", flush=True), handle_signals=True)
        deliverer = engine.service.alerting.deliverer
        if once and deliverer is not None:
            # One post of what this cycle (or an earlier process) left in the outbox; what
            # fails stays there for the next run.
            sent = await deliverer.deliver_due()
            print(f"collect: alerts: {sent} delivered to {deliverer.shown}"
                  + (f"; {deliverer.last_error}" if deliverer.last_error else ""), flush=True)
        journal_sync(engine.store, engine.settings)
        return code
    finally:
        await engine.aclose()


def lease_stale_s(settings: Settings) -> float:
    """How long a silent holder keeps the lease: three intervals, five minutes at least."""
    return max(300.0, 3.0 * settings.collect.interval_s)


async def cycles(collector: Collector, *, once: bool = False, say: Callable[[str], None] = print,
                 handle_signals: bool = False, sleeper: Sleeper | None = None) -> int:
    """Cycle until stopped (SIGTERM/SIGINT with ``handle_signals``), or once with ``once``.
    Another process holding the lease: say which, and return 0."""
    store, clock, settings = collector.store, collector.clock, collector.settings
    sleep = sleeper or clock.sleep
    held = store.collector.acquire(COLLECTOR_LEASE, clock.now(), lease_stale_s(settings), collector.pid)
    if held is not None:
        say(describe_holder(held))
        return 0
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    if handle_signals and me is not None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, me.cancel)
    try:
        while True:
            report = await collector.cycle()
            say(f"{report.at.isoformat(timespec='seconds')} {report.summary()}")
            if once:
                return 0
            await sleep(settings.collect.interval_s)
            if not store.collector.renew(COLLECTOR_LEASE, clock.now(), collector.pid):
                held = store.collector.acquire(COLLECTOR_LEASE, clock.now(),
                                               lease_stale_s(settings), collector.pid)
                if held is not None:
                    say(f"lease lost: {describe_holder(held)}; stopping")
                    return 0
    except asyncio.CancelledError:
        say("stopped: the store holds every completed write; the interrupted fetch is dropped")
        return 0
    finally:
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        try:
            collector.service.flush_counters()
            store.collector.release(COLLECTOR_LEASE, collector.pid)
        except StoreError as exc:
            say(f"could not release the collector lease: {exc}")


def describe_holder(held: Holder) -> str:
    return (f"a collector already runs: pid {held.pid} on {held.host}, since "
            f"{held.acquired_at.isoformat(timespec='seconds')} (last heartbeat "
            f"{held.heartbeat_at.isoformat(timespec='seconds')}); not starting another")
