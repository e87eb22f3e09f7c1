"""The demo's simulator, served on a loopback port as well, for the commands of other shells.

``oddsmon --demo`` talks to its simulator in-process; ``oddsmon --demo --check --probe`` (or
``--online``, ``--warm``) in another terminal reaches that same simulator over a real socket,
so one quota, one account and one set of faults answer everyone, as the provider does. A
network cut is both: the in-process transport fails, and the served socket closes (a connect
is refused, like a real outage); restoring the network listens again on the same port.

    served = ServedSimulator(Simulator(...))
    url = served.serve()          # http://127.0.0.1:PORT
    served.cut_network()          # in-process and loopback alike
"""

from __future__ import annotations

import contextlib

from .app import Simulator
from .server import LoopbackServer


class ServedSimulator:
    """A ``Simulator`` with the demo's drill (network, quota) and a loopback server."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._server: LoopbackServer | None = None

    @property
    def network_down(self) -> bool:
        return self.sim.network_down

    def serve(self) -> str:
        """Listen on a free loopback port (closed while the network is cut); the URL."""
        if self._server is None:
            self._server = LoopbackServer(self.sim).start()  # binds: the port is now known
            if self.sim.network_down:
                self._server.stop()  # the port is kept for the restore
        return self._server.url

    def stop_serving(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def cut_network(self) -> None:
        self.sim.cut_network()
        if self._server is not None:
            self._server.stop()

    def restore_network(self) -> None:
        if self._server is not None:
            # The port taken in between: other shells keep seeing the cut (their commands say
            # the simulator is unreachable); the demo itself is back.
            with contextlib.suppress(OSError, RuntimeError):
                self._server.start()
        self.sim.restore_network()

    def exhaust_quota(self) -> None:
        self.sim.exhaust_quota()

    def set_quota(self, limit: int | None = None, used: int | None = None) -> None:
        self.sim.set_quota(limit, used)
