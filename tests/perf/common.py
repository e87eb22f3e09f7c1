"""What every benchmark shares: a result row, medians, the machine, stores to measure against.

Figures are medians over repeated runs, each printed beside a baseline measured in the same run
(a floor, or the peer a user would otherwise pick) with the ratio. Nothing here gates anything.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from datetime import time as day_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.clocks import OFFSET_ENV, ShiftedClock  # noqa: E402 - ROOT first, for a script

KEY = "perf-key-not-a-real-one"
START_DAY = date(2026, 11, 24)  # the day a run is made on, unless told another (--date)
START_HOUR = 9  # UTC: a run lasts minutes, so its day never turns while it runs
# The real oddsmon on the run's clock (tests/perf/at_clock.py), where what it shows depends on
# the day: the screens of a store the run warmed. The start-up timings (--check, --export,
# --demo) run the installed command itself, whose start is what they measure: a launcher would
# add to it, and --check makes the same queries whatever the day (only the ages and the verdict,
# which these timings accept, change with it).
ODDSMON = [sys.executable, "-m", "tests.perf.at_clock"]

_clock: ShiftedClock | None = None


def start_clock(day: date = START_DAY) -> ShiftedClock:
    """Start the run's clock at 09:00 UTC on ``day``. Its offset goes in the environment, so
    the processes the run starts keep the same time."""
    global _clock
    _clock = ShiftedClock.starting_at(datetime.combine(day, day_time(START_HOUR), UTC))
    os.environ[OFFSET_ENV] = repr(_clock.offset_s)
    return _clock


def bench_clock() -> ShiftedClock:
    """The run's clock: every engine, simulator and store of a benchmark reads its date here,
    never on the wall, so a store warmed early in a run is read on its own day by the screens
    timed later, whatever the day the run is made. In a process the run started: the run's."""
    global _clock
    if _clock is None:
        inherited = os.environ.get(OFFSET_ENV)
        _clock = start_clock() if inherited is None else ShiftedClock(float(inherited))
    return _clock


@dataclass
class Row:
    group: str  # "a" ... "f": the list of benchmarks
    name: str
    value: float | None
    unit: str  # s, ms, us, MB, calls, attempts, modules
    baseline_name: str | None = None
    baseline: float | None = None
    target: str | None = None
    met: bool | None = None
    runs: int = 0
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


# ``--tiny``: the size at which ``make test`` runs every benchmark's code once, so a benchmark
# that stopped running fails the suite. Its figures mean nothing and are never written to docs.
TINY_FIXTURES = 24


def big_day(fixtures: int) -> tuple[Any, int]:
    """The simulator's config for a store of about ``fixtures`` upcoming fixtures, each priced by
    8 bookmakers, and the days ahead it watches: 14 days of full matchdays, or at tiny size one
    day of five-fixture matchdays (14 days of the leagues the tiny count needs hold 450)."""
    from oddsmon.sim import SimConfig

    tiny = fixtures <= TINY_FIXTURES
    days = 1 if tiny else 14
    return SimConfig.big_day(fixtures, fixtures_per_matchday=5 if tiny else 20, days_back=0,
                             days_ahead=days, bookmakers_per_fixture=8, daily_limit=10**6,
                             per_minute=10**6), days


@dataclass
class Context:
    """Shared by the benchmarks of one run: a scratch directory and lazily built stores."""

    tmp: Path
    quick: bool = False
    tiny: bool = False
    long: bool = False  # what takes hours run whole (bench j: a thousand of every cycle)
    cache: dict[str, Any] = field(default_factory=dict)

    def runs(self, n: int) -> int:
        if self.tiny:
            return 1
        return max(3, n // 3) if self.quick else n

    def scaled(self, full: int, *, quick: int, tiny: int) -> int:
        """A count (fixtures, switches) for this run's size."""
        return tiny if self.tiny else quick if self.quick else full

    def pause(self, seconds: float) -> float:
        """A real-time pause (a user reading a screen): none at tiny size, where only the code
        running matters."""
        return 0.0 if self.tiny else seconds

    def sizes(self, full: tuple[tuple[str, int], ...],
              quick: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
        """The (label, fixtures) stores a benchmark measures at this run's size (0: the example
        config)."""
        return ((f"{TINY_FIXTURES} fixtures (tiny)", TINY_FIXTURES),) if self.tiny else quick if self.quick else full


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed_runs(fn: Callable[[], float], runs: int) -> float:
    """Median of ``runs`` calls of ``fn``, each returning one measurement."""
    return median([fn() for _ in range(runs)])


async def per_call(call: Callable[[], Awaitable[Any]], n: int) -> float:
    """Mean seconds per awaited call over ``n`` calls (one measurement)."""
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n


def per_call_sync(call: Callable[[], Any], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - start) / n


async def sample_async(call: Callable[[], Awaitable[Any]], runs: int, budget_s: float = 0.25) -> float:
    """Median seconds per call: ``runs`` measurements of ~``budget_s`` each."""
    start = time.perf_counter()
    await call()
    n = max(3, int(budget_s / max(time.perf_counter() - start, 1e-7)))
    return median([await per_call(call, n) for _ in range(runs)])


def sample_sync(call: Callable[[], Any], runs: int, budget_s: float = 0.25) -> float:
    start = time.perf_counter()
    call()
    n = max(3, int(budget_s / max(time.perf_counter() - start, 1e-7)))
    return median([per_call_sync(call, n) for _ in range(runs)])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": __import__("sqlite3").sqlite_version,
    }


# -- stores to measure against ----------------------------------------------------------------


def settings_in(directory: Path, *, leagues: tuple[int, ...] = (39, 61, 140), days_ahead: int = 3,
                base: Any = None) -> Any:
    """Settings with the store and files in ``directory``; TTLs long enough that nothing expires
    while a benchmark runs (a cache hit must stay a hit)."""
    from oddsmon.config import Settings

    # The benchmarks' own settings name the simulator's season (its default: the current one),
    # so no benchmark pays for season lookups it does not measure; the example keeps "auto".
    from oddsmon.sim.data import season_for

    season = (base.watch.season if base else season_for(bench_clock().now()))
    base = base or Settings()
    day = 86400
    return replace(
        base,
        watch=replace(base.watch, leagues=leagues, days_ahead=days_ahead, season=season),
        cache=replace(base.cache, fixtures_ttl_s=day, predictions_ttl_s=day, odds_ttl_s=day,
                      bookmakers_ttl_s=day),
    ).with_paths(db=directory / "oddsmon.db", metrics=directory / "supervision_metrics.json",
                 incidents=directory / "incidents_supervision.md")


def warmed_store(directory: Path, sim_config: Any, *, days_ahead: int) -> tuple[Any, dict[str, Any]]:
    """A store filled by a real warm on the in-process simulator; (settings, facts)."""
    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import SimTransport, Simulator

    settings = settings_in(directory, leagues=tuple(sim_config.leagues), days_ahead=days_ahead)
    facts: dict[str, Any] = {}

    async def warm() -> None:
        clock = bench_clock()
        sim = Simulator(sim_config, clock=clock)
        eng = build_engine(settings, clock=clock, key=Secret(KEY), transport=SimTransport(sim))
        try:
            started = time.perf_counter()
            report = await eng.service.warm(force=True)  # all of it: past [warm] max_calls
            facts["warm_s"] = time.perf_counter() - started
            facts["warm_calls"] = report.counted_calls
            assert report.stopped is None, report.stopped
            fixtures = (await eng.service.fixtures()).data or []
            odds = (await eng.service.odds()).data or {}
            facts["fixtures"] = len(fixtures)
            facts["with_odds"] = len(odds)
            facts["bookmakers_per_fixture"] = (
                sum(len(o.bookmakers) for o in odds.values()) / len(odds) if odds else 0)
            facts["fixture_ids"] = [f.id for f in fixtures if f.is_upcoming and f.id in odds]
        finally:
            await eng.aclose()
        facts["db_mb"] = sum(os.path.getsize(p) for p in directory.glob("oddsmon.db*")) / 1e6

    asyncio.run(warm())
    return settings, facts


def small_store(ctx: Context) -> tuple[Any, dict[str, Any]]:
    """The example config's size: 3 leagues, 3 days ahead, 8 bookmakers. At tiny size, the tiny
    big store: one warm fewer, and every benchmark's baseline still runs on a store of its own
    shape."""
    if ctx.tiny:
        return big_store(ctx)
    if "small" not in ctx.cache:
        from oddsmon.sim import SimConfig

        cfg = SimConfig(leagues=(39, 61, 140), daily_limit=10**6, per_minute=10**6)
        ctx.cache["small"] = warmed_store(ctx.tmp / "small", cfg, days_ahead=3)
    return ctx.cache["small"]


def big_store(ctx: Context) -> tuple[Any, dict[str, Any]]:
    """A big day: about 2,000 upcoming fixtures, each priced by 8 bookmakers, all warmed
    (fixtures, league odds pages, a prediction per fixture)."""
    if "big" not in ctx.cache:
        cfg, days = big_day(ctx.scaled(2000, quick=2000, tiny=TINY_FIXTURES))
        ctx.cache["big"] = warmed_store(ctx.tmp / "big", cfg, days_ahead=days)
    return ctx.cache["big"]


def hwm_mb() -> float:
    """This process's RSS high-water mark since exec (VmHWM). ``ru_maxrss`` is not used: on
    Linux it carries the parent's RSS across fork+exec (the benchmark process is large by
    then), so a child would report its parent's size."""
    import resource

    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
