"""Which card gateway the provider uses, in which environment, with which
credentials (``configuracao/integracao/cartao_credito/{gateway}``).

Credentials are sealed (KMS envelope, bound to the gateway's name) before
they are stored and are never returned. At most one gateway is active: the
active one is a single pointer the store replaces, so two can never be.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.billing.gateways import Gateway
from chalicelib.clock import Clock
from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.sealing import Sealed, Sealer

CIELO = "cielo"
GETNET = "getnet"
GATEWAYS = (CIELO, GETNET)
SANDBOX = "sandbox"
PRODUCTION = "producao"
ENVIRONMENTS = (SANDBOX, PRODUCTION)
CREDENTIAL_FIELDS: Mapping[str, tuple[str, ...]] = {
    CIELO: ("merchant_id", "merchant_key"),
    GETNET: ("client_id", "client_secret", "seller_id"),
}


@dataclass(frozen=True)
class GatewayConfig:
    gateway: str
    active: bool
    environment: str
    allows_auto_recurrence: bool  # "Permite Recorrência Automática": the tick may charge on its own
    credentials: Sealed
    credential_hint: Mapping[str, str]  # identifiers shown to operators (never keys or secrets)
    updated_at: datetime
    updated_by: str = ""


@dataclass(frozen=True)
class GatewayChange:
    gateway: str
    active: bool
    environment: str
    allows_auto_recurrence: bool
    credentials: Mapping[str, str] | None  # None keeps the stored ones


class GatewayConfigStore(Protocol):
    def all(self) -> list[GatewayConfig]: ...
    def save(self, config: GatewayConfig) -> None: ...


# Builds the adapter of a configuration from its opened credentials.
AdapterFactory = Callable[[str, str, Mapping[str, str]], Gateway]


class GatewaySettingsService:
    def __init__(self, store: GatewayConfigStore, sealer: Sealer, clock: Clock, adapters: AdapterFactory) -> None:
        self._store = store
        self._sealer = sealer
        self._clock = clock
        self._adapters = adapters
        # Opened credentials by sealed value: opening costs a KMS call, which a charge should not pay.
        self._opened: dict[tuple[str, str], dict[str, str]] = {}

    def list(self) -> list[GatewayConfig]:
        return sorted(self._store.all(), key=lambda c: GATEWAYS.index(c.gateway))

    def configure(self, change: GatewayChange, user: str) -> GatewayConfig:
        if change.gateway not in GATEWAYS:
            raise NotFoundError(f"Gateway {change.gateway} não encontrado. Use: {', '.join(GATEWAYS)}.")
        current = {c.gateway: c for c in self._store.all()}.get(change.gateway)
        if change.credentials is None and current is None:
            raise ValidationError([f"Informe as credenciais do gateway {change.gateway} "
                                   f"({', '.join(CREDENTIAL_FIELDS[change.gateway])})."])
        hint: Mapping[str, str]
        if change.credentials is not None:
            sealed = self._sealer.seal(_joined(change.credentials), {"gateway": change.gateway})
            hint = _hint(change.gateway, change.credentials)
        else:
            assert current is not None
            sealed, hint = current.credentials, current.credential_hint
        config = GatewayConfig(gateway=change.gateway, active=change.active, environment=change.environment,
                               allows_auto_recurrence=change.allows_auto_recurrence, credentials=sealed,
                               credential_hint=hint, updated_at=self._clock(), updated_by=user)
        self._store.save(config)
        return config

    def active(self) -> tuple[GatewayConfig, Gateway]:
        """The active gateway's configuration and adapter; refuses when none is active."""
        config = next((c for c in self._store.all() if c.active), None)
        if config is None:
            raise BusinessRuleError("Nenhum gateway de cartão de crédito está ativo: configure a Cielo ou a GetNet "
                                    "em configuracao/integracao/cartao_credito.")
        return config, self.adapter(config)

    def adapter(self, config: GatewayConfig) -> Gateway:
        key = (config.gateway, config.credentials.ciphertext)
        opened = self._opened.get(key)
        if opened is None:
            opened = self._opened[key] = _split(self._sealer.open(config.credentials, {"gateway": config.gateway}))
        return self._adapters(config.gateway, config.environment, opened)


def _hint(gateway: str, credentials: Mapping[str, str]) -> dict[str, str]:
    """What identifies the account without letting anyone use it."""
    shown = {CIELO: ("merchant_id",), GETNET: ("client_id", "seller_id")}[gateway]
    return {k: credentials[k] for k in shown if k in credentials}


def _joined(credentials: Mapping[str, str]) -> str:
    return json.dumps(dict(credentials), sort_keys=True)


def _split(text: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(text).items()}
