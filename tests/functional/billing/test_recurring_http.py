"""Recurring card billing through the Chalice app's entry points, as Lambda
would run them (the hourly tick and the charge consumer, fed from moto's
SQS), against the Cielo simulator: which invoices are tried on which day,
how often, what the panel shows, and that faults (duplicate deliveries, a
crash after the gateway approved, timeouts, 5xx, ticks run twice or at once)
never charge twice nor lose a charge."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.billing.invoices.service import MAX_RECURRING_TRIES
from chalicelib.config import DEFAULT_NOT_FOUND_AFTER_MINUTES
from chalicelib.container import Container
from chalicelib.queues import CHARGES, queue_name
from chalicelib.storage.models import BillingOutboxItem, BillingTableItem
from sandbox.lambda_events import sqs_event
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from tests.conftest import MutableClock
from tests.functional.billing.support import ADDRESS, card_body, cielo_on
from tests.functional.conftest import Http
from tests.functional.test_entrypoints import hourly_event
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE, ok

INVOICES = f"{BASE}/financeiro/fatura"
PANEL = f"{BASE}/financeiro/cartao/processamentos"
DUE = "2026-12-10"
Simulators = tuple[CieloSimulator, GetNetSimulator]


class Billing:
    """The provider's side of the tests: customers, cards, invoices, ticks and the charges queue."""

    def __init__(self, http: Http, stack: Container, cielo: CieloSimulator) -> None:
        self.http = http
        self.stack = stack
        self.cielo = cielo
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.url = self.sqs.get_queue_url(QueueName=queue_name(CHARGES))["QueueUrl"]
        self.arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]

    def customer(self, card_ending: int | None, *, recurring: bool = True, name: str = "Cliente") -> int:
        """A new customer with one service (its id is returned) and, unless None, a card ending so."""
        document = CPFS.pop()
        created = ok(self.http.request("POST", f"{BASE}/cliente", {
            "nome_razaosocial": f"{name} {document[:3]}", "cpf_cnpj": document, "telefone_primario": "11987654321",
            "servicos": [{"nome": "Fibra", "valor": "99.90", "endereco_instalacao": ADDRESS}]}))["cliente"]
        customer_id, service_id = created["id_cliente"], created["servicos"][0]["id_cliente_servico"]
        if card_ending is not None:
            ok(self.http.request("POST", f"{BASE}/cliente/{customer_id}/cartao",
                                 card_body(luhn_number("4551", card_ending))))
        if recurring:
            ok(self.http.request("PUT", f"{BASE}/cliente_servico/{service_id}/cobranca",
                                 {"pagamento_recorrente": True, "id_cartao": None}))
        return int(service_id)

    def invoice(self, service_id: int, due: str = DUE) -> int:
        return int(ok(self.http.request("POST", INVOICES, {"id_cliente_servico": service_id, "valor": "99.90",
                                                            "data_vencimento": due}))["fatura"]["id_fatura"])

    def state(self, service_id: int) -> dict[str, Any]:
        """The service's invoice due on DUE."""
        found = ok(self.http.request("GET", f"{INVOICES}?id_cliente_servico={service_id}"))["faturas"]
        return dict(next(f for f in found if f["data_vencimento"] == DUE))

    def tick(self, at: str) -> dict[str, Any]:
        return dict(self.http.client.lambda_.invoke("hourly_tick", hourly_event(self.http, at)).payload)

    def receive(self) -> list[dict[str, Any]]:
        """Every message waiting on the charges queue (left invisible for a while: the caller consumes)."""
        messages: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                           VisibilityTimeout=30).get("Messages", [])
            if not got:
                return messages
            messages += got

    def consume(self, messages: list[dict[str, Any]]) -> Any:
        """Hand ``messages`` to the charge consumer as one Lambda batch; delete the handled ones."""
        answer = self.http.client.lambda_.invoke("charge_consumer", sqs_event(messages, self.arn)).payload
        failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return answer

    def drain(self) -> int:
        """Consume the queue in batches of ten, as the event source mapping would; returns how many."""
        messages = self.receive()
        for start in range(0, len(messages), 10):
            self.consume(messages[start:start + 10])
        return len(messages)

    def order(self, invoice_id: int, number: int) -> str:
        """The order id the gateway sees for ``invoice_id``'s attempt ``number`` (with this installation's prefix)."""
        return self.stack.charges.order_id(invoice_id, number)

    def sales(self) -> list[str]:
        """Order ids of the sales the Cielo simulator processed."""
        return [r.json()["MerchantOrderId"] for r in self.cielo.requests
                if r.method == "POST" and r.path.rstrip("/") == "/1/sales"]

    def panel(self, **filters: str) -> list[dict[str, Any]]:
        query = "&".join(f"{k}={v}" for k, v in {"data_inicio": "2026-11-01", "data_fim": "2026-12-31",
                                                     **filters}.items())
        return list(ok(self.http.request("GET", f"{PANEL}?{query}"))["processamentos"])

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(i.body) for i in BillingTableItem.query("OUTBOX") if isinstance(i, BillingOutboxItem)]


def cpf(seed: int) -> str:
    """A valid CPF (check digits computed) for test customer ``seed``."""
    digits = [int(d) for d in f"{700000000 + seed:09d}"]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=True))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, digits))


CPFS: list[str] = []


@pytest.fixture
def billing(admin: Http, stack: Container, simulators: Simulators) -> Iterator[Billing]:
    cielo_on(admin)
    CPFS[:] = [cpf(n) for n in range(40)]
    yield Billing(admin, stack, simulators[0])


def test_two_days_of_ticks(billing: Billing) -> None:
    approved = billing.customer(0)
    blocked = billing.customer(5)  # 78 Cartão Bloqueado: the customer must act; tried again tomorrow
    cancelled = billing.customer(7)  # 77 Cartão Cancelado: never again
    not_recurring = billing.customer(0, recurring=False)
    invoices = {s: billing.invoice(s) for s in (approved, blocked, cancelled, not_recurring)}
    early = billing.invoice(approved, due="2026-12-20")  # not due yet: never read on these days

    assert billing.tick("2026-12-09T13:00:00Z")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 0
    first = billing.tick("2026-12-10T13:00:00Z")["tarefas"]["cobrancas_recorrentes"]
    assert (first["lidas"], first["enfileiradas"]) == (4, 4)
    assert billing.drain() == 4
    assert billing.state(approved)["status"] == "paga"
    assert (billing.state(blocked)["status"], billing.state(blocked)["proxima_tentativa_recorrente"]) == \
        ("aberta", "2026-12-11")
    assert billing.state(cancelled)["proxima_tentativa_recorrente"] is None
    assert billing.state(not_recurring)["tentativas_cartao"] == 0  # queued, found not recurring, left alone
    # every later tick of the day queues nothing
    for hour in ("14", "15", "23"):
        assert billing.tick(f"2026-12-10T{hour}:00:00Z")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 0
    assert billing.drain() == 0

    second = billing.tick("2026-12-11T13:00:00Z")["tarefas"]["cobrancas_recorrentes"]
    assert second["enfileiradas"] == 1
    billing.drain()
    for day in ("12", "13", "14"):
        billing.tick(f"2026-12-{day}T13:00:00Z")
        assert billing.drain() == 0

    sales = billing.sales()
    assert sorted(sales) == sorted([billing.order(invoices[approved], 1), billing.order(invoices[blocked], 1),
                                    billing.order(invoices[blocked], 2), billing.order(invoices[cancelled], 1)])
    assert billing.state(blocked)["tentativas_recorrentes"] == MAX_RECURRING_TRIES
    panel = billing.panel()
    rows = {(p["id_fatura"], p["tentativa"]): (p["status"], p["codigo_retorno"], p["mensagem_retorno"],
                                               p["recorrente"]) for p in panel}
    assert rows == {
        (invoices[approved], 1): ("aprovado", "6", "Operação realizada com sucesso", True),
        (invoices[blocked], 1): ("recusado", "78", "Cartão Bloqueado", True),
        (invoices[blocked], 2): ("recusado", "78", "Cartão Bloqueado", True),
        (invoices[cancelled], 1): ("recusado", "77", "Cartão Cancelado", True),
    }
    assert all(p["tid"] for p in panel)
    # the "never retry" card is flagged on the customer's card panel
    cancelled_customer = panel[[p["id_fatura"] for p in panel].index(invoices[cancelled])]["id_cliente"]
    cards = ok(billing.http.request("GET", f"{BASE}/cliente/{cancelled_customer}/cartao"))["cartoes"]
    assert cards[0]["recusado_pelo_emissor"].startswith("77")
    later = ok(billing.http.request("GET", f"{INVOICES}?id_cliente_servico={approved}"))["faturas"][1]
    assert (later["id_fatura"], later["status"], later["tentativas_cartao"]) == (early, "aberta", 0)
    kinds = sorted(e["type"] for e in billing.events())
    assert kinds == ["cartao_requer_acao", "cartao_requer_acao", "pagamento_aprovado", "pagamento_recusado"]
    blocked_event = next(e for e in billing.events() if e["type"] == "cartao_requer_acao"
                         and e["payload"]["tentativa"] == 1)["payload"]
    assert blocked_event["proxima_tentativa"] == "2026-12-11"
    assert "Desbloqueie" in blocked_event["orientacao"]


def test_the_panel_filters_recurring_attempts(billing: Billing) -> None:
    service = billing.customer(2)  # 05 Não Autorizada
    invoice_id = billing.invoice(service)
    billing.tick("2026-12-10T13:00:00Z")
    billing.drain()
    one_off = ok(billing.http.request("POST", f"{INVOICES}/{invoice_id}/cobrar_cartao"))["processamento"]
    assert (one_off["recorrente"], one_off["tentativa"]) == (False, 2)
    everything = billing.panel()
    assert [p["recorrente"] for p in everything] == [False, True]
    assert billing.panel(recorrente="todos") == everything
    assert [p["id_processamento"] for p in billing.panel(recorrente="sim")] == [billing.order(invoice_id, 1)]
    assert [p["id_processamento"] for p in billing.panel(recorrente="nao")] == [billing.order(invoice_id, 2)]
    assert billing.panel(recorrente="sim", status="aprovado") == []


def test_duplicate_deliveries_charge_once(billing: Billing) -> None:
    service = billing.customer(0)
    invoice_id = billing.invoice(service)
    billing.tick("2026-12-10T13:00:00Z")
    [message] = billing.receive()
    copy = {**message, "MessageId": "copia"}
    billing.consume([message, copy])  # the same message twice in one batch, concurrently
    billing.consume([message])  # and delivered again later
    assert billing.sales() == [billing.order(invoice_id, 1)]
    assert billing.state(service)["status"] == "paga"


def test_paid_by_pix_or_recurring_turned_off_after_the_tick_is_not_charged(billing: Billing) -> None:
    pix, off, no_card = billing.customer(0), billing.customer(0), billing.customer(0)
    ids = {s: billing.invoice(s) for s in (pix, off, no_card)}
    billing.tick("2026-12-10T13:00:00Z")
    ok(billing.http.request("POST", f"{INVOICES}/liquidar", {"id_fatura": ids[pix], "data_pagamento": DUE,
                                                             "valor_pago": "99.90", "forma_pagamento": "pix"}))
    ok(billing.http.request("PUT", f"{BASE}/cliente_servico/{off}/cobranca", {"pagamento_recorrente": False}))
    owner = ok(billing.http.request("GET", f"{INVOICES}?id_cliente_servico={no_card}"))["faturas"][0]["id_cliente"]
    card = ok(billing.http.request("GET", f"{BASE}/cliente/{owner}/cartao"))["cartoes"][0]["id_cartao"]
    ok(billing.http.request("DELETE", f"{BASE}/cliente/{owner}/cartao/{card}"))
    assert billing.drain() == 3
    assert billing.sales() == []
    assert billing.state(off)["proxima_tentativa_recorrente"] is None
    # turning recurring payment on again gives the invoice its try back
    ok(billing.http.request("PUT", f"{BASE}/cliente_servico/{off}/cobranca", {"pagamento_recorrente": True}))
    assert billing.state(off)["proxima_tentativa_recorrente"] == DUE
    billing.tick("2026-12-10T14:00:00Z")
    billing.drain()
    assert billing.sales() == [billing.order(ids[off], 1)]


def test_a_tick_run_twice_or_two_at_once_queue_each_try_once(billing: Billing) -> None:
    services = [billing.customer(0) for _ in range(6)]
    for service in services:
        billing.invoice(service)
    reports: list[dict[str, Any]] = []
    threads = [threading.Thread(target=lambda: reports.append(billing.tick("2026-12-10T13:00:00Z")))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    billing.tick("2026-12-10T13:00:05Z")
    assert sum(r["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] for r in reports) == 6
    assert len(billing.receive()) == 6


def test_a_crash_after_the_gateway_approved_is_reconciled_not_charged_again(
        billing: Billing, stack: Container, clock: MutableClock) -> None:
    service = billing.customer(0)
    invoice_id = billing.invoice(service)
    billing.tick("2026-12-10T13:00:00Z")
    [message] = billing.receive()

    class Crash(BaseException):
        """The Lambda dies: nothing after the gateway's answer runs."""

    adapters = stack.gateway_settings._adapters  # the composition root's factory, wrapped for this test

    def crashing(name: str, environment: str, credentials: Any) -> Any:
        gateway = adapters(name, environment, credentials)
        real_charge = gateway.charge

        def charge(request: Any) -> Any:
            real_charge(request)
            raise Crash()

        gateway.charge = charge
        return gateway

    stack.gateway_settings._adapters = crashing
    with pytest.raises(Crash):
        billing.consume([message])
    stack.gateway_settings._adapters = adapters
    assert billing.state(service)["cobranca_em_andamento"] is True
    clock.advance(minutes=10)  # past the queue's visibility timeout
    billing.consume([message])  # SQS delivers it again
    assert billing.sales() == [billing.order(invoice_id, 1)]
    state = billing.state(service)
    assert (state["status"], state["tentativas_recorrentes"], state["cobranca_em_andamento"]) == ("paga", 1, False)


def test_a_gateway_5xx_is_a_technical_failure_retried_later_that_day(
        billing: Billing, clock: MutableClock) -> None:
    service = billing.customer(0)
    invoice_id = billing.invoice(service)
    billing.cielo.inject("POST /1/sales", "error_5xx")
    billing.tick("2026-12-10T13:00:00Z")
    billing.drain()
    assert billing.state(service)["cobranca_em_andamento"] is True  # unknown: the sale may be listed later
    clock.advance(minutes=DEFAULT_NOT_FOUND_AFTER_MINUTES)
    billing.tick("2026-12-10T14:00:00Z")  # looks it up: never received
    billing.drain()
    state = billing.state(service)
    assert (state["status"], state["tentativas_recorrentes"], state["proxima_tentativa_recorrente"]) == \
        ("aberta", 0, DUE)
    # backoff: one hour after the try's tick
    assert billing.tick("2026-12-10T14:30:00Z")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 0
    billing.tick("2026-12-10T15:00:00Z")
    billing.drain()
    assert billing.state(service)["status"] == "paga"
    panel = billing.panel()
    assert [(p["id_processamento"], p["status"], p["conta_como_tentativa"], p["tentativa"]) for p in panel] == [
        (billing.order(invoice_id, 2), "aprovado", True, 1), (billing.order(invoice_id, 1), "erro", False, 1)]
    assert billing.sales().count(billing.order(invoice_id, 2)) == 1


@pytest.mark.parametrize("fault", ["slow_after_processing", "slow"])
def test_a_timeout_is_found_by_order_id_and_paid_once(billing: Billing, fault: str, clock: MutableClock) -> None:
    """Our read timeout is 0.5 s: the sale is taken before (``slow_after_processing``: found at once) or
    after (``slow``: not listed yet, looked up again by the next tick) we gave up."""
    service = billing.customer(0)
    invoice_id = billing.invoice(service)
    billing.cielo.inject("POST /1/sales", fault, seconds=1.0)
    billing.tick("2026-12-10T13:00:00Z")
    billing.drain()
    if fault == "slow":
        assert billing.state(service)["cobranca_em_andamento"] is True
        deadline = time.monotonic() + 10
        while not billing.cielo.sales and time.monotonic() < deadline:  # taken a moment later
            time.sleep(0.05)
        clock.advance(hours=1)
        billing.http.login()  # an hour later: a new access token
        billing.tick("2026-12-10T14:00:00Z")
        billing.drain()
    assert billing.state(service)["status"] == "paga"
    assert billing.sales() == [billing.order(invoice_id, 1)]


def test_two_tries_at_most_even_with_extra_messages(billing: Billing) -> None:
    service = billing.customer(8)  # 70: retryable
    invoice_id = billing.invoice(service)
    for day in ("10", "11", "12"):
        billing.tick(f"2026-12-{day}T13:00:00Z")
        messages = billing.receive()
        billing.consume(messages + messages)  # each delivered twice
    late = {"type": "cobranca_recorrente", "id": "x", "payload": {"id_fatura": invoice_id, "data": "2026-12-12"}}
    billing.sqs.send_message(QueueUrl=billing.url, MessageBody=json.dumps(late))
    billing.drain()
    assert billing.sales() == [billing.order(invoice_id, 1), billing.order(invoice_id, 2)]


def test_suspension_warns_suspends_and_payment_restores(billing: Billing) -> None:
    profile = ok(billing.http.request("POST", f"{BASE}/configuracao/perfil_suspensao", {
        "descricao": "Residencial", "dias_aviso": 2, "dias_bloqueio": 5, "padrao": True}))["perfil_suspensao"]
    assert (profile["dias_aviso"], profile["dias_bloqueio"], profile["padrao"]) == (2, 5, True)
    listed = ok(billing.http.request("GET", f"{BASE}/configuracao/perfil_suspensao"))["perfis_suspensao"]
    assert [p["descricao"] for p in listed] == ["Residencial"]  # the built-in default gives way
    service = billing.customer(None, recurring=False)
    first, second = billing.invoice(service, due="2026-12-10"), billing.invoice(service, due="2026-12-11")

    def status() -> str:
        answer = ok(billing.http.request("GET", f"{BASE}/cliente?busca=id_cliente_servico&termo_busca={service}"))
        return str(answer["clientes"][0]["servicos"][0]["status"])

    def warned_on() -> list[str | None]:
        answer = ok(billing.http.request("GET", f"{INVOICES}?id_cliente_servico={service}"))
        return [i["data_aviso_bloqueio"] for i in sorted(answer["faturas"], key=lambda i: i["id_fatura"])]

    assert billing.tick("2026-12-12T13:00:00Z")["tarefas"]["suspensao"] == {"avisos": 0, "suspensoes": 0}
    assert warned_on() == [None, None]
    assert billing.tick("2026-12-13T13:00:00Z")["tarefas"]["suspensao"] == {"avisos": 1, "suspensoes": 0}
    assert warned_on() == ["2026-12-13", None]  # what the console shows as "Em aviso"
    assert billing.tick("2026-12-13T14:00:00Z")["tarefas"]["suspensao"] == {"avisos": 0, "suspensoes": 0}
    assert status() == "servico_habilitado"
    assert billing.tick("2026-12-15T13:00:00Z")["tarefas"]["suspensao"] == {"avisos": 1, "suspensoes": 1}
    assert status() == "servico_suspenso"
    billing.tick("2026-12-16T13:00:00Z")
    billing.tick("2026-12-16T14:00:00Z")
    kinds = [e["type"] for e in billing.events()]
    assert sorted(kinds) == ["aviso_suspensao", "aviso_suspensao", "servico_suspenso", "servico_suspenso"]
    # Dated the API clock's today (the ticks above run at their own instants): a payment is never in the future.
    ok(billing.http.request("POST", f"{INVOICES}/liquidar", {"id_fatura": first, "data_pagamento": DUE,
                                                             "valor_pago": "99.90", "forma_pagamento": "pix"}))
    assert status() == "servico_suspenso"  # the second invoice still keeps it suspended
    ok(billing.http.request("POST", f"{INVOICES}/{second}/cancelar"))
    assert status() == "servico_habilitado"
    assert billing.tick("2026-12-20T13:00:00Z")["tarefas"]["suspensao"] == {"avisos": 0, "suspensoes": 0}


def test_no_tick_charges_without_automatic_recurrence(billing: Billing) -> None:
    cielo_on(billing.http, permite_recorrencia_automatica=False)
    service = billing.customer(0)
    billing.invoice(service)
    report = billing.tick("2026-12-10T13:00:00Z")["tarefas"]["cobrancas_recorrentes"]
    assert report["enfileiradas"] == 0 and "permite recorrência automática" in report["motivo"]
    cielo_on(billing.http)
    assert billing.tick("2026-12-10T14:00:00Z")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 1


def test_due_days_are_the_providers(billing: Billing) -> None:
    """23:30 in São Paulo on the 9th is already the 10th in UTC: nothing is due yet."""
    billing.invoice(billing.customer(0))
    assert billing.tick("2026-12-10T02:30:00Z")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 0
    assert billing.tick("2026-12-10T03:00:00Z")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 1


def test_a_message_failing_on_its_last_delivery_shows_on_the_panel(billing: Billing, stack: Container) -> None:
    service = billing.customer(0)
    invoice_id = billing.invoice(service)
    billing.tick("2026-12-10T13:00:00Z")
    [message] = billing.receive()
    adapters = stack.gateway_settings._adapters

    def broken(name: str, environment: str, credentials: Any) -> Any:
        raise RuntimeError("cofre de credenciais indisponível")

    stack.gateway_settings._adapters = broken
    for count in (1, 5):  # a failure before the last delivery is only retried; the last one is recorded
        message["Attributes"]["ApproximateReceiveCount"] = str(count)
        with pytest.raises(RuntimeError):
            billing.consume([message])
        assert len(billing.panel()) == count // 5
    stack.gateway_settings._adapters = adapters
    [row] = billing.panel()
    assert (row["status"], row["codigo_retorno"], row["conta_como_tentativa"], row["gateway"]) == \
        ("erro", "falha_tecnica", False, None)
    assert "cofre de credenciais indisponível" in row["mensagem_retorno"]
    assert "mensagens mortas" in row["mensagem_retorno"]
    # tried again an hour later, like any technical failure
    billing.tick("2026-12-10T14:00:00Z")
    billing.drain()
    assert billing.state(service)["status"] == "paga"
    assert billing.sales() == [billing.order(invoice_id, 2)]


def test_a_key_service_failure_leaves_no_attempt_in_flight(billing: Billing, stack: Container) -> None:
    """KMS refuses to open the card's token: nothing is recorded, nothing is sent; SQS delivers the try again.
    (moto's KMS decrypts with a disabled key, so the fault is KMS's own answer, raised by the SDK's client.)"""
    service = billing.customer(0)
    invoice_id = billing.invoice(service)
    billing.tick("2026-12-10T13:00:00Z")
    [message] = billing.receive()
    kms = stack.cards._sealer._client()  # type: ignore[attr-defined]  # the container's KMS client

    def disabled(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "DisabledException", "Message": "key is disabled"}}, "Decrypt")

    kms.meta.events.register("before-call.kms.Decrypt", disabled)
    try:
        with pytest.raises(ClientError, match="DisabledException"):  # a batch that fails whole is retried whole
            billing.consume([message])
    finally:
        kms.meta.events.unregister("before-call.kms.Decrypt", disabled)
    state = billing.state(service)
    assert (state["cobranca_em_andamento"], state["tentativas_cartao"], state["tentativas_recorrentes"]) == \
        (False, 0, 0)
    assert billing.panel() == [] and billing.sales() == []
    billing.consume([message])  # delivered again, KMS back
    assert billing.state(service)["status"] == "paga" and billing.sales() == [billing.order(invoice_id, 1)]
