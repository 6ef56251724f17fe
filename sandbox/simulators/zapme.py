"""ZapMe's WhatsApp API (``shared/reference/hubsoft-and-zapme.md``); its behaviour arrives with notifications."""
from __future__ import annotations

from sandbox.simulators.base import Simulator


class ZapMeSimulator(Simulator):
    name = "zapme"
    env_urls = ("ZAPME_API_URL",)
