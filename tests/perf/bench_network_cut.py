"""(f) After a network cut: connect attempts made, and page load time offline vs online from
the cache.

An engine on real sockets (``httpx.AsyncHTTPTransport``, counted) talks to the simulator on a
loopback port; a warm fills the store; the server is stopped (connection refused: the cut).
The user then keeps working: a refresh (the one request that finds the outage), then 200 rounds of
page loads (1,000 calls) and refreshes. Target: at most one connect attempt, then none. A
warm asked for meanwhile sends its one /status probe (it checks whether the network is back).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from .common import KEY, Context, Row, bench_clock, median, sample_async, settings_in


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        return await super().handle_async_request(request)


async def _one(directory: Path, runs: int) -> dict[str, float]:
    from dataclasses import replace

    from oddsmon.config import Secret
    from oddsmon.engine.runtime import build_engine
    from oddsmon.sim import LoopbackServer, SimConfig, Simulator

    clock = bench_clock()
    sim = Simulator(SimConfig(leagues=(39, 61, 140), daily_limit=10**6, per_minute=10**6), clock=clock)
    server = LoopbackServer(sim).start()
    settings = settings_in(directory)
    settings = replace(settings, api=replace(settings.api, base_url=server.url))
    transport = CountingTransport()
    eng = build_engine(settings, clock=clock, key=Secret(KEY), transport=transport)
    svc = eng.service
    out: dict[str, float] = {}
    try:
        await svc.warm()
        fid = next(iter((await svc.odds()).data or {}))

        async def browse() -> None:  # one page of each screen, the Odds screen's two calls
            await svc.dashboard()
            await svc.predictions()
            await svc.bookmakers()
            await svc.fixtures()
            await svc.market(fid)

        out["online"] = await sample_async(browse, runs)
        before = transport.attempts
        server.stop()  # the cut: connect() is refused from now on
        started = time.perf_counter()
        await svc.refresh("odds")
        out["discover_s"] = time.perf_counter() - started
        out["first"] = transport.attempts - before
        assert svc.mode().reason == "network"
        after_first = transport.attempts
        for _ in range(200):
            await browse()
        for page in ("dashboard", "odds", "bookmakers", "predictions"):
            await svc.refresh(page)
        await svc.supervise()  # the probe is not due yet (probe_min_s): nothing sent
        out["offline"] = await sample_async(browse, runs)
        out["then"] = transport.attempts - after_first
        before_warm = transport.attempts
        await svc.warm()  # asked for while the network is out: one /status probe, no more
        out["warm"] = transport.attempts - before_warm
    finally:
        await eng.aclose()
        server.stop()
    return out


def run(ctx: Context) -> list[Row]:
    runs = ctx.runs(9)
    results: list[dict[str, Any]] = []
    for n in range(ctx.runs(5)):
        d = ctx.tmp / f"cut{n}"
        d.mkdir()
        results.append(asyncio.run(_one(d, runs)))
    first = median([r["first"] for r in results])
    then = median([r["then"] for r in results])
    offline = median([r["offline"] for r in results])
    online = median([r["online"] for r in results])
    return [
        Row("f", "connect attempts: the request that meets the cut", first, "attempts",
            target="<= 1", met=max(r["first"] for r in results) <= 1, runs=len(results),
            note=f"it returns in {median([r['discover_s'] for r in results]) * 1000:.1f} ms (refused)"),
        Row("f", "connect attempts after it (1,000 page loads, 4 refreshes, supervise)", then,
            "attempts", target="0", met=max(r["then"] for r in results) == 0, runs=len(results)),
        Row("f", "connect attempts of a warm asked for while the network is out",
            median([r["warm"] for r in results]), "attempts", target="<= 1 (the probe)",
            met=max(r["warm"] for r in results) <= 1, runs=len(results)),
        Row("f", "page load offline (5 screens' calls, from the cache)", offline * 1000, "ms",
            "same, online from the cache", online * 1000, runs=len(results) * runs,
            note="dashboard, predictions, bookmakers, fixtures, market"),
    ]
