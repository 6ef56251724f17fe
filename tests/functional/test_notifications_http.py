"""WhatsApp notifications through the Chalice app: the ZapMe settings and
templates routes, and the notifications consumer (invoked as Lambda would,
with events shaped as the outboxes publish them) against the ZapMe
simulator: one message per event, opt-out and invalid numbers recorded and
skipped, temporary failures retried, permanent ones not."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.container import Container, build_container, use_container
from chalicelib.notify.channels import WHATSAPP
from chalicelib.ports import MESSAGES_FAILED, MESSAGES_SENT
from infra.definition import create_resources
from sandbox.simulators.zapme import ZapMeSimulator
from tests.aws import TEST_SETTINGS
from tests.conftest import MutableClock
from tests.fakes import CountingMetrics
from tests.functional.conftest import ADMIN, CLIENT, Http
from tests.functional.test_bad_input import assert_refused
from tests.support.http import BASE, ok

TEMPLATES = f"{BASE}/configuracao/notificacao/modelo"
LOG = f"{BASE}/notificacao/mensagem"
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}


@pytest.fixture
def zapme() -> Iterator[ZapMeSimulator]:
    simulator = ZapMeSimulator().start()
    yield simulator
    simulator.stop()


@pytest.fixture
def metrics() -> CountingMetrics:
    return CountingMetrics()


@pytest.fixture
def stack(clock: MutableClock, zapme: ZapMeSimulator, metrics: CountingMetrics) -> Iterator[Container]:
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        # As the local stack does: the simulator (http on loopback) is listed by its exact origin.
        settings = replace(TEST_SETTINGS, zapme_url=zapme.url,
                           zapme_allowed_hosts=(*TEST_SETTINGS.zapme_allowed_hosts, zapme.url))
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
        http.login()
        for document, phone in (("52998224725", "11987654321"), ("11144477735", "1932321234")):
            ok(http.request("POST", f"{BASE}/cliente", {
                "nome_razaosocial": f"MARIA SILVA {document[:3]}", "cpf_cnpj": document,
                "telefone_primario": phone,
                "servicos": [{"nome": "Fibra", "valor": "99.90", "endereco_instalacao": ADDRESS}]}))
        yield http


@pytest.fixture
def zapme_on(admin: Http) -> Http:
    answer = ok(admin.request("PUT", f"{BASE}/configuracao/integracao/zapme", {
        "ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": ZapMeSimulator.DEFAULT_SECRET}))
    assert ZapMeSimulator.DEFAULT_SECRET not in json.dumps(answer)
    return admin


def declined(customer_id: int = 1, event_id: str | None = None) -> dict[str, Any]:
    return {"type": "pagamento_recusado", "id": event_id or uuid.uuid4().hex, "payload": {
        "id_cliente": customer_id, "id_cliente_servico": customer_id, "id_fatura": 7, "valor_centavos": 123456,
        "data_vencimento": "2026-12-10", "cartao": "Visa •••• 2931", "tentativa": 1, "recorrente": True,
        "codigo_retorno": "05", "mensagem_retorno": "Não Autorizada",
        "orientacao": "Faremos uma nova tentativa amanhã.", "proxima_tentativa": "2026-12-11"}}


def deliver(http: Http, event: dict[str, Any], receive_count: int = 1) -> Any:
    sqs_event = http.client.events.generate_sqs_event([json.dumps(event)])
    for record in sqs_event["Records"]:
        record["messageId"] = str(uuid.uuid4())
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    return http.client.lambda_.invoke("notification_consumer", sqs_event).payload


def log(http: Http, **filters: Any) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in {"data_inicio": "2026-12-01", **filters}.items())
    return list(ok(http.request("GET", f"{LOG}?{query}"))["mensagens"])


def test_every_event_has_a_default_template_with_its_variables(admin: Http) -> None:
    templates = ok(admin.request("GET", TEMPLATES))["modelos"]
    assert [t["evento"] for t in templates] == [
        "os_agendada", "os_reagendada", "os_cancelada", "pagamento_aprovado", "pagamento_recusado",
        "cartao_requer_acao", "aviso_suspensao", "servico_suspenso"]
    assert all(t["ativo"] and t["padrao"] and t["texto"] for t in templates)
    declined_template = next(t for t in templates if t["evento"] == "pagamento_recusado")
    assert {"valor", "motivo", "orientacao", "proxima_tentativa"} <= {v["nome"] for v in
                                                                        declined_template["variaveis"]}


@pytest.mark.parametrize("event, body, fragment", [
    ("os_agendada", {"texto": "Olá {{nome}}, valor {{valor}}"},
     "Variável desconhecida para o evento os_agendada: valor"),
    ("os_agendada", {"texto": "   "}, "O campo texto não pode ficar vazio"),
    ("os_agendada", {"texto": "Olá {{nome}"}, "chaves {{ }} malformadas"),
    ("evento_inventado", {"texto": "Olá"}, "Evento de notificação desconhecido: 'evento_inventado'"),
    ("pagamento_aprovado", {"texto": "x" * 1001}, "não pode ser superior a 1000 caracteres"),
])
def test_bad_templates_are_refused_and_change_nothing(admin: Http, event: str, body: dict[str, Any],
                                                      fragment: str) -> None:
    before = ok(admin.request("GET", TEMPLATES))["modelos"]
    assert_refused(admin.request("PUT", f"{TEMPLATES}/{event}", body), fragment)
    assert ok(admin.request("GET", TEMPLATES))["modelos"] == before


def test_a_declined_payment_sends_one_message_rendered_in_brazilian_format(
        zapme_on: Http, zapme: ZapMeSimulator) -> None:
    http = zapme_on
    ok(http.request("PUT", f"{TEMPLATES}/pagamento_recusado", {
        "ativo": True, "texto": "{{primeiro_nome}}: {{valor}} venc. {{data_vencimento}} — {{motivo}}. "
                                "{{orientacao}} Próxima: {{proxima_tentativa}}"}))
    event = declined()
    deliver(http, event)
    deliver(http, event)  # the queue delivers it again
    sent = zapme.sent()
    assert [(m["phone"], m["message"]) for m in sent] == [(
        "5511987654321", "Maria: R$ 1.234,56 venc. 10/12/2026 — 05 - Não Autorizada. Faremos uma nova tentativa "
                         "amanhã. Próxima: 11/12/2026")]
    [logged] = log(http)
    assert (logged["id"], logged["status"], logged["telefone"], logged["id_zapme"]) == \
        (event["id"], "enviada", "5511987654321", str(sent[0]["id"]))
    assert (logged["evento"], logged["descricao_evento"]) == ("pagamento_recusado", "Pagamento recusado")
    assert [t["resultado"] for t in logged["tentativas"]] == ["enviada"]
    assert ZapMeSimulator.DEFAULT_SECRET not in json.dumps(logged)


def test_opted_out_and_landline_customers_get_nothing_recorded_as_skipped(
        zapme_on: Http, zapme: ZapMeSimulator) -> None:
    http = zapme_on
    ok(http.request("PUT", f"{BASE}/cliente/1/notificacao", {"whatsapp": False}))
    assert ok(http.request("GET", f"{BASE}/cliente/1/notificacao"))["notificacao"] == {"id_cliente": 1,
                                                                                      "whatsapp": False}
    deliver(http, declined(1))
    deliver(http, declined(2))  # (19) 3232-1234 is a landline
    assert zapme.sent() == []
    reasons = {m["id_cliente"]: (m["status"], m["motivo"]) for m in log(http)}
    assert reasons[1] == ("ignorada", "O cliente optou por não receber mensagens de WhatsApp.")
    assert reasons[2][0] == "ignorada" and "celular válido" in reasons[2][1]
    ok(http.request("PUT", f"{BASE}/cliente/1/notificacao", {"whatsapp": True}))
    deliver(http, declined(1))
    assert len(zapme.sent()) == 1


def test_zapme_down_then_back_delivers_once_with_the_tries_logged(zapme_on: Http, zapme: ZapMeSimulator,
                                                                  metrics: CountingMetrics) -> None:
    http = zapme_on
    event = declined()
    zapme.inject("POST /messages/create", "error_5xx", times=2)
    for receive in (1, 2):
        with pytest.raises(Exception, match="ZapMe indisponível"):
            deliver(http, event, receive)
        assert log(http)[0]["status"] == "falha_temporaria"
    deliver(http, event, 3)
    deliver(http, event, 4)  # a late duplicate
    assert len(zapme.sent()) == 1
    [logged] = log(http)
    assert logged["status"] == "enviada"
    assert [t["resultado"] for t in logged["tentativas"]] == ["falha_temporaria", "falha_temporaria", "enviada"]
    assert log(http, status="enviada") == [logged] and log(http, status="falha_temporaria") == []
    # each call to ZapMe counted once, and published by the consumer invocation that made it
    assert metrics.total() == {MESSAGES_FAILED: 2, MESSAGES_SENT: 1} and metrics.counts == {}


def test_a_permanent_refusal_is_not_retried_and_the_last_delivery_gives_up(
        zapme_on: Http, zapme: ZapMeSimulator, metrics: CountingMetrics) -> None:
    http = zapme_on
    refused = declined()
    zapme.inject("POST /messages/create", "error_4xx", status=400, reason="invalid_phone")
    deliver(http, refused)  # no exception: SQS must not deliver it again
    deliver(http, refused)
    failing = declined()
    zapme.inject("POST /messages/create", "error_5xx")
    with pytest.raises(Exception, match="ZapMe indisponível"):
        deliver(http, failing, receive_count=5)
    statuses = {m["id"]: m["status"] for m in log(http)}
    assert statuses == {refused["id"]: "falha_permanente", failing["id"]: "falha"}
    assert zapme.sent() == []
    # redriven from the dead-letter queue, it goes
    deliver(http, failing, receive_count=1)
    assert {m["id"]: m["status"] for m in log(http)}[failing["id"]] == "enviada"
    assert metrics.total() == {MESSAGES_FAILED: 2, MESSAGES_SENT: 1}  # the refusal's duplicate calls no one


def test_nothing_is_sent_while_zapme_is_not_configured_or_a_template_is_off(
        admin: Http, zapme: ZapMeSimulator) -> None:
    def reason(event: dict[str, Any]) -> str:
        return str(next(m["motivo"] for m in log(admin) if m["id"] == event["id"]))

    first = declined()
    deliver(admin, first)
    assert reason(first) == "A integração com a ZapMe não está configurada ou ativa."
    ok(admin.request("PUT", f"{BASE}/configuracao/integracao/zapme", {
        "ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": ZapMeSimulator.DEFAULT_SECRET}))
    ok(admin.request("PUT", f"{TEMPLATES}/pagamento_recusado", {"ativo": False}))
    second = declined()
    deliver(admin, second)
    assert reason(second) == "O modelo do evento pagamento_recusado está desativado."
    assert zapme.sent() == []
    settings = ok(admin.request("GET", f"{BASE}/configuracao/integracao/zapme"))["zapme"]
    assert settings["secret_configurado"] is True and "secret" not in settings


# --------------------------------------------------------- where the secret may go
ZAPME = f"{BASE}/configuracao/integracao/zapme"


def zapme_settings(http: Http, stack: Container) -> tuple[dict[str, Any], Any]:
    """What the API shows of the ZapMe settings and what is stored (the sealed secret included)."""
    return ok(http.request("GET", ZAPME))["zapme"], stack.notification_settings.config(WHATSAPP)


@pytest.mark.parametrize("body, fragment", [
    # A new url without the secret: the stored secret would follow it.
    ({"url": "https://api.zapme.com.br"}, "envie também o secret"),
    # With the secret, but not https on an allowed host.
    ({"url": "http://api.zapme.com.br", "secret": "novo-secret"}, "https://"),
    ({"url": "https://evil.example", "secret": "novo-secret"}, "não está entre os permitidos"),
    ({"url": "https://api.zapme.com.br.evil.example", "secret": "novo-secret"}, "não está entre os permitidos"),
    ({"url": "https://api.zapme.com.br@evil.example", "secret": "novo-secret"}, "usuário ou senha"),
    ({"url": "https://evil.example\\@api.zapme.com.br", "secret": "novo-secret"}, "caracteres inválidos"),
    ({"url": "https://api.zapme.com.br:8443", "secret": "novo-secret"}, "não está entre os permitidos"),
    ({"url": "https://zapme.com.br", "secret": "novo-secret"}, "não está entre os permitidos"),
    ({"url": "https://api.zapmé.com.br", "secret": "novo-secret"}, "não está entre os permitidos"),
    ({"url": "https://api.zapme.com.br?x=@evil.example", "secret": "novo-secret"}, "parâmetros"),
    ({"url": "ftp://api.zapme.com.br", "secret": "novo-secret"}, "https://"),
    # The simulator is allowed by its exact origin only.
    ({"url": "http://127.0.0.1:1", "secret": "novo-secret"}, "https://"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_zapme_url_changes_that_could_leak_the_secret_are_refused_and_change_nothing(
        zapme_on: Http, stack: Container, body: dict[str, Any], fragment: str) -> None:
    before = zapme_settings(zapme_on, stack)
    answer = zapme_on.request("PUT", ZAPME, {"ativo": False, "api": "outra-api", **body})
    assert_refused(answer, "url", fragment)
    assert "novo-secret" not in answer.body.decode()
    assert zapme_settings(zapme_on, stack) == before


def test_zapme_url_changes_with_the_secret_on_an_allowed_host_are_stored_canonical(
        zapme_on: Http, stack: Container, zapme: ZapMeSimulator) -> None:
    answer = ok(zapme_on.request("PUT", ZAPME, {"ativo": True, "api": "api", "secret": "secret-2",
                                                "url": "HTTPS://API.ZapMe.com.br:443/"}))
    assert answer["zapme"]["url"] == "https://api.zapme.com.br"
    # The same address again (however spelt), or none sent: the stored secret stays with it.
    ok(zapme_on.request("PUT", ZAPME, {"ativo": True, "api": "api-2", "url": "https://api.zapme.com.br/"}))
    ok(zapme_on.request("PUT", ZAPME, {"ativo": False, "api": "api-3"}))
    stored = stack.notification_settings.config(WHATSAPP)
    assert stored is not None and (stored.api, stored.url, stored.active) == ("api-3", "https://api.zapme.com.br",
                                                                                False)
    # Another allowed address (here the simulator's) takes the secret again too.
    assert_refused(zapme_on.request("PUT", ZAPME, {"ativo": True, "api": "api", "url": zapme.url}), "secret")
    assert stack.notification_settings.config(WHATSAPP) == stored
    ok(zapme_on.request("PUT", ZAPME, {"ativo": True, "api": ZapMeSimulator.DEFAULT_API, "url": zapme.url,
                                       "secret": ZapMeSimulator.DEFAULT_SECRET}))
    deliver(zapme_on, declined())
    assert len(zapme.sent()) == 1


def test_a_stored_address_off_the_allow_list_is_refused_at_send_time(
        zapme_on: Http, stack: Container, zapme: ZapMeSimulator, metrics: CountingMetrics) -> None:
    # Stored before the allow-list existed (or removed from it since): the secret is not sent there.
    current = stack.notification_settings.config(WHATSAPP)
    assert current is not None
    stack.notification_settings._store.save_channel_config(
        WHATSAPP, replace(current, url="https://api.zapme.com.br.evil.example"))
    event = declined()
    deliver(zapme_on, event)  # no exception: not retried, the address will not become allowed by waiting
    [logged] = log(zapme_on)
    assert (logged["id"], logged["status"]) == (event["id"], "falha_permanente")
    assert logged["motivo"].startswith("Envio bloqueado: o endereço configurado da API da ZapMe não é permitido")
    assert "https://api.zapme.com.br.evil.example" in logged["motivo"]
    assert [t["resultado"] for t in logged["tentativas"]] == ["falha_permanente"]
    assert zapme.sent() == [] and metrics.total() == {MESSAGES_FAILED: 1}


def test_a_declined_payment_message_never_carries_a_card_number(zapme_on: Http, zapme: ZapMeSimulator) -> None:
    # An event raised before billing masked the gateway's words: masked when the message is rendered.
    event = declined()
    event["payload"]["mensagem_retorno"] = "Cartao 4024 0071 9769 2931 nao autorizado"
    deliver(zapme_on, event)
    [sent] = zapme.sent()
    assert "4024" not in sent["message"] and "Cartao **** nao autorizado" in sent["message"]
    assert "4024" not in json.dumps(log(zapme_on))
