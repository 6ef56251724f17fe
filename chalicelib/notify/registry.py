"""The notification channels of a deployment, in order of preference (``chalicelib.notify.channels``
explains the order and how to add one)."""
from __future__ import annotations

from chalicelib.config import Settings
from chalicelib.notify.channels import Channels
from chalicelib.notify.whatsapp import ZapMeWhatsApp


def channels(settings: Settings) -> Channels:
    return Channels(
        ZapMeWhatsApp(settings.zapme_url, settings.zapme_hosts),
    )
