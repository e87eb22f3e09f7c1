"""``oddsmon --export``: the supervision snapshot as JSON (``docs/metrics.schema.json``) or in
the Prometheus text format (node_exporter's textfile collector), written atomically.

The JSON is the very object ``oddsmon --check --json`` prints: one shape, one schema.
"""

from __future__ import annotations

import json
import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..config import Settings
from ..store import Incident, Store
from ..types import REASONS
from ..version import __version__
from .common import (
    SupervisionError,
    atomic_write,
    for_output,
    iso,
    refuse_special,
    secret_of,
)
from .health import META_EXPORT, META_EXPORT_PROM, ExportRecord, export_meta
from .metrics import Snapshot, collect

SCHEMA_VERSION = 1
FORMATS = ("json", "prometheus")


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _incident(inc: Incident | None, now: datetime) -> dict[str, Any] | None:
    if inc is None:
        return None
    end = inc.closed_at or now
    return {
        "id": inc.id,
        "reason": inc.reason,
        "opened_at": iso(inc.opened_at),
        "closed_at": iso(inc.closed_at),
        "open": inc.open,
        "duration_seconds": _seconds((end - inc.opened_at).total_seconds()),
        "actions": [{"at": iso(a.at), "kind": a.kind, "text": a.text} for a in inc.actions],
    }


def to_dict(snap: Snapshot) -> dict[str, Any]:
    """The snapshot as the export's JSON object (validated by ``docs/metrics.schema.json``)."""
    now = snap.generated_at
    m, q, c = snap.mode, snap.quota, snap.cache
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(now),
        "oddsmon_version": __version__,
        "status": {"code": snap.status.code, "label": snap.status.label, "summary": snap.status.summary},
        "mode": {
            "offline": m.offline,
            "reason": m.reason,
            "since": iso(m.since),
            "resume_at": iso(m.resume_at),
            "seconds_to_resume": _seconds(m.seconds_to_resume),
            "detail": m.detail,
            "probe": {
                "next_at": iso(m.next_probe_at),
                "last_at": iso(m.last_probe_at),
                "last_ok": m.last_probe_ok,
                "failures": m.probe_failures,
            },
        },
        "quota_reset": iso(snap.quota_reset),
        "quota_reset_basis": snap.quota_reset_basis,
        "seconds_to_quota_reset": _seconds(max(0.0, (snap.quota_reset - now).total_seconds())),
        "quota": {
            "daily": {
                "limit": q.daily_limit,
                "remaining": q.daily_remaining,
                "used": q.daily_used,
                "reserve": q.reserve,
                "warning_level": q.warning_level,
                "low": q.low,
            },
            "per_minute": {
                "limit": q.minute_limit,
                "remaining": q.minute_remaining,
                "used": q.minute_used,
            },
            "observed_at": iso(q.observed_at),
        },
        "cache": {
            "entries": c.entries,
            "size_bytes": c.size_bytes,
            "body_bytes": c.body_bytes,
            "hits": c.hits,
            "misses": c.misses,
            "hit_ratio": None if c.hit_ratio is None else round(c.hit_ratio, 4),
            "pages": {
                page: {"fetched_at": iso(at),
                       "age_seconds": None if at is None else _seconds((now - at).total_seconds())}
                for page, at in snap.page_fetched_at.items()
            },
        },
        "requests_by_endpoint": dict(snap.requests_by_endpoint),
        "open_incident": _incident(snap.open_incident, now),
        "last_incident": _incident(snap.last_incident, now),
        "checklist": [{"id": i.id, "label": i.label, "label_fr": i.label_fr, "done": i.done,
                       "why": i.why} for i in snap.checklist],
        "selftest": None if snap.selftest is None else {
            "at": iso(snap.selftest.at), "ok": snap.selftest.ok,
            "duration_seconds": round(snap.selftest.duration_s, 3),
            "checks": [dict(ch) for ch in snap.selftest.checks],
        },
        "last_export": None if snap.last_export is None else {
            "at": iso(snap.last_export.at), "path": str(snap.last_export.path),
            "format": snap.last_export.format,
        },
        "collector": _collector(snap),
        "alerts": _alerts(snap),
    }


def _collector(snap: Snapshot) -> dict[str, Any] | None:
    col = snap.collector
    if col is None:
        return None
    return {
        "running": col.running,
        "pid": col.pid,
        "host": col.host,
        "last_cycle": iso(col.last_cycle),
        "next_due": iso(col.next_due),
        "interval_seconds": col.interval_s,
        "silent_seconds": _seconds(col.silent_s(snap.generated_at)),
        "budget": {"daily": col.budget, "spent": col.spent, "left": col.left,
                   "by_kind": dict(col.spent_by_kind)},
        "alerts": {"last_error": None if snap.alerts is None else snap.alerts.last_error},
    }


def _alerts(snap: Snapshot) -> dict[str, Any] | None:
    a = snap.alerts
    if a is None:
        return None
    return {"target": a.target, "pending": a.pending, "oldest_pending": iso(a.oldest_pending),
            "dead_letters": a.dead, "dead_by_kind": dict(a.dead_kinds), "last_dead": iso(a.last_dead),
            "last_error": a.last_error}


def to_json(snap: Snapshot, secret: str | None = None) -> str:
    return for_output(json.dumps(to_dict(snap), indent=2, ensure_ascii=False) + "\n", secret)


# -- Prometheus ------------------------------------------------------------------------------


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _ts(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def to_prometheus(snap: Snapshot, secret: str | None = None) -> str:
    """The same figures as the JSON, in the text exposition format (values unknown are left out).

    Names follow the Prometheus naming guide (prometheus.io/docs/practices/naming): a unit
    suffix in base units (``_seconds``, ``_bytes``), ``_total`` on counters, and labels only
    for bounded dimensions (reason, page, endpoint, item), never for a value that changes
    (a status label or an incident id would start a new series each time).
    """
    out: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[dict[str, str], float | int | bool | None]]) -> None:
        kept = [(labels, v) for labels, v in samples if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if not kept:
            return
        out.append(f"# HELP {name} {help_}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in kept:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            number = int(value) if isinstance(value, bool) else value
            out.append(f"{name}{{{text}}} {number}" if text else f"{name} {number}")

    m, q, c = snap.mode, snap.quota, snap.cache
    now = snap.generated_at
    metric("oddsmon_up", "gauge", "1: the state was read (this file is fresh as of generated time).", [({}, 1)])
    metric("oddsmon_build_info", "gauge", "The oddsmon version that wrote this file (always 1).",
           [({"version": __version__}, 1)])
    metric("oddsmon_generated_timestamp_seconds", "gauge", "When this snapshot was taken (Unix time).",
           [({}, round(now.timestamp(), 3))])
    metric("oddsmon_check_status", "gauge", "oddsmon --check status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
           [({}, snap.status.code)])
    metric("oddsmon_offline", "gauge", "1 while oddsmon is offline on this host, by reason.",
           [({"reason": r}, 1 if (m.offline and m.reason == r) else 0) for r in REASONS])
    metric("oddsmon_mode_since_timestamp_seconds", "gauge", "When the current mode (online or offline) began.",
           [({}, _ts(m.since))])
    metric("oddsmon_resume_timestamp_seconds", "gauge", "Planned automatic resume (quota reset), if any.",
           [({}, _ts(m.resume_at))])
    metric("oddsmon_resume_remaining_seconds", "gauge", "Seconds before the planned automatic resume.",
           [({}, _seconds(m.seconds_to_resume))])
    metric("oddsmon_probe_failures", "gauge", "Failed /status probes in the current network or key outage.",
           [({}, m.probe_failures)])
    metric("oddsmon_quota_reset_timestamp_seconds", "gauge", "quota_reset: the next expected daily reset (see the JSON's quota_reset_basis).",
           [({}, _ts(snap.quota_reset))])
    metric("oddsmon_quota_daily_limit", "gauge", "Daily request limit of the plan.", [({}, q.daily_limit)])
    metric("oddsmon_quota_daily_remaining", "gauge", "Requests left today.", [({}, q.daily_remaining)])
    metric("oddsmon_quota_daily_used", "gauge", "Requests used today.", [({}, q.daily_used)])
    metric("oddsmon_quota_daily_reserve", "gauge", "Requests kept back (api.daily_reserve).", [({}, q.reserve)])
    metric("oddsmon_quota_warning_level", "gauge", "Below this many requests left, --check warns.",
           [({}, q.warning_level)])
    metric("oddsmon_quota_minute_limit", "gauge", "Per-minute request limit.", [({}, q.minute_limit)])
    metric("oddsmon_quota_minute_remaining", "gauge", "Per-minute requests left at the last response.",
           [({}, q.minute_remaining)])
    metric("oddsmon_quota_minute_used", "gauge", "Counted requests in the last 60 s, all processes.",
           [({}, q.minute_used)])
    metric("oddsmon_cache_entries", "gauge", "Cached responses.", [({}, c.entries)])
    metric("oddsmon_cache_size_bytes", "gauge", "Store file and WAL size on disk.", [({}, c.size_bytes)])
    metric("oddsmon_cache_body_bytes", "gauge", "Bytes of cached response bodies.", [({}, c.body_bytes)])
    metric("oddsmon_cache_hits_total", "counter", "Cache hits.", [({}, c.hits)])
    metric("oddsmon_cache_misses_total", "counter", "Cache misses.", [({}, c.misses)])
    metric("oddsmon_cache_hit_ratio", "gauge", "hits / (hits + misses).",
           [({}, None if c.hit_ratio is None else round(c.hit_ratio, 4))])
    metric("oddsmon_page_age_seconds", "gauge", "Age of the newest fetch behind each critical page.",
           [({"page": p}, None if at is None else _seconds((now - at).total_seconds()))
            for p, at in snap.page_fetched_at.items()])
    metric("oddsmon_requests_total", "counter", "Requests sent, by endpoint.",
           [({"endpoint": e}, n) for e, n in snap.requests_by_endpoint.items()])
    inc = snap.open_incident
    metric("oddsmon_incident_open", "gauge", "1 while an incident is open.", [({}, 0 if inc is None else 1)])
    if inc is not None:
        metric("oddsmon_incident_opened_timestamp_seconds", "gauge", "When the open incident began.",
               [({"reason": inc.reason}, _ts(inc.opened_at))])
        metric("oddsmon_incident_open_id", "gauge", "Number of the open incident in the journal.",
               [({}, inc.id)])
    metric("oddsmon_checklist_done", "gauge", "Closing checklist (runbook section 6): 1 done, 0 not.",
           [({"item": i.id}, i.done) for i in snap.checklist])
    if snap.selftest is not None:
        metric("oddsmon_selftest_ok", "gauge", "1 when the last --selftest passed.", [({}, snap.selftest.ok)])
        metric("oddsmon_selftest_timestamp_seconds", "gauge", "When the last --selftest ran.",
               [({}, _ts(snap.selftest.at))])
    col = snap.collector
    if col is not None:
        metric("oddsmon_collector_running", "gauge", "1 while a collector holds the lease.", [({}, col.running)])
        metric("oddsmon_collector_last_cycle_timestamp_seconds", "gauge", "When the collector last cycled.",
               [({}, _ts(col.last_cycle))])
        metric("oddsmon_collector_budget_calls", "gauge", "The collector's daily budget (counted calls).",
               [({}, col.budget)])
        metric("oddsmon_collector_spent_calls", "gauge", "Counted calls the collector spent today, by kind.",
               [({"kind": k}, n) for k, n in col.spent_by_kind.items()])
    alerts = snap.alerts
    if alerts is not None:
        metric("oddsmon_alerts_pending", "gauge", "Alerts waiting in the outbox for the webhook.",
               [({}, alerts.pending)])
        metric("oddsmon_alerts_dead_letters", "gauge", "Alerts the webhook never took (last day), by kind.",
               [({"kind": k}, n) for k, n in alerts.dead_kinds.items()] or [({}, 0)])
    return for_output("\n".join(out) + "\n", secret)


# -- the file (commands/export.py runs the command) ------------------------------------------


def default_path(settings: Settings, fmt: str) -> Path:
    path = settings.paths.metrics
    return path if fmt == "json" else path.with_suffix(".prom")


def check_target(path: Path) -> None:
    """Fail now, naming the file, if ``path`` cannot be written; writes nothing."""
    refuse_special(path)
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise SupervisionError(f"{path}: cannot write the export: {parent} is not a writable directory")
    if path.exists() and not os.access(path.parent, os.W_OK):
        raise SupervisionError(f"{path}: cannot write the export: {path.parent} is not writable")


def write(store: Store, settings: Settings, clock: Clock, path: Path, fmt: str = "json") -> Snapshot:
    """Write the export to ``path`` atomically (mode ``paths.export_mode``, 0600 unless set)
    and record it; returns what was written."""
    if fmt not in FORMATS:
        raise SupervisionError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    secret = secret_of(settings)
    now = clock.now()
    record = ExportRecord(now, path.absolute(), fmt, pending=True)
    snap = collect(store, settings, clock, exporting=record if fmt == "json" else None)
    text = to_json(snap, secret) if fmt == "json" else to_prometheus(snap, secret)
    atomic_write(path, text.encode("utf-8"), settings.paths.export_mode)
    if store.health().writable:
        store.ledger.set_meta(META_EXPORT if fmt == "json" else META_EXPORT_PROM,
                              export_meta(now, path.absolute(), fmt))
        if fmt == "json":
            from .journal import record_action

            record_action(store, now, "export", f"metrics exported to {path.absolute()}",
                          secret=secret)
    return snap
