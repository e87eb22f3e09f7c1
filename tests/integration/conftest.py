"""The loopback simulator fixtures (tests/loopback.py)."""

from ..loopback import CountingTransport, engine, live_settings, server, sim, transport

__all__ = ["CountingTransport", "engine", "live_settings", "server", "sim", "transport"]
