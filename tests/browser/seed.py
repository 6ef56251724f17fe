"""What the console's browser tests find in the running local stack, set up over HTTP as an operator would.

Dates are relative to today (the stack's clock is the real one): the calendar week is the week after
next, so every slot is still ahead whenever the tests run. Each test works on OS of its own.

Run by hand against a running stack to look at the console with data in it:
``python -m tests.browser.seed http://127.0.0.1:8000`` (the tick needs the stack's
``SANDBOX_STATE_DIR`` in the environment).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from tests.functional.billing.test_recurring_http import cpf
from tests.integration.test_simulators import luhn_number
from tests.support.http import BASE
from tests.support.stack import CREDENTIALS, ROOT

CIELO_MERCHANT_ID = "0b5e1a4c-5a1d-4c1e-9e10-5a1d0c1e1000"
CIELO_KEY = "SIMULADOCIELOSANDBOXMERCHANTKEY000000000"
ZONE = ZoneInfo("America/Sao_Paulo")
TIMEOUT = 15
WEEKDAYS = ["segunda", "terca", "quarta", "quinta", "sexta"]


def address(city: str = "Campinas") -> dict[str, str]:
    return {"logradouro": "Rua das Flores", "numero": "10", "bairro": "Centro", "cidade": city, "uf": "SP",
            "cep": "13010-000"}


def provider_today() -> date:
    return datetime.now(ZONE).date()


@dataclass
class Seeded:
    """Ids the tests drive the console with."""

    monday: date
    technicians: dict[str, int] = field(default_factory=dict)
    agendas: dict[str, int] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    services: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)  # the OS numbers operators read, by the orders' keys
    invoices: dict[str, int] = field(default_factory=dict)

    def day(self, offset: int) -> str:
        return (self.monday + timedelta(days=offset)).isoformat()

    def day_br(self, offset: int) -> str:
        """The same day as the console shows and takes it: dd/mm/aaaa."""
        return (self.monday + timedelta(days=offset)).strftime("%d/%m/%Y")


class Operator:
    """The API as the tests' operator calls it (admin, bearer token)."""

    def __init__(self, url: str, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.env = env if env is not None else dict(os.environ)
        answer = requests.post(f"{url}/oauth/token", json=CREDENTIALS, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> dict[str, Any]:
        answer = requests.request(method, f"{self.url}{BASE}/{path}", json=body, params=query or None,
                                  headers=self.headers, timeout=TIMEOUT)
        payload: dict[str, Any] = answer.json()
        assert answer.status_code == 200, payload
        return payload

    def ok(self, method: str, path: str, body: Any = None, **query: Any) -> dict[str, Any]:
        payload = self.call(method, path, body, **query)
        assert payload["status"] == "success", payload
        return payload

    def technician(self, name: str, email: str) -> int:
        return int(self.ok("POST", "configuracao/tecnico", {"name": name, "email": email})["tecnico"]["id"])

    def agenda(self, description: str, technicians: list[int], capacity: int, **extra: Any) -> int:
        body = {"descricao": description, "ativo": True, "cidades": [{"cidade": "Campinas", "uf": "SP"}],
                "tecnicos": [{"id": t} for t in technicians],
                "horarios": [{"dias_semana": WEEKDAYS, "hora_inicio": "08:00:00", "hora_termino": "18:00:00",
                              "duracao_minutos": 60, "capacidade": capacity}], **extra}
        created = self.ok("POST", "configuracao/agenda_ordem_servico", body)
        return int(created["agenda_ordem_servico"]["id_agenda_ordem_servico"])

    def customer(self, seed: int, name: str, city: str = "Campinas") -> tuple[int, int]:
        created = self.ok("POST", "cliente", {
            "nome_razaosocial": name, "cpf_cnpj": cpf(900 + seed), "telefone_primario": "19987654321",
            "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": address(city)}]})["cliente"]
        return int(created["id_cliente"]), int(created["servicos"][0]["id_cliente_servico"])

    def order(self, service_id: int, agenda_id: int, day: str, start: str, end: str, technician: int) -> int:
        opened = self.ok("POST", "atendimento", {
            "id_cliente_servico": service_id, "descricao": "Instalação de fibra", "nome": "Contato",
            "telefone": "19987654321", "abrir_os": True, "parametros_ordem_servico": {
                "id_agenda_ordem_servico": agenda_id, "data_inicio_programado": day,
                "hora_inicio_programado": start, "data_termino_programado": day, "hora_termino_programado": end,
                "tecnicos": [{"id": technician}]}})
        return int(opened["atendimento"]["ordens_servico"][0]["id_ordem_servico"])

    def calendar_event(self, order_id: int, day: str) -> dict[str, Any]:
        events = self.ok("GET", "ordem_servico/calendario", data_inicio=day, data_fim=day, ver_por="agenda")["eventos"]
        return next(e for e in events if e["id_ordem_servico"] == order_id)

    def card(self, customer_id: int, ending: int) -> dict[str, Any]:
        return dict(self.ok("POST", f"cliente/{customer_id}/cartao", {
            "numero": luhn_number("4551", ending), "nome_titular": "Titular Teste", "mes_validade": 12,
            "ano_validade": provider_today().year + 4, "cvv": "123"})["cartao"])

    def invoice(self, service_id: int, due: str) -> int:
        return int(self.ok("POST", "financeiro/fatura", {"id_cliente_servico": service_id, "valor": "99.90",
                                                         "data_vencimento": due})["fatura"]["id_fatura"])

    def tick(self, at: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", at], cwd=ROOT, env=self.env,
                              text=True, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    def settled_attempts(self, count: int) -> list[dict[str, Any]]:
        """The charge panel once ``count`` attempts are there and none is in flight."""
        deadline = time.monotonic() + 60
        while True:
            rows = self.ok("GET", "financeiro/cartao/processamentos")["processamentos"]
            if len(rows) >= count and all(r["status"] != "processando" for r in rows):
                return list(rows)
            assert time.monotonic() < deadline, rows
            time.sleep(0.3)


def seed(operator: Operator) -> Seeded:
    today = provider_today()
    # The Monday of the week after next: free slots and reschedules are always ahead of now.
    seeded = Seeded(monday=today + timedelta(days=7 - today.weekday() + 7))
    operator.ok("PUT", "configuracao/integracao/cartao_credito/cielo", {
        "ativo": True, "ambiente": "sandbox", "permite_recorrencia_automatica": True,
        "credenciais": {"merchant_id": CIELO_MERCHANT_ID, "merchant_key": CIELO_KEY}})
    t = seeded.technicians
    t["ana"] = operator.technician("Ana Souza", "ana@example.com")
    t["bruno"] = operator.technician("Bruno Lima", "bruno@example.com")
    a = seeded.agendas
    a["instalacoes"] = operator.agenda("Instalações Campinas", [t["ana"], t["bruno"]], capacity=1)
    a["reparos"] = operator.agenda("Reparos Campinas", [t["bruno"]], capacity=2)
    for key, name in (("maria", "Maria Assinante"), ("joao", "João Pereira"), ("carla", "Carla Bloqueada"),
                      ("davi", "Davi Avulso"), ("elisa", "Elisa Cartões")):
        seeded.customers[key], seeded.services[key] = operator.customer(len(seeded.customers), name)
    s, o, d = seeded.services, seeded.orders, seeded.day
    o["mover"] = operator.order(s["maria"], a["instalacoes"], d(0), "09:00", "10:00", t["ana"])
    o["lotado"] = operator.order(s["joao"], a["instalacoes"], d(2), "09:00", "10:00", t["ana"])
    o["recusar"] = operator.order(s["joao"], a["instalacoes"], d(3), "09:00", "10:00", t["bruno"])
    o["desfazer"] = operator.order(s["maria"], a["instalacoes"], d(4), "09:00", "10:00", t["ana"])
    o["reparo"] = operator.order(s["davi"], a["reparos"], d(0), "14:00", "15:00", t["bruno"])
    o["teclado"] = operator.order(s["davi"], a["reparos"], d(1), "10:00", "11:00", t["bruno"])
    listed = operator.ok("GET", "ordem_servico/todos", data_inicio=d(0), data_fim=d(4), itens_por_pagina=50)
    by_id = {int(os["id_ordem_servico"]): int(os["numero"]) for os in listed["ordens_servico"]}
    seeded.numbers = {key: by_id[order_id] for key, order_id in o.items()}
    return seeded


def seed_charges(operator: Operator, seeded: Seeded) -> None:
    """A recurring try declined 78 (card ending 5, through the hourly tick) and an operator's one-off charge
    declined 05 (card ending 2)."""
    due = (provider_today() + timedelta(days=3)).isoformat()
    c, s = seeded.customers, seeded.services
    operator.card(c["carla"], 5)
    operator.ok("PUT", f"cliente_servico/{s['carla']}/cobranca", {"pagamento_recorrente": True})
    seeded.invoices["recorrente"] = operator.invoice(s["carla"], due)
    operator.card(c["davi"], 2)
    seeded.invoices["avulsa"] = operator.invoice(s["davi"], due)
    # Both invoices are due; the consumer drops the one whose service does not pay by recurring card.
    report = operator.tick(f"{due}T10:00:00-03:00")
    assert report["tarefas"]["cobrancas_recorrentes"]["enfileiradas"] == 2, report
    operator.ok("POST", f"financeiro/fatura/{seeded.invoices['avulsa']}/cobrar_cartao")
    operator.settled_attempts(2)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    op = Operator(target)
    data = seed(op)
    seed_charges(op, data)
    print(json.dumps({k: v for k, v in data.__dict__.items() if k != "monday"} | {"segunda": data.day(0)},
                     ensure_ascii=False, indent=2))
