"""API client over httpx.MockTransport: envelope, quota headers, reserve, throttling, retries,
coalescing and paging. Network-level faults over real sockets live in tests/integration."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable

import httpx
import msgspec
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
from oddsmon.config import ApiSettings, ConfigError, Secret
from oddsmon.store import Store

from ..conftest import SECRET

HEADERS = {"x-ratelimit-requests-limit": "100", "x-ratelimit-requests-remaining": "42",
           "X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9"}


def envelope(response: object, errors: object = (), paging: tuple[int, int] = (1, 1)) -> dict:
    return {"get": "x", "parameters": [], "errors": list(errors) if isinstance(errors, tuple) else errors,
            "results": len(response) if isinstance(response, list) else 1,
            "paging": {"current": paging[0], "total": paging[1]}, "response": response}


def make(store: Store, clock: FakeClock, handler: Callable[[httpx.Request], httpx.Response],
         *, seen: list[httpx.Request] | None = None, **overrides: object) -> ApiClient:
    """A client whose requests ``handler`` answers, each noted first in ``seen`` if given."""
    settings = ApiSettings(base_url="http://api.test", retries=2, daily_reserve=5, **overrides)  # type: ignore[arg-type]

    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    return ApiClient(settings, Secret(SECRET), store.ledger, clock, transport=httpx.MockTransport(answer))


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


async def test_rate_limit_envelope_and_429_retried_after_jittered_backoff(store: Store, clock: FakeClock) -> None:
    answers = [httpx.Response(200, json=envelope([], {"rateLimit": "Too many requests."})),
               httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "7"}),
               httpx.Response(200, json=envelope(["ok"]), headers=HEADERS)]
    client = make(store, clock, lambda r: answers.pop(0))
    reply = await client.get("/fixtures", {"league": 39})
    assert reply.response == ["ok"]
    assert not answers
    # Full jitter: the first wait is anywhere under its cap; the second honours Retry-After.
    assert 0 <= clock.slept[0] <= 8.0
    assert clock.slept[1] >= 7.0
    await client.aclose()


async def test_backoffs_are_jittered_not_lockstep(store: Store, clock: FakeClock) -> None:
    waits = []
    for seed in range(4):
        client = make(store, clock, lambda r: httpx.Response(429))
        client.rng.seed(seed)
        clock.slept.clear()
        with pytest.raises(RateLimited):
            await client.get("/fixtures")
        waits.append(tuple(clock.slept))
        await client.aclose()
    assert len(set(waits)) == 4  # two processes limited together do not retry together


async def test_rate_limit_that_never_ends_is_reported_within_a_minute(store: Store, clock: FakeClock) -> None:
    calls: list[httpx.Request] = []
    client = make(store, clock, lambda r: httpx.Response(429), seen=calls)
    start = clock.monotonic()
    with pytest.raises(RateLimited, match="still rate limited") as info:
        await client.get("/fixtures")
    assert info.value.outage is None
    assert clock.monotonic() - start <= 60  # bounded: never minutes of sleeping
    assert 2 <= len(calls) <= 4
    assert client.rate_limit_give_ups == 1
    await client.aclose()


async def test_retry_after_beyond_the_budget_is_reported_at_once(store: Store, clock: FakeClock) -> None:
    client = make(store, clock, lambda r: httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited, match="Retry-After 3600"):
        await client.get("/fixtures")
    assert sum(clock.slept) == 0  # not sent again before it said; not waited an hour either
    await client.aclose()


async def test_minute_remaining_zero_paces_the_next_call(store: Store, clock: FakeClock) -> None:
    # Other programs on the key used the minute: X-RateLimit-Remaining 0 holds the next call.
    spent = {**HEADERS, "X-RateLimit-Remaining": "0"}
    client = make(store, clock, lambda r: httpx.Response(200, json=envelope([1]), headers=spent))
    await client.get("/fixtures", {"league": 39})
    before = clock.timestamp()
    await client.get("/fixtures", {"league": 61})
    assert clock.timestamp() - before >= 59
    await client.aclose()


async def test_a_rate_limit_of_zero_is_ignored_with_a_note_never_a_crawl(store: Store, clock: FakeClock) -> None:
    # "X-RateLimit-Limit: 0" on an answered call: believing its "0 left" would hold every
    # call for a minute. Ignored, paced on api.per_minute, and said once.
    nonsense = {**HEADERS, "X-RateLimit-Limit": "0", "X-RateLimit-Remaining": "0"}
    client = make(store, clock, lambda r: httpx.Response(200, json=envelope([1]), headers=nonsense))
    before = clock.timestamp()
    for league in range(5):
        await client.get("/fixtures", {"league": league})
    assert clock.timestamp() - before < 1
    quota = store.ledger.quota()
    assert (quota.minute_limit, quota.minute_remaining, quota.daily_remaining) == (None, None, 42)
    note = store.ledger.meta(store.ledger.HEADER_NOTE) or ""
    assert "X-RateLimit-Limit: 0 ignored" in note and note.startswith("2026-11-24T09:00:00Z")
    await client.aclose()


async def test_a_status_saying_the_subscription_is_not_active_is_a_refused_key(store: Store,
                                                                                clock: FakeClock) -> None:
    status = {"account": {}, "subscription": {"plan": "Pro", "end": "2026-11-01T00:00:00+00:00", "active": False},
              "requests": {"current": 3, "limit_day": 7500}}
    client = make(store, clock, lambda r: httpx.Response(200, json={**envelope([]), "response": status}))
    with pytest.raises(KeyRejected, match=r"subscription not active \(plan Pro, end 2026-11-01"):
        await client.probe()
    await client.aclose()


async def test_the_probe_reads_the_key_again_from_where_it_came_from(store: Store, clock: FakeClock) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["x-apisports-key"])
        return httpx.Response(200, json={**envelope([]), "response": {"requests": {"current": 1, "limit_day": 100}}})

    keys = [Secret(SECRET), Secret("ROTATED-key-2")]
    client = ApiClient(ApiSettings(base_url="http://api.test"), keys[0], store.ledger, clock,
                       transport=httpx.MockTransport(handler), key_source=lambda: keys[-1])
    await client.probe()
    assert sent == ["ROTATED-key-2"]

    def unreadable() -> Secret | None:
        raise ConfigError("/etc/oddsmon/key: api.key_file must be readable by its owner only")

    await client.aclose()
    client = ApiClient(ApiSettings(base_url="http://api.test"), keys[0], store.ledger, clock,
                       transport=httpx.MockTransport(handler), key_source=unreadable)
    with pytest.raises(KeyRejected, match="could not be read again: /etc/oddsmon/key"):
        await client.probe()
    assert len(sent) == 1  # nothing sent with a key that could not be read
    await client.aclose()


@pytest.mark.parametrize("status", [503, 499])
async def test_5xx_and_499_retried_with_backoff_then_network_outage(store: Store, clock: FakeClock,
                                                                    status: int) -> None:
    calls: list[httpx.Request] = []
    client = make(store, clock, lambda r: httpx.Response(status, text="<html>busy</html>"), seen=calls)
    with pytest.raises(NetworkError, match=f"HTTP {status}") as info:
        await client.get("/fixtures")
    assert info.value.outage == "network"
    assert len(calls) == 3  # 1 + retries
    assert len(clock.slept) == 2 and 0 <= clock.slept[0] <= 0.5 and 0 <= clock.slept[1] <= 1.0
    await client.aclose()


async def test_rapidapi_headers_and_gateway_answers(store: Store, clock: FakeClock) -> None:
    seen: list[httpx.Request] = []
    answers = [httpx.Response(200, json=envelope([1]), headers=HEADERS),
               httpx.Response(401, json={"message": "Invalid API key. Go to https://docs.rapidapi.com"}),
               httpx.Response(429, json={"message": "You have exceeded the DAILY quota for Requests "
                                                    "on your current plan, BASIC."}),
               httpx.Response(429, json={"message": "You have exceeded the rate limit per minute"})]
    client = make(store, clock, lambda r: answers.pop(0), seen=seen, auth="rapidapi",
                  rapidapi_host="api-football-v1.p.rapidapi.com")
    await client.get("/fixtures", {"league": 39})
    assert seen[0].headers["x-rapidapi-key"] == SECRET
    assert seen[0].headers["x-rapidapi-host"] == "api-football-v1.p.rapidapi.com"
    assert "x-apisports-key" not in seen[0].headers
    with pytest.raises(KeyRejected, match="Invalid API key") as rejected:
        await client.get("/fixtures", {"league": 61})
    assert rejected.value.outage == "key"  # an outage of its own: nothing is sent until a probe succeeds
    with pytest.raises(QuotaExhausted, match="DAILY quota") as quota:
        await client.get("/fixtures", {"league": 140})
    assert quota.value.outage == "quota"  # not taken for a per-minute limit
    answers.extend([httpx.Response(429)] * 4)
    with pytest.raises(RateLimited):
        await client.get("/fixtures", {"league": 78})
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
    calls: list[httpx.Request] = []
    client = make(store, clock, lambda r: httpx.Response(200, json=envelope([])), seen=calls)
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


async def test_pages_handed_to_keep_as_they_arrive_are_never_held_whole(store: Store, clock: FakeClock) -> None:
    seen: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        if page == 3 and len(seen) > 3:  # the second fetch fails on its last page
            return httpx.Response(503, headers=HEADERS)
        # Each page is asked for only once the one before it was kept.
        assert len(seen) % 3 == page - 1
        return httpx.Response(200, json=envelope([f"p{page}a", f"p{page}b"], paging=(page, 3)), headers=HEADERS)

    def keep(response: msgspec.Raw) -> list[str]:
        # Handed as the JSON text received, for the caller's own typed decode.
        items = json.loads(bytes(response))
        seen.append(items)
        return items[:1]  # what the envelope carries on

    client = make(store, clock, handler)
    merged = await client.get_all_pages("/odds", {"league": 39, "season": 2026}, keep)
    assert seen == [["p1a", "p1b"], ["p2a", "p2b"], ["p3a", "p3b"]]
    assert merged.response == ["p1a", "p2a", "p3a"]
    assert json.loads(merged.body)["results"] == 6  # every item received is counted
    # Failing part way: what keep was handed is kept already, so nothing is handed back.
    with pytest.raises(NetworkError) as failed:
        await client.get_all_pages("/odds", {"league": 39, "season": 2026, "x": 1}, keep)
    assert seen[3:] == [["p1a", "p1b"], ["p2a", "p2b"]] and failed.value.received == ()
    await client.aclose()


async def test_a_page_handed_raw_is_read_whatever_json_allows(store: Store, clock: FakeClock) -> None:
    # msgspec reads no NaN; the page is read by json as before, its response handed on as
    # standard JSON text, and the merged envelope carries what keep gave back.
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        text = json.dumps(envelope([{"odd": float("nan") if page == 1 else 1.5}], paging=(page, 2)))
        return httpx.Response(200, content=text.encode(), headers=HEADERS)

    seen: list[object] = []

    def keep(response: msgspec.Raw) -> list[msgspec.Raw]:
        items = json.loads(bytes(response))
        seen.append([math.isnan(item["odd"]) for item in items])
        return [msgspec.Raw(b'{"kept":%d}' % len(seen))]

    client = make(store, clock, handler)
    merged = await client.get_all_pages("/odds", {"league": 39}, keep)
    assert seen == [[True], [False]]
    assert merged.response == [{"kept": 1}, {"kept": 2}]
    assert json.loads(merged.body)["results"] == 2
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
