"""The adapter of a configured gateway: its public URLs by environment, unless
the deployment overrides them (``config.GATEWAY_URL_VARIABLES``; the local
stack points them at the simulators)."""
from __future__ import annotations

from collections.abc import Mapping

from chalicelib.billing.gateways import Gateway
from chalicelib.billing.gateways.cielo import CieloGateway
from chalicelib.billing.gateways.getnet import GetNetGateway
from chalicelib.billing.gateways.settings import CIELO, GETNET, SANDBOX, AdapterFactory

# Sandbox and production hosts: Cielo's API 3.0 manual (transactional and query hosts) and GetNet's
# official Magento module.
PUBLIC_URLS: Mapping[tuple[str, str], Mapping[str, str]] = {
    (CIELO, "sandbox"): {"CIELO_API_URL": "https://apisandbox.cieloecommerce.cielo.com.br",
                         "CIELO_QUERY_URL": "https://apiquerysandbox.cieloecommerce.cielo.com.br"},
    (CIELO, "producao"): {"CIELO_API_URL": "https://api.cieloecommerce.cielo.com.br",
                          "CIELO_QUERY_URL": "https://apiquery.cieloecommerce.cielo.com.br"},
    (GETNET, "sandbox"): {"GETNET_API_URL": "https://api-sandbox.getnet.com.br"},
    (GETNET, "producao"): {"GETNET_API_URL": "https://api.getnet.com.br"},
}


def adapters(overrides: Mapping[str, str], read_timeout: float = 20.0) -> AdapterFactory:
    def build(gateway: str, environment: str, credentials: Mapping[str, str]) -> Gateway:
        urls = {**PUBLIC_URLS[(gateway, environment)], **{k: v for k, v in overrides.items() if v}}
        if gateway == CIELO:
            return CieloGateway(urls["CIELO_API_URL"], urls["CIELO_QUERY_URL"], credentials["merchant_id"],
                                credentials["merchant_key"], sandbox=environment == SANDBOX,
                                read_timeout=read_timeout)
        return GetNetGateway(urls["GETNET_API_URL"], credentials["client_id"], credentials["client_secret"],
                             credentials["seller_id"], read_timeout=read_timeout)

    return build
