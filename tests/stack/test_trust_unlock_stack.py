"""Trust unlock in time, through the running product (``python -m sandbox serve`` as a real process), with
``python -m sandbox tick --at`` moving the tick's clock: a service suspended by its profile is unlocked for 2 days
(more than the profile's maximum is refused), stays enabled on day 2, is suspended again on day 3 while unpaid,
and payment restores it for good.

The API runs on the real clock: day 1 is the provider's today."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from chalicelib.config import DEFAULT_TIMEZONE
from tests.functional.billing.support import ADDRESS
from tests.functional.billing.test_recurring_http import cpf
from tests.support.http import BASE, ok_response
from tests.support.stack import ROOT, RunningStack, token

TIMEOUT = 15


def provider_today() -> date:
    return datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()  # the stack's provider is in the default zone


class Provider:
    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.headers = {"Authorization": f"Bearer {token(stack)}"}

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> dict[str, Any]:
        answer = requests.request(method, f"{self.stack.url}{BASE}/{path}", json=body, params=query,
                                  headers=self.headers, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        payload: dict[str, Any] = answer.json()
        return payload

    def ok(self, method: str, path: str, body: Any = None, **query: Any) -> dict[str, Any]:
        return ok_response(requests.request(method, f"{self.stack.url}{BASE}/{path}", json=body, params=query,
                                            headers=self.headers, timeout=TIMEOUT))

    def tick(self, day: date, hour: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "sandbox", "tick", "--at", f"{day.isoformat()}T{hour}-03:00"],
                              cwd=ROOT, env=self.stack.env, text=True, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return dict(report["tarefas"]["desbloqueio_confianca"])

    def service(self, service_id: int) -> dict[str, Any]:
        [customer] = self.ok("GET", "cliente", busca="id_cliente_servico", termo_busca=service_id)["clientes"]
        return dict(customer["servicos"][0])


def test_suspended_unlocked_for_two_days_suspended_again_on_day_three_then_paid(local_stack: RunningStack) -> None:
    provider = Provider(local_stack)
    day1 = provider_today()
    profile = provider.ok("POST", "configuracao/perfil_suspensao", {
        "descricao": "Confiança 2 dias", "dias_aviso": 0, "dias_bloqueio": 1, "dias_desbloqueio_confianca": 2,
        "desbloqueios_confianca_mes": 2})["perfil_suspensao"]["id_perfil_suspensao"]
    created = provider.ok("POST", "cliente", {
        "nome_razaosocial": "Rita Confiança", "cpf_cnpj": cpf(880), "telefone_primario": "11987654321",
        "servicos": [{"nome": "Fibra", "valor": "99.90", "endereco_instalacao": ADDRESS,
                      "id_perfil_suspensao": profile}]})["cliente"]
    service_id = created["servicos"][0]["id_cliente_servico"]
    invoice_id = provider.ok("POST", "financeiro/fatura", {
        "id_cliente_servico": service_id, "valor": "99.90",
        "data_vencimento": (day1 - timedelta(days=2)).isoformat()})["fatura"]["id_fatura"]
    provider.tick(day1, "08:00:00")
    assert provider.service(service_id)["status"] == "servico_suspenso"

    # Beyond the profile's maximum: refused, nothing changes.
    refused = provider.call("POST", "cliente/desbloqueio_confianca", {"id_cliente_servico": service_id,
                                                                      "dias_desbloqueio": 3})
    assert refused["status"] == "error" and "no máximo 2 dias" in refused["msg"], refused
    assert provider.service(service_id)["status"] == "servico_suspenso"

    day3 = day1 + timedelta(days=2)
    unlocked = provider.ok("POST", "cliente/desbloqueio_confianca", {"id_cliente_servico": service_id,
                                                                     "dias_desbloqueio": 2})
    assert unlocked["msg"] == f"Serviço desbloqueado em confiança até {day3.strftime('%d/%m/%Y')}."
    shown = provider.service(service_id)
    assert (shown["status"], shown["desbloqueio_confianca_ate"]) == ("servico_habilitado", day3.strftime("%d/%m/%Y"))

    assert provider.tick(day1 + timedelta(days=1), "12:00:00")["suspensos_novamente"] == 0  # day 2
    assert provider.service(service_id)["status"] == "servico_habilitado"
    assert provider.tick(day3, "00:30:00")["suspensos_novamente"] == 1  # day 3, still unpaid
    shown = provider.service(service_id)
    assert (shown["status"], shown["desbloqueio_confianca"]) == ("servico_suspenso", False)

    # Unlocked once more this month (the profile allows 2), then paid: enabled for good, the tick only clears it.
    provider.ok("POST", "cliente/desbloqueio_confianca", {"id_cliente_servico": service_id})
    provider.ok("POST", "financeiro/fatura/liquidar", {"id_fatura": invoice_id, "data_pagamento": day1.isoformat(),
                                                       "valor_pago": "99.90", "forma_pagamento": "pix"})
    assert provider.service(service_id)["status"] == "servico_habilitado"
    assert provider.tick(day1 + timedelta(days=1), "13:00:00") == {"suspensos_novamente": 0, "encerrados_pagos": 1}
    assert provider.tick(day1 + timedelta(days=5), "13:00:00")["suspensos_novamente"] == 0
    shown = provider.service(service_id)
    assert (shown["status"], shown["desbloqueio_confianca"]) == ("servico_habilitado", False)
