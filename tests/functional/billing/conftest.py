"""Fixtures of the billing tests: the app on in-process moto with the card gateways' URLs pointing at the
Cielo and GetNet simulators, an admin with two customers, and a check after every test that no test card
number reached a log line or a stored item."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.container import Container, build_container, use_container
from chalicelib.storage.models import CardItem, CustomerTableItem
from infra.definition import create_resources
from sandbox.aws import serialize_dynamodb_requests
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from tests.aws import TEST_SETTINGS
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics
from tests.functional.billing.support import ADDRESS, CVV, stored_text
from tests.functional.conftest import ADMIN, CLIENT, Http
from tests.support.http import BASE, ok

# Every card number the billing tests send starts with one of these (support.VISA..., luhn_number("4551", n)).
CARD_NUMBER = re.compile(r"(?<!\d)(?:4024|5155|6362|4551|4012|9999)\d{9,15}(?!\d)")
GATEWAY_TIMEOUT = 0.5  # seconds: the simulators answer in milliseconds; "slow" faults outlast this


@pytest.fixture
def simulators(clock: MutableClock) -> Iterator[tuple[CieloSimulator, GetNetSimulator]]:
    """The gateways, on the tests' clock (reconciliation compares the time of a sale with the attempt's)."""
    cielo, getnet = CieloSimulator(clock=clock).start(), GetNetSimulator(clock=clock).start()
    yield cielo, getnet
    cielo.stop()
    getnet.stop()


@pytest.fixture
def metrics() -> CountingMetrics:
    return CountingMetrics()


@pytest.fixture
def stack(clock: MutableClock, simulators: tuple[CieloSimulator, GetNetSimulator],
          metrics: CountingMetrics) -> Iterator[Container]:
    """The conftest stack, with the card gateways' URLs pointing at the simulators."""
    cielo, getnet = simulators
    serialize_dynamodb_requests()  # these tests race consumers: give in-process moto DynamoDB's isolation
    settings = replace(TEST_SETTINGS, gateway_urls=(("CIELO_API_URL", cielo.url), ("CIELO_QUERY_URL", cielo.url),
                                                    ("GETNET_API_URL", getnet.url)),
                       gateway_read_timeout=GATEWAY_TIMEOUT)
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        container = build_container(settings, clock=clock, metrics=metrics)
        with use_container(container):
            container.auth.ensure_admin(*ADMIN)
            container.auth.ensure_client(CLIENT[0], CLIENT[1], "Integração de teste")
            yield container


@pytest.fixture
def admin(stack: Container) -> Iterator[Http]:
    from app import app

    with Client(app, stage_name="dev") as client:
        http = Http(client)
        answers: list[str] = []
        plain_request = http.request

        def request(*args: Any, **kwargs: Any) -> Any:
            response = plain_request(*args, **kwargs)
            answers.append(response.body.decode() if isinstance(response.body, bytes) else str(response.body))
            return response

        http.request = request  # type: ignore[method-assign]
        http.login()
        for document in ("52998224725", "11144477735"):
            ok(http.request("POST", f"{BASE}/cliente", {
                "nome_razaosocial": f"Cliente {document[:3]}", "cpf_cnpj": document,
                "telefone_primario": "11987654321",
                "servicos": [{"nome": "Fibra", "valor": "99.90", "endereco_instalacao": ADDRESS}]}))
        yield http
        # no answer of the test carried a card number
        assert not [a for a in answers if CARD_NUMBER.search(a) or f'"{CVV}"' in a]


@pytest.fixture(autouse=True)
def no_card_number_leaks(caplog: pytest.LogCaptureFixture, stack: Container) -> Iterator[None]:
    """After every test here: no test card number or CVV in any log line or stored item."""
    caplog.set_level(logging.DEBUG)
    yield
    assert not CARD_NUMBER.search(caplog.text)
    assert not CARD_NUMBER.search(stored_text())
    # As a whole value: the digits alone may occur inside a gateway's random ids (the issuer's transaction id).
    assert all(CVV not in {str(v) for v in i.attribute_values.values()}
               for i in CustomerTableItem.scan() if isinstance(i, CardItem))
    assert f'"{CVV}"' not in caplog.text  # as a JSON value: the bare digits may occur in random request ids


