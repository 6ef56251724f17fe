"""Racing charges of one invoice (threads against moto's server and the Cielo
simulator): one attempt reaches the gateway, the invoice is paid once."""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from functools import partial

import boto3
import pytest
import requests

from chalicelib.billing.cards.service import NewCard
from chalicelib.billing.gateways.settings import GatewayChange
from chalicelib.billing.invoices.service import NewInvoice
from chalicelib.config import Settings
from chalicelib.container import Container, build_container
from chalicelib.customers.model import Address, NewCustomer, NewService
from chalicelib.errors import DomainError
from infra.definition import create_resources
from sandbox.simulators.cielo import CieloSimulator
from tests.aws import TEST_SETTINGS
from tests.conftest import MutableClock
from tests.integration.test_races import RACERS, race
from tests.integration.test_simulators import luhn_number


@pytest.fixture
def cielo() -> Iterator[CieloSimulator]:
    simulator = CieloSimulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture
def billing_stack(moto_endpoint: str, clock: MutableClock, cielo: CieloSimulator) -> Container:
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    settings: Settings = replace(TEST_SETTINGS, endpoint_url=moto_endpoint,
                                 gateway_urls=(("CIELO_API_URL", cielo.url), ("CIELO_QUERY_URL", cielo.url)))
    create_resources(boto3.session.Session(region_name=settings.region), moto_endpoint)
    return build_container(settings, clock=clock)


def test_racing_charges_of_one_invoice_reach_the_gateway_once(billing_stack: Container,
                                                               cielo: CieloSimulator) -> None:
    stack = billing_stack
    customer = stack.customers.register(NewCustomer(
        name="Cliente Cartão", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    stack.gateway_settings.configure(GatewayChange("cielo", True, "sandbox", True, {
        "merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": CieloSimulator.DEFAULT_MERCHANT_KEY}),
        "teste")
    stack.cards.add(customer.id, NewCard(luhn_number("4551", 0), "MARIA", 12, 2031))
    invoice = stack.invoices.create(NewInvoice(customer.services[0].id, 9990, date(2026, 12, 10)))

    wins, losses = race(lambda i: stack.charges.charge(invoice.id, None, recurring=False))

    approved = [attempt for attempt, _ in wins if attempt.status == "aprovado"]
    assert len(approved) == 1, wins
    assert len(wins) + len(losses) == RACERS and all(isinstance(e, DomainError) for e in losses), losses
    sales = [r for r in cielo.requests if r.method == "POST" and r.path.rstrip("/") == "/1/sales"]
    assert len(sales) == 1
    final = stack.invoices.get(invoice.id)
    assert (final.status, final.card_attempts, final.charging) == ("paga", 1, None)
    assert [a.status for a in stack.charges.attempts(invoice.id)] == ["aprovado"]


def test_racing_ticks_and_consumers_charge_each_due_invoice_once(billing_stack: Container, cielo: CieloSimulator,
                                                                 moto_endpoint: str) -> None:
    """Ticks of the same hour racing, then every delivery of every message handled by racing consumers."""
    from datetime import UTC, datetime

    from chalicelib.queues import CHARGES, decode, queue_name

    stack = billing_stack
    stack.gateway_settings.configure(GatewayChange("cielo", True, "sandbox", True, {
        "merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": CieloSimulator.DEFAULT_MERCHANT_KEY}),
        "teste")
    invoices = []
    for n, document in enumerate(("52998224725", "11144477735", "39053344705")):
        customer = stack.customers.register(NewCustomer(
            name=f"Cliente {n}", document=document, phone="11987654321", email="",
            services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
        stack.cards.add(customer.id, NewCard(luhn_number("4551", 0), "MARIA", 12, 2031))
        stack.recurring.choose(customer.services[0].id, True, None)
        invoices.append(stack.invoices.create(NewInvoice(customer.services[0].id, 9990, date(2026, 12, 10))))
    at = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    reports, failures = race(lambda i: stack.recurring_charges.enqueue_due(at))
    assert not failures and sum(int(r["enfileiradas"]) for r in reports) == len(invoices)

    sqs = boto3.client("sqs", region_name=stack.settings.region, endpoint_url=moto_endpoint)
    url = sqs.get_queue_url(QueueName=queue_name(CHARGES))["QueueUrl"]
    bodies = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [m["Body"] for m in got]
    messages = [decode(body) for body in bodies]
    assert sorted(int(m.payload["id_fatura"]) for m in messages) == sorted(i.id for i in invoices)
    handled, failures = race(lambda i: stack.recurring_charges.handle(messages[i % len(messages)]))
    assert not failures, failures
    sales = [r.json()["MerchantOrderId"] for r in cielo.requests
             if r.method == "POST" and r.path.rstrip("/") == "/1/sales"]
    assert sorted(sales) == sorted(stack.charges.order_id(i.id, 1) for i in invoices)
    assert {stack.invoices.get(i.id).status for i in invoices} == {"paga"}


def test_duplicate_deliveries_while_the_gateway_is_slow_end_paid_with_one_sale(
        billing_stack: Container, cielo: CieloSimulator, moto_endpoint: str) -> None:
    """Twenty times: the same message delivered to several consumers at once while Cielo takes its time, and the
    invoice changed by another writer (as the suspension tick does) while the sale is on its way. The delivery
    that made the sale records it (reading the invoice again); the others leave it alone."""
    from datetime import UTC, datetime

    from chalicelib.queues import CHARGES, Message, decode, queue_name

    stack = billing_stack
    rounds = 20
    stack.gateway_settings.configure(GatewayChange("cielo", True, "sandbox", True, {
        "merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": CieloSimulator.DEFAULT_MERCHANT_KEY}),
        "teste")
    customer = stack.customers.register(NewCustomer(
        name="Cliente Lento", document="52998224725", phone="11987654321", email="",
        services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
    stack.cards.add(customer.id, NewCard(luhn_number("4551", 0), "MARIA", 12, 2031))
    stack.recurring.choose(customer.services[0].id, True, None)
    for n in range(rounds):
        stack.invoices.create(NewInvoice(customer.services[0].id, 9990 + n, date(2026, 12, 10)))
    assert stack.recurring_charges.enqueue_due(datetime(2026, 12, 10, 13, 0, tzinfo=UTC))["enfileiradas"] == rounds
    sqs = boto3.client("sqs", region_name=stack.settings.region, endpoint_url=moto_endpoint)
    url = sqs.get_queue_url(QueueName=queue_name(CHARGES))["QueueUrl"]
    messages = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages += [decode(m["Body"]) for m in got]
    store = stack.invoices._store  # the writer racing the charge, as the suspension tick would write

    def deliver_or_change(index: int, message: Message, invoice_id: int) -> str:
        if index == 0:
            deadline = time.monotonic() + 5
            while (current := stack.invoices.get(invoice_id)).charging is None:  # the sale is at the gateway
                assert time.monotonic() < deadline, "no delivery started the attempt"
                time.sleep(0.01)
            return "alterada" if store.replace(replace(current, version=current.version + 1),
                                               current.version) else "perdeu"
        return stack.recurring_charges.handle(message)

    for message in messages:
        invoice_id = int(message.payload["id_fatura"])
        cielo.inject("POST /1/sales", "slow", seconds=0.4)
        outcomes, failures = race(partial(deliver_or_change, message=message, invoice_id=invoice_id))
        assert not failures, failures
        final = stack.invoices.get(invoice_id)
        order = stack.charges.order_id(invoice_id, 1)
        sales = [r for r in cielo.requests if r.method == "POST" and r.path.rstrip("/") == "/1/sales"
                 and r.json()["MerchantOrderId"] == order]
        assert (final.status, final.charging, final.card_attempts, len(sales)) == ("paga", None, 1, 1), outcomes
        assert [a.status for a in stack.charges.attempts(invoice_id)] == ["aprovado"], outcomes
        assert outcomes.count("aprovado") == 1, outcomes
