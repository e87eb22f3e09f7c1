"""API client over httpx.MockTransport: envelope, quota headers, reserve, throttling, retries,
coalescing and paging. Network-level faults over real sockets live in tests/integration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from oddsmon.api import (
    ApiClient,
    BadResponse,
    KeyRejected,
    NetworkError,
    Offline,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from oddsmon.clock import FakeClock
from oddsmon.config import ApiSettings, Secret
from oddsmon.store import Store

from ..conftest import SECRET

HEADERS = {"x-ratelimit-requests-limit": "100", "x-ratelimit-requests-remaining": "42",
           "X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9"}


def envelope(response: object, errors: object = (), paging: tuple[int, int] = (1, 1)) -> dict:
    return {"get": "x", "parameters": [], "errors": list(errors) if isinstance(errors, tuple) else errors,
            "results": len(response) if isinstance(response, list) else 1,
            "paging": {"current": paging[0], "total": paging[1]}, "response": response}


def make(store: Store, clock: FakeClock, handler: Callable[[httpx.Request], httpx.Response],
         **overrides: object) -> ApiClient:
    settings = ApiSettings(base_url="http://api.test", retries=2, daily_reserve=5, **overrides)  # type: ignore[arg-type]
    return ApiClient(settings, Secret(SECRET), store.ledger, clock,
                     transport=httpx.MockTransport(handler))


async def test_sends_key_header_and_records_quota(store: Store, clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope([{"id": 1, "name": "10Bet"}]), headers=HEADERS)

    client = make(store, clock, handler)
    reply = await client.get("/odds/bookmakers")
    assert reply.response == [{"id": 1, "name": "10Bet"}]
    assert seen[0].headers["x-apisports-key"] == SECRET
    quota = store.ledger.quota()
    assert (quota.daily_limit, quota.daily_remaining, quota.minute_limit, quota.minute_remaining) == (100, 42, 10, 9)
    assert reply.daily_remaining == 42
    assert SECRET not in reply.body
    await client.aclose()


@pytest.mark.parametrize(
    ("errors", "kind", "text"),
    [
        ({"requests": "You have reached the request limit for the day"}, QuotaExhausted, "quota exhausted"),
        ({"token": "Error/Missing application key."}, KeyRejected, "API key rejected"),
        ({"required": "At least one parameter is required."}, ProviderError, "required: At least one"),
        (["something odd"], ProviderError, "something odd"),
    ],
)
async def test_error_envelope_with_http_200(store: Store, clock: FakeClock, errors: object,
                                            kind: type, text: str) -> None:
    client = make(store, clock, lambda r: httpx.Response(200, json=envelope([], errors)))
    with pytest.raises(kind, match=text) as info:
        await client.get("/fixtures", {"league": 39})
    assert SECRET not in str(info.value)
    await client.aclose()


async def test_rate_limit_envelope_and_429_wait_for_the_next_minute(store: Store, clock: FakeClock) -> None:
    answers = [httpx.Response(200, json=envelope([], {"rateLimit": "Too many requests."})),
               httpx.Response(429, text="Too Many Requests"),
               httpx.Response(200, json=envelope(["ok"]), headers=HEADERS)]
    client = make(store, clock, lambda r: answers.pop(0))
    start = clock.timestamp()
    reply = await client.get("/fixtures", {"league": 39})
    assert reply.response == ["ok"]
    assert clock.timestamp() - start >= 60  # waited out the minute twice, without real sleeping
    assert not answers
    await client.aclose()


async def test_rate_limit_that_never_ends_is_reported_not_an_outage(store: Store, clock: FakeClock) -> None:
    client = make(store, clock, lambda r: httpx.Response(429))
    with pytest.raises(RateLimited) as info:
        await client.get("/fixtures")
    assert info.value.outage is None
    await client.aclose()


async def test_5xx_retried_with_backoff_then_network_outage(store: Store, clock: FakeClock) -> None:
    calls = []
    client = make(store, clock, lambda r: calls.append(r) or httpx.Response(503, text="<html>busy</html>"))
    with pytest.raises(NetworkError, match="HTTP 503") as info:
        await client.get("/fixtures")
    assert info.value.outage == "network"
    assert len(calls) == 3  # 1 + retries
    assert clock.slept[-2:] == [0.5, 1.0]
    await client.aclose()


async def test_5xx_then_success_recovers(store: Store, clock: FakeClock) -> None:
    answers = [httpx.Response(500), httpx.Response(200, json=envelope([1]))]
    client = make(store, clock, lambda r: answers.pop(0))
    assert (await client.get("/fixtures")).response == [1]
    await client.aclose()


async def test_connect_error_is_an_outage_after_one_attempt(store: Store, clock: FakeClock) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("[Errno 111] Connection refused")

    store.ledger.observe(clock.now(), 100, 40, 10, 9)
    client = make(store, clock, handler)
    with pytest.raises(NetworkError, match="Connection refused"):
        await client.get("/fixtures")
    assert len(calls) == 1
    # The call never reached the provider: the quota shown is not one lower for it.
    assert store.ledger.quota().remaining_at(clock.now()) == 40
    await client.aclose()


async def test_read_timeout_is_retried(store: Store, clock: FakeClock) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out")
        return httpx.Response(200, json=envelope([2]))

    client = make(store, clock, handler)
    assert (await client.get("/fixtures")).response == [2]
    assert len(calls) == 2
    await client.aclose()


@pytest.mark.parametrize("body", ['{"response": [1, 2', "<html>oops</html>", '["not", "an", "envelope"]'])
async def test_garbage_body_is_bad_response(store: Store, clock: FakeClock, body: str) -> None:
    client = make(store, clock, lambda r: httpx.Response(200, text=body))
    with pytest.raises(BadResponse) as info:
        await client.get("/fixtures")
    assert info.value.outage is None
    await client.aclose()


async def test_reserve_stops_counted_calls_but_not_the_free_probe(store: Store, clock: FakeClock) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        remaining = 6 - len([c for c in calls if c != "/status"])
        return httpx.Response(200, json=envelope(["x"]),
                              headers={**HEADERS, "x-ratelimit-requests-remaining": str(remaining)})

    client = make(store, clock, handler)
    await client.get("/fixtures", {"a": 1})  # learns remaining = 5 = reserve
    with pytest.raises(QuotaExhausted) as info:
        await client.get("/fixtures", {"a": 2})
    assert info.value.sent is False and "reserve of 5" in str(info.value)
    assert calls == ["/fixtures"]
    await client.probe()
    assert calls == ["/fixtures", "/status"]
    await client.aclose()


async def test_gate_keeps_every_request_in_the_process(store: Store, clock: FakeClock) -> None:
    calls = []
    client = make(store, clock, lambda r: calls.append(r) or httpx.Response(200, json=envelope([])))
    client.gate = lambda: "user"
    with pytest.raises(Offline, match="offline \\(user\\)"):
        await client.get("/fixtures")
    assert calls == []
    await client.aclose()


async def test_identical_requests_in_flight_are_coalesced(store: Store, clock: FakeClock) -> None:
    calls = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        league = request.url.params["league"]
        await asyncio.sleep(0.01)
        return httpx.Response(200, json=envelope([league]))

    client = make(store, clock, handler)  # type: ignore[arg-type]
    results = await asyncio.gather(*(client.get("/odds", {"league": 39, "season": 2026}) for _ in range(5)),
                                   client.get("/odds", {"season": 2026, "league": 39}),
                                   client.get("/odds", {"league": 61, "season": 2026}))
    assert len(calls) == 2
    assert [r.response for r in results] == [["39"]] * 6 + [["61"]]
    await client.aclose()


async def test_pages_are_followed_and_merged(store: Store, clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json=envelope([f"p{page}a", f"p{page}b"], paging=(page, 3)), headers=HEADERS)

    client = make(store, clock, handler)
    merged = await client.get_all_pages("/odds", {"league": 39, "season": 2026})
    assert merged.response == ["p1a", "p1b", "p2a", "p2b", "p3a", "p3b"]
    assert client.spent == 3
    assert json.loads(merged.body)["paging"] == {"current": 1, "total": 1}
    await client.aclose()


async def test_pace_follows_the_plan_and_config_only_lowers_it(store: Store, clock: FakeClock) -> None:
    headers = {**HEADERS, "X-RateLimit-Limit": "3"}
    client = make(store, clock, lambda r: httpx.Response(200, json=envelope([]), headers=headers))
    for i in range(3):
        await client.get("/fixtures", {"i": i})
    assert clock.slept == []
    await client.get("/fixtures", {"i": 3})  # the 4th call in a minute waits for the window
    assert sum(clock.slept) >= 59
    await client.aclose()
    lowered = make(store, clock, lambda r: httpx.Response(200, json=envelope([]), headers=HEADERS),
                   per_minute=2)
    assert lowered.throttle.limit() == 2
    raised = make(store, clock, lambda r: httpx.Response(200), per_minute=50)
    assert raised.throttle.limit() == 3  # the plan's limit seen last wins over a higher setting
    await lowered.aclose()
    await raised.aclose()
