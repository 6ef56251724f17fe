"""Which card gateway the provider uses, in which environment, with which
credentials (``configuracao/integracao/cartao_credito/{gateway}``).

Several integrations may be configured at once. At most one is active, and
"active" means "new cards are stored here": the active one is a single
pointer the store replaces, so two can never be. A card is always charged at
the gateway that holds it while that gateway's integration exists (removing
an integration stops its cards from being charged anywhere), and automatic
recurring charges of a card follow its own gateway's "Permite Recorrência
Automática".

Credentials are sealed (KMS envelope, bound to the gateway's name) before
they are stored and are never returned. A change that leaves a setting out
keeps its current value (a new integration starts inactive, in the sandbox,
without automatic recurrence), except that a change of environment must send
the credentials again: the environment picks the host they go to, and kept
credentials would carry production keys to the sandbox or the other way
round. Nothing else a user sets moves them: the gateways' base URLs are the
public ones of the environment, replaced only by deployment settings (each
gateway's URL variables in ``registry``; the local stack's simulators).

Which gateways exist, their credential fields and the identifiers among them
shown to operators are ``registry``'s.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from chalicelib.billing.gateways import Gateway
from chalicelib.billing.gateways.registry import CIELO as CIELO
from chalicelib.billing.gateways.registry import ENVIRONMENTS as ENVIRONMENTS
from chalicelib.billing.gateways.registry import GETNET as GETNET
from chalicelib.billing.gateways.registry import PRODUCTION as PRODUCTION
from chalicelib.billing.gateways.registry import SANDBOX as SANDBOX
from chalicelib.billing.gateways.registry import registry
from chalicelib.clock import Clock
from chalicelib.errors import BusinessRuleError, NotFoundError, ValidationError
from chalicelib.sealing import Sealed, Sealer

# The registered gateways' names and credential fields as of import, for modules that read them once (the API's
# routes, infra's key policy). Code that must also see a gateway registered later (tests) asks ``registry``.
GATEWAYS: tuple[str, ...] = registry.names()
CREDENTIAL_FIELDS: Mapping[str, tuple[str, ...]] = {s.name: s.credential_fields for s in registry.specs()}


def environment_needs_credentials(gateway: str, current: str, wanted: str) -> str:
    fields = ", ".join(registry.get(gateway).credential_fields)
    return (f"Para trocar o ambiente da {registry.label(gateway)} de {current} para {wanted}, envie as "
            f"credenciais desse ambiente na mesma requisição ({fields}): as gravadas não são enviadas a outro "
            "ambiente. Nada foi alterado.")


def gateway_gone(gateway: str) -> str:
    """Why a card held by ``gateway`` is not charged anywhere."""
    return (f"Cartão cadastrado na {registry.label(gateway)}, que não está mais configurada; nada foi enviado. "
            "Cadastre um novo cartão do cliente.")


@dataclass(frozen=True)
class GatewayConfig:
    gateway: str
    active: bool
    environment: str
    allows_auto_recurrence: bool  # "Permite Recorrência Automática": the tick may charge on its own
    credentials: Sealed = field(repr=False)
    credential_hint: Mapping[str, str]  # identifiers shown to operators (never keys or secrets)
    updated_at: datetime
    updated_by: str = ""


@dataclass(frozen=True)
class GatewayChange:
    """A change of an integration's settings; None keeps the current value."""

    gateway: str
    active: bool | None = None
    environment: str | None = None
    allows_auto_recurrence: bool | None = None
    credentials: Mapping[str, str] | None = field(default=None, repr=False)  # opened: merchant keys, secrets


class GatewayConfigStore(Protocol):
    def all(self) -> list[GatewayConfig]: ...
    def save(self, config: GatewayConfig) -> None: ...
    def delete(self, gateway: str) -> bool: ...


_T = TypeVar("_T")
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
        order = registry.names()
        # A gateway no longer registered (its configuration outlived its code) goes last rather than failing.
        return sorted(self._store.all(), key=lambda c: order.index(c.gateway) if c.gateway in order else len(order))

    def configure(self, change: GatewayChange, user: str) -> GatewayConfig:
        spec = registry.get(change.gateway)
        current = self.config(change.gateway)
        if change.credentials is None and current is None:
            raise ValidationError([f"Informe as credenciais do gateway {change.gateway} "
                                   f"({', '.join(spec.credential_fields)})."])
        if change.credentials is None and current is not None and change.environment is not None \
                and change.environment != current.environment:
            raise ValidationError([environment_needs_credentials(change.gateway, current.environment,
                                                                 change.environment)])
        hint: Mapping[str, str]
        if change.credentials is not None:
            sealed = self._sealer.seal(_joined(change.credentials), {"gateway": change.gateway})
            hint = spec.hint(change.credentials)
        else:
            assert current is not None
            sealed, hint = current.credentials, current.credential_hint
        config = GatewayConfig(
            gateway=change.gateway, active=_kept(change.active, current.active if current else None, False),
            environment=_kept(change.environment, current.environment if current else None, SANDBOX),
            allows_auto_recurrence=_kept(change.allows_auto_recurrence,
                                         current.allows_auto_recurrence if current else None, False),
            credentials=sealed, credential_hint=hint, updated_at=self._clock(), updated_by=user)
        self._store.save(config)
        return config

    def remove(self, gateway: str) -> None:
        """Forget an integration and its credentials: its cards are no longer charged anywhere (the panels say
        so) until it is configured again with the same account."""
        spec = registry.get(gateway)
        if not self._store.delete(gateway):
            raise NotFoundError(f"A integração com a {spec.label} não está configurada.")

    def config(self, gateway: str) -> GatewayConfig | None:
        return next((c for c in self._store.all() if c.gateway == gateway), None)

    def active(self) -> tuple[GatewayConfig, Gateway]:
        """The active gateway's configuration and adapter (where new cards go); refuses when none is active."""
        config = next((c for c in self._store.all() if c.active), None)
        if config is None:
            raise BusinessRuleError(f"Nenhum gateway de cartão de crédito está ativo: configure {_any_gateway()} "
                                    "em configuracao/integracao/cartao_credito.")
        return config, self.adapter(config)

    def holding(self, gateway: str) -> tuple[GatewayConfig, Gateway]:
        """The configuration and adapter of the gateway that holds a card; refuses when it is gone."""
        config = self.config(gateway)
        if config is None:
            raise BusinessRuleError(gateway_gone(gateway))
        return config, self.adapter(config)

    def adapter(self, config: GatewayConfig) -> Gateway:
        key = (config.gateway, config.credentials.ciphertext)
        opened = self._opened.get(key)
        if opened is None:
            opened = self._opened[key] = _split(self._sealer.open(config.credentials, {"gateway": config.gateway}))
        return self._adapters(config.gateway, config.environment, opened)


def _kept(sent: _T | None, current: _T | None, new: _T) -> _T:
    """What a change sent; else the current value; else a new integration's default."""
    if sent is not None:
        return sent
    return current if current is not None else new


def _any_gateway() -> str:
    """The registered gateways as alternatives in a message: "a Cielo ou a GetNet"."""
    labels = [f"a {spec.label}" for spec in registry.specs()]
    return " ou ".join([", ".join(labels[:-1]), labels[-1]]) if len(labels) > 1 else "".join(labels)


def _joined(credentials: Mapping[str, str]) -> str:
    return json.dumps(dict(credentials), sort_keys=True)


def _split(text: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in json.loads(text).items()}
