"""The API-Football v3 simulator as a pure ASGI application.

``Simulator`` is itself the ASGI callable. It answers the provider's endpoints on GET
(``/status``, ``/leagues``, ``/fixtures``, ``/predictions``, ``/odds``, ``/odds/live``, ``/odds/bookmakers``,
``/odds/bets``) with the provider's envelope, headers, quota and error behaviour, and a
control surface under ``/__sim`` (``GET /__sim/stats``, ``POST /__sim/control``,
``GET /__sim/health``) that never counts and needs no key.

Order of decisions for an API request:

0. gateway ``rapidapi``: the path must start with ``/v3`` (stripped), and the key travels in
   ``x-rapidapi-key`` + ``x-rapidapi-host``; a missing or rejected key is HTTP 401
   ``{"message"}`` and a spent day HTTP 429 ``{"message": "You have exceeded the DAILY quota
   ..."}``, as RapidAPI's gateway answers;
1. unknown path -> HTTP 200 envelope ``errors.endpoint`` (not counted), as the provider does;
2. ``stall_s`` (real ``asyncio.sleep``) then ``slow_s`` (the injected clock's ``sleep``);
3. injected ``http429_next`` / ``fail_next`` faults (not counted);
4. missing/empty ``x-apisports-key`` or ``reject_key`` -> ``token`` envelope (not counted);
5. ``/status`` answers here: it never counts;
6. daily quota used up -> ``requests`` envelope (not counted); the quota day starts at
   ``quota_reset_s`` seconds after 00:00 UTC (not midnight by default: the docs do not say when
   it resets, so oddsmon must learn it);
7. ``rate_limit_next`` or more than ``per_minute`` in the clock's current minute ->
   ``rateLimit`` envelope (not counted);
8. the request counts (daily and per minute), then the endpoint answers; a parameter error,
   or a season outside ``plan_seasons`` (``errors.plan``, a Free plan) is an HTTP 200
   envelope with ``errors`` set (it does count, the harsher reading);
9. ``garbage_next`` truncates whatever body was about to go out (HTTP 200).

The API key value is never stored: request records keep ``key_present`` only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from ..clock import Clock, SystemClock
from . import catalogue as cat
from .data import PRICED_BETS, Fixture, SimConfig, SimData
from .live import live_items

MSG_REQUESTS = ("You have reached the request limit for the day, Go to "
                "https://dashboard.api-football.com to upgrade your plan.")
MSG_RATE_LIMIT = ("Too many requests. You have exceeded the limit of requests per minute "
                  "of your subscription.")
MSG_TOKEN = ("Error/Missing application key. Go to "
             "https://www.api-football.com/documentation-v3 to learn how to get your API "
             "application key.")
MSG_REQUIRED = "At least one parameter is required."
MSG_ENDPOINT = "This endpoint do not exist."
MSG_GATEWAY_KEY = "Invalid API key. Go to https://docs.rapidapi.com/docs/keys for more info."
MSG_GATEWAY_DAILY = ("You have exceeded the DAILY quota for Requests on your current plan, BASIC. "
                     "Upgrade your plan at https://rapidapi.com/api-sports/api/api-football")
GATEWAY_PREFIX = "/v3"

JSON_CT = (b"content-type", b"application/json")
_SENSITIVE = ("authorization", "cookie", "proxy-authorization")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEASON_RE = re.compile(r"^\d{4}$")
RECENT_MAX = 200

NGINX_HTML = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
REASONS = {499: "Client Closed Request", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
           503: "Service Temporarily Unavailable", 504: "Gateway Time-out", 429: "Too Many Requests"}

# Parameters each endpoint accepts (the provider's documented ones); anything else is refused.
ALLOWED: dict[str, frozenset[str]] = {
    "status": frozenset(),
    "leagues": frozenset({"id", "name", "country", "code", "season", "team", "type", "current",
                          "search", "last"}),
    "fixtures": frozenset({"id", "ids", "live", "date", "league", "season", "team", "last",
                           "next", "from", "to", "round", "status", "venue", "timezone"}),
    "predictions": frozenset({"fixture"}),
    "odds": frozenset({"fixture", "league", "season", "date", "timezone", "page", "bookmaker",
                       "bet"}),
    "odds/live": frozenset({"fixture", "league", "bet"}),
    "odds/bookmakers": frozenset({"id", "search"}),
    "odds/bets": frozenset({"id", "search"}),
}


class ParamError(Exception):
    """A provider-style parameter error: becomes ``errors: {field: message}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclasses.dataclass
class _Answer:
    response: Any
    paging: tuple[int, int] = (1, 1)
    results: int | None = None


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _int(params: Mapping[str, str], name: str, lo: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise ParamError(name, f"The {_title(name)} field must contain an integer.") from None
    if lo is not None and value < lo:
        raise ParamError(name, f"The {_title(name)} field must be at least {lo}.")
    return value


def _season(params: Mapping[str, str]) -> int | None:
    raw = params.get("season")
    if raw is None:
        return None
    if not _SEASON_RE.match(raw.strip()):
        raise ParamError("season", "The Season field must contain 4 digits.")
    return int(raw)


def _date(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    ok = bool(_DATE_RE.match(raw))
    if ok:
        try:
            date.fromisoformat(raw)
        except ValueError:
            ok = False
    if not ok:
        raise ParamError(name, f"The {_title(name)} field must be a valid date (YYYY-MM-DD).")
    return raw


def _search(params: Mapping[str, str]) -> str | None:
    raw = params.get("search")
    if raw is None:
        return None
    raw = raw.strip()
    if len(raw) < 3:
        raise ParamError("search", "The Search field must be at least 3 characters.")
    return raw.lower()


class Simulator:
    """API-Football v3, simulated: data, quota, faults and statistics behind one ASGI app."""

    def __init__(self, config: SimConfig | None = None, *, clock: Clock | None = None,
                 **overrides: Any) -> None:
        cfg = config if config is not None else SimConfig()
        if overrides:
            cfg = dataclasses.replace(cfg, **overrides)
        self.config = cfg
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.data = SimData(cfg, self.clock.now())
        self._lock = threading.Lock()
        self._routes: dict[str, Callable[[dict[str, str], float], _Answer]] = {
            "/leagues": self._leagues,
            "/fixtures": self._fixtures,
            "/predictions": self._predictions,
            "/odds": self._odds,
            "/odds/live": self._odds_live,
            "/odds/bookmakers": self._bookmakers,
            "/odds/bets": self._bets,
        }
        # Quota state.
        self.daily_limit = cfg.daily_limit
        self.per_minute = cfg.per_minute
        self._used = 0
        self._day = self._utc_day()
        self._minute: int | None = None
        self._minute_used = 0
        # Faults. The four below are plain attributes: set them directly if you like.
        self.slow_s = 0.0
        self.stall_s = 0.0
        self.reject_key = False
        self.network_down = False
        self._rate_limit_next = 0
        self._http429_next = 0
        self._http429_retry_after: int | None = None
        self._fail_next = 0
        self._fail_status = 500
        self._fail_html = False
        self._garbage_next = 0
        self._reset_counters()

    # ------------------------------------------------------------------ helpers
    def _utc_day(self) -> date:
        """The quota day: it starts ``quota_reset_s`` after 00:00 UTC."""
        return datetime.fromtimestamp(self.clock.timestamp() - self.config.quota_reset_s,
                                      UTC).date()

    def _roll_day(self) -> None:
        """Reset the daily count when the quota day turns (caller holds the lock)."""
        today = self._utc_day()
        if today != self._day:
            self._day = today
            self._used = 0

    def _roll_minute(self) -> None:
        minute = int(self.clock.timestamp() // 60)
        if minute != self._minute:
            self._minute = minute
            self._minute_used = 0

    def _reset_counters(self) -> None:
        self._requests_total = 0
        self._counted_total = 0
        self._status_calls = 0
        self._by_endpoint: dict[str, int] = {}
        self._counted_by_endpoint: dict[str, int] = {}
        self._outcomes: dict[str, int] = {}
        self._recent: deque[dict[str, Any]] = deque(maxlen=RECENT_MAX)

    def _rate_headers(self) -> list[tuple[bytes, bytes]]:
        remaining_day = max(0, self.daily_limit - self._used)
        remaining_min = max(0, self.per_minute - self._minute_used)
        return [
            (b"x-ratelimit-requests-limit", str(self.daily_limit).encode()),
            (b"x-ratelimit-requests-remaining", str(remaining_day).encode()),
            (b"x-ratelimit-limit", str(self.per_minute).encode()),
            (b"x-ratelimit-remaining", str(remaining_min).encode()),
        ]

    # ------------------------------------------------------------------ fault controls
    def exhaust_quota(self) -> None:
        """Use up today's quota: every counted call answers the ``requests`` error."""
        with self._lock:
            self._roll_day()
            self._used = self.daily_limit

    def set_quota(self, limit: int | None = None, used: int | None = None) -> None:
        with self._lock:
            self._roll_day()
            if limit is not None:
                if limit < 0:
                    raise ValueError("limit must be >= 0")
                self.daily_limit = int(limit)
            if used is not None:
                if used < 0:
                    raise ValueError("used must be >= 0")
                self._used = int(used)

    def set_per_minute(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("per_minute must be >= 1")
        with self._lock:
            self.per_minute = int(limit)

    def reset_rate_window(self) -> None:
        """Forget the requests counted in the current minute."""
        with self._lock:
            self._minute_used = 0

    def rate_limit_next(self, n: int = 1) -> None:
        """The next ``n`` counted requests answer the ``rateLimit`` envelope (HTTP 200)."""
        with self._lock:
            self._rate_limit_next = max(0, int(n))

    def http429_next(self, n: int = 1, retry_after: int | None = None) -> None:
        """The next ``n`` API requests get a real HTTP 429 (a proxy in front of the API)."""
        with self._lock:
            self._http429_next = max(0, int(n))
            self._http429_retry_after = retry_after

    def fail_next(self, n: int = 1, status: int = 500, html: bool = False) -> None:
        """The next ``n`` API requests get HTTP ``status`` (5xx, or the 499 the provider's docs
        list); ``html`` gives nginx's page."""
        if not (500 <= int(status) <= 599 or int(status) == 499):
            raise ValueError("status must be a 5xx code or 499")
        with self._lock:
            self._fail_next = max(0, int(n))
            self._fail_status = int(status)
            self._fail_html = bool(html)

    def garbage_next(self, n: int = 1) -> None:
        """The next ``n`` API responses are HTTP 200 with truncated JSON."""
        with self._lock:
            self._garbage_next = max(0, int(n))

    def cut_network(self) -> None:
        """In-process only (``SimTransport``): connections fail with ``httpx.ConnectError``."""
        self.network_down = True

    def restore_network(self) -> None:
        self.network_down = False

    def reset_faults(self) -> None:
        """Clear every injected fault (not the quota, not the statistics)."""
        with self._lock:
            self._rate_limit_next = self._http429_next = self._fail_next = self._garbage_next = 0
            self._http429_retry_after = None
            self._fail_status, self._fail_html = 500, False
            self.slow_s = self.stall_s = 0.0
            self.reject_key = False
            self.network_down = False

    def reset_stats(self) -> None:
        with self._lock:
            self._reset_counters()

    def control(self, controls: Mapping[str, Any]) -> dict[str, Any]:
        """Apply a control document (the body of ``POST /__sim/control``); return ``stats()``.

        Keys: reset_faults, reset_stats, exhaust_quota, set_quota {limit, used}, per_minute,
        reset_rate_window, rate_limit_next, http429_next (+ retry_after), fail_next (+ status,
        html), garbage_next, slow_s, stall_s, reject_key, network_down. Everything is checked
        before anything is applied; a bad document raises ``ValueError``.
        """
        if not isinstance(controls, Mapping):
            raise ValueError("control body must be a JSON object")
        known = {"reset_faults", "reset_stats", "exhaust_quota", "set_quota", "per_minute",
                 "reset_rate_window", "rate_limit_next", "http429_next", "retry_after",
                 "fail_next", "status", "html", "garbage_next", "slow_s", "stall_s",
                 "reject_key", "network_down"}
        unknown = sorted(set(controls) - known)
        if unknown:
            raise ValueError(f"unknown control key(s): {', '.join(unknown)}")

        def count(key: str) -> int:
            v = controls[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{key} must be a non-negative integer")
            return v

        def flag(key: str) -> bool:
            v = controls[key]
            if not isinstance(v, bool):
                raise ValueError(f"{key} must be true or false")
            return v

        def seconds(key: str) -> float:
            v = controls[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or not math.isfinite(v):
                raise ValueError(f"{key} must be a non-negative number of seconds")
            return float(v)

        actions: list[Callable[[], None]] = []
        if "reset_faults" in controls and flag("reset_faults"):
            actions.append(self.reset_faults)
        if "reset_stats" in controls and flag("reset_stats"):
            actions.append(self.reset_stats)
        if "exhaust_quota" in controls and flag("exhaust_quota"):
            actions.append(self.exhaust_quota)
        if "set_quota" in controls:
            sq = controls["set_quota"]
            if not isinstance(sq, Mapping) or set(sq) - {"limit", "used"}:
                raise ValueError("set_quota must be an object with 'limit' and/or 'used'")
            for k, v in sq.items():
                if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                    raise ValueError(f"set_quota.{k} must be a non-negative integer")
            actions.append(lambda: self.set_quota(limit=sq.get("limit"), used=sq.get("used")))
        if "per_minute" in controls:
            pm = count("per_minute")
            if pm < 1:
                raise ValueError("per_minute must be >= 1")
            actions.append(lambda: self.set_per_minute(pm))
        if "reset_rate_window" in controls and flag("reset_rate_window"):
            actions.append(self.reset_rate_window)
        if "rate_limit_next" in controls:
            n_rl = count("rate_limit_next")
            actions.append(lambda: self.rate_limit_next(n_rl))
        if "retry_after" in controls and "http429_next" not in controls:
            raise ValueError("retry_after goes with http429_next")
        if "http429_next" in controls:
            n_429 = count("http429_next")
            ra = controls.get("retry_after")
            if ra is not None and (isinstance(ra, bool) or not isinstance(ra, int) or ra < 0):
                raise ValueError("retry_after must be a non-negative integer")
            actions.append(lambda: self.http429_next(n_429, retry_after=ra))
        if ("status" in controls or "html" in controls) and "fail_next" not in controls:
            raise ValueError("status/html go with fail_next")
        if "fail_next" in controls:
            n_fail = count("fail_next")
            st = controls.get("status", 500)
            if isinstance(st, bool) or not isinstance(st, int) or not (500 <= st <= 599 or st == 499):
                raise ValueError("status must be a 5xx code or 499")
            html = flag("html") if "html" in controls else False
            actions.append(lambda: self.fail_next(n_fail, status=st, html=html))
        if "garbage_next" in controls:
            n_g = count("garbage_next")
            actions.append(lambda: self.garbage_next(n_g))
        if "slow_s" in controls:
            slow = seconds("slow_s")
            actions.append(lambda: setattr(self, "slow_s", slow))
        if "stall_s" in controls:
            stall = seconds("stall_s")
            actions.append(lambda: setattr(self, "stall_s", stall))
        if "reject_key" in controls:
            rk = flag("reject_key")
            actions.append(lambda: setattr(self, "reject_key", rk))
        if "network_down" in controls:
            nd = flag("network_down")
            actions.append(lambda: setattr(self, "network_down", nd))
        for act in actions:
            act()
        return self.stats()

    # ------------------------------------------------------------------ statistics
    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._roll_day()
            self._roll_minute()
            remaining = max(0, self.daily_limit - self._used)
            return {
                "requests_total": self._requests_total,
                "counted_total": self._counted_total,
                "status_calls": self._status_calls,
                "by_endpoint": dict(self._by_endpoint),
                "counted_by_endpoint": dict(self._counted_by_endpoint),
                "outcomes": dict(self._outcomes),
                "quota": {"limit": self.daily_limit, "used": self._used, "remaining": remaining,
                          "day": self._day.isoformat()},
                "quota_used": self._used,
                "quota_remaining": remaining,
                "per_minute": {"limit": self.per_minute, "used": self._minute_used,
                               "remaining": max(0, self.per_minute - self._minute_used)},
                "faults": {
                    "rate_limit_next": self._rate_limit_next,
                    "http429_next": self._http429_next,
                    "fail_next": self._fail_next,
                    "fail_status": self._fail_status,
                    "fail_html": self._fail_html,
                    "garbage_next": self._garbage_next,
                    "slow_s": self.slow_s,
                    "stall_s": self.stall_s,
                    "reject_key": self.reject_key,
                    "network_down": self.network_down,
                },
                "clock": self.clock.now().astimezone(UTC).isoformat(),
                "recent": [dict(r) for r in self._recent],
            }

    # ------------------------------------------------------------------ in-process helpers
    def transport(self) -> Any:
        """An ``httpx`` transport calling this simulator in-process (see ``SimTransport``)."""
        from .transport import SimTransport

        return SimTransport(self)

    def async_client(self, api_key: str | None = "sim-key", **kwargs: Any) -> Any:
        """An ``httpx.AsyncClient`` wired to this simulator in-process."""
        import httpx

        headers = dict(kwargs.pop("headers", {}) or {})
        if api_key is not None:
            headers.setdefault("x-apisports-key", api_key)
        kwargs.setdefault("base_url", "https://v3.football.api-sports.io")
        return httpx.AsyncClient(transport=self.transport(), headers=headers, **kwargs)

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any],
                       send: Callable[..., Any]) -> None:
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

    async def _control_surface(self, scope: dict[str, Any], receive: Callable[..., Any],
                               path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        method = scope.get("method", "GET")
        if path == "/__sim/stats" and method == "GET":
            return 200, [JSON_CT], _dumps(self.stats())
        if path == "/__sim/health" and method == "GET":
            return 200, [JSON_CT], _dumps({"ok": True})
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
                return 200, [JSON_CT], _dumps(self.control(controls))
            except (ValueError, UnicodeDecodeError) as exc:
                return 400, [JSON_CT], _dumps({"error": str(exc)})
        return 404, [JSON_CT], _dumps({"error": f"unknown simulator control {method} {path}"})

    def _record(self, entry: dict[str, Any], outcome: str, status: int, counted: bool,
                endpoint: str | None) -> None:
        """Update statistics (caller holds the lock)."""
        self._requests_total += 1
        if endpoint is not None:
            self._by_endpoint[endpoint] = self._by_endpoint.get(endpoint, 0) + 1
            if endpoint == "/status":
                self._status_calls += 1
        if counted and endpoint is not None:
            self._counted_total += 1
            self._counted_by_endpoint[endpoint] = self._counted_by_endpoint.get(endpoint, 0) + 1
        self._outcomes[outcome] = self._outcomes.get(outcome, 0) + 1
        entry.update(outcome=outcome, status=status, counted=counted)
        self._recent.append(entry)

    async def _delay(self, receive: Callable[..., Any]) -> bool:
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
        try:
            done, _ = await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, watcher):
                if not task.done():
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass
        return sleeper in done

    async def _api(self, scope: dict[str, Any], receive: Callable[..., Any],
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
        known = endpoint == "/status" or endpoint in self._routes

        if not known:
            body = _dumps(_envelope(get, params, errors={"endpoint": MSG_ENDPOINT}))
            with self._lock:
                self._record(entry, "not_found", 200, False, None)
            return 200, [JSON_CT], body

        if not await self._delay(receive):
            with self._lock:
                self._record(entry, "client_gone", 499, False, endpoint)
            return None

        status = 200
        headers: list[tuple[bytes, bytes]] = [JSON_CT]
        with self._lock:
            self._roll_day()
            self._roll_minute()
            if self._http429_next > 0:
                self._http429_next -= 1
                hdrs = [JSON_CT]
                if self._http429_retry_after is not None:
                    hdrs.append((b"retry-after", str(self._http429_retry_after).encode()))
                self._record(entry, "http429", 429, False, endpoint)
                return 429, hdrs, _dumps({"message": "Too many requests"})
            if self._fail_next > 0:
                self._fail_next -= 1
                code = self._fail_status
                reason = REASONS.get(code, "Server Error")
                self._record(entry, "http5xx", code, False, endpoint)
                if self._fail_html:
                    html = NGINX_HTML.format(code=code, reason=reason).encode()
                    return code, [(b"content-type", b"text/html")], html
                return code, [JSON_CT], _dumps({"message": reason})
            if method not in ("GET", "HEAD"):
                body = _dumps(_envelope(get, params, errors={"method": f"The {method} method is not supported."}))
                self._record(entry, "method_not_allowed", 405, False, endpoint)
                return 405, [JSON_CT], body
            outcome, counted, errors = "ok", False, None
            if gateway and (self.reject_key or not key_present):
                self._record(entry, "token", 401, False, endpoint)
                return 401, [JSON_CT], _dumps({"message": MSG_GATEWAY_KEY})
            if gateway and endpoint != "/status" and self._used >= self.daily_limit:
                self._record(entry, "requests", 429, False, endpoint)
                return 429, [JSON_CT, *self._rate_headers()], _dumps({"message": MSG_GATEWAY_DAILY})
            if self.reject_key or not key_present:
                outcome, errors = "token", {"token": MSG_TOKEN}
            elif endpoint == "/status":
                outcome = "ok"
            elif self._used >= self.daily_limit:
                outcome, errors = "requests", {"requests": MSG_REQUESTS}
            elif self._rate_limit_next > 0 or self._minute_used >= self.per_minute:
                if self._rate_limit_next > 0:
                    self._rate_limit_next -= 1
                outcome, errors = "rateLimit", {"rateLimit": MSG_RATE_LIMIT}
            else:
                counted = True
                self._used += 1
                self._minute_used += 1
            headers.extend(self._rate_headers())
            used, limit = self._used, self.daily_limit
            garbage = False
            if self._garbage_next > 0:
                self._garbage_next -= 1
                garbage = True

        now = self.clock.timestamp()
        if errors is not None:
            doc = _envelope(get, params, errors=errors, paging=endpoint != "/status")
        elif endpoint == "/status":
            doc = self._status_doc(params, used, limit)
        else:
            try:
                ans = self._routes[endpoint](params, now)
            except ParamError as exc:
                outcome = "error"
                doc = _envelope(get, params, errors={exc.field: exc.message})
            else:
                doc = _envelope(get, params, response=ans.response, paging=ans.paging,
                                results=ans.results)
        body = _dumps(doc)
        if garbage:
            outcome = "garbage" if outcome == "ok" else outcome
            body = body[: max(1, int(len(body) * 0.6))]
        with self._lock:
            self._record(entry, outcome, status, counted, endpoint)
        return status, headers, body

    # ------------------------------------------------------------------ endpoints
    def _status_doc(self, params: dict[str, str], used: int, limit: int) -> dict[str, Any]:
        end = (self.clock.now().astimezone(UTC).replace(hour=23, minute=59, second=59,
                                                                  microsecond=0)
               + timedelta(days=365))
        return {
            "get": "status",
            "parameters": params or [],
            "errors": [],
            # The live service answers /status with results 0 and a paging block (the docs'
            # sample says 1, without paging): nothing may rely on either.
            "results": 0,
            "paging": {"current": 1, "total": 1},
            "response": {
                "account": {"firstname": "Oddsmon", "lastname": "Simulator",
                            "email": "sim@oddsmon.invalid"},
                "subscription": {"plan": self.config.plan, "end": end.isoformat(), "active": True},
                "requests": {"current": used, "limit_day": limit},
            },
        }

    def _season_allowed(self, params: Mapping[str, str]) -> int | None:
        """The ``season`` param, refused (``errors.plan``) outside the plan's seasons."""
        season = _season(params)
        allowed = self.config.plan_seasons
        if season is not None and allowed is not None and not allowed[0] <= season <= allowed[1]:
            raise ParamError("plan", f"{self.config.plan} plans do not have access to this season, "
                                     f"try from {allowed[0]} to {allowed[1]}.")
        return season

    @staticmethod
    def _reject_unknown(name: str, params: Mapping[str, str]) -> None:
        allowed = ALLOWED[name]
        for key in params:
            if key not in allowed:
                raise ParamError(key, f"The {_title(key)} field do not exist.")

    def _leagues(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("leagues", params)
        data = self.data
        lid = _int(params, "id")
        season = self._season_allowed(params)
        team = _int(params, "team")
        last = _int(params, "last", lo=1)
        search = _search(params)
        current = params.get("current")
        if current is not None:
            current = current.strip().lower()
            if current not in ("true", "false"):
                raise ParamError("current", "The Current field must contain 'true' or 'false' value.")
        ltype = params.get("type")
        if ltype is not None and ltype.strip().lower() not in ("league", "cup"):
            raise ParamError("type", "The Type field must contain 'league' or 'cup' value.")
        out = []
        for league in data.leagues.values():
            if lid is not None and league.id != lid:
                continue
            if "name" in params and league.name.lower() != params["name"].strip().lower():
                continue
            if "country" in params and league.country.lower() != params["country"].strip().lower():
                continue
            if "code" in params and (league.code or "").lower() != params["code"].strip().lower():
                continue
            if ltype is not None and league.type.lower() != ltype.strip().lower():
                continue
            if search is not None and search not in league.name.lower() and search not in league.country.lower():
                continue
            if team is not None and team not in {t.id for t in league.teams}:
                continue
            seasons = data.seasons_of(league.id)
            if season is not None:
                seasons = [y for y in seasons if y == season]
            if current == "true":
                seasons = [y for y in seasons if y == data.season_of(league.id)]
            elif current == "false":
                seasons = [y for y in seasons if y != data.season_of(league.id)]
            if not seasons:
                continue
            out.append(data.league_json(league, seasons))
        if last is not None:
            out = out[-last:]
        return _Answer(out)

    def _fixtures(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("fixtures", params)
        data = self.data
        if not any(k != "timezone" for k in params):
            raise ParamError("required", MSG_REQUIRED)
        fid = _int(params, "id")
        league = _int(params, "league")
        season = self._season_allowed(params)
        team = _int(params, "team")
        venue = _int(params, "venue")
        nxt = _int(params, "next", lo=1)
        last = _int(params, "last", lo=1)
        for name, value in (("next", nxt), ("last", last)):
            if value is not None and value > 99:
                raise ParamError(name, f"The {_title(name)} field must contain at most 2 digits.")
        day = _date(params, "date")
        frm = _date(params, "from")
        to = _date(params, "to")
        ids: list[int] | None = None
        if "ids" in params:
            try:
                ids = [int(x) for x in params["ids"].split("-") if x.strip() != ""]
            except ValueError:
                raise ParamError("ids", "The Ids field must contain ids separated by '-'.") from None
            if not ids:
                raise ParamError("ids", "The Ids field must contain ids separated by '-'.")
            if len(ids) > 20:
                raise ParamError("ids", "The Ids field must contain at most 20 ids.")
        live_leagues: set[int] | None = None
        live = params.get("live")
        if live is not None:
            live = live.strip()
            if live.lower() != "all":
                try:
                    live_leagues = {int(x) for x in live.split("-")}
                except ValueError:
                    raise ParamError("live", "The Live field must contain 'all' or league ids separated by '-'.") from None
        if (frm is None) != (to is None):
            missing = "to" if to is None else "from"
            raise ParamError(missing, f"The {_title(missing)} field is required.")
        if frm is not None and to is not None and frm > to:
            raise ParamError("to", "The To field must be a date after or equal to From.")
        narrow = fid is not None or ids is not None or live is not None or nxt is not None or last is not None
        if season is None and not narrow and (league is not None or frm is not None or team is not None):
            raise ParamError("season", "The Season field is required.")
        statuses: set[str] | None = None
        if "status" in params:
            statuses = {s.strip().upper() for s in params["status"].split("-") if s.strip()}

        if fid is not None:
            fx0 = data.by_id.get(fid)
            cands: list[Fixture] = [fx0] if fx0 is not None else []
        elif ids is not None:
            cands = [data.by_id[i] for i in ids if i in data.by_id]
        elif day is not None:
            cands = list(data.by_date.get(day, []))
        elif league is not None:
            cands = list(data.by_league.get(league, []))
        else:
            cands = list(data.fixtures)

        def keep(fx: Fixture) -> bool:
            if fid is not None and fx.id != fid:
                return False
            if league is not None and fx.league.id != league:
                return False
            if season is not None and fx.season != season:
                return False
            if day is not None and fx.date_utc != day:
                return False
            if frm is not None and to is not None and not (frm <= fx.date_utc <= to):
                return False
            if team is not None and team not in (fx.home.id, fx.away.id):
                return False
            if venue is not None and fx.home.venue_id != venue:
                return False
            if "round" in params and fx.round != params["round"]:
                return False
            return True

        cands = [fx for fx in cands if keep(fx)]
        if live is not None or statuses is not None or nxt is not None or last is not None:
            with_status = [(fx, data.status_at(fx, now)) for fx in cands]
            if live is not None:
                with_status = [(fx, st) for fx, st in with_status if st.live
                               and (live_leagues is None or fx.league.id in live_leagues)]
            if statuses is not None:
                with_status = [(fx, st) for fx, st in with_status if st.short in statuses]
            if nxt is not None:
                with_status = [(fx, st) for fx, st in with_status if st.short in ("NS", "TBD")][:nxt]
            if last is not None:
                finished = [(fx, st) for fx, st in with_status if st.short in ("FT", "AET", "PEN")]
                with_status = sorted(finished, key=lambda p: (p[0].kickoff, p[0].id), reverse=True)[:last]
            cands = [fx for fx, _ in with_status]
        if ids is not None:
            order = {i: k for k, i in enumerate(ids)}
            cands.sort(key=lambda fx: order[fx.id])
        return _Answer([data.fixture_json(fx, now) for fx in cands])

    def _predictions(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("predictions", params)
        if "fixture" not in params:
            raise ParamError("required", MSG_REQUIRED)
        fid = _int(params, "fixture")
        fx = self.data.by_id.get(fid) if fid is not None else None
        return _Answer([self.data.prediction_json(fx)] if fx is not None else [])

    def _odds(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("odds", params)
        data = self.data
        fid = _int(params, "fixture")
        league = _int(params, "league")
        season = self._season_allowed(params)
        day = _date(params, "date")
        page = _int(params, "page", lo=1) or 1
        bookmaker = _int(params, "bookmaker")
        bet = _int(params, "bet")
        if fid is None and league is None and day is None:
            raise ParamError("required", MSG_REQUIRED)
        if league is not None and season is None:
            raise ParamError("season", "The Season field is required.")
        if fid is not None:
            fx0 = data.by_id.get(fid)
            cands = [fx0] if fx0 is not None else []
        elif day is not None:
            cands = list(data.by_date.get(day, []))
        else:
            cands = list(data.by_league.get(league, []))  # type: ignore[arg-type]
        cands = [fx for fx in cands
                 if (league is None or fx.league.id == league)
                 and (season is None or fx.season == season)
                 and (day is None or fx.date_utc == day)
                 and (bookmaker is None or bookmaker in fx.bookmakers)
                 and fx.league.id not in self.config.no_odds_leagues]
        if bet is not None and bet not in PRICED_BETS:
            cands = []
        size = self.config.odds_page_size
        total = max(1, math.ceil(len(cands) / size))
        chunk = cands[(page - 1) * size: page * size]
        items = []
        for fx in chunk:
            item = data.odds_item(fx, now, bookmaker=bookmaker, bet=bet)
            if item is not None:
                items.append(item)
        return _Answer(items, paging=(page, total))

    def _odds_live(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("odds/live", params)
        return _Answer(live_items(self.data, now, fixture=_int(params, "fixture"),
                                  league=_int(params, "league"), bet=_int(params, "bet")))

    def _bookmakers(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("odds/bookmakers", params)
        bid = _int(params, "id")
        search = _search(params)
        out = [{"id": i, "name": n} for i, n in cat.BOOKMAKERS
               if (bid is None or i == bid) and (search is None or search in n.lower())]
        return _Answer(out)

    def _bets(self, params: dict[str, str], now: float) -> _Answer:
        self._reject_unknown("odds/bets", params)
        bid = _int(params, "id")
        search = _search(params)
        out = [{"id": i, "name": n} for i, n in cat.BETS
               if (bid is None or i == bid) and (search is None or search in n.lower())]
        return _Answer(out)


def _envelope(get: str, params: Mapping[str, str], *, response: Any = None,
              errors: Mapping[str, str] | None = None, paging: tuple[int, int] | bool = (1, 1),
              results: int | None = None) -> dict[str, Any]:
    """The provider's envelope; ``parameters`` is ``[]`` when empty, like the samples."""
    doc: dict[str, Any] = {"get": get, "parameters": dict(params) if params else []}
    if errors:
        doc["errors"] = dict(errors)
        doc["results"] = 0
        response = []
    else:
        doc["errors"] = []
        if response is None:
            response = []
        doc["results"] = results if results is not None else (
            len(response) if isinstance(response, list) else 1)
    if paging is not False:
        cur, tot = paging if isinstance(paging, tuple) else (1, 1)
        doc["paging"] = {"current": cur, "total": tot}
    doc["response"] = response
    return doc


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


__all__ = [
    "MSG_ENDPOINT",
    "MSG_RATE_LIMIT",
    "MSG_REQUESTS",
    "MSG_REQUIRED",
    "MSG_TOKEN",
    "ParamError",
    "Simulator",
]
