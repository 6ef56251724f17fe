"""Helpers of the billing tests (see conftest for the fixtures)."""
from __future__ import annotations

from typing import Any

from chalicelib.storage.models import CustomerTableItem, SettingsItem
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from tests.functional.conftest import Http
from tests.support.http import BASE, ok

GATEWAYS = f"{BASE}/configuracao/integracao/cartao_credito"
VISA = "4024007197692931"  # Luhn-valid test numbers; never real cards
MASTER = "5155901222280001"
ELO = "6362970000457021"
CVV = "907"  # every test card's security code: checked, then dropped
CIELO_KEY = "SIMULADOCIELOSANDBOXMERCHANTKEY000000000"
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}


def cielo_on(http: Http, **changes: Any) -> dict[str, Any]:
    return ok(http.request("PUT", f"{GATEWAYS}/cielo", {
        "ativo": True, "ambiente": "sandbox", "permite_recorrencia_automatica": True,
        "credenciais": {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": CIELO_KEY},
        **changes}))


def getnet_on(http: Http) -> dict[str, Any]:
    return ok(http.request("PUT", f"{GATEWAYS}/getnet", {"ativo": "true", "credenciais": {
        "client_id": GetNetSimulator.DEFAULT_CLIENT_ID, "client_secret": GetNetSimulator.DEFAULT_CLIENT_SECRET,
        "seller_id": GetNetSimulator.DEFAULT_SELLER_ID}}))


def card_body(number: str = VISA, **changes: Any) -> dict[str, Any]:
    return {"numero": number, "nome_titular": "Maria da Silva", "mes_validade": 12, "ano_validade": 2031,
            "cvv": CVV, **changes}


def stored_text() -> str:
    """Every stored customer and settings item, as text (tests only: scans)."""
    return repr([i.attribute_values for i in CustomerTableItem.scan()] +
                [i.attribute_values for i in SettingsItem.scan()])


