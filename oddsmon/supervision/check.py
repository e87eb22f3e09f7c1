"""``oddsmon --check``: the recovery status for people and monitoring systems.

It prints what section 4 of the runbook lists (offline or not and why, time left before the
automatic resume, cache metrics, current quotas, ``quota_reset``) and the closing checklist of
section 6, and exits like a monitoring plugin:

====  ========  ====================================================================
code  label     when
====  ========  ====================================================================
0     OK        online, and at least ``supervision.quota_warning`` calls left today
1     WARNING   offline ``user`` or ``quota``, or online with fewer calls left than
                ``supervision.quota_warning``
2     CRITICAL  offline ``network``; with ``--probe``, also a failed ``/status`` probe
3     UNKNOWN   the state cannot be read: no store yet, a damaged file, a file that is
                not an oddsmon store or is of another schema version
====  ========  ====================================================================

A broken configuration exits 2, like every oddsmon command (the project's convention for bad
usage or configuration); a monitor shows it as CRITICAL, which it is: no oddsmon can run.

Plain ``--check`` is read-only: it opens the store read-only (never creating, migrating or
repairing it), sends nothing, and writes no file. ``--check --probe`` also sends one free
``/status`` probe; a success ends a network outage, which is then recorded (store + journal).
It never imports httpx unless ``--probe`` is given, nor Textual ever.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ..clock import Clock
from ..config import Settings
from ..store import StoreError
from .common import (
    CRITICAL,
    LABELS,
    UNKNOWN,
    StateUnreadable,
    SupervisionError,
    dual,
    duration,
    iso,
    open_existing,
    redact,
    secret_of,
)
from .metrics import Snapshot, collect


def _mib(n: int) -> str:
    return f"{n / 1_048_576:.1f} MiB" if n >= 1_048_576 else f"{n / 1024:.1f} KiB"


def _resume_text(snap: Snapshot) -> str:
    m = snap.mode
    if not m.offline:
        return "- (online)"
    if m.resume_at is not None:
        return (f"when /status shows quota again, probed at {iso(m.resume_at)} (in "
                f"{duration(m.seconds_to_resume)}) and every "
                f"{duration(snap.quota_probe_s)} after; probe now: oddsmon --check --probe"
                + (" (manual offline kept the quota's resume)" if m.reason == "user" else ""))
    if m.reason == "network":
        nxt = f"next probe due {iso(m.next_probe_at)}" if m.next_probe_at else "no probe planned"
        return (f"when a /status probe succeeds ({m.probe_failures} failed so far; {nxt}, sent "
                f"by a running oddsmon); probe now: oddsmon --check --probe")
    return "only on request: oddsmon --online (or the TUI's offline toggle)"


def render_text(snap: Snapshot, settings: Settings, probe: dict[str, Any] | None = None) -> str:
    tz = settings.watch.tz
    now = snap.generated_at
    m, q, c = snap.mode, snap.quota, snap.cache
    lines = [f"ODDSMON {snap.status.label} - {snap.status.summary}", ""]

    def row(label: str, text: str) -> None:
        lines.append(f"{label:<11} {text}")

    if m.offline:
        row("Mode", f"OFFLINE ({m.reason}) since {dual(m.since, tz) if m.since else '?'}")
    else:
        row("Mode", f"ONLINE since {dual(m.since, tz) if m.since else 'ever (no transition recorded)'}")
    if m.detail:
        row("", f"last transition: {m.detail}")
    row("Resume", _resume_text(snap))
    if probe is not None:
        row("Probe", ("ok" if probe["ok"] else "skipped" if probe["ok"] is None else "FAILED")
            + f": {probe['detail']}")
    if q.daily_limit is None and q.daily_remaining is None:
        row("Quota", "daily: not observed yet (no counted response recorded)")
    else:
        row("Quota", f"daily: {q.daily_used if q.daily_used is not None else '?'} used, "
                     f"{q.daily_remaining if q.daily_remaining is not None else '?'} left of "
                     f"{q.daily_limit if q.daily_limit is not None else '?'} "
                     f"(reserve {q.reserve}, warning below {q.warning_level})")
    minute = f"{q.minute_used} counted in the last 60 s"
    if q.minute_limit is not None:
        minute += f", limit {q.minute_limit}/min"
    if q.minute_remaining is not None:
        minute += f", {q.minute_remaining} left at the last response"
    row("", f"per minute: {minute}")
    row("", f"quota_reset {dual(snap.quota_reset, tz)} ({snap.quota_reset_basis}), in "
            f"{duration((snap.quota_reset - now).total_seconds())}")
    ratio = "-" if c.hit_ratio is None else f"{c.hit_ratio * 100:.1f} %"
    row("Cache", f"{c.entries} entries, {_mib(c.size_bytes)} on disk ({_mib(c.body_bytes)} of "
                 f"bodies); hits {c.hits}, misses {c.misses}, hit ratio {ratio}")
    for i, (page, at) in enumerate(snap.page_fetched_at.items()):
        age = "never cached" if at is None else \
            f"fetched {iso(at)}, {duration((now - at).total_seconds())} ago"
        row("Pages" if i == 0 else "", f"{page:<12} {age}")
    if snap.requests_by_endpoint:
        reqs = ", ".join(f"{e} {n}" for e, n in snap.requests_by_endpoint.items())
        row("Requests", reqs)
    inc = snap.last_incident
    if inc is None:
        row("Incident", "none recorded")
    elif inc.open:
        row("Incident", f"#{inc.id} OPEN ({inc.reason}) since {dual(inc.opened_at, tz)}, "
                        f"{len(inc.actions)} action(s)")
    else:
        assert inc.closed_at is not None
        row("Incident", f"none open; last #{inc.id} ({inc.reason}) {iso(inc.opened_at)} -> "
                        f"{iso(inc.closed_at)} ({duration((inc.closed_at - inc.opened_at).total_seconds())})")
    lines.append("")
    lines.append("Closing checklist (runbook section 6)")
    for item in snap.checklist:
        lines.append(f"  [{'x' if item.done else ' '}] {item.label}: {item.why}")
    return "\n".join(lines) + "\n"


async def _probe(settings: Settings, clock: Clock) -> dict[str, Any]:
    """One free /status probe with the configured key; records its outcome in the state."""
    key = settings.api_key()
    if key is None:
        return {"ok": None, "detail": "no API key configured (api.key_env / api.key_file): probe skipped",
                "resumed": False}
    from ..api import ApiError
    from ..runtime import build_engine

    engine = build_engine(settings, key=key, clock=clock)
    try:
        try:
            await engine.service.api.probe()
            ok, detail = True, f"{settings.api.base_url}/status answered"
        except ApiError as exc:
            ok, detail = False, str(exc)
        resumed = engine.machine.probe_result(ok, None if ok else f"probe failed: {detail}")
        outage = "network"
        if ok and not resumed and engine.service.quota_seen():
            # A quota outage ends on this evidence too: /status shows quota again.
            resumed, outage, detail = True, "quota", detail + "; quota back"
    finally:
        await engine.aclose()
    if resumed:
        detail += f"; {outage} outage over: back online (run oddsmon --warm to rebuild the cache)"
    return {"ok": ok, "detail": detail, "resumed": resumed}


def evaluate(settings: Settings, clock: Clock, *, probe: bool = False) -> tuple[Snapshot, dict[str, Any] | None, int]:
    """(snapshot, probe outcome, exit code). Raises ``StateUnreadable`` for exit 3."""
    store = open_existing(settings.paths.db)  # read-only; fails (exit 3) before any probe
    store.close()
    outcome = None
    if probe:
        import asyncio

        outcome = asyncio.run(_probe(settings, clock))
        from . import journal

        writable = open_existing(settings.paths.db, writable=True)
        try:
            try:
                journal.sync(writable, settings)
            except SupervisionError as exc:
                print(f"oddsmon: {exc}", file=sys.stderr)
        finally:
            writable.close()
    store = open_existing(settings.paths.db)
    try:
        snap = collect(store, settings, clock)
    finally:
        store.close()
    code = snap.status.code
    if outcome is not None and outcome["ok"] is False:
        code = max(code, CRITICAL)
    return snap, outcome, code


def run(settings: Settings, *, as_json: bool = False, probe: bool = False,
        clock: Clock | None = None) -> int:
    """``oddsmon --check [--json] [--probe]``: print the status, return the exit code."""
    from ..clock import SystemClock

    clock = clock or SystemClock()
    secret = secret_of(settings)
    try:
        snap, outcome, code = evaluate(settings, clock, probe=probe)
    except (StateUnreadable, StoreError) as exc:
        message = redact(str(exc), secret)
        if as_json:
            print(json.dumps({"schema_version": 1, "generated_at": iso(clock.now()),
                              "status": {"code": UNKNOWN, "label": LABELS[UNKNOWN], "summary": message}}))
        else:
            print(f"ODDSMON UNKNOWN - state unreadable: {message}")
        return UNKNOWN
    if as_json:
        from .export import to_dict

        data = to_dict(snap)
        if outcome is not None:
            data["probe_now"] = {"ok": outcome["ok"], "detail": outcome["detail"]}
            if code != data["status"]["code"]:
                data["status"] = {"code": code, "label": LABELS[code],
                                  "summary": f"{data['status']['summary']}; probe failed: {outcome['detail']}"}
        sys.stdout.write(redact(json.dumps(data, indent=2, ensure_ascii=False) + "\n", secret))
    else:
        text = render_text(snap, settings, outcome)
        if code != snap.status.code:
            text = f"ODDSMON {LABELS[code]} - /status probe failed: {outcome['detail']}\n" + text  # type: ignore[index]
        sys.stdout.write(redact(text, secret))
    return code
