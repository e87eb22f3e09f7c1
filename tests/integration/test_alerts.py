"""Alerts reach a webhook (a real loopback receiver that hangs, drops connections and comes
back) from the store's outbox, by their own task: once each, grouped, never with the API key,
and never holding a collection cycle back. Time is the injected clock's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from oddsmon.alerts import Alert, Deliverer, drop_alert, mode_alert
from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.commands import check
from oddsmon.config import AlertSettings, Secret, Settings
from oddsmon.domain.market import PriceDrop
from oddsmon.engine.runtime import Engine, build_engine
from oddsmon.sim import SimConfig, Simulator
from oddsmon.store import Queued, Store

from ..conftest import SECRET
from ..webhook import Receiver
from .test_collector import (
    DAY,
    SIM_RESET,
    Recorder,
    day_clock,
    example_settings,
    free_sim,
    recorder,
    run_until,
)

__all__ = ["day_clock", "free_sim", "recorder"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def alert_settings(url: str, **changes: Any) -> AlertSettings:
    return replace(AlertSettings(webhook_url=url, min_interval_s=5.0, attempts=3), **changes)


def with_hook(settings: Settings, url: str, **changes: Any) -> Settings:
    return replace(settings, alerts=alert_settings(url, **changes))


def deliverer_of(engine: Engine) -> Deliverer:
    deliverer = engine.service.alerting.deliverer
    assert deliverer is not None
    return deliverer


def drop(n: int) -> Alert:
    return drop_alert(PriceDrop(1380000 + n, 8, 1, "Home", 2.10, 1.80, DAY + timedelta(seconds=n)),
                      "Arsenal v Chelsea", "Bet365")


@pytest.mark.slow
async def test_a_quota_outage_during_collection_posts_one_offline_and_one_online_alert(
        tmp_path: Path, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder,
        receiver: Receiver) -> None:
    settings = with_hook(example_settings(tmp_path), receiver.url, arbitrage_pct=0.5)
    engine = build_engine(settings, clock=day_clock, key=Secret(SECRET), transport=recorder)
    try:
        collector = Collector(engine.service)
        # Burnt after the provider's reset (03:30 UTC): the outage lasts until the next one,
        # which a /status probe finds (midnight is only the presumed reset).
        await run_until(collector, day_clock, DAY + timedelta(hours=4))
        free_sim.exhaust_quota()
        await run_until(collector, day_clock, DAY + timedelta(hours=12, minutes=30))
        await run_until(collector, day_clock, DAY + timedelta(days=1) + SIM_RESET + timedelta(minutes=30))
        assert receiver.bodies == []  # the cycles only enqueued: posting is the webhook task's
        delivered = await deliverer_of(engine).deliver_due()
    finally:
        await engine.aclose()
    assert len(receiver.bodies) == 1 and delivered == len(receiver.alerts())  # one digest
    modes = [a for a in receiver.alerts() if a["kind"] in ("offline", "online")]
    assert [a["kind"] for a in modes] == ["offline", "online"]
    assert "quota" in modes[0]["text"] and modes[0]["text"] == modes[0]["content"]
    # The simulator's arbitrage fixture is named by its match, market and bookmakers, once.
    arbs = [a for a in receiver.alerts() if a["kind"] == "arbitrage"]
    assert len(arbs) == 1 and " v " in arbs[0]["match"] and arbs[0]["bookmaker"]
    assert arbs[0]["market"] == "Match Winner" and "Match Winner" in arbs[0]["text"]
    assert str(arbs[0]["fixture"]) not in arbs[0]["text"]
    assert all(SECRET.encode() not in raw for raw in receiver.raw)


async def test_a_hanging_webhook_never_holds_a_collection_cycle_and_each_alert_arrives_once(
        tmp_path: Path, day_clock: FakeClock, recorder: Recorder, receiver: Receiver) -> None:
    # A webhook that answers nothing for as long as this test runs (its timeout: 5 min).
    settings = with_hook(example_settings(tmp_path), receiver.url, arbitrage_pct=0.5, attempts=5,
                         webhook_timeout_s=300.0)
    engine = build_engine(settings, clock=day_clock, key=Secret(SECRET), transport=recorder)
    service = engine.service
    deliverer = deliverer_of(engine)
    # What a cycle spends handing its alerts to the webhook: the outbox's write (finding the
    # alerts, the same with or without a webhook, is not waiting on it).
    waited: list[float] = []
    enqueue = deliverer.enqueue

    def timed_enqueue(alerts: Sequence[Alert], *, cursor: tuple[str, int] | None = None) -> int:
        started = time.perf_counter()
        try:
            return enqueue(alerts, cursor=cursor)
        finally:
            waited.append(time.perf_counter() - started)

    deliverer.enqueue = timed_enqueue  # type: ignore[method-assign]
    try:
        deliverer.enqueue([mode_alert(1, DAY, True, "network", "cut")])
        receiver.hang()
        posting = asyncio.ensure_future(deliverer.deliver_due())
        assert await asyncio.to_thread(receiver.hung.wait, 30)  # the post is held by the receiver
        collector = Collector(service)
        reports = []
        for _ in range(3):
            reports.append(await collector.cycle())
            day_clock.advance(settings.collect.interval_s)
        # Three cycles fetched and alerted while the webhook hung.
        assert not posting.done() and sum(r.calls for r in reports) > 0 and len(waited) == 1 + 3 * 2
        assert max(waited) < 1.0, waited  # a store write, not the webhook's timeout
        receiver.come_back()  # ... by dropping the held connection: nothing was delivered
        assert await posting == 0
        receiver.drops = 1  # the next attempt's connection is dropped too
        day_clock.advance(30)
        assert await deliverer.deliver_due() == 0
        assert await deliverer.deliver_due() == 0  # backing off: 60 s after the second failure
        day_clock.advance(60)
        delivered = await deliverer.deliver_due()
        view = engine.store.outbox.view()
    finally:
        await engine.aclose()
    print(f"\nlongest wait of a collection cycle on alerts while the webhook hung: {max(waited[1:]) * 1000:.1f} ms")
    keys = [a["key"] for a in receiver.alerts()]
    assert "mode:1" in keys and len(keys) == len(set(keys)) == delivered  # all of them, once
    assert any(k.startswith("arb:") for k in keys)
    assert (view.pending, view.dead) == (0, 0)


async def test_a_market_wide_move_at_8_bookmakers_is_one_post_naming_the_moves(
        tmp_path: Path, receiver: Receiver) -> None:
    clock = FakeClock(DAY + timedelta(hours=9))
    sim = Simulator(SimConfig(leagues=(39,), daily_limit=1000, per_minute=300, bookmakers_per_fixture=8,
                              full_markets=False), clock=clock)
    settings = with_hook(example_settings(tmp_path), receiver.url, min_interval_s=60.0)
    settings = replace(settings, watch=replace(settings.watch, leagues=(39,)))
    engine = build_engine(settings, clock=clock, key=Secret(SECRET), transport=Recorder(sim))
    service = engine.service
    deliverer = deliverer_of(engine)
    try:
        await service.warm(force=True)
        await service.dispatch_alerts()
        request = service.requests.league_odds(39)
        assert request is not None
        odds, _ = service.reader.peek(request)
        assert odds and all(len(fo.bookmakers) == 8 for fo in odds)

        def moved(factor: float) -> list[Any]:  # every price of every bookmaker shortens
            return [replace(fo, bookmakers=tuple(replace(bo, bets=tuple(replace(bet, values=tuple(
                replace(v, price=round(v.price * factor, 2)) for v in bet.values)) for bet in bo.bets))
                for bo in fo.bookmakers)) for fo in odds]

        clock.advance(600)
        service.recorder.record_history(moved(0.85), clock.now())
        drops = [a for a in await service.dispatch_alerts() if a.kind == "drop"]
        posts_before = len(receiver.bodies)
        assert await deliverer.deliver_due() == len(drops)
        assert await deliverer.deliver_due() == 0
        first_move_posts = len(receiver.bodies) - posts_before
        # A second move within min_interval_s waits for the next post, grouped again.
        clock.advance(30)
        service.recorder.record_history(moved(0.70), clock.now())
        again = [a for a in await service.dispatch_alerts() if a.kind == "drop"]
        assert again and await deliverer.deliver_due() == 0
        clock.advance(30)
        assert await deliverer.deliver_due() == len(again)
    finally:
        await engine.aclose()
    print(f"\nposts for a market-wide move of every price at 8 bookmakers ({len(drops)} drops): "
          f"{first_move_posts} (one a drop before)")
    named = {a.fixture for a in drops}  # the fixtures of the watched days (watch.days_ahead)
    assert len(named) >= 2 and len(drops) >= 8 * 3 * len(named) and first_move_posts == 1
    digest = receiver.bodies[-2]
    text: str = digest["text"]
    lines = text.splitlines()
    assert lines[0].startswith(f"oddsmon: {len(drops)} drops (") and f"on {len(named)} matches" in lines[0]
    # Each named move: teams, market, outcome, every bookmaker's old and new price.
    move = lines[1]
    assert " v " in move and ("Match Winner" in move or "Goals Over/Under" in move or "Both" in move)
    assert move.count("->") == 8 and "(8 bookmakers, up to -" in move
    assert lines[-1].startswith("and ") and lines[-1].endswith(" more")
    assert len(digest["alerts"]) == len(drops) and digest["count"] == len(drops)
    assert all(a["match"] and "fixture " not in a["match"] for a in digest["alerts"])
    assert {a["line"] for a in digest["alerts"] if a["market"] == "Goals Over/Under"} <= {"2.5"}


async def test_failures_back_off_then_dead_letters_warn_in_check_with_the_url_masked(
        tmp_path: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock(DAY)
    url = receiver.url + "?sig=tOpSeCrEt&api-version=1"  # a Teams-like URL: the query is a secret
    settings = with_hook(example_settings(tmp_path), url)
    store = Store.open(settings)
    deliverer = Deliverer(settings.alerts, store, clock, Secret(SECRET))
    try:
        deliverer.enqueue([drop(1), mode_alert(7, DAY, True, "network", f"cannot reach the API with key {SECRET}")])
        receiver.statuses = [500, 503, 502]
        assert await deliverer.deliver_due() == 0
        clock.advance(29)
        assert await deliverer.deliver_due() == 0  # the first backoff is 30 s
        clock.advance(1)
        assert await deliverer.deliver_due() == 0
        clock.advance(60)
        assert await deliverer.deliver_due() == 0  # the third attempt: dead letters now
        clock.advance(3600)
        assert await deliverer.deliver_due() == 0 and receiver.refused == 3
        deliverer.enqueue([drop(2)])
        receiver.statuses = [404]  # a refused hook: a dead letter at once
        assert await deliverer.deliver_due() == 0 and receiver.refused == 4
        assert deliverer.last_error is not None and "tOpSeCrEt" not in deliverer.last_error
        deliverer.enqueue([drop(3)])
        clock.advance(10)
        assert await deliverer.deliver_due() == 1  # the hook works again: what is new goes out
    finally:
        await deliverer.aclose()
        store.close()
    assert check.run(settings, clock=clock) == 1
    out = capsys.readouterr().out
    verdict = out.splitlines()[0]
    assert verdict.startswith("ODDSMON WARNING") and "3 alerts (2 drop, 1 offline)" in verdict
    assert "dead letters" in verdict and "HTTP 404" in verdict
    assert "tOpSeCrEt" not in out and "sig=********" in out
    assert SECRET.encode() not in receiver.raw[0]


async def test_two_processes_post_each_alert_once_and_a_dead_claim_is_taken_over(
        tmp_path: Path, receiver: Receiver) -> None:
    clock = FakeClock(DAY)
    store = Store.open(tmp_path / "oddsmon.db")
    first = Deliverer(alert_settings(receiver.url), store, clock, Secret(SECRET))
    second = Deliverer(alert_settings(receiver.url), Store.open(tmp_path / "oddsmon.db"), clock, Secret(SECRET))
    try:
        first.enqueue([drop(1), drop(2)])
        second.enqueue([drop(2), drop(3)])  # found by both: stored once
        assert sorted(await asyncio.gather(first.deliver_due(), second.deliver_due())) == [0, 3]
        # A process that died holding a claim (here: a pid no process has) loses it at once.
        first.enqueue([drop(4)])
        clock.advance(5)
        assert [r.key for r in store.outbox.claim("webhook", clock.now(), min_interval_s=0, stale_s=600,
                                                  pid=2 ** 22 + 1)] == [drop(4).key]
        assert await second.deliver_due() == 0  # paced: the dead claim was made 0 s ago
        clock.advance(5)
        assert await second.deliver_due() == 1
    finally:
        await first.aclose()
        await second.aclose()
        second.store.close()
        store.close()
    keys = [a["key"] for a in receiver.alerts()]
    assert sorted(keys) == sorted(drop(n).key for n in (1, 2, 3, 4))


async def test_an_unreadable_row_is_a_dead_letter_and_the_rest_still_goes_out(
        tmp_path: Path, receiver: Receiver) -> None:
    clock = FakeClock(DAY)
    store = Store.open(tmp_path / "oddsmon.db")
    deliverer = Deliverer(alert_settings(receiver.url), store, clock, Secret(SECRET))
    try:
        store.outbox.enqueue(["webhook"], [Queued("drop:x", "drop", "{not json")], clock.now())
        deliverer.enqueue([drop(1)])
        assert await deliverer.deliver_due() == 1
        view = store.outbox.view()
    finally:
        await deliverer.aclose()
        store.close()
    assert [a["key"] for a in receiver.alerts()] == [drop(1).key]
    assert (view.pending, view.dead, view.dead_kinds) == (0, 1, {"drop": 1})
