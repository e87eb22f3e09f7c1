"""``oddsmon --collect [--once]``: the collector in the foreground, one per host.

The loop: take the store's ``collector`` lease (another holder: with ``--once`` say which and
exit 0, else wait as its standby and take over once it falls silent), run a cycle
(collect/runner.py), sleep ``[collect] interval_s`` renewing the lease, again, until SIGTERM or
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


def run(settings: Settings, *, demo: bool = False, once: bool = False) -> int:
    """``oddsmon --collect [--once]``; a store or journal it cannot use: exit 1."""
    try:
        return asyncio.run(_collect(settings, demo=demo, once=once))
    except (StoreError, SupervisionError) as exc:
        return fail(str(exc), EXIT_FAIL)


async def _collect(settings: Settings, *, demo: bool, once: bool) -> int:
    from ..engine.runtime import build_engine
    from ..supervision import journal

    engine = build_engine(settings, demo=demo)
    engine.machine.team_network = True  # the team's collector: its network cut is every host's
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


# The lease's heartbeat: renewed after every task of a cycle and at least this often while the
# collector sleeps; a holder silent for LEASE_STALE_S (killed, powered off, cut off) loses it,
# and a standby trying every STANDBY_TRY_S takes over: within two minutes of the death.
HEARTBEAT_S = 20.0
LEASE_STALE_S = 90.0
STANDBY_TRY_S = 20.0


def lease_stale_s(settings: Settings) -> float:
    """How long a silent holder keeps the lease (the heartbeat does not follow the interval)."""
    return LEASE_STALE_S


async def cycles(collector: Collector, *, once: bool = False, say: Callable[[str], None] = print,
                 handle_signals: bool = False, sleeper: Sleeper | None = None) -> int:
    """Cycle until stopped (SIGTERM/SIGINT with ``handle_signals``), or once with ``once``.
    Another process holding the lease: with ``once``, say which and return 0; else wait as
    its standby, and take over when it stops renewing."""
    store, clock, settings = collector.store, collector.clock, collector.settings
    sleep = sleeper or clock.sleep

    def acquire() -> Holder | None:
        return store.collector.acquire(COLLECTOR_LEASE, clock.now(), lease_stale_s(settings), collector.pid)

    held = acquire()
    if held is not None and once:
        say(describe_holder(held))
        return 0
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    if handle_signals and me is not None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, me.cancel)
    leased = held is None
    try:
        if held is not None:
            say(f"standby: {describe_holder(held, standby=True)}")
            while held is not None:
                await sleep(STANDBY_TRY_S)
                last, held = held, acquire()
            say(f"took over from pid {last.pid} on {last.host} (silent since "
                f"{last.heartbeat_at.isoformat(timespec='seconds')})")
            leased = True
        while True:
            report = await collector.cycle()
            say(f"{report.at.isoformat(timespec='seconds')} {report.summary()}")
            if once:
                return 0
            lost = await _sleep_renewing(collector, sleep, settings.collect.interval_s)
            if lost is not None:
                say(f"lease lost: {describe_holder(lost)}; stopping")
                return 0
    except asyncio.CancelledError:
        say("stopped: the store holds every completed write; the interrupted fetch is dropped"
            if leased else "standby stopped")
        return 0
    finally:
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if leased:
            try:
                collector.service.flush_counters()
                store.collector.release(COLLECTOR_LEASE, collector.pid)
            except StoreError as exc:
                say(f"could not release the collector lease: {exc}")


async def _sleep_renewing(collector: Collector, sleep: Sleeper, seconds: float) -> Holder | None:
    """Sleep ``seconds``, renewing the lease every HEARTBEAT_S; the holder that took it over
    (this collector was silent too long), or None while it is ours."""
    store, clock = collector.store, collector.clock
    left = seconds
    while left > 0:
        step = min(HEARTBEAT_S, left)
        await sleep(step)
        left -= step
        if not store.collector.renew(COLLECTOR_LEASE, clock.now(), collector.pid):
            held = store.collector.acquire(COLLECTOR_LEASE, clock.now(), LEASE_STALE_S, collector.pid)
            if held is not None:
                return held
    return None


def describe_holder(held: Holder, *, standby: bool = False) -> str:
    then = (f"taking over if it stays silent {LEASE_STALE_S:.0f} s" if standby
            else "not starting another")
    return (f"a collector already runs: pid {held.pid} on {held.host}, since "
            f"{held.acquired_at.isoformat(timespec='seconds')} (last heartbeat "
            f"{held.heartbeat_at.isoformat(timespec='seconds')}); {then}")
