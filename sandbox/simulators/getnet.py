"""GetNet sandbox (``shared/reference/gateways.md``); its behaviour arrives with the card vault issue."""
from __future__ import annotations

from sandbox.simulators.base import Simulator


class GetNetSimulator(Simulator):
    name = "getnet"
    env_urls = ("GETNET_API_URL",)
