"""WhatsApp notifications through the running product (``python -m sandbox
serve`` as a real process, with its outbox relays, queue pollers and ZapMe
simulator), set up over HTTP: opening an OS in an agenda and a declined
recurring charge each send exactly one message, with the right phone and
text; a customer who opted out gets none; ZapMe down for a while, then back:
each message is delivered once and the log shows the failed tries."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.zapme import ZapMeSimulator
from tests.functional.billing.support import ADDRESS, card_body
from tests.functional.billing.test_recurring_http import cpf
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE, ok_response
from tests.support.stack import ROOT, RunningStack, token

TIMEOUT = 15
PHONE, OPTED_OUT_PHONE = "11987654321", "11976543210"


class Provider:
    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.headers = {"Authorization": f"Bearer {token(stack)}"}
        self.zapme = stack.state["simulators"]["zapme"]

    def ok(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        return ok_response(requests.request(method, f"{self.stack.url}{path}", json=body, headers=self.headers,
                                            timeout=TIMEOUT))

    def customer(self, seed: int, phone: str) -> tuple[int, int]:
        created = self.ok("POST", f"{BASE}/cliente", {
            "nome_razaosocial": f"JOANA PEREIRA {seed}", "cpf_cnpj": cpf(900 + seed), "telefone_primario": phone,
            "servicos": [{"nome": "Fibra 300", "valor": "99.90", "endereco_instalacao": ADDRESS}]})["cliente"]
        return int(created["id_cliente"]), int(created["servicos"][0]["id_cliente_servico"])

    def open_order(self, service_id: int, day: date, hour: int) -> dict[str, Any]:
        return self.ok("POST", f"{BASE}/atendimento", {
            "id_cliente_servico": service_id, "descricao": "Instalação", "nome": "Joana", "telefone": PHONE,
            "abrir_os": True, "parametros_ordem_servico": {
                "id_agenda_ordem_servico": self.agenda, "status": "pendente",
                "data_inicio_programado": day.isoformat(), "hora_inicio_programado": f"{hour:02d}:00:00",
                "data_termino_programado": day.isoformat(), "hora_termino_programado": f"{hour + 1:02d}:00:00"}})

    def sent(self, phone: str | None = None) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.zapme}/__sandbox/messages", params={"phone": phone} if phone else None,
                              timeout=TIMEOUT)
        return list(answer.json())

    def log(self, customer_id: int) -> list[dict[str, Any]]:
        return list(self.ok("GET", f"{BASE}/notificacao/mensagem?id_cliente={customer_id}")["mensagens"])

    def wait_for_log(self, customer_id: int, count: int, done: tuple[str, ...]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 60
        while True:
            found = self.log(customer_id)
            if len(found) >= count and all(m["status"] in done for m in found):
                return found
            assert time.monotonic() < deadline, found
            time.sleep(0.3)

    agenda: int = 0


def next_weekday(after: date) -> date:
    day = after + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def provider(local_stack: RunningStack) -> Provider:
    provider = Provider(local_stack)
    provider.ok("PUT", f"{BASE}/configuracao/integracao/zapme", {
        "ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": ZapMeSimulator.DEFAULT_SECRET})
    provider.ok("PUT", f"{BASE}/configuracao/integracao/cartao_credito/cielo", {
        "ativo": True, "ambiente": "sandbox", "permite_recorrencia_automatica": True,
        "credenciais": {"merchant_id": CieloSimulator.DEFAULT_MERCHANT_ID,
                        "merchant_key": "SIMULADOCIELOSANDBOXMERCHANTKEY000000000"}})
    provider.agenda = int(provider.ok("POST", f"{BASE}/configuracao/agenda_ordem_servico", {
        "descricao": "Instalações Campinas", "cidades": [{"cidade": "Campinas", "uf": "SP"}],
        "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"],
                      "hora_inicio": "08:00:00", "hora_termino": "18:00:00", "duracao_minutos": 60,
                      "capacidade": 5}]})["agenda_ordem_servico"]["id_agenda_ordem_servico"])
    return provider


def test_an_os_and_a_declined_charge_each_send_one_message(provider: Provider) -> None:
    customer, service = provider.customer(1, PHONE)
    opted_out, opted_out_service = provider.customer(2, OPTED_OUT_PHONE)
    provider.ok("PUT", f"{BASE}/cliente/{opted_out}/notificacao", {"whatsapp": False})
    day = next_weekday(date.today())
    provider.open_order(service, day, 9)
    provider.open_order(opted_out_service, day, 10)
    for customer_id, service_id in ((customer, service), (opted_out, opted_out_service)):
        provider.ok("POST", f"{BASE}/cliente/{customer_id}/cartao", card_body(luhn_number("4551", 2)))  # 05
        provider.ok("PUT", f"{BASE}/cliente_servico/{service_id}/cobranca", {"pagamento_recorrente": True})
        provider.ok("POST", f"{BASE}/financeiro/fatura", {"id_cliente_servico": service_id, "valor": "99.90",
                                                          "data_vencimento": "2026-12-10"})
    done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", "2026-12-10T10:00:00-03:00"], cwd=ROOT,
                          env=provider.stack.env, text=True, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr

    logged = provider.wait_for_log(customer, 2, ("enviada",))
    skipped = provider.wait_for_log(opted_out, 2, ("ignorada",))
    time.sleep(1)  # a duplicate would come now
    messages = provider.sent("55" + PHONE)
    assert len(messages) == 2
    [charge] = [m["message"] for m in messages if "pagamento" in m["message"]]
    [visit] = [m["message"] for m in messages if "visita" in m["message"]]
    assert charge.startswith("Olá, Joana. O pagamento de R$ 99,90 (vencimento 10/12/2026) no cartão Visa ••••")
    assert "foi recusado: 05 - Não Autorizada" in charge
    assert f"está agendada para {day.strftime('%d/%m/%Y')}, entre 09:00 e 10:00" in visit
    assert provider.sent("55" + OPTED_OUT_PHONE) == []
    assert sorted(m["evento"] for m in logged) == ["os_agendada", "pagamento_recusado"]
    assert {m["motivo"] for m in skipped} == {"O cliente optou por não receber mensagens de WhatsApp."}


def test_zapme_down_then_back_delivers_each_message_once(provider: Provider) -> None:
    customer, service = provider.customer(3, "21998765432")
    requests.post(f"{provider.zapme}/__sandbox/faults", json={
        "route": "POST /messages/create", "fault": "error_5xx", "times": 3}, timeout=TIMEOUT).raise_for_status()
    day = next_weekday(date.today())
    provider.open_order(service, day, 11)
    provider.open_order(service, day, 13)
    logged = provider.wait_for_log(customer, 2, ("enviada",))
    time.sleep(1)
    assert len(provider.sent("5521998765432")) == 2
    tries = sorted([t["resultado"] for t in m["tentativas"]] for m in logged)
    assert sum(t.count("falha_temporaria") for t in tries) == 3
    assert all(t[-1] == "enviada" and t.count("enviada") == 1 for t in tries)


def test_the_operators_status_and_test_message_reach_the_simulator(provider: Provider) -> None:
    phone = "5531998761234"
    status = provider.ok("GET", f"{BASE}/configuracao/integracao/zapme/status")["zapme_status"]
    assert (status["conta"]["plano"], status["dispositivo"]["conectado"]) == ("Simulador", True)

    answer = provider.ok("POST", f"{BASE}/configuracao/integracao/zapme/teste",
                         {"telefone": "(31) 99876-1234", "texto": "Teste pelo console"})

    [sent] = provider.sent(phone)
    assert sent["message"] == "Teste pelo console"
    assert answer["envio"] == {"situacao": "enviada", "motivo": "Mensagem enviada.", "id_mensagem": str(sent["id"]),
                               "telefone": phone}
    logged = provider.ok("GET", f"{BASE}/notificacao/mensagem")["mensagens"]
    assert all(m["telefone"] != phone for m in logged)  # a test is no customer's notification
