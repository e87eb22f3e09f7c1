"""Alerts reach a webhook (a loopback HTTP receiver here) once each, never with the API key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from oddsmon.alerts import AlertSender, drop_alert, mode_alert
from oddsmon.clock import FakeClock
from oddsmon.collect.runner import Collector
from oddsmon.config import AlertSettings, Secret
from oddsmon.domain.market import PriceDrop
from oddsmon.engine.runtime import build_engine
from oddsmon.sim import Simulator
from oddsmon.store import Store

from ..conftest import SECRET
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


class Receiver:
    """A webhook on a loopback port: keeps each POSTed JSON body, answers the queued statuses."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                if status < 300:
                    receiver.raw.append(body)
                    receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def alert_settings(url: str, **changes: Any) -> AlertSettings:
    return replace(AlertSettings(webhook_url=url, min_interval_s=5.0), **changes)


async def test_a_quota_outage_during_collection_posts_one_offline_and_one_online_alert(
        tmp_path: Path, day_clock: FakeClock, free_sim: Simulator, recorder: Recorder,
        receiver: Receiver) -> None:
    settings = example_settings(tmp_path)
    settings = replace(settings, alerts=alert_settings(receiver.url, arbitrage_pct=0.5))
    engine = build_engine(settings, clock=day_clock, key=Secret(SECRET), transport=recorder)
    try:
        collector = Collector(engine.service)
        # Burnt after the provider's reset (03:30 UTC): the outage lasts until the next one,
        # which a /status probe finds (midnight is only the presumed reset).
        await run_until(collector, day_clock, DAY + timedelta(hours=4))
        free_sim.exhaust_quota()
        await run_until(collector, day_clock, DAY + timedelta(hours=12, minutes=30))
        await run_until(collector, day_clock, DAY + timedelta(days=1) + SIM_RESET + timedelta(minutes=30))
    finally:
        await engine.aclose()
    modes = [b for b in receiver.bodies if b["kind"] in ("offline", "online")]
    assert [b["kind"] for b in modes] == ["offline", "online"]
    assert "quota" in modes[0]["text"] and modes[0]["text"] == modes[0]["content"]
    # The simulator's arbitrage fixture is named by its match and bookmakers, once.
    arbs = [b for b in receiver.bodies if b["kind"] == "arbitrage"]
    assert len(arbs) == 1 and " v " in arbs[0]["match"] and arbs[0]["bookmaker"]
    assert str(arbs[0]["fixture"]) not in arbs[0]["text"]
    assert all(SECRET.encode() not in raw for raw in receiver.raw)


async def test_each_alert_is_posted_once_across_processes_and_retried_with_backoff(
        tmp_path: Path, receiver: Receiver) -> None:
    clock = FakeClock(DAY)
    store = Store.open(tmp_path / "oddsmon.db")
    first = AlertSender(alert_settings(receiver.url), store, clock, Secret(SECRET))
    second = AlertSender(alert_settings(receiver.url), store, clock, Secret(SECRET))
    drop = PriceDrop(1380005, 8, 1, "Home", 2.10, 1.80, DAY)
    alert = drop_alert(drop, "Arsenal v Chelsea", "Bet365")
    receiver.statuses = [500, 503]  # the hook hiccups twice, then takes it
    try:
        first.queue([alert])
        second.queue([alert])
        assert await first.flush() == 1
        assert await second.flush() == 0  # already sent by the first "process"
    finally:
        await first.aclose()
        await second.aclose()
        store.close()
    assert len(receiver.bodies) == 1
    body = receiver.bodies[0]
    assert body["text"] == "Price drop: Arsenal v Chelsea: Home at Bet365 2.10 -> 1.80 (-14.3%)"
    assert (body["match"], body["bookmaker"], body["outcome"], body["old_price"], body["new_price"]) == \
        ("Arsenal v Chelsea", "Bet365", "Home", 2.10, 1.80)
    # On the injected clock: backoff 2 s, topped up to the 5 s pace between POSTs, then 8 s.
    assert clock.slept == [2.0, 3.0, 8.0]


async def test_a_refused_webhook_is_reported_and_the_alert_kept_for_later(tmp_path: Path, receiver: Receiver) -> None:
    clock = FakeClock(DAY)
    store = Store.open(tmp_path / "oddsmon.db")
    sender = AlertSender(alert_settings(receiver.url), store, clock, Secret(SECRET))
    alert = mode_alert(7, DAY, True, "network", f"cannot reach the API with key {SECRET}")
    receiver.statuses = [404]
    try:
        sender.queue([alert])
        assert await sender.flush() == 0
        assert sender.last_error is not None and "HTTP 404" in sender.last_error
        assert clock.slept == []  # a 404 is not retried
        sender.queue([alert])
        assert await sender.flush() == 1  # released: sent once the hook works
    finally:
        await sender.aclose()
        store.close()
    assert SECRET not in receiver.raw[0].decode() and "********" in receiver.bodies[0]["text"]
    assert receiver.bodies[0]["at"] == DAY.isoformat().replace("+00:00", "Z")
    assert datetime.fromisoformat(receiver.bodies[0]["at"].replace("Z", "+00:00")).tzinfo == UTC
