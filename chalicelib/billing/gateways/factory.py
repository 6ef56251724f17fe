"""The adapter of a configured gateway, built from its registry entry: its environment's public URLs unless the
deployment replaces them (``config``; the local stack points them at the simulators)."""
from __future__ import annotations

from collections.abc import Mapping

from chalicelib.billing.gateways import Gateway
from chalicelib.billing.gateways.registry import GatewayConnection, GatewayRegistry, registry
from chalicelib.billing.gateways.settings import AdapterFactory


def adapters(overrides: Mapping[str, str], read_timeout: float = 20.0,
             gateways: GatewayRegistry = registry) -> AdapterFactory:
    def build(gateway: str, environment: str, credentials: Mapping[str, str]) -> Gateway:
        spec = gateways.get(gateway)  # an unknown gateway raises: there is no default adapter
        return spec.adapter(GatewayConnection(environment, spec.urls(environment, overrides), credentials,
                                              read_timeout))

    return build
