"""The verdicts a supervision snapshot carries: the monitoring status and the runbook's
closing checklist (``plan_de_reprise.md`` section 6), item by item, with why.

Both are pure functions of what the store and the files say; computing them sends nothing and
writes nothing, so ``--check`` stays read-only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from ..offline import KEY_FIX, ModeView
from ..records import record
from ..store import Incident
from .common import CRITICAL, LABELS, OK, WARNING, duration, iso

META_SELFTEST = "selftest.last"
META_EXPORT = "export.last.json"
META_EXPORT_PROM = "export.last.prometheus"
META_STORE_ID = "store_id"


@record
class Status:
    """The monitoring verdict: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, and one line why."""

    code: int
    summary: str

    @property
    def label(self) -> str:
        return LABELS[self.code]


@record
class ChecklistItem:
    id: str
    label: str  # English
    label_fr: str  # the runbook's own words
    done: bool
    why: str


@record
class SelftestRecord:
    at: datetime
    ok: bool
    duration_s: float
    checks: tuple[dict[str, object], ...]


@record
class ExportRecord:
    at: datetime
    path: Path
    format: str
    pending: bool = False  # the export being written from this very snapshot


def parse_selftest(raw: str | None) -> SelftestRecord | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return SelftestRecord(datetime.fromisoformat(data["at"].replace("Z", "+00:00")),
                              bool(data["ok"]), float(data["duration_s"]),
                              tuple(data.get("checks") or ()))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def parse_export(raw: str | None) -> ExportRecord | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return ExportRecord(datetime.fromisoformat(data["at"].replace("Z", "+00:00")),
                            Path(data["path"]), str(data.get("format", "json")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def export_meta(at: datetime, path: Path, fmt: str) -> str:
    return json.dumps({"at": iso(at), "path": str(path), "format": fmt})


def evaluate_status(mode: ModeView, remaining: int | None, warning_level: int,
                    critical_level: int = 0) -> Status:
    """Exit status as monitoring plugins use it (DESIGN.md; ``docs/supervision.md``).

    ``critical_level`` 0 means the quota alone never makes it CRITICAL (running out is an
    offline ``quota``, a WARNING: oddsmon keeps serving its cache).
    """
    if mode.offline:
        if mode.reason == "network":  # CRITICAL_REASONS, each said its own way
            return Status(CRITICAL, f"offline ({mode.why}) since {iso(mode.since)}: {mode.detail or 'API unreachable'}")
        if mode.reason == "key":
            # A refused key or account is an incident, never OK nor a mere WARNING (DESIGN.md).
            return Status(CRITICAL, f"offline ({mode.why}) since {iso(mode.since)}: "
                                    f"{mode.detail or 'the provider refuses the API key'}; resumes when "
                                    f"a /status probe succeeds (next {iso(mode.next_probe_at) or 'not planned'}); "
                                    f"{KEY_FIX}")
        resume = (f", resumes when /status shows quota (next probe {iso(mode.next_probe_at or mode.resume_at)}, "
                  f"reset expected {iso(mode.resume_at)})" if mode.resume_at else ", resumes only on request")
        return Status(WARNING, f"offline ({mode.why}) since {iso(mode.since)}{resume}")
    if remaining is not None and remaining < critical_level:
        return Status(CRITICAL, f"online, but only {remaining} calls left today "
                                f"(critical below {critical_level})")
    if remaining is not None and remaining < warning_level:
        return Status(WARNING, f"online, but only {remaining} calls left today "
                               f"(warning below {warning_level})")
    left = "quota not yet observed" if remaining is None else f"{remaining} calls left today"
    return Status(OK, f"online, {left}")


def evaluate_collector(status: Status, silent_s: float | None, interval_s: float | None,
                       pid: int | None) -> Status:
    """A collector that has not cycled for twice its interval is a WARNING (never lowers a
    worse status): odds are no longer recorded while nobody watches."""
    if silent_s is None or interval_s is None or silent_s <= 2 * interval_s or status.code >= WARNING:
        return status
    return Status(WARNING, f"the collector (pid {pid}) has not cycled for {duration(silent_s)} "
                           f"(interval {duration(interval_s)}); {status.summary}")


def evaluate_alerts(status: Status, dead: int, target: str | None, what: str, last_error: str | None) -> Status:
    """Dead letters (alerts a webhook refused to the last attempt) are a WARNING naming them
    (never lowers a worse status): someone on call did not hear about them."""
    if not dead or status.code >= WARNING:
        return status
    error = f"; last error: {last_error}" if last_error else ""
    return Status(WARNING, f"{what} could not be delivered to the webhook {target or '(no longer configured)'} "
                           f"(dead letters){error}; {status.summary}")


def _when(at: datetime | None) -> str:
    return iso(at) or "never"


def evaluate_checklist(
    *,
    now: datetime,
    mode: ModeView,
    incident: Incident | None,
    page_fetched_at: Mapping[str, datetime | None],
    export: ExportRecord | None,
    selftest: SelftestRecord | None,
    journal: tuple[bool, str],
    prog: str = "oddsmon",
) -> tuple[ChecklistItem, ...]:
    """Section 6 of the runbook, relative to the latest incident. ``prog`` starts the commands
    it names (``oddsmon --demo`` in a demo, where a plain ``oddsmon`` acts elsewhere).

    Each item counts only if it happened after the reference instant: the latest incident's
    resume (closed_at, or its planned resume once due), else its start while it is still open.
    With no incident ever recorded, everything done at any time counts.
    """
    ref: datetime | None = None
    ref_text = ""
    if incident is not None:
        if incident.closed_at is not None:
            ref, ref_text = incident.closed_at, f"the resume of incident #{incident.id}"
        elif not mode.offline and mode.since is not None and mode.since >= incident.opened_at:
            ref, ref_text = mode.since, f"the resume of incident #{incident.id}"
        else:
            ref, ref_text = incident.opened_at, f"the start of incident #{incident.id}"

    # Records hold whole seconds (iso()): an export written in the very second the mode
    # resumed, recorded as that second, counts as after it.
    floor = None if ref is None else ref.replace(microsecond=0)

    def after(at: datetime | None) -> bool:
        return at is not None and (floor is None or at >= floor)

    items: list[ChecklistItem] = []

    # 1. Offline mode off.
    if mode.offline:
        why = f"offline ({mode.why}) since {_when(mode.since)}"
        if mode.reason == "quota" and mode.resume_at:
            why += (f"; resumes when /status shows quota again (next probe "
                    f"{iso(mode.next_probe_at or mode.resume_at)})")
        elif mode.reason == "network":
            why += f"; resumes when a /status probe succeeds ({prog} --check --probe)"
        elif mode.reason == "key":
            why += f"; {KEY_FIX}"
        else:
            why += f"; {prog} --online to resume"
        items.append(ChecklistItem("offline_disabled", "Offline mode disabled",
                                   "Mode hors ligne désactivé", False, why))
    else:
        items.append(ChecklistItem("offline_disabled", "Offline mode disabled",
                                   "Mode hors ligne désactivé", True,
                                   f"online since {iso(mode.since)}" if mode.since
                                   else "online (no offline period recorded)"))

    # 2. Metrics summary exported.
    if export is None:
        done, why = False, f"no JSON export recorded; run {prog} --export"
    elif not export.pending and not export.path.exists():
        done, why = False, f"last export {iso(export.at)} to {export.path}, which no longer exists; run {prog} --export"
    elif not after(export.at):
        done, why = False, f"last export {iso(export.at)} is before {ref_text}; run {prog} --export"
    elif export.pending:
        done, why = True, f"this export, {iso(export.at)}, to {export.path}"
    else:
        done, why = True, f"exported {iso(export.at)} to {export.path}"
    items.append(ChecklistItem("metrics_exported", "Metrics summary exported",
                               "Résumé des métriques exporté", done, why))

    # 3. Key pages opened online.
    if mode.offline:
        done, why = False, f"offline: pages can only come from the cache; resume, then {prog} --warm"
    else:
        missing = [p for p, at in page_fetched_at.items() if not after(at)]
        if missing:
            since = f" since {ref_text}" if ref is not None else ""
            done, why = False, f"not fetched online{since}: {', '.join(missing)}; run {prog} --warm"
        else:
            oldest = min(at for at in page_fetched_at.values() if at is not None)
            done, why = True, f"all four fetched online (oldest {iso(oldest)}, {duration((now - oldest).total_seconds())} ago)"
    items.append(ChecklistItem("pages_online", "Key pages opened online (Predictions, Bookmakers, Odds, Dashboard)",
                               "Pages clés ouvertes en ligne", done, why))

    # 4. Quick functional tests.
    if selftest is None:
        done, why = False, f"no selftest recorded; run {prog} --selftest"
    elif not after(selftest.at):
        done, why = False, f"last selftest {iso(selftest.at)} is before {ref_text}; run {prog} --selftest"
    elif not selftest.ok:
        failed = [str(c.get("name")) for c in selftest.checks if not c.get("ok")]
        done, why = False, f"selftest {iso(selftest.at)} failed: {', '.join(failed) or f'see {prog} --selftest'}"
    else:
        done, why = True, f"selftest passed {iso(selftest.at)} in {selftest.duration_s:.1f} s"
    items.append(ChecklistItem("functional_tests", f"Quick functional tests ({prog} --selftest)",
                               "Tests fonctionnels rapides", done, why))

    # 5. Incident documented in the journal.
    done, why = journal
    items.append(ChecklistItem("journal_documented", "Incident documented in the journal",
                               "Incidents documentés dans le journal", done, why))
    return tuple(items)
