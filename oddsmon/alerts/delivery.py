"""The webhook's own task: it takes the outbox's due alerts and posts them, away from any
collection cycle or screen (which only enqueue, a store write).

Each claim is one post: a digest of every alert due (at most one post a target per
``alerts.min_interval_s``, across every process sharing the store). A post that fails waits
its backoff (30 s doubling up to 30 min, or the receiver's ``Retry-After``) and is tried again
until ``alerts.attempts``; then, or at once for an answer that will not change (a 4xx other
than 408 and 429), its alerts are dead letters, which Supervision and ``--check`` report.
Nothing leaves with the API key in it (scrubbed when enqueued), and the webhook's URL is
shown masked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import httpx

from ..clock import Clock
from ..config import MASK, AlertSettings, Secret, mask_url
from ..store import Claimed, Queued, Store, StoreError
from .digest import digest
from .model import Alert
from .targets import render, resolve

TARGET = "webhook"  # the outbox's name for alerts.webhook_url
BACKOFF_S, BACKOFF_MAX_S = 30.0, 1800.0
POLL_S = 5.0  # how often the task looks for what other processes enqueued
MIN_WAIT_S = 0.5
PRUNE_S = 3600.0
SENT_KEEP_S = 8 * 86400.0  # past odds.drop_window_min's longest: a drop found again adds nothing
DEAD_KEEP_S = 86400.0  # a dead letter is reported for a day


class Deliverer:
    """Enqueues alerts (scrubbed of the API key) and delivers the outbox to the webhook."""

    def __init__(self, settings: AlertSettings, store: Store, clock: Clock, secret: Secret | None,
                 *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.webhook_url is not None
        self.settings = settings
        self.url = settings.webhook_url
        self.format = resolve(settings.webhook_format, self.url)
        self.shown = mask_url(self.url)  # the URL wherever it is shown
        self.store = store
        self.clock = clock
        self._secret = secret.reveal() if secret else None
        self.posts = 0
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._pruned_at: float | None = None
        # The whole post is bounded (below): a claim is stale only well after it.
        self.stale_s = 3 * settings.webhook_timeout_s + 60.0
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(settings.webhook_timeout_s), transport=transport,
                                       follow_redirects=False)

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- producers -------------------------------------------------------------------------------

    def queued(self, alerts: Sequence[Alert]) -> list[Queued]:
        return [Queued(a.key, a.kind, self._scrub(a.to_json())) for a in alerts]

    def enqueue(self, alerts: Sequence[Alert], *, cursor: tuple[str, int] | None = None) -> int:
        """Store the alerts for the webhook (and move ``cursor`` with them); the task wakes."""
        added = self.store.outbox.enqueue([TARGET], self.queued(alerts), self.clock.now(), cursor=cursor)
        if added:
            self._wake.set()
        return added

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, MASK) if self._secret else text

    # -- delivery --------------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Claim what is due and post it as one digest; returns how many alerts it delivered."""
        rows = self.store.outbox.claim(TARGET, self.clock.now(), min_interval_s=self.settings.min_interval_s,
                                       stale_s=self.stale_s)
        if not rows:
            return 0
        alerts, readable = [], []
        for r in rows:
            try:
                alerts.append(Alert.from_json(r.body))
                readable.append(r)
            except (ValueError, TypeError, KeyError):  # not one this oddsmon wrote: never postable
                self.store.outbox.failed([r.id], self.clock.now(), "dead letter: unreadable alert", None)
        if not readable:
            return 0
        rows, ids = readable, [r.id for r in readable]
        try:
            headers, body = render(self.format, self.url, digest(alerts))
            problem, retry_after = await self._post(headers, body)
        except BaseException:
            self.store.outbox.release(ids)  # stopping (or a bug): not an attempt, due again
            raise
        now = self.clock.now()
        if problem is None:
            self.store.outbox.sent(ids, now)
            self.posts += 1
            self.last_error = None
            return len(rows)
        self.last_error = f"{now.isoformat(timespec='seconds')} webhook {self.shown}: {problem} ({len(rows)} alert(s))"
        self._failed(rows, now, problem, retry_after)
        return 0

    def _failed(self, rows: list[Claimed], now: datetime, problem: str, retry_after: float | None) -> None:
        by_retry: dict[datetime | None, list[int]] = {}
        for r in rows:
            dead = r.attempts >= self.settings.attempts or not _retryable(problem)
            wait = retry_after if retry_after is not None else min(BACKOFF_MAX_S, BACKOFF_S * 2 ** (r.attempts - 1))
            by_retry.setdefault(None if dead else now + timedelta(seconds=wait), []).append(r.id)
        for retry_at, ids in by_retry.items():
            self.store.outbox.failed(ids, now, problem if retry_at else f"dead letter: {problem}", retry_at)

    async def _post(self, headers: dict[str, str], body: bytes) -> tuple[str | None, float | None]:
        """(None, None) when the webhook took it, else (what went wrong, Retry-After seconds)."""
        try:
            # Bounded as a whole: a receiver dripping its answer never holds the claim for long.
            async with asyncio.timeout(2 * self.settings.webhook_timeout_s):
                reply = await self._http.post(self.url, content=body, headers=headers)
        except (httpx.HTTPError, TimeoutError) as exc:
            return type(exc).__name__, None
        if reply.status_code < 300:
            return None, None
        retry_after = reply.headers.get("retry-after", "")
        return f"HTTP {reply.status_code}", float(retry_after) if retry_after.isdigit() else None

    async def run(self, elsewhere: Callable[[], bool] = lambda: False) -> None:
        """Deliver until cancelled: at once when this process enqueues, else when the next
        row is due (a backoff, the pace) or ``POLL_S`` later (another process's alerts).
        ``elsewhere``: another process delivers now (a TUI leaves it to the collector).
        On a real clock: a fake one's sleep returns at once (tests call ``deliver_due``)."""
        while True:
            try:
                paused = elsewhere()
                if not paused and await self.deliver_due():
                    continue
                self._prune()
                now = self.clock.now()
                due = self.store.outbox.next_due(TARGET, now, self.settings.min_interval_s)
            except StoreError as exc:
                self.last_error = f"alerts not delivered: {exc}"
                due, now, paused = None, self.clock.now(), False
            # Due but not claimed means another process holds the rows: look again shortly.
            wait = POLL_S if due is None or paused else max(MIN_WAIT_S, min(POLL_S, (due - now).total_seconds()))
            await self._wait(wait)

    async def _wait(self, seconds: float) -> None:
        self._wake.clear()
        waits = {asyncio.ensure_future(self.clock.sleep(seconds)), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    def _prune(self) -> None:
        t = self.clock.monotonic()
        if self._pruned_at is None or t - self._pruned_at >= PRUNE_S:
            self._pruned_at = t
            self.store.outbox.prune(self.clock.now(), sent_keep_s=SENT_KEEP_S, dead_keep_s=DEAD_KEEP_S)


def _retryable(problem: str) -> bool:
    """A 4xx other than 408 and 429 will not get better by asking again (a wrong URL, a
    revoked hook): its alerts are dead letters at once."""
    if problem.startswith("HTTP 4"):
        return problem in ("HTTP 408", "HTTP 429")
    return True
