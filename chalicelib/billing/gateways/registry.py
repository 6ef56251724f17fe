"""The card gateways we charge through: one ``GatewaySpec`` each, in ``registry``, which every place that names
a gateway reads.

How to add a gateway
====================

Write four things; nothing else names gateways.

1. **The adapter**, ``chalicelib/billing/gateways/<name>.py``: a class with the ``Gateway`` port
   (``billing.gateways``): ``tokenize`` (the issuer validates the card, then the gateway stores it), ``charge``,
   ``find`` (every sale under our order id, for reconciliation) and ``forget``. It never raises for what the
   network does: a timeout or a 5xx is an unknown outcome, settled by ``find``. It reads its gateway's answers into
   a ``Classification`` itself (the answer's shape is the gateway's own); what an issuer's code means, whichever
   gateway carried it, is ``billing.charging.declines.issuer_decline``. Nothing in it logs a request or answer
   body, and card numbers go to the tokenization call only.
2. **The simulator**, ``sandbox/simulators/<name>.py``: a ``sandbox.simulators.base.Simulator`` answering the
   gateway's published sandbox contract, its ``env_urls`` read from its spec (``registry.get(NAME).url_variables``)
   and listed under the gateway's name in ``sandbox.simulators.CARD_GATEWAYS``: the local stack starts it and
   points the gateway's URL variables at it. (``chalicelib`` never imports ``sandbox``: the table is there.)
3. **One registry entry** below: a ``GatewaySpec`` with

   - ``name``: lower-case letters and digits; the API's path parameter
     (``configuracao/integracao/cartao_credito/{gateway}``), stored with every card and attempt, and the
     encryption context its credentials are sealed under (so never renamed once in use);
   - ``label``: how messages name it ("Cielo");
   - ``credential_fields``: what ``credenciais`` must hold, and ``shown_credentials``, those of them that only
     identify the account (shown to operators as they are; never a key or secret);
   - ``public_urls``: per environment (``sandbox``, ``producao``), the base URLs the adapter calls, each under
     the name of the deployment variable that replaces it (the local stack's simulators, tests);
   - ``adapter``: builds the adapter from a ``GatewayConnection``, importing its module inside the function:
     the adapters import ``requests``, which an adapter is not worth at cold start.

   Then, with no other edit: the settings service accepts the gateway and keeps its credentials' identifiers
   (``billing.gateways.settings``), the adapter factory builds it (``billing.gateways.factory``), the
   deployment's URL variables are read (``config``), ``python -m ops set-gateway`` offers it with its fields,
   the KMS key policy admits its sealing context (``infra.definition``, on the next deploy), and the API's
   ``gateway`` parameter and its enum list it (``registry.names()``).
4. **Tests**: the adapter against its simulator over loopback (``tests/integration/test_<name>_gateway.py``,
   as ``test_cielo_gateway.py``): tokenization, the stored-credential chain on the wire, every outcome class,
   refusals, and unknown outcomes reconciled by ``find``. ``tests/unit/test_gateway_registry.py`` checks that
   each gateway has a simulator; ``tests/integration/test_gateway_registry.py`` charges through a gateway
   registered only here, end to end.

Tests register a gateway of their own with ``registry.registered(spec)``, which removes it again on exit.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.errors import NotFoundError

if TYPE_CHECKING:
    from chalicelib.billing.gateways import Gateway

SANDBOX = "sandbox"
PRODUCTION = "producao"
ENVIRONMENTS = (SANDBOX, PRODUCTION)
CIELO = "cielo"
GETNET = "getnet"

_NAME = re.compile(r"[a-z][a-z0-9]*")
_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class GatewayConnection:
    """What an adapter is built from: a configured integration's environment and opened credentials, and the base
    URLs it calls (the environment's public ones unless the deployment replaces them)."""

    environment: str
    urls: Mapping[str, str]
    credentials: Mapping[str, str] = field(repr=False)  # opened: merchant keys, secrets
    read_timeout: float  # seconds; past it an answer is unknown and reconciled

    @property
    def sandbox(self) -> bool:
        return self.environment == SANDBOX


@dataclass(frozen=True)
class GatewaySpec:
    """Everything outside its adapter that depends on which gateway it is."""

    name: str
    label: str
    credential_fields: tuple[str, ...]
    shown_credentials: tuple[str, ...]  # identifiers among them, shown unmasked; never a key or secret
    public_urls: Mapping[str, Mapping[str, str]]  # environment -> URL variable -> base URL
    adapter: Callable[[GatewayConnection], Gateway] = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not _NAME.fullmatch(self.name):
            problems.append(f"name {self.name!r} is not lower-case letters and digits")
        if not self.credential_fields:
            problems.append("no credential fields")
        if not set(self.shown_credentials) <= set(self.credential_fields):
            problems.append(f"shown credentials {self.shown_credentials} are not among {self.credential_fields}")
        if set(self.public_urls) != set(ENVIRONMENTS):
            problems.append(f"public URLs for {sorted(self.public_urls)}, not for {list(ENVIRONMENTS)}")
        elif len({tuple(urls) for urls in self.public_urls.values()}) != 1:
            problems.append("the environments name different URL variables")
        elif not self.url_variables or not all(_VARIABLE.fullmatch(v) for v in self.url_variables):
            problems.append(f"URL variables {self.url_variables} are not upper-case environment variable names")
        if problems:
            raise ValueError(f"gateway {self.name!r}: {'; '.join(problems)}")

    @property
    def url_variables(self) -> tuple[str, ...]:
        """The deployment variables that replace the public URLs."""
        return tuple(self.public_urls[SANDBOX])

    def urls(self, environment: str, overrides: Mapping[str, str]) -> dict[str, str]:
        """The environment's public base URLs, each replaced by the deployment's value when it sets one."""
        return {name: overrides.get(name) or url for name, url in self.public_urls[environment].items()}

    def hint(self, credentials: Mapping[str, str]) -> dict[str, str]:
        """What identifies the account without letting anyone use it."""
        return {name: credentials[name] for name in self.shown_credentials if name in credentials}


class UnknownGateway(NotFoundError):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"Gateway {name} não encontrado. Use: {', '.join(known)}.")
        self.name = name


class GatewayRegistry:
    """The gateways by name, in the order panels and help texts list them."""

    def __init__(self, *specs: GatewaySpec) -> None:
        self._specs: dict[str, GatewaySpec] = {}
        self._lock = threading.Lock()
        for spec in specs:
            self.register(spec)

    def get(self, name: str) -> GatewaySpec:
        spec = self._specs.get(name)
        if spec is None:
            raise UnknownGateway(name, self.names())
        return spec

    def names(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def specs(self) -> tuple[GatewaySpec, ...]:
        return tuple(self._specs.values())

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def label(self, name: str) -> str:
        """How messages name ``name``; the name itself for a gateway no longer registered (an old card's)."""
        spec = self._specs.get(name)
        return spec.label if spec else name

    def url_variables(self) -> tuple[str, ...]:
        """Every deployment variable that replaces a gateway's public URL."""
        return tuple(v for spec in self._specs.values() for v in spec.url_variables)

    def register(self, spec: GatewaySpec) -> None:
        with self._lock:
            if spec.name in self._specs:
                raise ValueError(f"gateway {spec.name!r} is already registered")
            taken = set(self.url_variables()) & set(spec.url_variables)
            if taken:
                raise ValueError(f"gateway {spec.name!r}: URL variables {sorted(taken)} belong to another gateway")
            # Replaced, never changed in place: a reader iterating the old dict is not disturbed.
            self._specs = {**self._specs, spec.name: spec}

    def unregister(self, name: str) -> None:
        with self._lock:
            self._specs = {n: s for n, s in self._specs.items() if n != name}

    @contextmanager
    def registered(self, spec: GatewaySpec) -> Iterator[GatewaySpec]:
        """``spec`` registered for the duration of the block (tests)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)


def _cielo(connection: GatewayConnection) -> Gateway:
    from chalicelib.billing.gateways.cielo import CieloGateway

    urls, credentials = connection.urls, connection.credentials
    return CieloGateway(urls["CIELO_API_URL"], urls["CIELO_QUERY_URL"], credentials["merchant_id"],
                        credentials["merchant_key"], sandbox=connection.sandbox, read_timeout=connection.read_timeout)


def _getnet(connection: GatewayConnection) -> Gateway:
    from chalicelib.billing.gateways.getnet import GetNetGateway

    urls, credentials = connection.urls, connection.credentials
    return GetNetGateway(urls["GETNET_API_URL"], credentials["client_id"], credentials["client_secret"],
                         credentials["seller_id"], read_timeout=connection.read_timeout)


registry = GatewayRegistry(
    # Cielo API 3.0 ("API E-commerce" manual): transactions and queries on separate hosts.
    GatewaySpec(
        name=CIELO, label="Cielo",
        credential_fields=("merchant_id", "merchant_key"), shown_credentials=("merchant_id",),
        public_urls={
            SANDBOX: {"CIELO_API_URL": "https://apisandbox.cieloecommerce.cielo.com.br",
                      "CIELO_QUERY_URL": "https://apiquerysandbox.cieloecommerce.cielo.com.br"},
            PRODUCTION: {"CIELO_API_URL": "https://api.cieloecommerce.cielo.com.br",
                         "CIELO_QUERY_URL": "https://apiquery.cieloecommerce.cielo.com.br"},
        },
        adapter=_cielo),
    # GetNet "API Digital" v1.
    GatewaySpec(
        name=GETNET, label="GetNet",
        credential_fields=("client_id", "client_secret", "seller_id"), shown_credentials=("client_id", "seller_id"),
        public_urls={
            SANDBOX: {"GETNET_API_URL": "https://api-sandbox.getnet.com.br"},
            PRODUCTION: {"GETNET_API_URL": "https://api.getnet.com.br"},
        },
        adapter=_getnet),
)
