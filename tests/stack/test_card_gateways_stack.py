"""Charges an acquirer would accept, through the running product (``python -m
sandbox serve`` as a real process, its queue consumers and its Cielo, GetNet
and ZapMe simulators, which enforce the stored-credential chain), set up over
HTTP, with ``python -m sandbox tick --at`` moving the tick through the months:

- one card at each gateway over three monthly invoices: the first charge is the
  card's first use (Cielo ``First``, GetNet ``RECURRING``) without an issuer
  id, the later ones merchant-initiated uses (``Used`` + ``Recurring``,
  ``RECURRING_PAYMENT``) carrying the id the first approved charge returned;
  the simulators would refuse a later use without it, and none is refused;
- a Cielo card keeps being charged at Cielo after GetNet becomes the gateway
  for new cards; once the Cielo integration is removed, its card is sent
  nowhere, the customer is told once, and both panels say why;
- a try the tick missed on its day is made late and shown so on the panel.
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from sandbox.simulators.zapme import ZapMeSimulator
from tests.functional.billing.support import ADDRESS, CIELO_KEY, card_body
from tests.functional.billing.test_recurring_http import cpf
from tests.integration.test_simulators import luhn_number
from tests.stack.test_recurring_stack import Operator
from tests.support.http import BASE
from tests.support.stack import RunningStack

GATEWAYS = f"{BASE}/configuracao/integracao/cartao_credito"
INVOICES = f"{BASE}/financeiro/fatura"
PANEL = f"{BASE}/financeiro/cartao/processamentos"
TIMEOUT = 15  # seconds, for one HTTP call
CIELO = {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID, "merchant_key": CIELO_KEY}
GETNET = {"client_id": GetNetSimulator.DEFAULT_CLIENT_ID, "client_secret": GetNetSimulator.DEFAULT_CLIENT_SECRET,
          "seller_id": GetNetSimulator.DEFAULT_SELLER_ID}


class Provider(Operator):
    """The provider's operator over HTTP (``ok`` and ``tick`` as in the recurring stack tests), and what the
    simulators say they were sent."""

    def __init__(self, stack: RunningStack) -> None:
        super().__init__(stack)
        self.simulators: dict[str, str] = stack.state["simulators"]

    def gateway(self, name: str, **settings: Any) -> None:
        credentials = CIELO if name == "cielo" else GETNET
        self.ok("PUT", f"{GATEWAYS}/{name}", {"ambiente": "sandbox", "credenciais": credentials, **settings})

    def card_customer(self, seed: int, number: str) -> tuple[int, int]:
        """A customer whose one service pays by recurring card, with the card ``number`` at the active gateway."""
        created = self.ok("POST", f"{BASE}/cliente", {
            "nome_razaosocial": f"Assinante Cartão {seed}", "cpf_cnpj": cpf(800 + seed),
            "telefone_primario": "11987654321",
            "servicos": [{"nome": "Fibra 500", "valor": "119.90", "endereco_instalacao": ADDRESS}]})["cliente"]
        customer_id, service_id = int(created["id_cliente"]), int(created["servicos"][0]["id_cliente_servico"])
        self.ok("POST", f"{BASE}/cliente/{customer_id}/cartao", card_body(number))
        self.ok("PUT", f"{BASE}/cliente_servico/{service_id}/cobranca", {"pagamento_recorrente": True})
        return customer_id, service_id

    def invoice_due(self, service_id: int, due: date) -> int:
        return int(self.ok("POST", INVOICES, {"id_cliente_servico": service_id, "valor": "119.90",
                                              "data_vencimento": due.isoformat()})["fatura"]["id_fatura"])

    def rows(self, invoice_id: int) -> list[dict[str, Any]]:
        """The invoice's rows on the charge panel (attempts are dated by the machine's clock, not the tick's)."""
        today = date.today()
        query = f"?data_inicio={today - timedelta(days=1)}&data_fim={today + timedelta(days=1)}"
        rows = self.ok("GET", f"{PANEL}{query}")["processamentos"]
        return [row for row in rows if row["id_fatura"] == invoice_id]

    def attempted(self, invoice_id: int, rows: int) -> list[dict[str, Any]]:
        """The invoice's panel rows once the running consumer has made ``rows`` attempts, none in flight."""
        deadline = time.monotonic() + 60
        while True:
            found = self.rows(invoice_id)
            if len(found) >= rows and all(r["status"] != "processando" for r in found):
                return found
            assert time.monotonic() < deadline, found
            time.sleep(0.3)

    def sent(self, simulator: str, path: str) -> list[dict[str, Any]]:
        """The bodies of the requests ``simulator`` was sent on ``path`` (its masked request log), oldest first."""
        log = requests.get(f"{self.simulators[simulator]}/__sandbox/requests", timeout=TIMEOUT).json()
        return [r["body"] for r in log if r["method"] == "POST" and r["path"].rstrip("/") == path]

    def cielo_sales(self, order_prefix: str) -> list[dict[str, Any]]:
        return [s for s in self.sent("cielo", "/1/sales") if s["MerchantOrderId"].startswith(order_prefix)]

    def getnet_payments(self, order_prefix: str) -> list[dict[str, Any]]:
        return [p for p in self.sent("getnet", "/v1/payments/credit")
                if p["order"]["order_id"].startswith(order_prefix)]

    def cielo_issuer_id(self, order_id: str) -> str:
        """What Cielo answered as the IssuerTransactionId of the sale of ``order_id`` (its query API)."""
        headers = {"MerchantId": CIELO["merchant_id"], "MerchantKey": CIELO["merchant_key"]}
        listed = requests.get(f"{self.simulators['cielo']}/1/sales", params={"merchantOrderId": order_id},
                              headers=headers, timeout=TIMEOUT).json()["Payment"]
        sale = requests.get(f"{self.simulators['cielo']}/1/sales/{listed[0]['PaymentId']}", headers=headers,
                            timeout=TIMEOUT).json()
        return str(sale["Payment"]["IssuerTransactionId"])

    def messages(self, customer_id: int) -> list[dict[str, Any]]:
        return list(self.ok("GET", f"{BASE}/notificacao/mensagem?id_cliente={customer_id}")["mensagens"])


def masked(digits: str) -> str:
    """As the simulators' request log shows any run of 13 to 19 digits (the issuer ids included)."""
    return "*" * (len(digits) - 4) + digits[-4:]


@pytest.fixture(scope="module")
def provider(local_stack: RunningStack) -> Provider:
    provider = Provider(local_stack)
    provider.ok("PUT", f"{BASE}/configuracao/integracao/zapme", {
        "ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": ZapMeSimulator.DEFAULT_SECRET})
    for name in ("cielo", "getnet"):  # both simulators refuse a later use that points at no first charge
        assert requests.get(f"{provider.simulators[name]}/__sandbox/mode", timeout=TIMEOUT).json()["strict"]
    return provider


def test_one_card_at_each_gateway_over_three_monthly_invoices_carries_the_chain(provider: Provider) -> None:
    provider.gateway("cielo", ativo=True, permite_recorrencia_automatica=True)
    _, at_cielo = provider.card_customer(1, luhn_number("4551", 0))  # Visa
    provider.gateway("getnet", ativo=True, permite_recorrencia_automatica=True)  # new cards go to GetNet now
    _, at_getnet = provider.card_customer(2, "5155901222280001")  # Mastercard
    months = [date(2026, 12, 10), date(2027, 1, 10), date(2027, 2, 10)]
    invoices = {service: [provider.invoice_due(service, due) for due in months] for service in (at_cielo, at_getnet)}

    for due in months:
        queued = provider.tick(f"{due.isoformat()}T10:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]
        assert queued["enfileiradas"] == 2, queued
        for service in (at_cielo, at_getnet):
            [row] = provider.attempted(invoices[service][months.index(due)], rows=1)
            assert (row["status"], row["gateway"], row["atrasada"]) == (
                "aprovado", "cielo" if service == at_cielo else "getnet", False), row

    orders = {service: [provider.attempted(i, 1)[0]["id_processamento"] for i in invoices[service]]
              for service in (at_cielo, at_getnet)}
    prefix = orders[at_cielo][0].split("F")[0]
    # Cielo: First without an issuer id, then Used + Recurring pointing at the first approval
    sales = {s["MerchantOrderId"]: s["Payment"] for s in provider.cielo_sales(prefix)}
    assert list(sales) == orders[at_cielo]  # each once, and nothing of the GetNet card at Cielo
    first, *later = (sales[o] for o in orders[at_cielo])
    assert first["CreditCard"]["CardOnFile"] == {"Usage": "First", "Reason": "Recurring"}
    assert "IssuerTransactionId" not in first and first["Recurrent"] is True
    issuer_id = provider.cielo_issuer_id(orders[at_cielo][0])
    for sale in later:
        assert sale["CreditCard"]["CardOnFile"] == {"Usage": "Used", "Reason": "Recurring"}
        assert sale["IssuerTransactionId"] == masked(issuer_id)
    # GetNet: RECURRING without a transaction id, then RECURRING_PAYMENT with the first approval's
    payments = {p["order"]["order_id"]: p["credit"] for p in provider.getnet_payments(prefix)}
    assert list(payments) == orders[at_getnet]
    opening, *following = (payments[o] for o in orders[at_getnet])
    assert opening["credentials_on_file_type"] == "RECURRING" and "transaction_id" not in opening
    assert [p["credentials_on_file_type"] for p in following] == ["RECURRING_PAYMENT"] * 2
    assert following[0]["transaction_id"] == following[1]["transaction_id"] != ""


def test_a_card_is_charged_at_its_own_gateway_and_nowhere_once_that_gateway_is_removed(
        provider: Provider) -> None:
    provider.gateway("cielo", ativo=True, permite_recorrencia_automatica=True)
    customer_id, service = provider.card_customer(3, luhn_number("4551", 1))  # at Cielo
    provider.gateway("getnet", ativo=True, permite_recorrencia_automatica=True)
    on_cielo = provider.invoice_due(service, date(2026, 12, 15))
    provider.tick("2026-12-15T10:00:00-03:00")
    [row] = provider.attempted(on_cielo, rows=1)
    assert (row["gateway"], row["status"]) == ("cielo", "aprovado")
    assert len(provider.cielo_sales(row["id_processamento"])) == 1
    assert provider.getnet_payments(row["id_processamento"].split("F")[0] + f"F{on_cielo}T") == []

    provider.ok("DELETE", f"{GATEWAYS}/cielo")
    try:
        stranded = provider.invoice_due(service, date(2026, 12, 16))
        for at in ("2026-12-16T10:00:00-03:00", "2026-12-16T11:00:00-03:00", "2026-12-17T10:00:00-03:00"):
            provider.tick(at)
        [row] = provider.attempted(stranded, rows=1)
        assert (row["status"], row["codigo_retorno"], row["gateway"], row["conta_como_tentativa"]) == (
            "erro", "gateway_nao_configurado", "cielo", False)
        assert row["mensagem_retorno"].startswith("Cartão cadastrado na Cielo, que não está mais configurada")
        prefix = row["id_processamento"].split("F")[0]
        assert provider.cielo_sales(f"{prefix}F{stranded}T") == []
        assert provider.getnet_payments(f"{prefix}F{stranded}T") == []
        [card] = provider.ok("GET", f"{BASE}/cliente/{customer_id}/cartao")["cartoes"]
        assert card["disponivel_para_cobranca"] is False
        assert card["motivo_indisponivel"].startswith("Cartão cadastrado na Cielo, que não está mais configurada")
        state = provider.ok("GET", f"{INVOICES}?id_cliente_servico={service}")["faturas"][1]
        assert (state["status"], state["proxima_tentativa_recorrente"]) == ("aberta", None)
        deadline = time.monotonic() + 60
        while not (told := [m for m in provider.messages(customer_id) if m["evento"] == "cartao_requer_acao"]):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        time.sleep(1)  # nothing more should come
        assert len([m for m in provider.messages(customer_id) if m["evento"] == "cartao_requer_acao"]) == 1
        assert "Cadastre um novo cartão" in told[0]["texto"] and "Cielo" not in told[0]["texto"]
    finally:
        provider.gateway("cielo", permite_recorrencia_automatica=True)


def test_a_try_missed_by_an_outage_is_made_late_and_shown_so(provider: Provider) -> None:
    provider.gateway("cielo", ativo=True, permite_recorrencia_automatica=True)
    _, service = provider.card_customer(4, luhn_number("4551", 2))  # 05 Não Autorizada: a second try follows
    invoice_id = provider.invoice_due(service, date(2026, 12, 20))
    # no tick ran on the 20th nor the 21st
    assert provider.tick("2026-12-22T10:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 1
    [late] = provider.attempted(invoice_id, rows=1)
    assert (late["status"], late["tentativa"], late["data_prevista"], late["atrasada"]) == (
        "recusado", 1, "2026-12-20", True)
    state = provider.ok("GET", f"{INVOICES}?id_cliente_servico={service}")["faturas"][0]
    assert state["proxima_tentativa_recorrente"] == "2026-12-23"  # the day after the late try, not the 21st
    provider.tick("2026-12-23T10:00:00-03:00")
    rows = provider.attempted(invoice_id, rows=2)
    second = next(r for r in rows if r["tentativa"] == 2)
    assert (second["data_prevista"], second["atrasada"]) == ("2026-12-23", False)
