"""The WhatsApp channel, through ZapMe: a customer is reached at their mobile number
(``chalicelib.notify.phones``), a message is sent with ZapMe's API v2 (``chalicelib.notify.zapme``).

Its settings are the ZapMe integration (``configuracao/integracao/zapme``): ZapMe's ``api`` key and
``secret``, and optionally a ``url``, which must be on ZAPME_ALLOWED_HOSTS (``chalicelib.config``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from chalicelib.allowed_hosts import AllowedHosts
from chalicelib.customers.model import Customer
from chalicelib.notify.channels import WHATSAPP, Account, AccountStatus, SendResult
from chalicelib.notify.phones import whatsapp_number

# ZapMe's API (its HTTP client, chalicelib.notify.zapme, is imported when a message is sent: it loads requests).
DEFAULT_BASE_URL = "https://api.zapme.com.br"
# The ZapMe secret's encryption context (infra.definition: SealingContext "ZapmeSecret").
SECRET_CONTEXT: Mapping[str, str] = MappingProxyType({"purpose": "zapme-secret"})
# Without a configured list: ZapMe's own address only.
ZAPME_HOSTS = AllowedHosts.parse(DEFAULT_BASE_URL)


class ZapMeSender(Protocol):
    def send(self, phone: str, text: str) -> SendResult: ...
    def account(self) -> AccountStatus: ...


# Builds a ZapMe client from (base URL, api, opened secret): ZapMeClient, or a stand-in in tests.
ZapMeClients = Callable[[str, str, str], ZapMeSender]


def zapme_client(base_url: str, api: str, secret: str) -> ZapMeSender:
    from chalicelib.notify.zapme import ZapMeClient

    return ZapMeClient(base_url, api, secret)


class ZapMeWhatsApp:
    """WhatsApp through ZapMe (a :class:`chalicelib.notify.channels.Channel`)."""

    name = WHATSAPP
    label = "WhatsApp"
    provider = "ZapMe"
    secret_context = SECRET_CONTEXT

    def __init__(self, default_url: str = "", hosts: AllowedHosts = ZAPME_HOSTS,
                 clients: ZapMeClients = zapme_client) -> None:
        self.default_url = default_url or DEFAULT_BASE_URL
        self.hosts = hosts
        self._clients = clients

    def address(self, customer: Customer) -> str | None:
        return whatsapp_number(customer.phone)

    def unreachable(self, customer: Customer) -> str:
        return f"O cliente não tem celular válido para WhatsApp ({customer.phone or 'sem telefone'})."

    def send(self, account: Account, address: str, text: str) -> SendResult:
        return self._clients(account.url, account.api, account.secret).send(address, text)

    def account_status(self, account: Account) -> AccountStatus:
        """ZapMe's ``/status``: the plan and whether the WhatsApp phone is connected."""
        return self._clients(account.url, account.api, account.secret).account()
