"""Async API-Football v3 client on one ``httpx.AsyncClient`` per process.

It owns the wire: auth header, envelope, quota headers into the ledger, the daily reserve,
per-minute pacing, retries, coalescing of identical requests in flight, and ``/odds`` paging.
It knows nothing of caching or offline policy beyond one question asked before every send
(``gate``): is oddsmon offline? If so, nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
import msgspec

from ..clock import Clock, iso_utc
from ..config import QUOTA_MAX, ApiSettings, ConfigError, Secret
from ..store import Ledger, cache_key
from ..text import MAX_JSON_DEPTH, clean, clean_json_text, json_too_deep, redact
from .errors import (
    ApiError,
    BadResponse,
    BudgetSpent,
    KeyRejected,
    NetworkError,
    Offline,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from .throttle import WINDOW_S, MinuteThrottle

FREE_ENDPOINTS = frozenset({"/status"})  # do not count against the daily quota
RATE_LIMIT_RETRIES = 3
# A rate limit that has not lifted after this many seconds of waiting is reported, not waited
# out: a warm then stops with the reason instead of sleeping minutes per step.
RATE_LIMIT_BUDGET_S = 60.0
RATE_LIMIT_BACKOFF_S = 8.0  # first full-jitter backoff cap; it doubles per retry
NETWORK_BACKOFF_S = 0.5
NETWORK_BACKOFF_MAX_S = 8.0
# HTTP statuses worth another attempt like a read timeout: 5xx, and the 499 the provider's
# docs list (docs/provider.md).
RETRY_STATUSES = frozenset({499})
MAX_PAGES = 100
USER_AGENT = "oddsmon/0.1 (+https://github.com/oddsmon)"

Params = Mapping[str, str | int]


@dataclass(frozen=True, slots=True)
class ApiResponse:
    endpoint: str
    params: dict[str, str]
    body: str  # the envelope as JSON text: what the cache stores
    envelope: dict[str, Any] = field(repr=False)
    daily_remaining: int | None = None

    @property
    def response(self) -> Any:
        return self.envelope.get("response")


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    """A quota header as a count; a value that is not a plain decimal count of at most
    ``QUOTA_MAX`` (negative, absurdly large, not a number) is ignored rather than believed."""
    value = headers.get(name)
    if value is None:
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(QUOTA_MAX)):
        return None
    number = int(text)
    return number if number <= QUOTA_MAX else None


def _gateway_message(body: bytes) -> str:
    """The ``message`` of a gateway's JSON error body (RapidAPI), else an empty string."""
    if json_too_deep(body):
        return ""
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError is one
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return str(message)[:300] if message else ""


_ENCODE = msgspec.json.Encoder().encode
_RAW_ENVELOPE = msgspec.json.Decoder(dict[str, msgspec.Raw])
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def _raw_envelope(text: str) -> Any:
    """An envelope whose ``response`` stays JSON text (msgspec.Raw), the rest decoded. What
    msgspec does not read (NaN, a number past 64 bits) is read by ``json`` as before, its
    ``response`` written back as standard JSON text for the caller."""
    try:
        parts = _RAW_ENVELOPE.decode(text)
    except msgspec.DecodeError:
        envelope = json.loads(text)  # a ValueError here: not JSON at all
        if isinstance(envelope, dict) and "response" in envelope:
            envelope["response"] = msgspec.Raw(json.dumps(envelope["response"]).encode())
        return envelope
    return {key: value if key == "response" else msgspec.json.decode(value) for key, value in parts.items()}


def _is_list(response: Any) -> bool:
    if isinstance(response, msgspec.Raw):
        return bytes(memoryview(response)[:1]) == b"["
    return isinstance(response, list)


def _length(response: Any) -> int:
    """How many items a page's ``response`` list holds (a raw one is split, not decoded)."""
    if isinstance(response, msgspec.Raw):
        try:
            return len(_RAW_LIST.decode(response))
        except msgspec.DecodeError:  # JSON msgspec does not read (see _raw_envelope)
            return len(json.loads(bytes(response)))
    return len(response or [])


def _decoded(response: ApiResponse) -> ApiResponse:
    """``response`` with its envelope read whole from its body (no part of it left raw)."""
    return replace(response, envelope=json.loads(response.body))


def _retry_after(headers: httpx.Headers) -> float | None:
    """``Retry-After`` in seconds (the delta form; a date form is read as absent)."""
    value = headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 86400 else None


def auth_headers(settings: ApiSettings, key: Secret) -> dict[str, str]:
    """The headers that carry the key, by ``api.auth`` (docs/provider.md, "Authentication")."""
    if settings.auth == "rapidapi":
        return {"x-rapidapi-key": key.reveal(), "x-rapidapi-host": settings.rapidapi_host}
    return {"x-apisports-key": key.reveal()}


def _classify_envelope_errors(errors: Any) -> ApiError | None:
    if not errors:
        return None
    if isinstance(errors, list):
        return ProviderError({str(i): str(m) for i, m in enumerate(errors)})
    if not isinstance(errors, dict):
        return ProviderError({"errors": str(errors)})
    messages = {str(k): str(v) for k, v in errors.items()}
    if "requests" in messages:
        return QuotaExhausted(f"daily quota exhausted: {messages['requests']}", sent=True)
    if "token" in messages:
        return KeyRejected(f"API key rejected by the provider: {messages['token']}")
    if "access" in messages:  # a suspended account (docs/provider.md)
        return KeyRejected(f"account refused by the provider: {messages['access']}")
    if "rateLimit" in messages:
        return RateLimited(messages["rateLimit"])
    return ProviderError(messages)


class ApiClient:
    def __init__(
        self,
        settings: ApiSettings,
        key: Secret,
        ledger: Ledger,
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        gate: Callable[[], str | None] = lambda: None,
        key_source: Callable[[], Secret | None] | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.clock = clock
        self.gate = gate
        self.throttle = MinuteThrottle(clock, ledger, settings.per_minute)
        self._inflight: dict[str, asyncio.Future[ApiResponse]] = {}
        # Counted calls the provider answered as counted, whatever happened next (a later page
        # failing, a body that did not parse): what a warm reports as spent.
        self.spent = 0
        # Asked before each counted call (the collector's daily budget): False refuses it.
        self.allow_counted: Callable[[str], bool] | None = None
        self._secret = key.reveal()
        # Where the key came from (api.key_file, $APISPORTS_KEY), read again before each
        # /status probe: a key rotated in its file ends a key outage at the next probe,
        # without restarting the collector or the TUI. None: the key given is the only one.
        self._key_source = key_source
        self._noted_header = False  # a nonsense rate-limit header already noted by this process
        # Requests given up on because the rate limit did not lift: a warm stops on it.
        self.rate_limit_give_ups = 0
        # What the provider said that was ignored, and why, each once (see Provider.notes).
        self.notes: list[str] = []
        self.rng = random.Random()  # backoff jitter; tests may seed it
        timeout = httpx.Timeout(settings.timeout_s, connect=min(settings.timeout_s, 5.0))
        self._http = httpx.AsyncClient(
            base_url=settings.base_url,
            headers={**auth_headers(settings, key), "user-agent": USER_AGENT,
                     "accept": "application/json"},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- public ----------------------------------------------------------------------------

    async def get(self, endpoint: str, params: Params | None = None, *, raw: bool = False) -> ApiResponse:
        """One counted call; identical calls already in flight share its answer.

        ``raw``: the envelope's ``response`` is left as the JSON text received (a
        ``msgspec.Raw``), checked as JSON but not decoded, for a caller that decodes it typed.
        """
        clean = {str(k): str(v) for k, v in (params or {}).items()}
        key = cache_key(endpoint, clean) + ("#raw" if raw else "")
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[ApiResponse] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await self._request(endpoint, clean, raw)
        except BaseException as exc:
            if isinstance(exc, ApiError):
                self._redact(exc)
            if not future.cancelled():
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._inflight[key]

    async def get_all_pages(self, endpoint: str, params: Params | None = None,
                            keep: Callable[[msgspec.Raw], list[Any]] | None = None) -> ApiResponse:
        """Follow ``paging.total`` and merge the pages into one envelope (paging 1/1).

        ``keep``: handed each page's items as the page arrives, as the JSON text received (a
        ``msgspec.Raw``: the pages are fetched ``raw``), the caller storing them then;
        the envelope holds what it returns, so a big answer is never held whole. Its
        ``results`` still counts every item received.
        """
        base = {str(k): str(v) for k, v in (params or {}).items()}
        raw = keep is not None
        first = await self.get(endpoint, base, raw=raw)
        paging = first.envelope.get("paging") or {}
        total = paging.get("total") if isinstance(paging, dict) else None
        if not isinstance(total, int) or total <= 1:
            if keep is None or not _is_list(first.response):
                return _decoded(first) if raw else first
            total = 1
        items = list(first.response or []) if keep is None else keep(first.response)
        count = _length(first.response)
        last = first
        for page in range(2, min(total, MAX_PAGES) + 1):
            try:
                last = await self.get(endpoint, {**base, "page": str(page)}, raw=raw)
            except ApiError as exc:
                # The pages received were paid for: the caller may keep what stands alone
                # (what ``keep`` was handed is kept already).
                exc.received = tuple(items) if keep is None else ()
                raise
            if not _is_list(last.response):
                raise BadResponse(f"{endpoint} page {page}: response is not a list")
            items.extend(last.response if keep is None else keep(last.response))
            count += _length(last.response)
        envelope = {**first.envelope, "results": count, "paging": {"current": 1, "total": 1},
                    "response": items}
        if not raw:
            return ApiResponse(endpoint, base, json.dumps(envelope, separators=(",", ":")), envelope,
                               last.daily_remaining)
        # What keep handed back may be JSON text already (msgspec.Raw): msgspec writes it in
        # as is; the envelope is then read back from that text (a page's Match Winner cut,
        # small), so the caller parses exactly what is cached.
        return _decoded(ApiResponse(endpoint, base, _ENCODE(envelope).decode(), envelope, last.daily_remaining))

    async def probe(self) -> ApiResponse:
        """``/status``: free, one attempt, bypasses the offline gate (it is how we get back).
        The key is read again from where it came from first (a rotated key is used at once);
        a key file that no longer reads is a refused key, and nothing is sent."""
        self._reload_key()
        try:
            return await self._send_once("/status", {}, counted=False)
        except _Retryable as exc:
            # One attempt only: a timeout, a read error or a 5xx is a failed probe, reported
            # like every other failure (not the private retry signal, which no caller knows).
            raise self._redact(NetworkError(str(exc))) from None
        except ApiError as exc:
            # The same failure, its text masked: it keeps the cause it already had.
            raise self._redact(exc) from exc.__cause__

    def _reload_key(self) -> None:
        if self._key_source is None:
            return
        try:
            key = self._key_source()
        except ConfigError as exc:
            raise KeyRejected(f"the API key could not be read again: {exc}") from None
        if key is None or key.reveal() == self._secret:
            return
        self._secret = key.reveal()
        self._http.headers.update(auth_headers(self.settings, key))

    def _redact(self, exc: ApiError) -> ApiError:
        """Mask the key in a failure's text: a provider's message may echo what it was sent."""
        exc.args = (redact(str(exc), self._secret),)
        return exc

    # -- wire --------------------------------------------------------------------------------

    def _check_gate(self) -> None:
        reason = self.gate()
        if reason is not None:
            raise Offline(f"offline ({reason}): request not sent")

    async def _request(self, endpoint: str, params: dict[str, str], raw: bool = False) -> ApiResponse:
        counted = endpoint not in FREE_ENDPOINTS
        failures = 0
        throttled = 0
        limited_since: float | None = None
        while True:
            self._check_gate()
            try:
                return await self._send_once(endpoint, params, counted=counted, raw=raw)
            except RateLimited as exc:
                throttled += 1
                now = self.clock.monotonic()
                limited_since = now if limited_since is None else limited_since
                left = RATE_LIMIT_BUDGET_S - (now - limited_since)
                # Full jitter, so processes limited together do not come back together;
                # a Retry-After is a floor no retry goes under.
                wait = self.rng.uniform(0, RATE_LIMIT_BACKOFF_S * 2 ** (throttled - 1))
                if exc.retry_after is not None:
                    wait = max(wait, exc.retry_after)
                if throttled > RATE_LIMIT_RETRIES or wait > left:
                    self.rate_limit_give_ups += 1
                    raise RateLimited(f"{exc}; still rate limited after {throttled} attempt(s) "
                                      f"over {now - limited_since:.0f} s",
                                      retry_after=exc.retry_after) from None
                await self.clock.sleep(wait)
            except _Retryable as exc:
                failures += 1
                if failures > self.settings.retries:
                    raise NetworkError(str(exc)) from None
                await self.clock.sleep(self.rng.uniform(
                    0, min(NETWORK_BACKOFF_MAX_S, NETWORK_BACKOFF_S * 2 ** (failures - 1))))

    async def _send_once(self, endpoint: str, params: dict[str, str], *, counted: bool,
                         raw: bool = False) -> ApiResponse:
        if counted and self.allow_counted is not None and not self.allow_counted(endpoint):
            raise BudgetSpent(f"the budget is spent: not sending {endpoint}")
        ticket = None
        if counted:
            allowed, remaining, ticket = self.ledger.reserve_call(
                self.clock.now(), self.settings.daily_reserve, endpoint)
            if not allowed:
                raise QuotaExhausted(
                    f"{remaining} calls left today, at or below the reserve of "
                    f"{self.settings.daily_reserve}: not sending {endpoint}", sent=False)
            token = await self.throttle.acquire()
        sent_at = self.clock.now()
        started = self.clock.monotonic()
        status = "error"
        observed = False
        try:
            try:
                # One deadline over the whole exchange: the per-read timeout alone never trips
                # on a peer that sends a byte every few seconds.
                async with asyncio.timeout(self.settings.deadline_s):
                    async with self._http.stream("GET", endpoint, params=params) as reply:
                        status = str(reply.status_code)
                        observed = self._observe_headers(reply.headers, sent_at)
                        body = await self._read_capped(endpoint, reply, counted)
            except TimeoutError:
                status = "deadline"
                # A peer this slow is as good as unreachable; retrying would double the wait.
                raise NetworkError(f"{endpoint}: no complete answer from {self.settings.base_url} "
                                   f"within api.deadline_s = {self.settings.deadline_s:g} s") from None
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # The server is not there (refused, unresolvable, silent): retrying at once
                # only delays the outage; the /status probe takes over with its backoff.
                status = "connect-error"
                raise NetworkError(f"cannot reach {self.settings.base_url}: {self._describe(exc)}") from None
            except httpx.TimeoutException as exc:
                status = "timeout"
                raise _Retryable(f"{endpoint}: {self._describe(exc)}") from None
            except httpx.TransportError as exc:
                status = "read-error"
                raise _Retryable(f"{endpoint}: {self._describe(exc)}") from None
            return self._interpret(endpoint, params, reply, body, counted, sent_at, raw)
        finally:
            duration_ms = (self.clock.monotonic() - started) * 1000
            spent = counted and status not in ("connect-error",)
            self.ledger.log_request(self.clock.now(), endpoint, status, duration_ms, spent,
                                    ticket=ticket, unobserved=spent and not observed, free=not counted,
                                    sent_at=sent_at)
            if counted:
                self.throttle.release(token)

    def _observe_headers(self, headers: httpx.Headers, sent_at: datetime) -> bool:
        """Quota headers into the ledger; True when the daily remaining was among them."""
        daily_limit = _int_header(headers, "x-ratelimit-requests-limit")
        daily_remaining = _int_header(headers, "x-ratelimit-requests-remaining")
        minute_limit = _int_header(headers, "X-RateLimit-Limit")
        minute_remaining = _int_header(headers, "X-RateLimit-Remaining")
        if minute_limit == 0:
            # A plan allowing no call a minute answered this very call: the pair is nonsense,
            # and believing its "0 left" would pause every call for a minute (a warm crawling
            # at one call a minute). Ignored, and said once in Supervision.
            self._note_header(f"X-RateLimit-Limit: 0 ignored (with X-RateLimit-Remaining: "
                              f"{'absent' if minute_remaining is None else minute_remaining}); "
                              f"pacing on api.per_minute ({self.settings.per_minute or 'none'})")
            minute_limit = minute_remaining = None
        reset_in = _int_header(headers, "x-ratelimit-requests-reset")  # RapidAPI: seconds to the reset
        if any(v is not None for v in (daily_limit, daily_remaining, minute_limit, minute_remaining, reset_in)):
            self.ledger.observe(self.clock.now(), daily_limit, daily_remaining, minute_limit,
                                minute_remaining, sent_at=sent_at, reset_in_s=reset_in)
        if minute_remaining is not None and minute_remaining <= 0:
            # Other programs on the key may have used the minute: pace on what is left too.
            self.throttle.pause(self.clock.timestamp() + WINDOW_S)
        return daily_remaining is not None

    def _note_header(self, text: str) -> None:
        if not self._noted_header:
            self._noted_header = True
            self.ledger.set_meta(Ledger.HEADER_NOTE, f"{iso_utc(self.clock.now())} {text}")
            self.notes.append(text)  # and to the warm that met it

    async def _read_capped(self, endpoint: str, reply: httpx.Response, counted: bool) -> bytes:
        """The body, refused past ``api.max_body_mb`` (announced or actually sent)."""
        cap = self.settings.max_body_mb * 1_000_000
        announced = reply.headers.get("content-length", "")
        size = int(announced) if announced.isdigit() else 0
        chunks: list[bytes] = []
        if size <= cap:
            size = 0
            async for chunk in reply.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    break
                chunks.append(chunk)
        if size > cap:
            self.spent += counted  # the provider counted it all the same
            raise BadResponse(f"{endpoint}: the answer is larger than api.max_body_mb = "
                              f"{self.settings.max_body_mb} MB; not cached")
        return b"".join(chunks)

    def _interpret(self, endpoint: str, params: dict[str, str], reply: httpx.Response,
                   body: bytes, counted: bool, sent_at: datetime, raw: bool = False) -> ApiResponse:
        code = reply.status_code
        if code == 429:
            message = clean(_gateway_message(body))
            if "daily quota" in message.lower():
                # RapidAPI's gateway answers a spent day with 429, not the envelope.
                raise QuotaExhausted(f"daily quota exhausted: {message}", sent=True)
            retry_after = _retry_after(reply.headers)
            raise RateLimited(f"{endpoint}: HTTP 429 Too Many Requests"
                              + (f": {message}" if message else "")
                              + (f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""),
                              retry_after=retry_after)
        if code >= 500 or code in RETRY_STATUSES:
            raise _Retryable(f"{endpoint}: HTTP {code} {reply.reason_phrase}")
        if code in (401, 403):
            message = clean(_gateway_message(body))
            raise KeyRejected(f"API key rejected (HTTP {code}) by {self.settings.base_url}"
                              + (f": {message}" if message else "")
                              + f"; check api.auth ({self.settings.auth}) and the key")
        if code != 200:
            raise ApiError(f"{endpoint}: unexpected HTTP {code} {reply.reason_phrase}")
        if json_too_deep(body):
            # Before any parser sees it: json and msgspec would raise RecursionError, which no
            # caller expects, and a service manager restarting the collector would meet it again.
            self.spent += counted
            raise BadResponse(f"{endpoint}: the body nests more than {MAX_JSON_DEPTH} arrays or "
                              f"objects inside one another, which no API-Football answer does "
                              f"({len(body)} bytes); refused, not cached")
        try:
            # Kept as the cache's copy: names with escape sequences or bidi overrides are
            # cleaned before they are stored, not only when they are shown.
            text = clean_json_text(body.decode("utf-8"))
            envelope = _raw_envelope(text) if raw else json.loads(text)
        except ValueError:  # UnicodeDecodeError is one
            self.spent += counted  # the provider counted it; its body got lost on the way
            raise BadResponse(f"{endpoint}: the body is not valid JSON "
                              f"({len(body)} bytes)") from None
        problem: ApiError | None = None
        if not isinstance(envelope, dict) or "response" not in envelope:
            problem = BadResponse(f"{endpoint}: the body is not an API-Football envelope")
        else:
            problem = _classify_envelope_errors(envelope.get("errors"))
        # Quota, rate-limit and key refusals are not counted by the provider; the rest are.
        if counted and not isinstance(problem, (QuotaExhausted, RateLimited, KeyRejected)):
            self.spent += 1
        if isinstance(problem, ProviderError) and isinstance(envelope.get("errors"), dict):
            # Only the documented form, {field: message}, is a refusal kept like an answer;
            # any other (a list of messages) is an error for this page, shown, never cached.
            problem.body = text
        if problem is not None:
            raise problem
        if endpoint == "/status" and isinstance(envelope.get("response"), dict):
            self._observe_status(envelope["response"], sent_at)
        return ApiResponse(endpoint, params, text, envelope,
                           _int_header(reply.headers, "x-ratelimit-requests-remaining"))

    def _observe_status(self, response: dict[str, Any], sent_at: datetime) -> None:
        # /status tells the day's usage for free: a warm can know its budget before spending.
        subscription = response.get("subscription")
        if isinstance(subscription, dict) and subscription.get("active") is False:
            # The docs' sample shows the flag, not what false means: the harsher reading, the
            # account cannot be used (docs/provider.md). A key outage, not a probe that worked.
            plan, end = clean(str(subscription.get("plan"))), clean(str(subscription.get("end")))
            raise KeyRejected(f"subscription not active (plan {plan}, end {end}) according to "
                              f"/status; renew it on the provider's dashboard")
        requests = response.get("requests")
        if not isinstance(requests, dict):
            return
        current, limit = requests.get("current"), requests.get("limit_day")
        if isinstance(current, int) and isinstance(limit, int) and 0 < limit <= QUOTA_MAX \
                and current >= 0:
            self.ledger.observe(self.clock.now(), limit, max(0, limit - current), None, None,
                                sent_at=sent_at)

    def _describe(self, exc: httpx.HTTPError) -> str:
        """A person's reading of an HTTP library error, never quoting what was sent."""
        if isinstance(exc, httpx.LocalProtocolError):
            # Raised about our own request: its text may quote a header, the key's among them.
            return f"{type(exc).__name__}: the request could not be sent as HTTP"
        text = str(exc) or type(exc).__name__
        text = f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
        return redact(text, self._secret)


class _Retryable(Exception):
    """A failure worth another attempt (read error, timeout, 5xx)."""
