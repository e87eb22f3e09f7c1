"""What the simulator saw: request counts by endpoint and outcome, and the last requests
(the key redacted: a record keeps ``key_present`` only). The caller holds the lock."""

from __future__ import annotations

from collections import deque
from typing import Any

RECENT_MAX = 200


class Stats:
    def __init__(self) -> None:
        self.requests_total = 0
        self.counted_total = 0
        self.status_calls = 0
        self.by_endpoint: dict[str, int] = {}
        self.counted_by_endpoint: dict[str, int] = {}
        self.outcomes: dict[str, int] = {}
        # Requests held by a stall or a slow answer right now: what a drill (or a test) waits on
        # before it cuts the network, so the cut finds a request in flight, not one still queued.
        self.waiting = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_MAX)

    def record(self, entry: dict[str, Any], outcome: str, status: int, counted: bool,
               endpoint: str | None) -> None:
        self.requests_total += 1
        if endpoint is not None:
            self.by_endpoint[endpoint] = self.by_endpoint.get(endpoint, 0) + 1
            if endpoint == "/status":
                self.status_calls += 1
        if counted and endpoint is not None:
            self.counted_total += 1
            self.counted_by_endpoint[endpoint] = self.counted_by_endpoint.get(endpoint, 0) + 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        entry.update(outcome=outcome, status=status, counted=counted)
        self.recent.append(entry)

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests_total": self.requests_total,
            "counted_total": self.counted_total,
            "status_calls": self.status_calls,
            "by_endpoint": dict(self.by_endpoint),
            "counted_by_endpoint": dict(self.counted_by_endpoint),
            "outcomes": dict(self.outcomes),
            "waiting": self.waiting,
        }

    def recent_copy(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.recent]
