"""Faults a drill can inject into the simulated API: counted-down HTTP errors and envelopes,
truncated bodies, delays, a rejected key or a suspended account, and (in-process) a cut network.

The ``*_next`` counters are armed under the simulator's lock and taken one at a time by the
request path (which holds the lock); the plain attributes can be set directly.
"""

from __future__ import annotations

import threading

NGINX_HTML = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
REASONS = {499: "Client Closed Request", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
           503: "Service Temporarily Unavailable", 504: "Gateway Time-out", 429: "Too Many Requests"}


# What the provider thinks of the key: accepted, rejected (a wrong, revoked or rotated key),
# suspended (the account or its subscription), or expired (a subscription run out: refused
# like a suspended account, but /status still answers, with ``subscription.active`` false).
# docs/provider.md, "Authentication".
ACCOUNTS = ("active", "rejected", "suspended", "expired")
# HTTP statuses the direct API may refuse a key with instead of its HTTP 200 envelope.
REFUSAL_STATUSES = (401, 403)


def valid_fail_status(status: int) -> bool:
    """5xx, or the 499 the provider's docs list."""
    return 500 <= status <= 599 or status == 499


class Faults:
    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock
        self.slow_s = 0.0
        self.stall_s = 0.0
        self.account = "active"
        # None: the direct API refuses with its HTTP 200 envelope; 401/403: with that status.
        self.refusal_status: int | None = None
        self.network_down = False
        self.rate_limit = 0
        self.http429 = 0
        self.http429_retry_after: int | None = None
        self.fail = 0
        self.fail_status = 500
        self.fail_html = False
        self.garbage = 0
        self.errors_list = 0
        # Per-minute headers that make no sense: X-RateLimit-Limit 0 (and 0 remaining).
        self.zero_rate_limit = False

    @property
    def reject_key(self) -> bool:
        """The drills' older switch: True is the ``rejected`` account."""
        return self.account == "rejected"

    @reject_key.setter
    def reject_key(self, on: bool) -> None:
        self.account = "rejected" if on else "active"

    def refusal(self, key_present: bool) -> str | None:
        """The envelope field the provider refuses this request with: ``token`` (no key, or a
        rejected one), ``access`` (a suspended account), or None (caller holds the lock)."""
        if not key_present or self.account == "rejected":
            return "token"
        return "access" if self.account in ("suspended", "expired") else None

    def rate_limit_next(self, n: int = 1) -> None:
        """The next ``n`` counted requests answer the ``rateLimit`` envelope (HTTP 200)."""
        with self._lock:
            self.rate_limit = max(0, int(n))

    def http429_next(self, n: int = 1, retry_after: int | None = None) -> None:
        """The next ``n`` API requests get a real HTTP 429 (a proxy in front of the API)."""
        with self._lock:
            self.http429 = max(0, int(n))
            self.http429_retry_after = retry_after

    def fail_next(self, n: int = 1, status: int = 500, html: bool = False) -> None:
        """The next ``n`` API requests get HTTP ``status`` (5xx, or the 499 the provider's docs
        list); ``html`` gives nginx's page."""
        if not valid_fail_status(int(status)):
            raise ValueError("status must be a 5xx code or 499")
        with self._lock:
            self.fail = max(0, int(n))
            self.fail_status = int(status)
            self.fail_html = bool(html)

    def garbage_next(self, n: int = 1) -> None:
        """The next ``n`` API responses are HTTP 200 with truncated JSON."""
        with self._lock:
            self.garbage = max(0, int(n))

    def errors_list_next(self, n: int = 1) -> None:
        """The next ``n`` counted requests answer HTTP 200 with ``errors`` as a list of
        messages (not the documented ``{field: message}``), ``response`` empty."""
        with self._lock:
            self.errors_list = max(0, int(n))

    def reset(self) -> None:
        """Clear every injected fault (not the quota, not the statistics)."""
        with self._lock:
            self.rate_limit = self.http429 = self.fail = self.garbage = self.errors_list = 0
            self.zero_rate_limit = False
            self.http429_retry_after = None
            self.fail_status, self.fail_html = 500, False
            self.slow_s = self.stall_s = 0.0
            self.account, self.refusal_status = "active", None
            self.network_down = False

    def take(self, name: str) -> bool:
        """Use one armed ``rate_limit``/``http429``/``fail``/``garbage``/``errors_list`` fault, if any (caller
        holds the lock)."""
        left: int = getattr(self, name)
        if left <= 0:
            return False
        setattr(self, name, left - 1)
        return True

    def snapshot(self) -> dict[str, object]:
        return {
            "rate_limit_next": self.rate_limit,
            "http429_next": self.http429,
            "fail_next": self.fail,
            "fail_status": self.fail_status,
            "fail_html": self.fail_html,
            "garbage_next": self.garbage,
            "errors_list_next": self.errors_list,
            "zero_rate_limit": self.zero_rate_limit,
            "slow_s": self.slow_s,
            "stall_s": self.stall_s,
            "reject_key": self.reject_key,
            "account": self.account,
            "refusal_status": self.refusal_status,
            "network_down": self.network_down,
        }
