"""The collector's daily budget: what it may spend, learned from the quota ledger, per quota
day: the provider's day, which begins at its reset (``reset_offset_s`` after 00:00 UTC, as the
ledger knows it: from RapidAPI's header, seen, or presumed midnight), not at 00:00 UTC."""

from __future__ import annotations

from datetime import date, datetime

from .clock import last_reset


def budget_day(now: datetime, reset_offset_s: int) -> date:
    """The quota day ``now`` falls in, named by the UTC date it began on: the day the
    collector's spend is counted against."""
    return last_reset(now, reset_offset_s).date()


def daily_budget(configured: int, daily_limit: int | None, reserve: int) -> int | None:
    """``collect.daily_budget``, else half of what the plan's daily limit leaves above the
    reserve (the other half is the analysts'); None while the plan's limit is unknown."""
    if configured > 0:
        return configured
    if daily_limit is None:
        return None
    return max(0, (daily_limit - reserve) // 2)


def left_today(budget: int, spent_today: int, remaining: int | None, reserve: int) -> int:
    """Calls the collector may still send today: its budget, and never the reserve."""
    left = budget - spent_today
    if remaining is not None:
        left = min(left, remaining - reserve)
    return max(0, left)
