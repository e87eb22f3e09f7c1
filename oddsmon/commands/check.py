"""``oddsmon --check``: the recovery status for people and monitoring systems.

It prints what section 4 of the runbook lists (offline or not and why, time left before the
automatic resume, cache metrics, current quotas, ``quota_reset``) and the closing checklist of
section 6, and exits like a monitoring plugin:

====  ========  ====================================================================
code  label     when
====  ========  ====================================================================
0     OK        online, and at least ``supervision.quota_warning`` calls left today
1     WARNING   offline ``user`` or ``quota``, or online with fewer calls left than
                ``supervision.quota_warning`` (``-w N``)
2     CRITICAL  offline ``network`` or ``key`` (a refused key or account); online with fewer calls left than
                ``supervision.quota_critical`` (``-c N``); with ``--probe``, a failed
                ``/status`` probe
3     UNKNOWN   the state cannot be read: no store yet, a damaged file, a file that is
                not an oddsmon store or is of another schema version; and, for
                ``--check`` only, bad usage or a broken configuration
====  ========  ====================================================================

A broken configuration exits 3 (UNKNOWN) under ``--check``, as the monitoring-plugins
guidelines ask: the plugin could not judge the service. Other commands keep 2.

The first line is the one verdict a monitor shows (the probe's outcome folded into it), then
``|`` and the performance data in the plugin format ``'label'=value[UOM];warn;crit;min;max``:
``quota_left`` (with the ``-w``/``-c`` thresholds as ``N:`` ranges, "alert below N"),
``quota_used``, ``page_age_<page>`` in seconds for each critical page, ``cache_hit_ratio`` and
``seconds_to_resume``. A value not known yet is ``U``, as the guidelines say.

Plain ``--check`` is read-only: it opens the store read-only (never creating, migrating or
repairing it), sends nothing, and writes no file. ``--check --probe`` also sends one free
``/status`` probe; a success ends a network outage, which is then recorded (store + journal).
It never imports httpx unless ``--probe`` is given, nor Textual ever.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from ..clock import Clock
from ..config import Settings
from ..offline import KEY_FIX
from ..records import replace
from ..store import StoreError
from ..supervision.common import (
    CRITICAL,
    LABELS,
    UNKNOWN,
    StateUnreadable,
    SupervisionError,
    dual,
    duration,
    for_output,
    iso,
    open_existing,
    secret_of,
)
from ..supervision.metrics import AlertMetrics, CollectorMetrics, Snapshot, collect
from .common import UsageError


def _mib(n: int) -> str:
    return f"{n / 1_048_576:.1f} MiB" if n >= 1_048_576 else f"{n / 1024:.1f} KiB"


def _resume_text(snap: Snapshot) -> str:
    m = snap.mode
    if not m.offline:
        return "- (online)"
    if m.resume_at is not None:
        probe = m.next_probe_at or m.resume_at
        return (f"when /status shows quota again, expected {iso(m.resume_at)} (in "
                f"{duration(m.seconds_to_resume)}); probed at {iso(probe)} (in "
                f"{duration((probe - snap.generated_at).total_seconds())}), then at least every "
                f"{duration(snap.quota_probe_s)} and at the reset; probe now: oddsmon --check --probe"
                + (" (manual offline kept the quota's resume)" if m.reason == "user" else ""))
    if m.reason in ("network", "key"):
        nxt = f"next probe due {iso(m.next_probe_at)}" if m.next_probe_at else "no probe planned"
        todo = f"; to do: {KEY_FIX}" if m.reason == "key" else "; probe now: oddsmon --check --probe"
        return (f"when a /status probe succeeds ({m.probe_failures} failed so far; {nxt}, sent "
                f"by a running oddsmon){todo}")
    return "only on request: oddsmon --online (or the TUI's offline toggle)"


def _perf(label: str, value: float | int | None, uom: str = "", warn: str = "",
          crit: str = "", lo: float | int | None = None, hi: float | int | None = None) -> str:
    def num(v: float | int | None) -> str:
        return "" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v))

    shown = "U" if value is None else f"{num(value)}{uom}"
    return f"'{label}'={shown};{warn};{crit};{num(lo)};{num(hi)}".rstrip(";")


def perfdata(snap: Snapshot, critical_level: int = 0) -> str:
    """The performance data after ``|`` (Nagios plugin guidelines, section "Performance data").

    The quota thresholds are ranges that alert *below* a level (``50:``), which is what a
    monitor must graph for calls left; the other values carry no thresholds of their own.
    """
    q, m, now = snap.quota, snap.mode, snap.generated_at
    parts = [_perf("quota_left", q.daily_remaining, warn=f"{q.warning_level}:",
                   crit=f"{critical_level}:" if critical_level else "", lo=0, hi=q.daily_limit),
             _perf("quota_used", q.daily_used, lo=0, hi=q.daily_limit)]
    for page, at in snap.page_fetched_at.items():
        age = None if at is None else max(0, round((now - at).total_seconds()))
        parts.append(_perf(f"page_age_{page}", age, "s", lo=0))
    parts.append(_perf("cache_hit_ratio", None if snap.cache.hit_ratio is None
                       else round(snap.cache.hit_ratio, 4), lo=0, hi=1))
    # Online nothing is pending (0); offline with no planned resume it is not known (U).
    to_resume = 0 if not m.offline else (None if m.seconds_to_resume is None
                                         else max(0, round(m.seconds_to_resume)))
    parts.append(_perf("seconds_to_resume", to_resume, "s", lo=0))
    return " ".join(parts)


def verdict(code: int, summary: str, snap: Snapshot | None, critical_level: int = 0) -> str:
    """``ODDSMON <LABEL> - <summary> | <perfdata>``: the one line a monitor shows."""
    line = f"ODDSMON {LABELS[code]} - {summary}"
    return line if snap is None else f"{line} | {perfdata(snap, critical_level)}"


def render_text(snap: Snapshot, settings: Settings, probe: dict[str, Any] | None = None) -> str:
    tz = settings.watch.tz
    now = snap.generated_at
    m, q, c = snap.mode, snap.quota, snap.cache
    lines = [f"ODDSMON {snap.status.label} - {snap.status.summary}", ""]  # run() replaces it

    def row(label: str, text: str) -> None:
        lines.append(f"{label:<11} {text}")

    if m.offline:
        row("Mode", f"OFFLINE ({m.why}) since {dual(m.since, tz) if m.since else '?'}")
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
    if snap.header_note:
        row("", f"note: {snap.header_note}")
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
    col = snap.collector
    if col is not None:
        row("Collector", _collector_text(col, now))
    if snap.alerts is not None and (snap.alerts.target or snap.alerts.pending or snap.alerts.dead):
        row("Alerts", _alerts_text(snap.alerts))
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


def _collector_text(col: CollectorMetrics, now: datetime) -> str:
    budget = "?" if col.budget is None else str(col.budget)
    spent = f"budget {col.spent} spent, {'?' if col.left is None else col.left} left of {budget} today"
    if not col.running:
        last = f"; last cycle {iso(col.last_cycle)}" if col.last_cycle else ""
        return f"not running (oddsmon --collect){last}; {spent}"
    silent = col.silent_s(now)
    text = (f"running, pid {col.pid} on {col.host}; last cycle {iso(col.last_cycle) or 'not yet'}"
            f"{'' if silent is None else f' ({duration(silent)} ago)'}, next due {iso(col.next_due) or '-'}; {spent}")
    return text


def _alerts_text(alerts: AlertMetrics) -> str:
    text = f"webhook {alerts.target or '(none configured)'}; {alerts.pending} waiting"
    if alerts.oldest_pending is not None:
        text += f" (oldest {iso(alerts.oldest_pending)})"
    if alerts.dead:
        text += f"; DEAD LETTERS: {alerts.dead_text()}, last {iso(alerts.last_dead)}"
    if alerts.last_error:
        text += f"; last error: {alerts.last_error}"
    return text


async def _probe(settings: Settings, clock: Clock) -> dict[str, Any]:
    """One free /status probe with the configured key; records its outcome in the state."""
    key = settings.api_key()
    if key is None:
        return {"ok": None, "detail": "no API key configured (api.key_env / api.key_file): probe skipped",
                "resumed": False}
    from ..api import ApiError
    from ..engine.runtime import build_engine

    engine = build_engine(settings, key=key, clock=clock)
    try:
        refused, was = None, engine.machine.gate()
        try:
            await engine.service.provider.status()
            ok, detail = True, f"{settings.api.base_url}/status answered"
        except ApiError as exc:
            ok, detail, refused = False, str(exc), exc.outage
        resumed = engine.machine.probe_result(ok, None if ok else f"probe failed: {detail}", refused)
        outage: str = was or "network"
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
    store = open_existing(settings)  # read-only; fails (exit 3) before any probe
    outcome = None
    if probe:
        store.close()  # the probe may record its outcome; the snapshot reads it after
        import asyncio

        outcome = asyncio.run(_probe(settings, clock))
        from ..supervision import journal

        writable = open_existing(settings, writable=True)
        try:
            try:
                journal.sync(writable, settings)
            except SupervisionError as exc:
                print(f"oddsmon: {exc}", file=sys.stderr)
        finally:
            writable.close()
        store = open_existing(settings)
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
        message = for_output(str(exc), secret)
        if as_json:
            print(json.dumps({"schema_version": 1, "generated_at": iso(clock.now()),
                              "status": {"code": UNKNOWN, "label": LABELS[UNKNOWN], "summary": message}}))
        else:
            print(verdict(UNKNOWN, f"state unreadable: {message}", None))
        return UNKNOWN
    if as_json:
        from ..supervision.export import to_dict

        data = to_dict(snap)
        if outcome is not None:
            data["probe_now"] = {"ok": outcome["ok"], "detail": outcome["detail"]}
            if code != data["status"]["code"]:
                data["status"] = {"code": code, "label": LABELS[code],
                                  "summary": f"{data['status']['summary']}; probe failed: {outcome['detail']}"}
        sys.stdout.write(for_output(json.dumps(data, indent=2, ensure_ascii=False) + "\n", secret))
    else:
        summary = snap.status.summary
        if outcome is not None and outcome["ok"] is False:
            summary += f"; /status probe failed: {outcome['detail']}"
        body = render_text(snap, settings, outcome).split("\n", 1)[1]
        text = verdict(code, summary, snap, settings.supervision.quota_critical) + "\n" + body
        sys.stdout.write(for_output(text, secret))
    return code


def main(settings: Settings, *, as_json: bool = False, probe: bool = False, warning: int | None = None,
         critical: int | None = None, demo: bool = False) -> int:
    """``oddsmon --check [--json] [--probe] [-w N] [-c N]``: the thresholds given override the
    configured ones; ``-c`` above the warning level is a usage error (exit 3); no API key
    outside the demo is UNKNOWN, naming the variable to set."""
    sup = settings.supervision
    warning = sup.quota_warning if warning is None else warning
    critical = sup.quota_critical if critical is None else critical
    if critical > warning:
        raise UsageError(f"argument -c/--critical: {critical} is above the warning level {warning}")
    settings = replace(settings, supervision=replace(sup, quota_warning=warning, quota_critical=critical))
    missing = None if demo else settings.missing_key()
    if missing is not None:
        print(f"ODDSMON UNKNOWN - {missing}")
        return UNKNOWN
    return run(settings, as_json=as_json, probe=probe)
