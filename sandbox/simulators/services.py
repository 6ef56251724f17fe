"""The three simulated services. Their behaviour arrives with their issues:
Cielo and GetNet with the card vault (issue 4), ZapMe with notifications (issue 6)."""
from __future__ import annotations

from sandbox.simulators.base import Simulator


class CieloSimulator(Simulator):
    name = "cielo"
    env_urls = ("CIELO_API_URL", "CIELO_QUERY_URL")  # Cielo splits transactions and queries


class GetNetSimulator(Simulator):
    name = "getnet"
    env_urls = ("GETNET_API_URL",)


class ZapMeSimulator(Simulator):
    name = "zapme"
    env_urls = ("ZAPME_API_URL",)


ALL = (CieloSimulator, GetNetSimulator, ZapMeSimulator)
