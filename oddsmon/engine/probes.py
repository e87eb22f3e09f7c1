"""The offline mode as people and probes change it: manual offline and resume, the provider's
free status probes of a quota or network outage, and the quota ledger refreshed from them."""

from __future__ import annotations

from ..clock import Clock
from ..config import Settings
from ..offline import ModeView, OfflineMachine
from ..providers import ApiError, Provider
from ..store import Store


class Probes:
    def __init__(self, settings: Settings, store: Store, machine: OfflineMachine, provider: Provider,
                 clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.machine = machine
        self.provider = provider
        self.clock = clock

    def mode(self) -> ModeView:
        return self.machine.view()

    def set_offline(self) -> bool:
        return self.machine.go_offline("user", "manual offline")

    def set_online(self, detail: str = "manual resume") -> bool:
        return self.machine.go_online(detail)

    async def refresh_quota(self) -> str:
        """One free status probe so the quota ledger shows what the provider says now.

        After a manual resume the ledger may still hold the 0 it saw before (a plan upgraded,
        a reset): without this, the next counted call would be refused by the reserve.
        A failure changes nothing; the next request finds the outage.
        """
        probe = self.provider.status_name
        try:
            await self.provider.status()
        except ApiError as exc:
            if exc.outage == "key":  # a refused key is the key outage, whoever asked
                self.machine.probe_result(False, f"probe failed: {exc}", exc.outage)
            return f"quota not refreshed: {probe} failed: {exc}"
        remaining = self.store.ledger.quota().remaining_at(self.clock.now())
        text = f"quota refreshed from {probe}: {'?' if remaining is None else remaining} calls left today"
        reserve = self.settings.api.daily_reserve
        if remaining is not None and remaining <= reserve:
            # Online with nothing to spend: say it, rather than let the first page find out.
            text += (f"; no calls left above the reserve of {reserve}: the next counted call "
                     f"goes offline (quota) again until {probe} shows quota")
        return text

    async def due(self) -> bool:
        """Apply what is due: the status probe of a quota outage, or a network probe. True
        when this process is the one that brings oddsmon back online."""
        resumed = await self.quota_probe_if_due()
        if not resumed and self.machine.claim_probe():  # a network or key outage's probe
            resumed = await self.probe_now()
        return resumed

    async def probe_now(self) -> bool:
        """One status probe now, whatever the schedule (``--warm`` while the network is out)."""
        try:
            await self.provider.status()
        except ApiError as exc:
            self.machine.probe_result(False, f"probe failed: {exc}", exc.outage)
            return False
        return self.machine.probe_result(True)

    async def quota_probe_if_due(self) -> bool:
        """At each probe slot of a quota outage (offline/machine.py): does the status show quota?"""
        if not self.machine.claim_quota_probe():
            return False
        try:
            await self.provider.status()
        except ApiError as exc:
            # No evidence of quota either way (the next slot asks again), unless the key is refused.
            self.machine.probe_result(False, f"probe failed: {exc}", exc.outage)
            return False
        return self.quota_seen()

    def quota_seen(self) -> bool:
        """After a status answer: end a quota outage if more than the reserve is left now."""
        remaining = self.store.ledger.quota().remaining_at(self.clock.now())
        return self.machine.quota_probe_result(remaining, self.settings.api.daily_reserve)
