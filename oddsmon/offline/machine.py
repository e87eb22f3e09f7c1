"""The offline state machine: when oddsmon goes offline, why, and when it comes back.

The state lives in the shared store, so every process on the host sees one truth: the moment
one instance goes offline, ``is_offline_mode()`` is true everywhere. Transitions are atomic
read-modify-writes; each is logged with its UTC time and opens or closes an incident record.

Reasons and resumes (DESIGN.md, "Semantics that must hold"):
- ``quota``: resumes on evidence only: the free ``/status`` is probed from the moment of
  exhaustion (``next_probe_at``), the waits doubling from ``probe_min_s`` up to
  ``quota_probe_s``, and at the expected reset (RapidAPI's header, the time of day the counter
  was seen to fall, else 00:00 UTC) whenever that comes sooner, the waits starting short again
  once it has passed; the outage ends when more than the reserve is left. So it ends within
  ``quota_probe_s`` of the provider's reset, whatever the hour. The resume shown
  (``resume_at``) is that expected reset, or once it has passed with no quota back, the next
  probe.
- ``network``: resumes when a ``/status`` probe succeeds; probes back off from
  ``probe_min_s`` doubling up to ``probe_max_s``, and only one process probes at a time.
- ``key``: the provider refuses the key or the account (a token error, HTTP 401/403, a
  suspended account): nothing is sent but the probes, which back off as for ``network``, and
  the outage ends when one succeeds (a key rotated, a subscription renewed). It is the first
  thing to fix, so it takes over a network or quota outage and a manual offline, and none of
  them replaces it (a person may still end it: ``go_online``).
- ``user``: only on request, except that a manual offline entered during a quota outage keeps
  that outage's resume (the runbook's section 3).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..clock import Clock, last_reset, next_reset
from ..config import SupervisionSettings
from ..records import record
from ..store import OfflineState, StateStore, Store
from ..store.incidents import IncidentStore
from ..types import Reason

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see records.py)
if TYPE_CHECKING:
    from ..store import Tx

# The reasons a /status probe ends, with backoff: the API unreachable, the key refused.
PROBED: tuple[Reason, ...] = ("network", "key")
# The outages that are incidents for monitoring (CRITICAL in --check, critical webhook
# alerts): nothing can be fetched until someone or something fixes them. A quota outage or a
# manual offline is a WARNING: oddsmon knows when it ends.
CRITICAL_REASONS: tuple[Reason, ...] = ("network", "key")
# What the operator does about a refused key, in the words every surface uses (--check, the
# screens, the collector's line, the webhook, the runbooks): the key is read again from
# api.key_file before each probe, so a rotated file needs no restart; $APISPORTS_KEY is read
# at start only.
KEY_FIX = ("rotate the key (write the new one to api.key_file, mode 0600: read again at the "
           "next /status probe; or set $APISPORTS_KEY and restart oddsmon) or renew the "
           "subscription, then oddsmon --check --probe")
# The first probe after an expected quota reset waits this long: the provider's clock and
# ours need not agree to the second.
RESET_GRACE = timedelta(seconds=10)


def _quota_probe_due(state: OfflineState) -> datetime | None:
    """When the /status probe of a quota outage (or of a manual offline that kept its resume)
    is due, or None when none is planned. A state written before quota outages were probed
    from their start has no ``next_probe_at``: its resume is the probe."""
    if not state.offline or state.resume_at is None:
        return None
    return state.next_probe_at or state.resume_at


def _takes_over(current: Reason | None, new: Reason) -> bool:
    """Whether an outage for ``new`` replaces one in force for ``current``: the first cause is
    the one to fix, except that a refused key is always the first thing to fix and a manual
    offline takes over anything but it."""
    if current == new or current == "key":
        return False
    return new in ("key", "user")


@record
class ModeView:
    """What a person (sidebar, --check) needs to know about the mode right now."""

    offline: bool
    reason: Reason | None  # user, network, quota or key; None online
    since: datetime | None
    resume_at: datetime | None
    seconds_to_resume: float | None
    detail: str | None
    next_probe_at: datetime | None
    last_probe_at: datetime | None
    last_probe_ok: bool | None
    probe_failures: int
    # On a team's store: "team" when every host is offline, "host" when this host alone is (a
    # network cut only it sees); None on one host's store, where the two are the same.
    scope: str | None = None

    @property
    def why(self) -> str:
        """The reason, and on a team's store whom it concerns: "network, this host only"."""
        return f"{self.reason}{_SCOPES.get(self.scope or '', '')}"


_SCOPES = {"team": ", every host", "host": ", this host only"}


def effective_offline(state: OfflineState, now: datetime) -> bool:
    """Offline until a transition says otherwise: a quota outage does not lapse at the presumed
    reset, it ends when /status shows quota again (``quota_probe_result``)."""
    return state.offline


def mode_of(store: Store, now: datetime) -> ModeView:
    """The mode this host is in: the store's (a team's: every host's), else, on a team's
    store, this host's own."""
    team = store.state.read()
    host = store.host
    if team.offline or host is None:
        return view_of(team, now, "team" if store.team else None)
    own = host.state.read()
    return view_of(own, now, "host") if own.offline else view_of(team, now, "team")


def view_of(state: OfflineState, now: datetime, scope: str | None = None) -> ModeView:
    offline = effective_offline(state, now)
    resume = state.resume_at if offline else None
    return ModeView(
        offline=offline,
        reason=state.reason if offline else None,
        since=state.since,
        resume_at=resume,
        seconds_to_resume=None if resume is None else max(0.0, (resume - now).total_seconds()),
        detail=state.detail,
        next_probe_at=state.next_probe_at if offline else None,
        last_probe_at=state.last_probe_at,
        last_probe_ok=state.last_probe_ok,
        probe_failures=state.probe_failures,
        scope=scope,
    )


class OfflineMachine:
    """On a team's store, the state every host reads is the store's; a network cut this
    process sees is this host's own (its ``store.host``), unless it speaks for the team
    (``team_network``: the team's collector, whose network is the one that matters)."""

    def __init__(self, store: Store, clock: Clock, settings: SupervisionSettings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.team_network = False
        import random  # only a process that runs the machine needs it (not --check)

        self.rng = random.Random()  # probe backoff jitter; tests may seed it

    # -- reading ---------------------------------------------------------------------------

    def state(self) -> OfflineState:
        return self.store.state.read()

    def view(self) -> ModeView:
        return mode_of(self.store, self.clock.now())

    def gate(self) -> Reason | None:
        """The reason requests must not leave the process, or None when they may."""
        return self.view().reason

    def _states(self, reason: Reason | None = None) -> StateStore:
        """Where an outage for ``reason`` is kept (None: the one a probe is for): this host's
        own store for a network cut a team's analyst sees, else the shared one."""
        if reason not in (None, "network") or self.team_network:
            return self.store.state
        host = self.store.host
        if host is None:
            return self.store.state
        if reason is None:  # a probe: for the outage in force, the team's first
            team = self.store.state.read()
            return self.store.state if team.offline and team.reason in PROBED else host.state
        return host.state if reason == "network" else self.store.state

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
        refused key takes over any other, and a manual offline any but a refused key, keeping
        a pending quota probe as its resume time.
        """
        now = self.clock.now()
        offset = self._reset_offset() if reason == "quota" else 0

        def change(cur: OfflineState) -> OfflineState | None:
            active = effective_offline(cur, now)
            if active and not _takes_over(cur.reason, reason):
                return None
            resume = probe = None
            if reason == "quota":
                probe = self._quota_slot(now, now, offset)
                resume = max(next_reset(now, offset), probe)
            elif reason == "user" and active and cur.reason == "quota":
                resume, probe = cur.resume_at, cur.next_probe_at
            elif reason in PROBED:
                probe = now + timedelta(seconds=self.settings.probe_min_s)
            return OfflineState(offline=True, reason=reason, since=now, resume_at=resume,
                                detail=detail, probe_failures=0, next_probe_at=probe,
                                last_probe_at=cur.last_probe_at, last_probe_ok=cur.last_probe_ok)

        before, after = self._states(reason).update(change, now, self._journal)
        return before != after

    def go_online(self, detail: str = "by request") -> bool:
        """Leave offline mode now, whatever the reason (this host's own too); True when a
        state changed."""
        now = self.clock.now()

        def change(cur: OfflineState) -> OfflineState | None:
            if not cur.offline:
                return None
            return OfflineState(offline=False, since=now, detail=detail,
                                last_probe_at=cur.last_probe_at, last_probe_ok=cur.last_probe_ok)

        changed = False
        host = self.store.host
        for states in (self.store.state, *(() if host is None else (host.state,))):
            before, after = states.update(change, now, self._journal)
            changed = changed or before != after
        return changed

    def claim_quota_probe(self) -> bool:
        """Take the /status probe of a quota outage (or of a manual offline that kept its
        resume) once its slot has come; at most one process wins each slot. The slot is booked
        as if the probe will find no quota: the next one is ``_quota_slot``'s, and the resume
        shown the expected reset, or that next probe once the expected reset has passed."""
        now = self.clock.now()
        due = _quota_probe_due(self.state())
        if due is None or now < due:
            return False  # the common case, answered by a read: callers poll this every second
        offset = self._reset_offset()

        def change(cur: OfflineState) -> OfflineState | None:
            due = _quota_probe_due(cur)
            if due is None or now < due:
                return None
            since = cur.since or now
            probe = self._quota_slot(since, now, offset)
            return cur.evolve(last_probe_at=now, next_probe_at=probe,
                              resume_at=max(next_reset(since, offset), probe))

        before, after = self.store.state.update(change, now)
        return before != after

    def _reset_offset(self) -> int:
        """The expected reset's time of day, as the ledger knows it (read before the state's
        write transaction, not inside it)."""
        return self.store.ledger.quota().reset_offset_s

    def _quota_slot(self, since: datetime, now: datetime, offset: int) -> datetime:
        """When the next /status probe of a quota outage that began at ``since`` goes out,
        the expected reset being ``offset`` seconds after 00:00 UTC.

        The wait is the time since the outage began, or since the expected reset passed if
        that is later, between ``probe_min_s`` and ``quota_probe_s``: probes come quickly at
        first and at most ``quota_probe_s`` apart, and none waits past the expected reset.
        """
        s = self.settings
        anchor = max(since, last_reset(now - RESET_GRACE, offset) + RESET_GRACE)
        wait = min(s.quota_probe_s, max(s.probe_min_s, (now - anchor).total_seconds()))
        return min(now + timedelta(seconds=wait), next_reset(now - RESET_GRACE, offset) + RESET_GRACE)

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
        """Take the next probe of a network or key outage if one is due; at most one process
        wins each slot."""
        now = self.clock.now()
        states = self._states()
        current = states.read()
        if not (current.offline and current.reason in PROBED) or (
                current.next_probe_at is not None and now < current.next_probe_at):
            return False

        def change(cur: OfflineState) -> OfflineState | None:
            if not (cur.offline and cur.reason in PROBED):
                return None
            if cur.next_probe_at is not None and now < cur.next_probe_at:
                return None
            # Book the slot as if it will fail; a success replaces the whole row.
            return cur.evolve(last_probe_at=now, next_probe_at=now + timedelta(seconds=self._backoff(cur.probe_failures + 1)))

        before, after = states.update(change, now)
        return before != after

    def probe_result(self, ok: bool, detail: str | None = None, outage: Reason | None = None) -> bool:
        """Record a /status probe's outcome; a success ends a network or key outage. True
        when it resumed.

        ``outage``: what the failure says (``ApiError.outage``). A refused key is a key
        outage whatever the state was, online included (``--check --probe``). A failure's
        error becomes a network outage's detail: the latest word on the network.
        """
        now = self.clock.now()
        if not ok and outage == "key":
            self.go_offline("key", detail)

        def change(cur: OfflineState) -> OfflineState | None:
            if not (cur.offline and cur.reason in PROBED):
                return None
            if ok:
                return OfflineState(offline=False, since=now, detail=f"{cur.reason} probe succeeded",
                                    last_probe_at=now, last_probe_ok=True)
            failures = cur.probe_failures + 1
            # A refused key keeps saying so while its probes fail for another reason.
            latest = detail if cur.reason == "network" or outage == "key" else None
            return cur.evolve(probe_failures=failures, last_probe_at=now, last_probe_ok=False,
                              detail=latest or cur.detail,
                              next_probe_at=now + timedelta(seconds=self._backoff(failures)))

        before, after = self._states().update(change, now, self._journal)
        return before.offline and not after.offline

    def note_quota(self, remaining: int | None, reserve: int) -> bool:
        """After a counted response: at or below the reserve means a quota outage."""
        if remaining is not None and remaining <= reserve:
            return self.go_offline("quota", f"{remaining} calls left today (reserve {reserve})")
        return False

    def _backoff(self, failures: int) -> float:
        """The wait after ``failures`` failed network or key probes: full jitter under a cap
        that doubles from probe_min_s to probe_max_s, never shorter than probe_min_s. Every
        oddsmon on the host (and every host on the key) that lost the network at the same
        moment would otherwise probe in step. The first probe, probe_min_s after the outage, is
        not jittered."""
        s = self.settings
        cap = min(s.probe_max_s, s.probe_min_s * 2 ** failures)
        return self.rng.uniform(min(s.probe_min_s, cap), cap)
