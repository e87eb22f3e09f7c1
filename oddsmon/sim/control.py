"""``POST /__sim/control``: a JSON document of fault and quota settings, checked whole
before any of it is applied (a bad document changes nothing)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

from .data import zone
from .faults import ACCOUNTS, REFUSAL_STATUSES, Faults, valid_fail_status
from .quirks import QUIRKS, Quirks
from .quota import Quota, parse_reset_time


def control_actions(controls: Mapping[str, Any], quota: Quota, faults: Faults, quirks: Quirks,
                    reset_stats: Callable[[], None]) -> list[Callable[[], None]]:
    """The changes ``controls`` asks for, in order; raises ``ValueError`` on a bad document.

    Keys: reset_faults, reset_stats, exhaust_quota, set_quota {limit, used}, quota_reset
    {at: "HH:MM", tz: "Area/City"}, reset_header, per_minute, reset_rate_window,
    rate_limit_next, http429_next (+ retry_after), fail_next (+ status, html), garbage_next,
    slow_s, stall_s, account ("active" | "rejected" | "suspended" | "expired"), refusal_status
    (null, 401, 403), reject_key, network_down, errors_list_next, zero_rate_limit, and the body
    quirks one_prices, shuffled_lines, nulls, live_full.
    """
    if not isinstance(controls, Mapping):
        raise ValueError("control body must be a JSON object")
    known = {"reset_faults", "reset_stats", "exhaust_quota", "set_quota", "quota_reset",
             "reset_header", "per_minute", "reset_rate_window", "rate_limit_next",
             "http429_next", "retry_after", "fail_next", "status", "html", "garbage_next",
             "slow_s", "stall_s", "account", "refusal_status", "reject_key", "network_down",
             "errors_list_next", "zero_rate_limit", *QUIRKS}
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
        actions.append(faults.reset)
    if "reset_stats" in controls and flag("reset_stats"):
        actions.append(reset_stats)
    if "exhaust_quota" in controls and flag("exhaust_quota"):
        actions.append(quota.exhaust)
    if "set_quota" in controls:
        sq = controls["set_quota"]
        if not isinstance(sq, Mapping) or set(sq) - {"limit", "used"}:
            raise ValueError("set_quota must be an object with 'limit' and/or 'used'")
        for k, v in sq.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise ValueError(f"set_quota.{k} must be a non-negative integer")
        actions.append(lambda: quota.set(limit=sq.get("limit"), used=sq.get("used")))
    if "quota_reset" in controls:
        qr = controls["quota_reset"]
        if not isinstance(qr, Mapping) or not qr or set(qr) - {"at", "tz"} \
                or not all(isinstance(v, str) for v in qr.values()):
            raise ValueError('quota_reset must be an object with "at" ("HH:MM") and/or "tz" '
                             '(an IANA zone name)')
        if "at" in qr:
            parse_reset_time(qr["at"])
        if "tz" in qr:
            zone(qr["tz"])
        actions.append(lambda: quota.set_reset(qr.get("at"), qr.get("tz")))
    if "reset_header" in controls:
        on = flag("reset_header")
        actions.append(lambda: quota.set_reset_header(on))
    if "account" in controls:
        account = controls["account"]
        if account not in ACCOUNTS:
            raise ValueError(f"account must be one of {', '.join(ACCOUNTS)}")
        actions.append(functools.partial(setattr, faults, "account", account))
    if "refusal_status" in controls:
        refusal = controls["refusal_status"]
        if refusal is not None and (isinstance(refusal, bool) or refusal not in REFUSAL_STATUSES):
            raise ValueError("refusal_status must be null (the HTTP 200 envelope), 401 or 403")
        actions.append(functools.partial(setattr, faults, "refusal_status", refusal))
    if "per_minute" in controls:
        pm = count("per_minute")
        if pm < 1:
            raise ValueError("per_minute must be >= 1")
        actions.append(lambda: quota.set_per_minute(pm))
    if "reset_rate_window" in controls and flag("reset_rate_window"):
        actions.append(quota.reset_rate_window)
    if "rate_limit_next" in controls:
        n_rl = count("rate_limit_next")
        actions.append(lambda: faults.rate_limit_next(n_rl))
    if "retry_after" in controls and "http429_next" not in controls:
        raise ValueError("retry_after goes with http429_next")
    if "http429_next" in controls:
        n_429 = count("http429_next")
        ra = controls.get("retry_after")
        if ra is not None and (isinstance(ra, bool) or not isinstance(ra, int) or ra < 0):
            raise ValueError("retry_after must be a non-negative integer")
        actions.append(lambda: faults.http429_next(n_429, retry_after=ra))
    if ("status" in controls or "html" in controls) and "fail_next" not in controls:
        raise ValueError("status/html go with fail_next")
    if "fail_next" in controls:
        n_fail = count("fail_next")
        st = controls.get("status", 500)
        if isinstance(st, bool) or not isinstance(st, int) or not valid_fail_status(st):
            raise ValueError("status must be a 5xx code or 499")
        html = flag("html") if "html" in controls else False
        actions.append(lambda: faults.fail_next(n_fail, status=st, html=html))
    if "garbage_next" in controls:
        n_g = count("garbage_next")
        actions.append(lambda: faults.garbage_next(n_g))
    if "errors_list_next" in controls:
        n_e = count("errors_list_next")
        actions.append(lambda: faults.errors_list_next(n_e))
    plain: tuple[tuple[object, str, Callable[[str], object]], ...] = (
        (faults, "slow_s", seconds), (faults, "stall_s", seconds), (faults, "reject_key", flag),
        (faults, "network_down", flag), (faults, "zero_rate_limit", flag), *((quirks, name, flag) for name in QUIRKS))
    for target, key, read in plain:  # the faults' and quirks' plain attributes
        if key in controls:
            actions.append(functools.partial(setattr, target, key, read(key)))
    return actions
