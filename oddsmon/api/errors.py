"""What can go wrong talking to API-Football, sorted by what oddsmon does about it."""

from __future__ import annotations

from typing import Any

from ..text import clean
from ..types import Reason


class ApiError(Exception):
    """A request failed; the message is meant for a person and never holds the API key.

    Messages quote the provider's words, reason phrases and the HTTP library's errors, all
    from outside: they are sanitised here, once, before they reach the state, the journal or
    a screen.
    """

    #: the offline reason this failure switches oddsmon to, or None when it is no outage
    outage: Reason | None = None
    #: the ``response`` items of the pages a paged fetch received (and paid for) before it
    received: tuple[Any, ...] = ()

    def __init__(self, message: str) -> None:
        super().__init__(clean(message))


class NetworkError(ApiError):
    """Connect/read errors, timeouts, 5xx after the retries: the API is unreachable."""

    outage = "network"


class QuotaExhausted(ApiError):
    """The day's quota is spent, or what is left is the reserve oddsmon keeps back."""

    outage = "quota"

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent  # False when oddsmon refused to send it (reserve reached)


class Offline(ApiError):
    """Refused before sending: oddsmon is offline, so no request leaves the process."""


class BudgetSpent(ApiError):
    """Refused before sending: the caller's budget (the collector's day, a warm's cap) has no
    call left. Not an outage."""


class RateLimited(ApiError):
    """Still throttled by the per-minute limit after waiting; not an outage."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the answer's Retry-After asked for, if any


class KeyRejected(ApiError):
    """The provider refused the API key or the account (rejected, revoked, suspended): an
    outage of its own, ``key``, that ends when a free /status probe succeeds."""

    outage = "key"


class BadResponse(ApiError):
    """The body is not the API's JSON envelope: an error for that page, never cached."""


class ProviderError(ApiError):
    """The envelope's ``errors`` said something else; carries the provider's messages."""

    #: the provider's answer as JSON text: a refusal is kept in the cache like an answer
    body: str | None = None

    def __init__(self, messages: dict[str, str]) -> None:
        self.messages = {clean(k): clean(v) for k, v in messages.items()}
        text = "; ".join(f"{k}: {v}" for k, v in self.messages.items()) or "unknown error"
        super().__init__(f"API error: {text}")
