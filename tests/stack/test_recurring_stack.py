"""Recurring card billing in time, through the running product: ``python -m
sandbox serve`` as a real process (its hourly-tick consumers, queue pollers
and Cielo simulator), set up over HTTP, with ``python -m sandbox tick --at``
moving the clock of the tick to the due date and the next days.

Invoices due on 2026-12-10: an approving card is paid on day 1; a card ending
5 (78, Cartão Bloqueado) is tried on day 1 and day 2 and never again; a card
ending 7 (77, Cartão Cancelado: never retry) is tried once; the charge panel
shows every attempt with its code and message and filters recurring / not /
all."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from sandbox.simulators.cielo import CieloSimulator
from tests.functional.billing.support import ADDRESS, card_body
from tests.functional.billing.test_recurring_http import cpf
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE, ok_response
from tests.support.stack import ROOT, RunningStack, token

INVOICES = f"{BASE}/financeiro/fatura"
PANEL = f"{BASE}/financeiro/cartao/processamentos"
TIMEOUT = 15


class Operator:
    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.headers = {"Authorization": f"Bearer {token(stack)}"}

    def ok(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        return ok_response(requests.request(method, f"{self.stack.url}{path}", json=body, headers=self.headers,
                                            timeout=TIMEOUT))

    def customer(self, seed: int, card_ending: int, recurring: bool = True) -> tuple[int, int]:
        created = self.ok("POST", f"{BASE}/cliente", {
            "nome_razaosocial": f"Assinante {seed}", "cpf_cnpj": cpf(500 + seed), "telefone_primario": "11987654321",
            "servicos": [{"nome": "Fibra 300", "valor": "99.90", "endereco_instalacao": ADDRESS}]})["cliente"]
        customer_id, service_id = created["id_cliente"], created["servicos"][0]["id_cliente_servico"]
        self.ok("POST", f"{BASE}/cliente/{customer_id}/cartao", card_body(luhn_number("4551", card_ending)))
        self.ok("PUT", f"{BASE}/cliente_servico/{service_id}/cobranca", {"pagamento_recorrente": recurring})
        return int(customer_id), int(service_id)

    def invoice(self, service_id: int) -> int:
        return int(self.ok("POST", INVOICES, {"id_cliente_servico": service_id, "valor": "99.90",
                                              "data_vencimento": "2026-12-10"})["fatura"]["id_fatura"])

    def invoice_state(self, service_id: int) -> dict[str, Any]:
        return dict(self.ok("GET", f"{INVOICES}?id_cliente_servico={service_id}")["faturas"][0])

    def panel(self, recorrente: str | None = None) -> list[dict[str, Any]]:
        query = "?data_inicio=2026-11-01&data_fim=2026-12-31" + (f"&recorrente={recorrente}" if recorrente else "")
        return list(self.ok("GET", f"{PANEL}{query}")["processamentos"])

    def tick(self, at: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", at], cwd=ROOT, env=self.stack.env,
                              text=True, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    def settled(self, rows: int) -> list[dict[str, Any]]:
        """The panel once the running consumers have made ``rows`` attempts and nothing is in flight."""
        deadline = time.monotonic() + 60
        while True:
            panel = self.panel()
            if len(panel) >= rows and all(p["status"] != "processando" for p in panel):
                time.sleep(1)  # nothing more should come: the callers assert the exact count
                return self.panel()
            assert time.monotonic() < deadline, panel
            time.sleep(0.3)


@pytest.fixture(scope="module")
def operator(local_stack: RunningStack) -> Operator:
    operator = Operator(local_stack)
    operator.ok("PUT", f"{BASE}/configuracao/integracao/cartao_credito/cielo", {
        "ativo": True, "ambiente": "sandbox", "permite_recorrencia_automatica": True,
        "credenciais": {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID,
                        "merchant_key": "SIMULADOCIELOSANDBOXMERCHANTKEY000000000"}})
    return operator


def test_invoices_due_on_a_date_through_three_days_of_ticks(operator: Operator) -> None:
    _, approved = operator.customer(1, 0)
    _, blocked = operator.customer(2, 5)
    _, cancelled = operator.customer(3, 7)
    _, one_off = operator.customer(4, 2, recurring=False)
    ids = {s: operator.invoice(s) for s in (approved, blocked, cancelled, one_off)}

    day_1 = operator.tick("2026-12-10T10:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]
    assert day_1["enfileiradas"] == 4  # the one without recurring payment is dropped by the consumer
    operator.settled(rows=3)
    assert operator.invoice_state(approved)["status"] == "paga"
    assert operator.tick("2026-12-10T11:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 0

    day_2 = operator.tick("2026-12-11T10:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]
    assert day_2["enfileiradas"] == 1
    operator.settled(rows=4)
    for at in ("2026-12-12T10:00:00-03:00", "2026-12-13T10:00:00-03:00"):
        assert operator.tick(at)["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 0
    # an operator's one-off charge: not recurring
    operator.ok("POST", f"{INVOICES}/{ids[one_off]}/cobrar_cartao")
    panel = operator.settled(rows=5)

    assert sorted((p["id_fatura"], p["tentativa"], p["recorrente"], p["status"], p["codigo_retorno"],
                   p["mensagem_retorno"]) for p in panel) == sorted([
        (ids[approved], 1, True, "aprovado", "6", "Operação realizada com sucesso"),
        (ids[blocked], 1, True, "recusado", "78", "Cartão Bloqueado"),
        (ids[blocked], 2, True, "recusado", "78", "Cartão Bloqueado"),
        (ids[cancelled], 1, True, "recusado", "77", "Cartão Cancelado"),
        (ids[one_off], 1, False, "recusado", "05", "Não Autorizada"),
    ])
    assert [p["recorrente"] for p in operator.panel("sim")] == [True] * 4
    assert [p["id_fatura"] for p in operator.panel("nao")] == [ids[one_off]]
    assert operator.panel("todos") == panel
    states = {s: operator.invoice_state(s) for s in (blocked, cancelled)}
    assert (states[blocked]["status"], states[blocked]["tentativas_recorrentes"],
            states[blocked]["proxima_tentativa_recorrente"]) == ("aberta", 2, None)
    assert (states[cancelled]["tentativas_recorrentes"], states[cancelled]["proxima_tentativa_recorrente"]) == \
        (1, None)
