"""One snapshot of everything supervision shows: mode, quota, cache, requests, incidents.

The Supervision screen, ``--check`` and ``--export`` all read this same snapshot, so what an
on-call engineer sees in a shell is what an analyst sees on screen. Reading it sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from ..budget import budget_day, daily_budget, left_today
from ..clock import Clock, next_reset, utc_from_ts
from ..config import Settings, mask_url
from ..offline import ModeView, mode_of
from ..records import field, record
from ..store import COLLECTOR_LEASE, Incident, Quota, RequestRecord, Store
from .health import (
    META_EXPORT,
    META_SELFTEST,
    META_STORE_ID,
    ChecklistItem,
    ExportRecord,
    SelftestRecord,
    Status,
    evaluate_alerts,
    evaluate_checklist,
    evaluate_collector,
    evaluate_status,
    parse_export,
    parse_selftest,
)
from .journal import documented, incident_action_ids

# The cache entries behind each critical page, by the kind of request they answer (the
# runbook's "pages critiques"; the kinds of oddsmon.providers.base, named here so that a
# headless report loads none of it).
PAGE_KINDS: dict[str, tuple[str, ...]] = {
    "predictions": ("predictions",),
    "bookmakers": ("bookmakers",),
    "odds": ("odds",),
    "dashboard": ("fixtures", "odds"),
}


@record
class CacheMetrics:
    entries: int
    body_bytes: int
    size_bytes: int  # the database file and its WAL on disk
    hits: int
    misses: int

    @property
    def hit_ratio(self) -> float | None:
        total = self.hits + self.misses
        return None if total == 0 else self.hits / total


@record
class QuotaMetrics:
    daily_limit: int | None
    daily_remaining: int | None
    daily_used: int | None
    minute_limit: int | None
    minute_remaining: int | None
    minute_used: int  # counted calls in the last 60 s, every process together
    observed_at: datetime | None
    reserve: int
    warning_level: int

    @property
    def low(self) -> bool:
        return self.daily_remaining is not None and self.daily_remaining < self.warning_level


@record
class CollectorMetrics:
    """``oddsmon --collect`` as the store shows it: its lease, last cycle and budget."""

    running: bool  # a process holds the collector lease
    pid: int | None
    host: str | None
    last_cycle: datetime | None
    next_due: datetime | None
    interval_s: float | None
    budget: int | None  # today's budget (None while the plan's limit is unknown)
    spent: int  # counted calls the collector spent today
    left: int | None
    spent_by_kind: dict[str, int]

    def silent_s(self, now: datetime) -> float | None:
        """Seconds since the last cycle of a running collector."""
        if not self.running or self.last_cycle is None:
            return None
        return (now - self.last_cycle).total_seconds()


@record
class AlertMetrics:
    """The webhook's outbox (store/outbox.py): what waits, what could not be delivered."""

    target: str | None  # alerts.webhook_url, masked; None when none is configured
    pending: int
    oldest_pending: datetime | None
    dead: int  # dead letters of the last day: alerts that will never be sent
    dead_kinds: dict[str, int]
    last_dead: datetime | None
    last_error: str | None

    def dead_text(self) -> str:
        """"3 alerts (2 drop, 1 offline)", for a person."""
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.dead_kinds.items())
        return f"{self.dead} alert{'s' if self.dead != 1 else ''} ({kinds})"


@record
class Snapshot:
    generated_at: datetime
    mode: ModeView
    quota_reset: datetime  # the next presumed daily reset (see quota_reset_basis)
    quota: QuotaMetrics
    cache: CacheMetrics
    page_fetched_at: dict[str, datetime | None]  # newest fetch behind each critical page
    requests_by_endpoint: dict[str, int]
    recent_requests: list[RequestRecord]
    open_incident: Incident | None
    recent_incidents: list[Incident]
    # Verdicts: the monitoring status (--check's exit code) and the runbook's closing
    # checklist (section 6), with the records they rest on.
    status: Status = field(default_factory=lambda: Status(3, "not evaluated"))
    # What quota_reset rests on: "header 03:30 UTC" (RapidAPI's reset header), "observed 03:30
    # UTC" (the counter was seen to fall then) or "presumed 00:00 UTC" (neither; the provider's
    # docs do not say).
    quota_reset_basis: str = "presumed 00:00 UTC"
    quota_probe_s: float = 1800.0
    checklist: tuple[ChecklistItem, ...] = ()
    selftest: SelftestRecord | None = None
    last_export: ExportRecord | None = None
    collector: CollectorMetrics | None = None
    alerts: AlertMetrics | None = None
    # The latest nonsense rate-limit header the wire ignored, with when and what it did instead.
    header_note: str | None = None
    # A team's server away: when this host's copy, served meanwhile, was last brought up to
    # date (the sidebar says "team store unreachable" and this time); None while it answers.
    store_copy_at: datetime | None = None

    @property
    def last_incident(self) -> Incident | None:
        return self.recent_incidents[0] if self.recent_incidents else None


def collect(store: Store, settings: Settings, clock: Clock, *, recent: int = 10,
            exporting: ExportRecord | None = None) -> Snapshot:
    """Read everything supervision shows, in a handful of queries; writes nothing.

    ``exporting`` is the JSON export being written from this snapshot: its checklist then
    counts it as done (the file it lands in says so).
    """
    now = clock.now()
    health = store.health()
    mode = mode_of(store, now)
    quota: Quota = store.ledger.quota()
    counters = store.ledger.counters()
    entries, body_bytes = store.cache.stats()
    newest = store.cache.newest_by_kind()
    window = store.ledger.counted_since(datetime.fromtimestamp(now.timestamp() - 60, now.tzinfo))
    pages = {page: min((newest[k] for k in kinds if k in newest), default=None)
             if all(k in newest for k in kinds) else None
             for page, kinds in PAGE_KINDS.items()}
    incidents = store.incidents.recent(recent)
    daily_remaining = quota.remaining_at(now)
    selftest = parse_selftest(store.ledger.meta(META_SELFTEST))
    last_export = exporting or parse_export(store.ledger.meta(META_EXPORT))
    last = incidents[0] if incidents else None
    journal = documented(settings.paths.incidents, store.ledger.meta(META_STORE_ID),
                         last.id if last else None, bool(last and not last.open),
                         incident_action_ids(store, last.id) if last else (), settings.prog)
    checklist = evaluate_checklist(now=now, mode=mode, incident=last, page_fetched_at=pages,
                                   export=last_export, selftest=selftest, journal=journal,
                                   prog=settings.prog)
    collector = collector_metrics(store, settings, now, quota)
    outbox = store.outbox.view()
    alerts = AlertMetrics(None if settings.alerts.webhook_url is None else mask_url(settings.alerts.webhook_url),
                          outbox.pending, outbox.oldest_pending, outbox.dead, outbox.dead_kinds,
                          outbox.last_dead, outbox.last_error)
    status = evaluate_alerts(evaluate_collector(
        evaluate_status(mode, daily_remaining, settings.supervision.quota_warning, settings.supervision.quota_critical),
        collector.silent_s(now), collector.interval_s, collector.pid), alerts.dead, alerts.target, alerts.dead_text(),
        alerts.last_error)
    return Snapshot(
        generated_at=now,
        mode=mode,
        quota_reset=next_reset(now, quota.reset_offset_s),
        quota_reset_basis=quota.reset_basis,
        quota_probe_s=settings.supervision.quota_probe_s,
        quota=QuotaMetrics(
            daily_limit=quota.daily_limit,
            daily_remaining=daily_remaining,
            daily_used=quota.used_at(now),
            minute_limit=quota.minute_pace(settings.api.per_minute),
            minute_remaining=quota.minute_remaining,
            minute_used=len(window),
            observed_at=quota.observed_at,
            reserve=settings.api.daily_reserve,
            warning_level=settings.supervision.quota_warning,
        ),
        cache=CacheMetrics(entries, body_bytes, health.size_bytes, counters.get("hits", 0),
                           counters.get("misses", 0)),
        page_fetched_at=pages,
        requests_by_endpoint={k.split(":", 1)[1]: v for k, v in sorted(counters.items())
                              if k.startswith("requests:")},
        recent_requests=store.ledger.recent_requests(20),
        open_incident=incidents[0] if incidents and incidents[0].open else None,
        recent_incidents=incidents,
        status=status,
        checklist=checklist,
        selftest=selftest,
        last_export=last_export,
        collector=collector,
        alerts=alerts,
        header_note=store.ledger.meta(store.ledger.HEADER_NOTE),
        store_copy_at=utc_from_ts(health.copy_at),
    )


def collector_metrics(store: Store, settings: Settings, now: datetime, quota: Quota) -> CollectorMetrics:
    holder = store.collector.holder(COLLECTOR_LEASE)
    status = store.collector.status()
    by_kind = store.collector.spend(budget_day(now, quota.reset_offset_s))
    spent = sum(by_kind.values())
    reserve = settings.api.daily_reserve
    budget = daily_budget(settings.collect.daily_budget, quota.daily_limit, reserve)
    return CollectorMetrics(
        running=holder is not None,
        pid=holder.pid if holder else (status.pid if status else None),
        host=holder.host if holder else None,
        last_cycle=status.last_cycle if status else None,
        next_due=status.next_due if status and holder else None,
        interval_s=status.interval_s if status else float(settings.collect.interval_s),
        budget=budget,
        spent=spent,
        left=None if budget is None else left_today(budget, spent, quota.remaining_at(now), reserve),
        spent_by_kind=by_kind,
    )
