"""Order ids never collide across installations of the same merchant: two
installations (here: the tables created again, as a second stage or a
re-created table would be) charge through the same Cielo account, with the
same invoice and attempt numbers; neither takes the other's sale for its own,
and a sale of another amount or time under our own order id is not ours
either."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta

import boto3
import pytest
from moto import mock_aws

from chalicelib.billing.cards.service import NewCard
from chalicelib.billing.gateways.settings import GatewayChange
from chalicelib.billing.invoices.service import NewInvoice
from chalicelib.config import DEFAULT_NOT_FOUND_AFTER_MINUTES
from chalicelib.container import Container, build_container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.storage.models import InstallationItem
from infra.definition import create_resources
from sandbox.simulators.cielo import CieloSimulator
from tests.aws import TEST_SETTINGS
from tests.conftest import MutableClock
from tests.integration.test_simulators import luhn_number


@pytest.fixture
def cielo(clock: MutableClock) -> Iterator[CieloSimulator]:
    simulator = CieloSimulator(clock=clock).start()
    yield simulator
    simulator.stop()


@contextmanager
def installation(cielo: CieloSimulator, clock: MutableClock) -> Iterator[tuple[Container, int]]:
    """A fresh installation (its own tables) charging at ``cielo``: its container and one invoice (id 1) of a
    customer with an approving card."""
    settings = replace(TEST_SETTINGS, gateway_urls=(("CIELO_API_URL", cielo.url), ("CIELO_QUERY_URL", cielo.url)),
                       gateway_read_timeout=0.5)
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        stack = build_container(settings, clock=clock)
        stack.gateway_settings.configure(GatewayChange("cielo", True, "sandbox", True, {
            "merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID,
            "merchant_key": CieloSimulator.DEFAULT_MERCHANT_KEY}), "teste")
        customer = stack.customers.register(NewCustomer(
            name="Cliente", document="52998224725", phone="11987654321", email="",
            services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
        stack.cards.add(customer.id, NewCard(luhn_number("4551", 0), "MARIA", 12, 2031))
        invoice = stack.invoices.create(NewInvoice(customer.services[0].id, 9990, date(2026, 12, 10)))
        yield stack, invoice.id


def test_a_sale_of_another_installation_is_never_taken_for_ours(cielo: CieloSimulator,
                                                                clock: MutableClock) -> None:
    with installation(cielo, clock) as (first, invoice_id):
        attempt, paid = first.charges.charge(invoice_id, None, recurring=False)
        assert (attempt.status, paid.status) == ("aprovado", "paga")
        first_prefix = InstallationItem.get("INSTALACAO", "ID").order_prefix
    with installation(cielo, clock) as (second, same_id):
        assert same_id == invoice_id  # the same invoice and attempt numbers, at the same merchant
        cielo.inject("POST /1/sales", "error_5xx")  # its sale never reaches Cielo
        lost, _ = second.charges.charge(same_id, None, recurring=False)
        assert lost.status == "processando" and not lost.order_id.startswith(first_prefix)
        assert lost.order_id.endswith(attempt.order_id[len(first_prefix):])  # only the prefix tells them apart
        clock.advance(minutes=DEFAULT_NOT_FOUND_AFTER_MINUTES)
        retried, after = second.charges.charge(same_id, None, recurring=False)
        # the first installation's approved sale was not taken for this one's: not received, charged anew
        assert [a.status for a in second.charges.attempts(same_id)] == ["erro", "aprovado"]
        assert (retried.number, after.status) == (2, "paga")
    sales = [r.json()["MerchantOrderId"] for r in cielo.requests if r.method == "POST"
             and r.path.rstrip("/") == "/1/sales"]
    assert len(sales) == 3 and len(set(sales)) == 3


@pytest.mark.parametrize("amount, earlier", [(4990, timedelta(days=40)), (9990, timedelta(hours=5))],
                         ids=["outro-valor", "outra-hora"])
def test_a_sale_under_our_order_id_of_another_amount_or_time_is_not_ours(
        cielo: CieloSimulator, clock: MutableClock, amount: int, earlier: timedelta) -> None:
    with installation(cielo, clock) as (stack, invoice_id):
        order = stack.charges.order_id(invoice_id, 1)
        clock.advance(seconds=-earlier.total_seconds())
        cielo_sale(cielo, order, amount)  # somebody's approved sale under this order id, before ours
        clock.advance(seconds=earlier.total_seconds())
        cielo.inject("POST /1/sales", "error_5xx")
        lost, _ = stack.charges.charge(invoice_id, None, recurring=False)
        assert lost.order_id == order and lost.status == "processando"
        clock.advance(minutes=DEFAULT_NOT_FOUND_AFTER_MINUTES)
        attempt, after = stack.charges.charge(invoice_id, None, recurring=False)
        assert [a.status for a in stack.charges.attempts(invoice_id)] == ["erro", "aprovado"]
        assert (after.status, attempt.number) == ("paga", 2)


def cielo_sale(cielo: CieloSimulator, order_id: str, amount: int) -> None:
    """A sale made at ``cielo`` under ``order_id`` by someone else (a raw card, approved)."""
    import requests

    body = {"MerchantOrderId": order_id, "Customer": {"Name": "Outro"}, "Payment": {
        "Type": "CreditCard", "Amount": amount, "Installments": 1, "Capture": True,
        "CreditCard": {"CardNumber": luhn_number("4551", 0), "Holder": "OUTRO", "ExpirationDate": "12/2031",
                       "Brand": "Visa"}}}
    headers = {"MerchantId": CieloSimulator.DEFAULT_MERCHANT_ID, "MerchantKey": CieloSimulator.DEFAULT_MERCHANT_KEY}
    assert requests.post(f"{cielo.url}/1/sales/", json=body, headers=headers, timeout=5).status_code == 201
