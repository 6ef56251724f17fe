"""No repr of an object holding a card number, a CVV, a gateway credential or a secret shows it: a repr ends up
in log lines, tracebacks and debugger output."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from chalicelib.auth.model import NewUser, OAuthClient, Principal, StoredToken, TokenGrant, User
from chalicelib.auth.service import TokenRequest
from chalicelib.billing.cards.service import Card, NewCard
from chalicelib.billing.gateways import CardToTokenize, Charge
from chalicelib.billing.gateways.settings import GatewayChange, GatewayConfig
from chalicelib.notify.channels import Account, ChannelConfig
from chalicelib.notify.zapme import ZapMeClient
from chalicelib.sealing import Sealed
from chalicelib.web.endpoint import ApiRequest

PAN = "4024007197692931"
CVV = "987"
SEALED = Sealed("CIPHERTEXT-NAO-MOSTRAR", "NONCE-NAO-MOSTRAR", "DATAKEY-NAO-MOSTRAR")
AT = datetime(2026, 12, 10, 13, tzinfo=UTC)


def holders() -> list[tuple[object, tuple[str, ...]]]:
    """Each object with the values its repr must not contain."""
    return [
        (CardToTokenize(number=PAN, holder="MARIA", expiry_month=12, expiry_year=2031, brand="Visa",
                        customer_name="Maria", customer_ref="1", security_code=CVV), (PAN, CVV)),
        (NewCard(number=PAN, holder="MARIA", expiry_month=12, expiry_year=2031, security_code=CVV), (PAN, CVV)),
        (Charge(order_id="F1T1", amount_cents=100, card_token="TOKEN-NAO-MOSTRAR", brand="Visa",
                customer_name="Maria", recurring=True), ("TOKEN-NAO-MOSTRAR",)),
        (Card(id=1, customer_id=1, brand="Visa", last_digits="2931", holder="MARIA", expiry_month=12,
              expiry_year=2031, gateway="cielo", created_at=AT, token=SEALED), ("CIPHERTEXT", "DATAKEY")),
        (ChannelConfig(True, "api", SEALED, "https://api.zapme.com.br", AT), ("CIPHERTEXT", "DATAKEY")),
        (Account("https://api.zapme.com.br", "api", "SEGREDO-NAO-MOSTRAR"), ("SEGREDO-NAO-MOSTRAR",)),
        (GatewayConfig("cielo", True, "sandbox", False, SEALED, {"merchant_id": "mid"}, AT),
         ("CIPHERTEXT", "DATAKEY")),
        (GatewayChange("cielo", credentials={"merchant_id": "mid", "merchant_key": "CHAVE-NAO-MOSTRAR"}),
         ("CHAVE-NAO-MOSTRAR",)),
        (GatewayChange("getnet", environment="producao",
                       credentials={"client_id": "c", "client_secret": "SEGREDO-NAO-MOSTRAR", "seller_id": "s"}),
         ("SEGREDO-NAO-MOSTRAR",)),
        (ApiRequest({"numero": PAN, "cvv": CVV, "secret": "SEGREDO-NAO-MOSTRAR", "password": "SENHA-NAO-MOSTRAR"},
                    cast(Any, None), None, "cid", {"authorization": "Bearer TOKEN-NAO-MOSTRAR"}, "127.0.0.1"),
         (PAN, CVV, "SEGREDO-NAO-MOSTRAR", "SENHA-NAO-MOSTRAR", "TOKEN-NAO-MOSTRAR")),
        (ZapMeClient("https://api.zapme.com.br", "api", "SEGREDO-NAO-MOSTRAR"), ("SEGREDO-NAO-MOSTRAR",)),
        (TokenRequest("password", "1", "SEGREDO-NAO-MOSTRAR", username="ana", password="SENHA-NAO-MOSTRAR",
                      refresh_token="REFRESH-NAO-MOSTRAR"),
         ("SEGREDO-NAO-MOSTRAR", "SENHA-NAO-MOSTRAR", "REFRESH-NAO-MOSTRAR")),
        (NewUser("ana", "SENHA-NAO-MOSTRAR", "Ana", ()), ("SENHA-NAO-MOSTRAR",)),
        (TokenGrant("ACESSO-NAO-MOSTRAR", "REFRESH-NAO-MOSTRAR", 3600), ("ACESSO-NAO-MOSTRAR", "REFRESH-NAO-MOSTRAR")),
        (User(1, "ana", "Ana", "$argon2id$HASH-NAO-MOSTRAR", ()), ("HASH-NAO-MOSTRAR",)),
        (OAuthClient("1", "Bot", "$argon2id$HASH-NAO-MOSTRAR"), ("HASH-NAO-MOSTRAR",)),
        (StoredToken("HASH-NAO-MOSTRAR", "refresh", "ana", "1", AT, 0, "PAR-NAO-MOSTRAR"),
         ("HASH-NAO-MOSTRAR", "PAR-NAO-MOSTRAR")),
        (Principal(1, "ana", token_hash="HASH-NAO-MOSTRAR"), ("HASH-NAO-MOSTRAR",)),
    ]


@pytest.mark.parametrize("holder, hidden", holders(), ids=lambda value: type(value).__name__)
def test_repr_and_str_never_show_the_value(holder: object, hidden: tuple[str, ...]) -> None:
    for text in (repr(holder), str(holder), f"{holder!r}", repr([holder]), repr({"x": holder})):
        for value in hidden:
            assert value not in text, f"{type(holder).__name__} shows {value}"


def test_what_identifies_the_object_is_still_shown() -> None:
    assert "holder='MARIA'" in repr(NewCard(number=PAN, holder="MARIA", expiry_month=12, expiry_year=2031))
    assert "gateway='cielo'" in repr(GatewayChange("cielo", credentials={"merchant_key": "x"}))
    assert "correlation_id='cid'" in repr(ApiRequest({}, cast(Any, None), None, "cid"))
