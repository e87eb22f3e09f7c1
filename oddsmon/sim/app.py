"""The API-Football v3 simulator as a pure ASGI application.

``Simulator`` is itself the ASGI callable. It answers the provider's endpoints on GET
(``/status``, ``/leagues``, ``/fixtures``, ``/predictions``, ``/odds``, ``/odds/live``, ``/odds/bookmakers``,
``/odds/bets``) with the provider's envelope, headers, quota and error behaviour, and a
control surface under ``/__sim`` (``GET /__sim/stats``, ``POST /__sim/control``,
``GET /__sim/health``) that never counts and needs no key.

Order of decisions for an API request:

0. gateway ``rapidapi``: the path must start with ``/v3`` (stripped), and the key travels in
   ``x-rapidapi-key`` + ``x-rapidapi-host``; a missing or rejected key is HTTP 401
   ``{"message": "Invalid API key. ..."}``, a suspended account HTTP 403 ``{"message": "You
   are not subscribed to this API."}`` and a spent day HTTP 429 ``{"message": "You have
   exceeded the DAILY quota ..."}``, as RapidAPI's gateway answers; every answer with quota
   headers also carries ``x-ratelimit-requests-reset`` (seconds to the reset);
1. unknown path -> HTTP 200 envelope ``errors.endpoint`` (not counted), as the provider does;
2. ``stall_s`` (real ``asyncio.sleep``) then ``slow_s`` (the injected clock's ``sleep``);
3. injected ``http429_next`` / ``fail_next`` faults (not counted);
4. missing/empty ``x-apisports-key`` or a ``rejected`` account -> ``token`` envelope, a
   ``suspended`` account -> ``access`` envelope (HTTP 200, or ``refusal_status`` 401/403; not
   counted, no quota headers), on ``/status`` too;
5. ``/status`` answers here: it never counts;
6. daily quota used up -> ``requests`` envelope (not counted); the quota day starts at
   ``quota_reset_s`` seconds after midnight in ``quota_reset_tz`` (03:30 UTC by default, not
   midnight: the docs do not say when it resets, so oddsmon must learn it);
7. ``rate_limit_next`` or more than ``per_minute`` in the clock's current minute ->
   ``rateLimit`` envelope (not counted);
8. the request counts (daily and per minute), then the endpoint answers; a parameter error,
   or a season outside ``plan_seasons`` (``errors.plan``, a Free plan) is an HTTP 200
   envelope with ``errors`` set (it does count, the harsher reading);
9. the answer's body gets the real bodies' quirks that are switched on (``quirks``: prices of
   "1.00", shuffled and unpaired Over/Under lines, null venues, flags and logos, a live feed
   the size of the docs' sample);
10. ``garbage_next`` truncates whatever body was about to go out (HTTP 200).

The API key value is never stored: request records keep ``key_present`` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import threading
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from datetime import UTC
from typing import Any, Generic, TypeVar, cast
from urllib.parse import parse_qsl

import httpx

from ..clock import Clock, SystemClock
from .control import control_actions
from .data import SimConfig, SimData
from .endpoints import (
    MSG_ACCESS,
    MSG_ENDPOINT,
    MSG_GATEWAY_DAILY,
    MSG_GATEWAY_KEY,
    MSG_GATEWAY_UNSUBSCRIBED,
    MSG_LIST_ERROR,
    MSG_RATE_LIMIT,
    MSG_REQUESTS,
    MSG_REQUIRED,
    MSG_TOKEN,
    Endpoints,
    ParamError,
    dumps,
    envelope,
)
from .faults import NGINX_HTML, REASONS, Faults
from .quirks import Quirks
from .quota import Quota
from .stats import Stats
from .transport import SimTransport

GATEWAY_PREFIX = "/v3"

JSON_CT = (b"content-type", b"application/json")
_SENSITIVE = ("authorization", "cookie", "proxy-authorization")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
T = TypeVar("T")


class _FaultSetting(Generic[T]):
    """One of the faults' plain settings, read and written through the simulator."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, sim: Simulator, owner: type | None = None) -> T:
        return cast(T, getattr(sim.faults, self._name))

    def __set__(self, sim: Simulator, value: T) -> None:
        setattr(sim.faults, self._name, value)


class Simulator:
    """API-Football v3, simulated: the ASGI routing over data (``endpoints``), quota, faults
    and statistics, and the control surface drills use."""

    def __init__(self, config: SimConfig | None = None, *, clock: Clock | None = None,
                 **overrides: Any) -> None:
        cfg = config if config is not None else SimConfig()
        if overrides:
            cfg = dataclasses.replace(cfg, **overrides)
        self.config = cfg
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.data = SimData(cfg, self.clock.now())
        # One lock for quota, faults and statistics: a request decides on all three at once.
        self._lock = threading.Lock()
        self.quirks = Quirks()
        self.endpoints = Endpoints(cfg, self.clock, self.data, self.quirks)
        self.quota = Quota(cfg, self.clock, self._lock)
        self.faults = Faults(self._lock)
        self._stats = Stats()

    # ------------------------------------------------------------------ control surface
    # The drills' and tests' vocabulary, kept on the simulator itself (``sim.stall_s = 30``).
    slow_s: _FaultSetting[float] = _FaultSetting()
    stall_s: _FaultSetting[float] = _FaultSetting()
    reject_key: _FaultSetting[bool] = _FaultSetting()
    account: _FaultSetting[str] = _FaultSetting()  # "active", "rejected" or "suspended"
    refusal_status: _FaultSetting[int | None] = _FaultSetting()  # None, 401 or 403
    network_down: _FaultSetting[bool] = _FaultSetting()

    def exhaust_quota(self) -> None:
        """Use up today's quota: every counted call answers the ``requests`` error."""
        self.quota.exhaust()

    def set_quota(self, limit: int | None = None, used: int | None = None) -> None:
        self.quota.set(limit, used)

    def set_quota_reset(self, at: str | None = None, tz: str | None = None) -> None:
        """Move the daily reset to ``at`` (``"HH:MM"``) in zone ``tz`` (``"Europe/Paris"``)."""
        self.quota.set_reset(at, tz)

    def set_per_minute(self, limit: int) -> None:
        self.quota.set_per_minute(limit)

    def reset_rate_window(self) -> None:
        """Forget the requests counted in the current minute."""
        self.quota.reset_rate_window()

    def rate_limit_next(self, n: int = 1) -> None:
        """The next ``n`` counted requests answer the ``rateLimit`` envelope (HTTP 200)."""
        self.faults.rate_limit_next(n)

    def http429_next(self, n: int = 1, retry_after: int | None = None) -> None:
        """The next ``n`` API requests get a real HTTP 429 (a proxy in front of the API)."""
        self.faults.http429_next(n, retry_after)

    def fail_next(self, n: int = 1, status: int = 500, html: bool = False) -> None:
        """The next ``n`` API requests get HTTP ``status`` (5xx or 499); ``html``: nginx's page."""
        self.faults.fail_next(n, status, html)

    def garbage_next(self, n: int = 1) -> None:
        """The next ``n`` API responses are HTTP 200 with truncated JSON."""
        self.faults.garbage_next(n)

    def cut_network(self) -> None:
        """In-process only (``SimTransport``): connections fail with ``httpx.ConnectError``."""
        self.faults.network_down = True

    def restore_network(self) -> None:
        self.faults.network_down = False

    def reset_faults(self) -> None:
        """Clear every injected fault (not the quota, not the statistics)."""
        self.faults.reset()

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = Stats()

    def control(self, controls: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a control document (the body of ``POST /__sim/control``); return ``stats()``.
        Everything is checked before anything is applied; a bad document raises ``ValueError``."""
        for act in control_actions(controls, self.quota, self.faults, self.quirks, self.reset_stats):
            act()
        return self.stats()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self._stats.snapshot(),
                **self.quota.snapshot(),
                "faults": self.faults.snapshot(),
                "quirks": self.quirks.snapshot(),
                "clock": self.clock.now().astimezone(UTC).isoformat(),
                "recent": self._stats.recent_copy(),
            }

    # ------------------------------------------------------------------ in-process helpers
    def transport(self) -> SimTransport:
        """An ``httpx`` transport calling this simulator in-process (see ``SimTransport``)."""
        return SimTransport(self)

    def async_client(self, api_key: str | None = "sim-key", **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` wired to this simulator in-process."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if api_key is not None:
            headers.setdefault("x-apisports-key", api_key)
        kwargs.setdefault("base_url", "https://v3.football.api-sports.io")
        return httpx.AsyncClient(transport=self.transport(), headers=headers, **kwargs)

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind != "http":
            return
        path: str = scope.get("path") or "/"
        if path == "/__sim" or path.startswith("/__sim/"):
            status, headers, body = await self._control_surface(scope, receive, path)
        else:
            answer = await self._api(scope, receive, path)
            if answer is None:  # the client went away during a delay
                return
            status, headers, body = answer
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})

    async def _control_surface(self, scope: Scope, receive: Receive,
                               path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        method = scope.get("method", "GET")
        if path == "/__sim/stats" and method == "GET":
            return 200, [JSON_CT], dumps(self.stats())
        if path == "/__sim/health" and method == "GET":
            return 200, [JSON_CT], dumps({"ok": True})
        if path == "/__sim/control" and method == "POST":
            chunks = []
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            raw = b"".join(chunks)
            try:
                controls = json.loads(raw.decode("utf-8") or "{}")
                return 200, [JSON_CT], dumps(self.control(controls))
            except (ValueError, UnicodeDecodeError) as exc:
                return 400, [JSON_CT], dumps({"error": str(exc)})
        return 404, [JSON_CT], dumps({"error": f"unknown simulator control {method} {path}"})

    async def _delay(self, receive: Receive) -> bool:
        """Apply ``stall_s`` then ``slow_s``; False when the client disconnected meanwhile.

        The wait races the client's disconnect, so stopping a server (which aborts its
        connections) ends a stalled request at once instead of cancelling it mid-sleep.
        """
        waits: list[Any] = []
        if self.stall_s > 0:
            waits.append(asyncio.sleep(self.stall_s))
        if self.slow_s > 0:
            waits.append(self.clock.sleep(self.slow_s))
        if not waits:
            return True

        async def sleeps() -> None:
            for w in waits:
                await w

        async def disconnected() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return

        sleeper = asyncio.ensure_future(sleeps())
        watcher = asyncio.ensure_future(disconnected())
        with self._lock:
            self._stats.waiting += 1
        try:
            done, _ = await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            with self._lock:
                self._stats.waiting -= 1
            for task in (sleeper, watcher):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        return sleeper in done

    async def _api(self, scope: Scope, receive: Receive,
                   path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        method = scope.get("method", "GET")
        endpoint = path.rstrip("/") or "/"
        query = scope.get("query_string", b"").decode("latin-1")
        params: dict[str, str] = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            params[k] = v
        raw_headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
        gateway = self.config.gateway == "rapidapi"
        if gateway:
            # RapidAPI: the API lives under /v3 and the key needs its host header beside it.
            if endpoint == GATEWAY_PREFIX or endpoint.startswith(GATEWAY_PREFIX + "/"):
                endpoint = endpoint[len(GATEWAY_PREFIX):] or "/"
            else:
                endpoint = "/__not_under_v3__"
            key_present = bool(raw_headers.get("x-rapidapi-key", "").strip()) and \
                raw_headers.get("x-rapidapi-host", "") == self.config.gateway_host
        else:
            key_present = bool(raw_headers.get("x-apisports-key", "").strip())
        entry: dict[str, Any] = {
            "ts": self.clock.timestamp(),
            "method": method,
            "path": path,
            "params": {k: ("<redacted>" if "key" in k.lower() else v) for k, v in params.items()},
            "headers": {k: v for k, v in raw_headers.items()
                        if "key" not in k and k not in _SENSITIVE},
            "key_present": key_present,
        }
        get = endpoint.lstrip("/")
        known = endpoint == "/status" or endpoint in self.endpoints.routes

        if not known:
            body = dumps(envelope(get, params, errors={"endpoint": MSG_ENDPOINT}))
            with self._lock:
                self._stats.record(entry, "not_found", 200, False, None)
            return 200, [JSON_CT], body

        if not await self._delay(receive):
            with self._lock:
                self._stats.record(entry, "client_gone", 499, False, endpoint)
            return None

        status = 200
        headers: list[tuple[bytes, bytes]] = [JSON_CT]
        with self._lock:
            self.quota.roll_day()
            self.quota.roll_minute()
            faults, quota = self.faults, self.quota
            if faults.take("http429"):
                hdrs = [JSON_CT]
                if faults.http429_retry_after is not None:
                    hdrs.append((b"retry-after", str(faults.http429_retry_after).encode()))
                self._stats.record(entry, "http429", 429, False, endpoint)
                return 429, hdrs, dumps({"message": "Too many requests"})
            if faults.take("fail"):
                code = faults.fail_status
                reason = REASONS.get(code, "Server Error")
                self._stats.record(entry, "http5xx", code, False, endpoint)
                if faults.fail_html:
                    html = NGINX_HTML.format(code=code, reason=reason).encode()
                    return code, [(b"content-type", b"text/html")], html
                return code, [JSON_CT], dumps({"message": reason})
            if method not in ("GET", "HEAD"):
                body = dumps(envelope(get, params, errors={"method": f"The {method} method is not supported."}))
                self._stats.record(entry, "method_not_allowed", 405, False, endpoint)
                return 405, [JSON_CT], body
            outcome, counted = "ok", False
            errors: dict[str, str] | list[str] | None = None
            refusal = faults.refusal(key_present)
            # An expired subscription: refused, but /status still answers (active: false).
            inactive = not gateway and faults.account == "expired" and endpoint == "/status" \
                and refusal == "access"
            if inactive:
                refusal = None
            if gateway and refusal is not None:
                # RapidAPI's gateway: a key it does not know is 401 "Invalid API key", a key
                # whose subscription is gone 403 "You are not subscribed to this API.".
                code, message = (401, MSG_GATEWAY_KEY) if refusal == "token" else (403, MSG_GATEWAY_UNSUBSCRIBED)
                self._stats.record(entry, refusal, code, False, endpoint)
                return code, [JSON_CT], dumps({"message": message})
            if gateway and endpoint != "/status" and quota.day_spent:
                self._stats.record(entry, "requests", 429, False, endpoint)
                return 429, [JSON_CT, *quota.rate_headers()], dumps({"message": MSG_GATEWAY_DAILY})
            if refusal is not None:
                # No quota headers: a refused key names no account whose counts they would be.
                outcome, errors = refusal, {refusal: MSG_TOKEN if refusal == "token" else MSG_ACCESS}
                status = faults.refusal_status or 200
            elif endpoint == "/status":
                outcome = "ok"
            elif quota.day_spent:
                outcome, errors = "requests", {"requests": MSG_REQUESTS}
            elif faults.take("rate_limit") or quota.minute_spent:
                outcome, errors = "rateLimit", {"rateLimit": MSG_RATE_LIMIT}
            else:
                counted = True
                quota.count()
                if faults.take("errors_list"):
                    outcome, errors = "errors_list", [MSG_LIST_ERROR]
            if refusal is None:
                headers.extend(quota.rate_headers(zero_minute=faults.zero_rate_limit))
            used, limit = quota.used, quota.daily_limit
            garbage = faults.take("garbage")

        now = self.clock.timestamp()
        if errors is not None:
            doc = envelope(get, params, errors=errors, paging=endpoint != "/status")
        elif endpoint == "/status":
            doc = self.endpoints.status(params, used, limit, active=not inactive)
        else:
            try:
                ans = self.endpoints.routes[endpoint](params, now)
            except ParamError as exc:
                outcome = "error"
                doc = envelope(get, params, errors={exc.field: exc.message})
            else:
                doc = envelope(get, params, response=self.quirks.shaped(endpoint, ans.response),
                               paging=ans.paging, results=ans.results)
        body = dumps(doc)
        if garbage:
            outcome = "garbage" if outcome == "ok" else outcome
            body = body[: max(1, int(len(body) * 0.6))]
        with self._lock:
            self._stats.record(entry, outcome, status, counted, endpoint)
        return status, headers, body



__all__ = [
    "MSG_ACCESS",
    "MSG_ENDPOINT",
    "MSG_RATE_LIMIT",
    "MSG_REQUESTS",
    "MSG_REQUIRED",
    "MSG_TOKEN",
    "ParamError",
    "Simulator",
]
