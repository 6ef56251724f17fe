"""Trust unlock over HTTP (``POST cliente/desbloqueio_confianca``, HubSoft's route): a service suspended by its
suspension profile is enabled until the day the answer names, shows so in ``GET cliente``, and the hourly tick
suspends it again that day if still unpaid; payment ends it for good; the profile's limits (days per unlock,
unlocks a month, 0: none) refuse in Portuguese in HubSoft's envelope and change nothing.

The API clock is 2026-12-10 10:00 in São Paulo; the ticks run at their own instants."""
from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from chalicelib.container import Container
from chalicelib.storage.models import BillingOutboxItem, BillingTableItem
from tests.conftest import MutableClock
from tests.functional.billing.test_recurring_http import cpf
from tests.functional.conftest import Http
from tests.functional.test_bad_input import assert_refused
from tests.functional.test_entrypoints import hourly_event
from tests.support.http import BASE, ok
from tests.support.hubsoft_shape import assert_hubsoft_shape

UNLOCK = f"{BASE}/cliente/desbloqueio_confianca"
PROFILES = f"{BASE}/configuracao/perfil_suspensao"
INVOICES = f"{BASE}/financeiro/fatura"
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}
SEEDS = itertools.count(300)


class Provider:
    def __init__(self, http: Http) -> None:
        self.http = http

    def profile(self, trust_days: int = 3, per_month: int = 1) -> int:
        """Suspends the day after the due date, no warning."""
        return int(ok(self.http.request("POST", PROFILES, {
            "descricao": f"Confiança {trust_days}/{per_month}", "dias_aviso": 0, "dias_bloqueio": 1,
            "dias_desbloqueio_confianca": trust_days, "desbloqueios_confianca_mes": per_month}))
            ["perfil_suspensao"]["id_perfil_suspensao"])

    def service(self, profile_id: int) -> int:
        created = ok(self.http.request("POST", f"{BASE}/cliente", {
            "nome_razaosocial": "Maria da Silva", "cpf_cnpj": cpf(next(SEEDS)), "telefone_primario": "11987654321",
            "servicos": [{"nome": "Fibra", "valor": "99.90", "endereco_instalacao": ADDRESS,
                          "id_perfil_suspensao": profile_id}]}))["cliente"]
        return int(created["servicos"][0]["id_cliente_servico"])

    def invoice(self, service_id: int, due: str = "2026-12-08") -> int:
        return int(ok(self.http.request("POST", INVOICES, {"id_cliente_servico": service_id, "valor": "99.90",
                                                           "data_vencimento": due}))["fatura"]["id_fatura"])

    def suspended(self, trust_days: int = 3, per_month: int = 1) -> tuple[int, int]:
        """A service suspended (by the tick of 2026-12-10) by its invoice: (service, invoice)."""
        service_id = self.service(self.profile(trust_days, per_month))
        invoice_id = self.invoice(service_id)
        self.tick("2026-12-10T13:00:00Z")
        assert self.found(service_id)["status"] == "servico_suspenso"
        return service_id, invoice_id

    def unlock(self, service_id: int, days: Any = None) -> Any:
        body = {"id_cliente_servico": service_id, **({} if days is None else {"dias_desbloqueio": days})}
        return self.http.request("POST", UNLOCK, body)

    def tick(self, at: str) -> dict[str, Any]:
        return dict(self.http.client.lambda_.invoke("hourly_tick", hourly_event(self.http, at)).payload)

    def found(self, service_id: int) -> dict[str, Any]:
        [customer] = ok(self.http.request("GET", f"{BASE}/cliente?busca=id_cliente_servico&termo_busca="
                                                 f"{service_id}"))["clientes"]
        return dict(customer["servicos"][0])

    @staticmethod
    def events(kind: str) -> list[dict[str, Any]]:
        bodies = [json.loads(i.body) for i in BillingTableItem.query("OUTBOX") if isinstance(i, BillingOutboxItem)]
        return [b["payload"] for b in bodies if b["type"] == kind]


@pytest.fixture
def provider(http: Http) -> Provider:
    http.login()
    return Provider(http)


def test_unlocked_until_the_named_day_then_suspended_again_that_day(provider: Provider) -> None:
    service_id, invoice_id = provider.suspended()
    answer = ok(provider.unlock(service_id, 2))
    assert answer["msg"] == "Serviço desbloqueado em confiança até 12/12/2026."
    assert answer["desbloqueio_confianca"] == {"id_cliente_servico": service_id, "dias_desbloqueio": 2,
                                               "data_fim": "2026-12-12"}
    shown = provider.found(service_id)
    assert (shown["status"], shown["desbloqueio_confianca"], shown["desbloqueio_confianca_ate"]) == (
        "servico_habilitado", True, "12/12/2026")
    [event] = provider.events("desbloqueio_confianca")
    assert (event["id_cliente_servico"], event["desbloqueio_ate"], event["dias_desbloqueio"]) == (
        service_id, "2026-12-12", 2)

    report = provider.tick("2026-12-12T02:00:00Z")["tarefas"]["desbloqueio_confianca"]  # 11/12 23:00 local
    assert report == {"suspensos_novamente": 0, "encerrados_pagos": 0}
    assert provider.found(service_id)["status"] == "servico_habilitado"

    report = provider.tick("2026-12-12T03:00:00Z")["tarefas"]["desbloqueio_confianca"]  # 12/12 00:00 local
    assert report == {"suspensos_novamente": 1, "encerrados_pagos": 0}
    shown = provider.found(service_id)
    assert (shown["status"], shown["desbloqueio_confianca"], shown["desbloqueio_confianca_ate"]) == (
        "servico_suspenso", False, None)
    again = provider.events("servico_suspenso")[-1]
    assert (again["id_fatura"], again["data_bloqueio"], again["fim_desbloqueio_confianca"]) == (
        invoice_id, "2026-12-12", "2026-12-12")
    assert provider.tick("2026-12-12T04:00:00Z")["tarefas"]["desbloqueio_confianca"]["suspensos_novamente"] == 0
    assert len(provider.events("servico_suspenso")) == 2  # the first suspension and this one, once


def test_payment_ends_the_trust_for_good(provider: Provider) -> None:
    service_id, invoice_id = provider.suspended()
    ok(provider.unlock(service_id))  # 1 day: until 11/12
    ok(provider.http.request("POST", f"{INVOICES}/liquidar", {"id_fatura": invoice_id, "data_pagamento": "2026-12-10",
                                                              "valor_pago": "99.90", "forma_pagamento": "pix"}))
    shown = provider.found(service_id)
    assert (shown["status"], shown["desbloqueio_confianca"]) == ("servico_habilitado", False)
    report = provider.tick("2026-12-11T13:00:00Z")["tarefas"]["desbloqueio_confianca"]
    assert report == {"suspensos_novamente": 0, "encerrados_pagos": 1}
    assert provider.found(service_id)["status"] == "servico_habilitado"
    assert len(provider.events("servico_suspenso")) == 1  # only the first suspension


def test_the_answer_has_hubsofts_shape(provider: Provider) -> None:
    service_id, _ = provider.suspended()
    assert_hubsoft_shape("POST cliente/desbloqueio_confianca", ok(provider.unlock(service_id)))


def test_refusals_say_why_in_portuguese_and_change_nothing(provider: Provider, stack: Container) -> None:
    service_id, _ = provider.suspended(trust_days=3, per_month=1)
    assert_refused(provider.unlock(service_id, 4), "no máximo 3 dias", "foram pedidos 4 dias")
    assert_refused(provider.unlock(service_id, 0), "dias_desbloqueio")
    assert_refused(provider.unlock(service_id, "dois"), "dias_desbloqueio")
    assert_refused(provider.http.request("POST", UNLOCK, {}), "id_cliente_servico")
    assert_refused(provider.unlock(999999), "Serviço de ID 999999 não encontrado")
    assert provider.found(service_id)["status"] == "servico_suspenso"
    assert provider.events("desbloqueio_confianca") == []

    ok(provider.unlock(service_id, 3))
    assert_refused(provider.unlock(service_id), "já está desbloqueado em confiança até 13/12/2026")
    provider.tick("2026-12-13T13:00:00Z")
    assert provider.found(service_id)["status"] == "servico_suspenso"
    assert_refused(provider.unlock(service_id), "já teve 1 desbloqueio em confiança neste mês")
    assert len(provider.events("desbloqueio_confianca")) == 1

    enabled = provider.service(provider.profile())
    assert_refused(provider.unlock(enabled), "não está suspenso")
    never, _ = provider.suspended(trust_days=0)
    assert_refused(provider.unlock(never), "não permite desbloqueio em confiança")


def test_a_new_month_allows_another_unlock(provider: Provider, clock: MutableClock) -> None:
    service_id, _ = provider.suspended()
    ok(provider.unlock(service_id))
    provider.tick("2026-12-11T13:00:00Z")
    assert_refused(provider.unlock(service_id), "neste mês")
    clock.advance(days=22)  # 2027-01-01
    provider.http.login()  # the token expired meanwhile
    assert ok(provider.unlock(service_id))["msg"] == "Serviço desbloqueado em confiança até 02/01/2027."


def test_the_profile_limits_are_edited_and_checked(provider: Provider) -> None:
    profile_id = provider.profile()
    changed = ok(provider.http.request("PUT", f"{PROFILES}/{profile_id}", {"dias_desbloqueio_confianca": 5,
                                                                           "desbloqueios_confianca_mes": 0}))
    assert (changed["perfil_suspensao"]["dias_desbloqueio_confianca"],
            changed["perfil_suspensao"]["desbloqueios_confianca_mes"]) == (5, 0)
    assert_refused(provider.http.request("PUT", f"{PROFILES}/{profile_id}", {"dias_desbloqueio_confianca": 31}),
                   "dias_desbloqueio_confianca")
    listed = {p["id_perfil_suspensao"]: p for p in ok(provider.http.request("GET", PROFILES))["perfis_suspensao"]}
    shown = listed[profile_id]
    assert (shown["dias_desbloqueio_confianca"], shown["desbloqueios_confianca_mes"]) == (5, 0)


def test_an_invoice_suspending_during_the_trust_ends_it(provider: Provider) -> None:
    service_id, _ = provider.suspended()
    provider.invoice(service_id, due="2026-12-10")  # reaches its suspension day on the 11th
    ok(provider.unlock(service_id, 3))  # until 13/12
    provider.tick("2026-12-11T13:00:00Z")
    shown = provider.found(service_id)
    assert (shown["status"], shown["desbloqueio_confianca"]) == ("servico_suspenso", False)
    assert provider.tick("2026-12-13T13:00:00Z")["tarefas"]["desbloqueio_confianca"] == {
        "suspensos_novamente": 0, "encerrados_pagos": 0}  # its entry only dropped: no second message
    assert len(provider.events("servico_suspenso")) == 2  # each invoice's suspension, once
