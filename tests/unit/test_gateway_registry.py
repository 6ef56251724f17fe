"""The card gateway registry, and every place that reads it: the adapter factory, the settings service, the
deployment's URL variables, the ops CLI, the simulators of the local stack and the KMS key policy."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.billing.gateways import Gateway
from chalicelib.billing.gateways.factory import adapters
from chalicelib.billing.gateways.registry import (
    CIELO,
    GETNET,
    PRODUCTION,
    SANDBOX,
    GatewayConnection,
    GatewayRegistry,
    GatewaySpec,
    UnknownGateway,
    registry,
)
from chalicelib.billing.gateways.settings import (
    CREDENTIAL_FIELDS,
    GATEWAYS,
    GatewayChange,
    GatewaySettingsService,
    gateway_gone,
)
from chalicelib.config import load_settings
from chalicelib.errors import BusinessRuleError, NotFoundError
from chalicelib.sealing import Sealed
from infra.definition import KEYS
from ops.cli import build_parser
from sandbox.simulators import ALL, CARD_GATEWAYS
from tests.fakes import InMemoryGatewayConfigs
from tests.kms_policy import sealing_allowed

NOW = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)


def spec(name: str = "pagfake", **changes: Any) -> GatewaySpec:
    fields: dict[str, Any] = dict(
        name=name, label="PagFake", credential_fields=("api_key", "account_id"), shown_credentials=("account_id",),
        public_urls={SANDBOX: {f"{name.upper()}_API_URL": f"https://sandbox.{name}.example"},
                     PRODUCTION: {f"{name.upper()}_API_URL": f"https://api.{name}.example"}},
        adapter=Built)
    return GatewaySpec(**{**fields, **changes})


class Built:
    """An adapter that only keeps what it was built from."""

    name = "pagfake"

    def __init__(self, connection: GatewayConnection) -> None:
        self.connection = connection

    def tokenize(self, card: Any) -> str:
        raise NotImplementedError

    def charge(self, charge: Any) -> Any:
        raise NotImplementedError

    def find(self, order_id: str) -> Any:
        raise NotImplementedError

    def forget(self, card_token: str) -> None:
        raise NotImplementedError


# ------------------------------------------------------------------ the registry
def test_cielo_and_getnet_are_registered_and_the_old_names_follow_the_registry() -> None:
    assert registry.names() == GATEWAYS == (CIELO, GETNET)
    assert CREDENTIAL_FIELDS == {CIELO: ("merchant_id", "merchant_key"),
                                 GETNET: ("client_id", "client_secret", "seller_id")}
    assert registry.url_variables() == ("CIELO_API_URL", "CIELO_QUERY_URL", "GETNET_API_URL")
    assert registry.get(GETNET).hint({"client_id": "c", "client_secret": "s", "seller_id": "v"}) == {
        "client_id": "c", "seller_id": "v"}
    assert registry.get(CIELO).hint({"merchant_id": "m", "merchant_key": "k"}) == {"merchant_id": "m"}


@pytest.mark.parametrize("changes, problem", [
    ({"name": "Pag Fake"}, "lower-case"),
    ({"credential_fields": (), "shown_credentials": ()}, "no credential fields"),
    ({"shown_credentials": ("api_secret",)}, "not among"),
    ({"public_urls": {SANDBOX: {"PAGFAKE_API_URL": "https://s.example"}}}, "not for"),
    ({"public_urls": {SANDBOX: {"PAGFAKE_API_URL": "https://s.example"},
                      PRODUCTION: {"PAGFAKE_URL": "https://p.example"}}}, "different URL variables"),
    ({"public_urls": {SANDBOX: {"pagfake": "https://s.example"}, PRODUCTION: {"pagfake": "https://p.example"}}},
     "upper-case"),
])
def test_a_spec_that_other_places_could_not_use_is_refused(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        spec(**changes)


def test_a_name_or_url_variable_is_registered_once() -> None:
    gateways = GatewayRegistry(spec())
    with pytest.raises(ValueError, match="already registered"):
        gateways.register(spec())
    with pytest.raises(ValueError, match="belong to another gateway"):
        gateways.register(spec("outro", public_urls=spec().public_urls))
    assert gateways.names() == ("pagfake",)


def test_registered_undoes_the_registration_even_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError), registry.registered(spec()):
        assert registry.names() == (CIELO, GETNET, "pagfake")
        raise RuntimeError("the test failed")
    assert registry.names() == (CIELO, GETNET)


def test_an_unknown_gateway_is_not_found_naming_the_known_ones() -> None:
    with pytest.raises(UnknownGateway, match="Gateway pagfake não encontrado. Use: cielo, getnet.") as refused:
        registry.get("pagfake")
    assert isinstance(refused.value, NotFoundError)
    assert registry.label("pagfake") == "pagfake"  # an old card's gateway is still named in messages


# ------------------------------------------------------------------ the adapter factory
def test_the_factory_builds_a_registered_gateway_from_its_spec_with_only_its_own_overrides() -> None:
    with registry.registered(spec()):
        build = adapters({"PAGFAKE_API_URL": "http://127.0.0.1:9", "CIELO_API_URL": "http://127.0.0.1:8"}, 7.5)
        built = build("pagfake", PRODUCTION, {"api_key": "k", "account_id": "a"})
        assert isinstance(built, Built)
        assert built.connection == GatewayConnection(PRODUCTION, {"PAGFAKE_API_URL": "http://127.0.0.1:9"},
                                                     {"api_key": "k", "account_id": "a"}, 7.5)
        public = adapters({"PAGFAKE_API_URL": ""})("pagfake", SANDBOX, {})
        assert isinstance(public, Built) and public.connection.urls == {
            "PAGFAKE_API_URL": "https://sandbox.pagfake.example"}
        assert public.connection.sandbox
    with pytest.raises(UnknownGateway):  # no default adapter: an unknown gateway is never sent to another
        adapters({})("pagfake", SANDBOX, {})


def test_the_factory_builds_cielo_and_getnet() -> None:
    build = adapters({"GETNET_API_URL": "http://127.0.0.1:9"})
    cielo = build(CIELO, SANDBOX, {"merchant_id": "m", "merchant_key": "k"})
    getnet = build(GETNET, PRODUCTION, {"client_id": "c", "client_secret": "s", "seller_id": "v"})
    assert (type(cielo).__name__, cielo.name, type(getnet).__name__, getnet.name) == (
        "CieloGateway", CIELO, "GetNetGateway", GETNET)
    assert vars(cielo)["_api"] == "https://apisandbox.cieloecommerce.cielo.com.br"
    assert vars(getnet)["_api"] == "http://127.0.0.1:9"


def test_reading_the_registry_costs_no_http_client_at_import() -> None:
    """The adapters import requests; the modules a cold start loads to read settings and gateways do not."""
    code = ("import sys, chalicelib.config, chalicelib.billing.gateways.factory, chalicelib.billing.gateways.settings;"
            "sys.exit('requests' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ------------------------------------------------------------------ the settings service
class Sealer:
    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        return Sealed(plaintext, "", "")

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        return sealed.ciphertext


def service(configs: InMemoryGatewayConfigs) -> GatewaySettingsService:
    def built(gateway: str, environment: str, credentials: Mapping[str, str]) -> Gateway:
        return adapters({})(gateway, environment, credentials)

    return GatewaySettingsService(configs, Sealer(), lambda: NOW, built)


def test_the_settings_service_takes_what_the_registry_lists() -> None:
    configs = InMemoryGatewayConfigs()
    settings = service(configs)
    with pytest.raises(NotFoundError, match="Use: cielo, getnet"):
        settings.configure(GatewayChange("pagfake", credentials={"api_key": "k", "account_id": "a"}), "ana")
    with registry.registered(spec()):
        config = settings.configure(GatewayChange("pagfake", active=True, credentials={
            "api_key": "k", "account_id": "a"}), "ana")
        assert (config.credential_hint, config.environment) == ({"account_id": "a"}, SANDBOX)
        settings.configure(GatewayChange(CIELO, credentials={"merchant_id": "m", "merchant_key": "k"}), "ana")
        assert [c.gateway for c in settings.list()] == [CIELO, "pagfake"]  # the registry's order
        _, adapter = settings.active()
        assert isinstance(adapter, Built) and adapter.connection.credentials == {"api_key": "k", "account_id": "a"}
        settings.remove("pagfake")
        with pytest.raises(BusinessRuleError, match="configure a Cielo, a GetNet ou a PagFake em"):
            settings.active()
    with pytest.raises(BusinessRuleError, match="configure a Cielo ou a GetNet em"):
        settings.active()


def test_a_configuration_left_by_a_gateway_no_longer_registered_is_listed_last() -> None:
    configs = InMemoryGatewayConfigs()
    settings = service(configs)
    with registry.registered(spec()):
        settings.configure(GatewayChange("pagfake", credentials={"api_key": "k", "account_id": "a"}), "ana")
    settings.configure(GatewayChange(GETNET, credentials={"client_id": "c", "client_secret": "s",
                                                          "seller_id": "v"}), "ana")
    assert [c.gateway for c in settings.list()] == [GETNET, "pagfake"]
    assert "Cartão cadastrado na pagfake, que não está mais configurada" in gateway_gone("pagfake")


# ------------------------------------------------------------------ config, ops, sandbox, infra
def test_the_deployment_settings_read_every_registered_gateways_url_variables() -> None:
    environ = {"AWS_REGION": "sa-east-1", "PAGFAKE_API_URL": "http://127.0.0.1:9", "GETNET_API_URL": "http://g"}
    assert load_settings(environ).gateway_urls == (("GETNET_API_URL", "http://g"),)
    with registry.registered(spec()):
        assert load_settings(environ).gateway_urls == (("GETNET_API_URL", "http://g"),
                                                       ("PAGFAKE_API_URL", "http://127.0.0.1:9"))


def test_ops_offers_the_registered_gateways_with_their_fields(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["set-gateway", "--gateway", "pagfake", "--secret-id", "segredo"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(arguments)
    with registry.registered(spec()):
        assert build_parser().parse_args(arguments).gateway == "pagfake"
        with pytest.raises(SystemExit):
            build_parser().parse_args(["set-gateway", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "Cielo {merchant_id, merchant_key}; GetNet {client_id, client_secret, seller_id}; " \
           "PagFake {api_key, account_id}" in shown
    assert "{cielo,getnet,pagfake}" in shown


def test_every_gateway_has_a_simulator_answering_at_its_url_variables() -> None:
    assert tuple(CARD_GATEWAYS) == registry.names()
    for name, simulator in CARD_GATEWAYS.items():
        assert (simulator.name, simulator.env_urls) == (name, registry.get(name).url_variables)
        assert simulator in ALL


def test_the_key_policy_admits_the_credentials_of_every_registered_gateway_and_no_other() -> None:
    [key] = KEYS
    assert sealing_allowed(key, "kms:GenerateDataKey", {"gateway": CIELO})
    assert not sealing_allowed(key, "kms:GenerateDataKey", {"gateway": "pagfake"})
    with registry.registered(spec()):
        assert sealing_allowed(key, "kms:GenerateDataKey", {"gateway": "pagfake"})
    assert not sealing_allowed(key, "kms:Decrypt", {"gateway": "pagfake"})
