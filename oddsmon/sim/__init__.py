"""A faithful, deterministic API-Football v3 simulator (in-process or on a loopback port).

    sim = Simulator(SimConfig(seed=7), clock=FakeClock())
    async with httpx.AsyncClient(transport=SimTransport(sim), base_url="http://sim",
                                 headers={"x-apisports-key": "k"}) as client: ...

    with LoopbackServer(sim) as server:      # a real socket, for network-failure drills
        httpx.get(server.url + "/status", headers={"x-apisports-key": "k"})
"""

from .app import Simulator
from .data import SimConfig
from .server import LoopbackServer
from .transport import SimTransport

__all__ = ["LoopbackServer", "SimConfig", "SimTransport", "Simulator"]
