"""Offline state machine and supervision (metrics, recovery check, incident journal)."""

from .machine import ModeView, OfflineMachine, effective_offline, view_of

__all__ = ["ModeView", "OfflineMachine", "effective_offline", "view_of"]
