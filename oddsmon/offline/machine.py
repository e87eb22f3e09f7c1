"""The offline state machine: when oddsmon goes offline, why, and when it comes back.

The state lives in the shared store, so every process on the host sees one truth: the moment
one instance goes offline, ``is_offline_mode()`` is true everywhere. Transitions are atomic
read-modify-writes; each is logged with its UTC time and opens or closes an incident record.

Reasons and resumes (DESIGN.md, "Semantics that must hold"):
- ``quota``: resumes on evidence only: the free ``/status`` is probed at ``quota_reset`` (the
  time of day the counter was seen to fall, 00:00 UTC until one is seen; the docs do not say)
  and then every ``quota_probe_s``, and the outage ends when more than the reserve is left.
- ``network``: resumes when a ``/status`` probe succeeds; probes back off from
  ``probe_min_s`` doubling up to ``probe_max_s``, and only one process probes at a time.
- ``user``: only on request, except that a manual offline entered during a quota outage keeps
  that outage's resume (the runbook's section 3).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import Clock, next_reset
from ..config import SupervisionSettings
from ..records import record
from ..store import OfflineState, Store
from ..store.incidents import IncidentStore
from ..types import Reason

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from ..store import Tx


@record
class ModeView:
    """What a person (sidebar, --check) needs to know about the mode right now."""

    offline: bool
    reason: str | None
    since: datetime | None
    resume_at: datetime | None
    seconds_to_resume: float | None
    detail: str | None
    next_probe_at: datetime | None
    last_probe_at: datetime | None
    last_probe_ok: bool | None
    probe_failures: int


def effective_offline(state: OfflineState, now: datetime) -> bool:
    """Offline until a transition says otherwise: a quota outage does not lapse at the presumed
    reset, it ends when /status shows quota again (``quota_probe_result``)."""
    return state.offline


def view_of(state: OfflineState, now: datetime) -> ModeView:
    offline = effective_offline(state, now)
    resume = state.resume_at if offline else None
    return ModeView(
        offline=offline,
        reason=state.reason if offline else None,
        since=state.since,
        resume_at=resume,
        seconds_to_resume=None if resume is None else max(0.0, (resume - now).total_seconds()),
        detail=state.detail,
        next_probe_at=state.next_probe_at if offline and state.reason == "network" else None,
        last_probe_at=state.last_probe_at,
        last_probe_ok=state.last_probe_ok,
        probe_failures=state.probe_failures,
    )


class OfflineMachine:
    def __init__(self, store: Store, clock: Clock, settings: SupervisionSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        import random  # only a process that runs the machine needs it (not --check)

        self.rng = random.Random()  # probe backoff jitter; tests may seed it

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> OfflineState:
        return self.store.state.read()

    def view(self) -> ModeView:
        return view_of(self.state(), self.clock.now())

    def gate(self) -> Reason | None:
        """The reason requests must not leave the process, or None when they may."""
        state = self.state()
        return state.reason if effective_offline(state, self.clock.now()) else None

    # -- transitions -----------------------------------------------------------------------

    def _journal(self, tx: Tx, before: OfflineState, after: OfflineState) -> None:
        at = self.clock.now()
        if after.offline and not before.offline:
            IncidentStore.open_in(tx, at, after.reason or "user")
            IncidentStore.act_in(tx, at, "transition", f"offline ({after.reason}): {after.detail or ''}".rstrip(": "))
        elif after.offline:
            IncidentStore.act_in(tx, at, "transition", f"reason now {after.reason}: {after.detail or ''}".rstrip(": "))
        else:
            IncidentStore.act_in(tx, at, "transition", f"back online: {after.detail or ''}".rstrip(": "))
            IncidentStore.close_in(tx, at)

    def go_offline(self, reason: Reason, detail: str | None = None) -> bool:
        """Enter offline mode for ``reason``; True when the shared state changed.

        An outage already in force keeps its reason (the first cause is the one to fix), but a
        manual offline always takes over, keeping a pending quota reset as its resume time.
        """
        now = self.clock.now()

        def change(cur: OfflineState) -> OfflineState | None:
            active = effective_offline(cur, now)
            if active and (cur.reason == reason or reason != "user"):
                return None
            resume = None
            if reason == "quota":
                resume = next_reset(now, self.store.ledger.quota().reset_offset_s)
            elif reason == "user" and active and cur.reason == "quota":
                resume = cur.resume_at
            probe = now + timedelta(seconds=self.settings.probe_min_s) if reason == "network" else None
            return OfflineState(offline=True, reason=reason, since=now, resume_at=resume,
                                detail=detail, probe_failures=0, next_probe_at=probe,
                                last_probe_at=cur.last_probe_at, last_probe_ok=cur.last_probe_ok)

        before, after = self.store.state.update(change, now, self._journal)
        return before != after

    def go_online(self, detail: str = "by request") -> bool:
        """Leave offline mode now, whatever the reason; True when the shared state changed."""
        now = self.clock.now()

        def change(cur: OfflineState) -> OfflineState | None:
            if not cur.offline:
                return None
            return OfflineState(offline=False, since=now, detail=detail,
                                last_probe_at=cur.last_probe_at, last_probe_ok=cur.last_probe_ok)

        before, after = self.store.state.update(change, now, self._journal)
        return before != after

    def claim_quota_probe(self) -> bool:
        """Take the /status probe of a quota outage (or of a manual offline that kept its
        resume) once the presumed reset has come; at most one process wins each slot. The
        slot is booked as if the probe will find no quota: the next one is ``quota_probe_s``
        later, which is also the resume shown meanwhile."""
        now = self.clock.now()
        current = self.state()
        if not current.offline or current.resume_at is None or now < current.resume_at:
            return False  # the common case, answered by a read: callers poll this every second

        def change(cur: OfflineState) -> OfflineState | None:
            if not cur.offline or cur.resume_at is None or now < cur.resume_at:
                return None
            return cur.evolve(last_probe_at=now,
                              resume_at=now + timedelta(seconds=self.settings.quota_probe_s))

        before, after = self.store.state.update(change, now)
        return before != after

    def quota_probe_result(self, remaining: int | None, reserve: int) -> bool:
        """What a /status probe showed during a quota outage; True when it ended the outage
        (more than the reserve left), a manual offline that kept the outage's resume included."""
        now = self.clock.now()

        def change(cur: OfflineState) -> OfflineState | None:
            if not cur.offline or cur.resume_at is None:
                return None
            if remaining is None or remaining <= reserve:
                return cur.evolve(last_probe_at=now, last_probe_ok=False)
            return OfflineState(offline=False, since=now,
                                detail=f"quota back: /status shows {remaining} calls left",
                                last_probe_at=now, last_probe_ok=True)

        before, after = self.store.state.update(change, now, self._journal)
        return before.offline and not after.offline

    def claim_probe(self) -> bool:
        """Take the next network probe if one is due; at most one process wins each slot."""
        now = self.clock.now()
        current = self.state()
        if not (current.offline and current.reason == "network") or (
                current.next_probe_at is not None and now < current.next_probe_at):
            return False

        def change(cur: OfflineState) -> OfflineState | None:
            if not (cur.offline and cur.reason == "network"):
                return None
            if cur.next_probe_at is not None and now < cur.next_probe_at:
                return None
            # Book the slot as if it will fail; a success replaces the whole row.
            return cur.evolve(last_probe_at=now, next_probe_at=now + timedelta(seconds=self._backoff(cur.probe_failures + 1)))

        before, after = self.store.state.update(change, now)
        return before != after

    def probe_result(self, ok: bool, detail: str | None = None) -> bool:
        """Record a probe's outcome; a success ends a network outage. True when it resumed.

        A failed probe's error becomes the outage's detail: the latest word on the network.
        """
        now = self.clock.now()

        def change(cur: OfflineState) -> OfflineState | None:
            if not (cur.offline and cur.reason == "network"):
                return None
            if ok:
                return OfflineState(offline=False, since=now, detail="network probe succeeded",
                                    last_probe_at=now, last_probe_ok=True)
            failures = cur.probe_failures + 1
            return cur.evolve(probe_failures=failures, last_probe_at=now, last_probe_ok=False,
                              detail=detail or cur.detail,
                              next_probe_at=now + timedelta(seconds=self._backoff(failures)))

        before, after = self.store.state.update(change, now, self._journal)
        return before.offline and not after.offline

    def note_quota(self, remaining: int | None, reserve: int) -> bool:
        """After a counted response: at or below the reserve means a quota outage."""
        if remaining is not None and remaining <= reserve:
            return self.go_offline("quota", f"{remaining} calls left today (reserve {reserve})")
        return False

    def _backoff(self, failures: int) -> float:
        """The wait after ``failures`` failed probes: full jitter under a cap that doubles from
        probe_min_s to probe_max_s, never shorter than probe_min_s. Every oddsmon on the host
        (and every host on the key) that lost the network at the same moment would otherwise
        probe in step. The first probe, probe_min_s after the outage, is not jittered."""
        s = self.settings
        cap = min(s.probe_max_s, s.probe_min_s * 2 ** failures)
        return self.rng.uniform(min(s.probe_min_s, cap), cap)
