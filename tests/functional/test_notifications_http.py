"""WhatsApp notifications through the Chalice app: the ZapMe settings and
templates routes, and the notifications consumer (invoked as Lambda would,
with events shaped as the outboxes publish them) against the ZapMe
simulator: one message per event, opt-out and invalid numbers recorded and
skipped, temporary failures retried, permanent ones not. The operator's
routes: ZapMe's account status and a test message, asked of the simulator
now, and a template's preview, refused as its PUT is."""
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
from chalicelib.notify.zapme import CREDENTIALS_REFUSED, NO_CONNECTION
from chalicelib.ports import MESSAGES_FAILED, MESSAGES_SENT
from chalicelib.queues import NOTIFICATIONS, queue_name
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
        "cartao_requer_acao", "aviso_suspensao", "servico_suspenso", "desbloqueio_confianca", "segunda_via"]
    assert all(t["ativo"] and t["padrao"] and t["texto"] for t in templates)
    declined_template = next(t for t in templates if t["evento"] == "pagamento_recusado")
    assert {"valor", "motivo", "orientacao", "proxima_tentativa"} <= {v["nome"] for v in
                                                                        declined_template["variaveis"]}


# Refused by the template's PUT and by its preview alike.
BAD_TEMPLATES = pytest.mark.parametrize("event, body, fragment", [
    ("os_agendada", {"texto": "Olá {{nome}}, valor {{valor}}"},
     "Variável desconhecida para o evento os_agendada: valor"),
    ("os_agendada", {"texto": "   "}, "O campo texto não pode ficar vazio"),
    ("os_agendada", {"texto": "Olá {{nome}"}, "chaves {{ }} malformadas"),
    ("evento_inventado", {"texto": "Olá"}, "Evento de notificação desconhecido: 'evento_inventado'"),
    ("pagamento_aprovado", {"texto": "x" * 1001}, "não pode ser superior a 1000 caracteres"),
])


@BAD_TEMPLATES
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


# --------------------------------------------------------- the operator's routes: status, test message, preview
STATUS = f"{ZAPME}/status"
TEST = f"{ZAPME}/teste"
USERS = f"{BASE}/configuracao/usuario"
PERMISSION_MSG = "O Usuário não possui a permissão desejada!"


def test_zapme_status_asks_the_simulator_now(zapme_on: Http, zapme: ZapMeSimulator) -> None:
    answer = ok(zapme_on.request("GET", STATUS))
    status = answer["zapme_status"]
    assert answer["msg"] == "Conta ZapMe ativa; WhatsApp conectado."
    assert (status["conta"]["plano"], status["conta"]["situacao"]) == ("Simulador", "active")
    assert status["conta"]["vencimento"] and status["dispositivo"]["conectado"] is True
    assert status["dispositivo"]["autenticado_em"]

    zapme.device_connected = False
    status = ok(zapme_on.request("GET", STATUS))["zapme_status"]
    assert status["dispositivo"] == {"conectado": False, "autenticado_em": None}
    assert [r.path.split("?")[0] for r in zapme.requests] == ["/status", "/status"]
    assert ZapMeSimulator.DEFAULT_SECRET not in json.dumps(answer)


def test_zapme_status_refusals_say_why_and_never_echo_the_secret(admin: Http, zapme: ZapMeSimulator) -> None:
    assert_refused(admin.request("GET", STATUS), "A integração com a ZapMe não está configurada")
    ok(admin.request("PUT", ZAPME, {"ativo": False, "api": ZapMeSimulator.DEFAULT_API,
                                    "secret": ZapMeSimulator.DEFAULT_SECRET}))
    assert_refused(admin.request("GET", STATUS), "A integração com a ZapMe está desativada")
    assert zapme.requests == []  # nothing asked of ZapMe until it is configured and active

    ok(admin.request("PUT", ZAPME, {"ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": "segredo-errado"}))
    refused = admin.request("GET", STATUS)
    assert_refused(refused, CREDENTIALS_REFUSED)
    assert "segredo-errado" not in refused.body.decode()

    ok(admin.request("PUT", ZAPME, {"ativo": True, "api": ZapMeSimulator.DEFAULT_API,
                                    "secret": ZapMeSimulator.DEFAULT_SECRET}))
    zapme.inject("POST /status", "down")
    unreachable = admin.request("GET", STATUS)
    assert_refused(unreachable, NO_CONNECTION)
    assert ZapMeSimulator.DEFAULT_SECRET not in unreachable.body.decode()


def test_a_test_message_reaches_the_simulator_now_and_no_customers_log(zapme_on: Http,
                                                                         zapme: ZapMeSimulator) -> None:
    answer = ok(zapme_on.request("POST", TEST, {"telefone": "(11) 98765-4321"}))
    [sent] = zapme.sent()
    assert answer["envio"] == {"situacao": "enviada", "motivo": "Mensagem enviada.", "id_mensagem": str(sent["id"]),
                               "telefone": "5511987654321"}
    assert answer["msg"] == "Mensagem de teste enviada."
    assert (sent["phone"], sent["message"]) == ("5511987654321", (
        "Mensagem de teste da integração com a ZapMe: se você a recebeu, o envio por WhatsApp está funcionando."))

    written = ok(zapme_on.request("POST", TEST, {"telefone": "+55 21 99876-5432", "texto": "  Olá, teste!  "}))
    assert written["envio"]["situacao"] == "enviada"
    assert [(m["phone"], m["message"]) for m in zapme.sent()[1:]] == [("5521998765432", "Olá, teste!")]
    assert log(zapme_on) == []  # not a notification: no customer's message log has it
    assert ZapMeSimulator.DEFAULT_SECRET not in json.dumps([answer, written])


def test_a_test_message_zapme_refuses_is_answered_as_failed(zapme_on: Http, zapme: ZapMeSimulator) -> None:
    missing = ok(zapme_on.request("POST", TEST, {"telefone": "11987650000"}))  # the simulator: not on WhatsApp
    assert missing["envio"]["situacao"] == "falhou" and missing["msg"] == "A ZapMe não enviou a mensagem de teste."
    assert missing["envio"]["motivo"] == "O número não existe no WhatsApp."
    assert missing["envio"]["id_mensagem"] == str(zapme.sent()[0]["id"])

    zapme.inject("POST /messages/create", "error_5xx")
    down = ok(zapme_on.request("POST", TEST, {"telefone": "11987654321"}))["envio"]
    assert (down["situacao"], down["id_mensagem"]) == ("falhou", None) and "HTTP 503" in down["motivo"]
    assert len(zapme.sent()) == 1 and log(zapme_on) == []  # not retried


@pytest.mark.parametrize("body, fragment", [
    ({}, "O campo telefone é obrigatório."),
    ({"telefone": "123"}, "O campo telefone deve ser um telefone brasileiro com DDD (ex.: 11987654321)."),
    ({"telefone": "(19) 3232-1234"}, "O campo telefone deve ser um celular (WhatsApp): 1932321234 não é."),
    ({"telefone": "+1 650 253 0000"}, "O campo telefone deve ser um telefone brasileiro com DDD"),
    ({"telefone": "11987654321", "texto": "x" * 1001}, "O campo texto não pode ser superior a 1000 caracteres."),
])
def test_a_test_message_to_a_bad_number_is_refused_and_nothing_sent(zapme_on: Http, zapme: ZapMeSimulator,
                                                                     body: dict[str, Any], fragment: str) -> None:
    assert_refused(zapme_on.request("POST", TEST, body), fragment)
    assert zapme.sent() == []


def test_a_test_message_is_refused_while_zapme_is_not_configured_or_inactive(admin: Http,
                                                                             zapme: ZapMeSimulator) -> None:
    assert_refused(admin.request("POST", TEST, {"telefone": "11987654321"}),
                   "A integração com a ZapMe não está configurada: salve a api e o secret da ZapMe primeiro.")
    ok(admin.request("PUT", ZAPME, {"ativo": False, "api": ZapMeSimulator.DEFAULT_API,
                                    "secret": ZapMeSimulator.DEFAULT_SECRET}))
    assert_refused(admin.request("POST", TEST, {"telefone": "11987654321"}),
                   "A integração com a ZapMe está desativada")
    assert zapme.requests == []


def test_a_preview_renders_the_current_or_given_text_with_examples(admin: Http) -> None:
    preview = ok(admin.request("POST", f"{TEMPLATES}/os_reagendada/previa"))["previa"]
    assert preview == {
        "evento": "os_reagendada",
        "texto": "Olá, Maria! Sua visita técnica (OS 1042) mudou para 15/12/2026, entre 09:00 e 11:00.",
        "exemplo": {"nome": "MARIA DA SILVA", "primeiro_nome": "Maria", "numero_os": "1042", "data": "15/12/2026",
                    "hora_inicio": "09:00", "hora_fim": "11:00", "data_anterior": "12/12/2026",
                    "hora_inicio_anterior": "14:00", "hora_fim_anterior": "16:00"}}
    ok(admin.request("PUT", f"{TEMPLATES}/os_reagendada", {"texto": "{{nome}}: de {{data_anterior}} para {{data}}"}))
    assert ok(admin.request("POST", f"{TEMPLATES}/os_reagendada/previa"))["previa"]["texto"] == \
        "MARIA DA SILVA: de 12/12/2026 para 15/12/2026"
    given = ok(admin.request("POST", f"{TEMPLATES}/os_reagendada/previa", {"texto": "Oi {{primeiro_nome}}"}))
    assert given["previa"]["texto"] == "Oi Maria"
    # a preview saves nothing
    [template] = [t for t in ok(admin.request("GET", TEMPLATES))["modelos"] if t["evento"] == "os_reagendada"]
    assert template["texto"] == "{{nome}}: de {{data_anterior}} para {{data}}"


@BAD_TEMPLATES
def test_a_preview_is_refused_as_the_templates_put_is(admin: Http, event: str, body: dict[str, Any],
                                                      fragment: str) -> None:
    before = ok(admin.request("GET", TEMPLATES))["modelos"]
    previewed = admin.request("POST", f"{TEMPLATES}/{event}/previa", body)
    saved = admin.request("PUT", f"{TEMPLATES}/{event}", body)
    assert_refused(previewed, fragment)
    assert (previewed.json["msg"], previewed.json["errors"]) == (saved.json["msg"], saved.json["errors"])
    assert ok(admin.request("GET", TEMPLATES))["modelos"] == before


def test_each_operator_route_needs_its_permission(zapme_on: Http, zapme: ZapMeSimulator) -> None:
    preview = f"{TEMPLATES}/os_agendada/previa"
    zapme_on.login()
    for username, permission in (("integracoes", "Configurar integrações"),
                                 ("notificacoes", "Configurar notificações")):
        created = zapme_on.request("POST", USERS, {"username": username, "password": "senha-forte-1",
                                                   "nome": username, "permissoes": [permission]})
        assert created.json["status"] == "success", created.json
    zapme_on.login("integracoes", "senha-forte-1")
    ok(zapme_on.request("GET", STATUS))
    ok(zapme_on.request("POST", TEST, {"telefone": "11987654321"}))
    forbidden = zapme_on.request("POST", preview)
    assert forbidden.status_code == 403 and forbidden.json["msg"] == PERMISSION_MSG

    zapme_on.login("notificacoes", "senha-forte-1")
    ok(zapme_on.request("POST", preview))
    for method, path, body in (("GET", STATUS, None), ("POST", TEST, {"telefone": "11987654321"})):
        answer = zapme_on.request(method, path, body)
        assert answer.status_code == 403 and answer.json["msg"] == PERMISSION_MSG, (method, path)
    assert len(zapme.sent()) == 1  # the forbidden test message went nowhere


# -- cliente/financeiro/enviar_whatsapp and HubSoft's enviar_sms: the invoice's payment data handed to the
# notifications queue as a segunda_via event, sent by the consumer with the provider's template.
INVOICES = f"{BASE}/financeiro/fatura"
LINE = "23793381286000000000300000000400184340000009990"
PIX = "00020101021226860014br.gov.bcb.pix2564pix.exemplo.com.br/qr/v2/cobv/7310520400005303986540599.905802BR6304ABCD"


def queued() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue_name(NOTIFICATIONS))["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def test_enviar_whatsapp_hands_the_payment_data_to_the_channel(zapme_on: Http, zapme: ZapMeSimulator,
                                                               stack: Container) -> None:
    http = zapme_on
    created = ok(http.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": "99.90",
                                                 "data_vencimento": "2026-12-10", "linha_digitavel": LINE,
                                                 "pix_copia_cola": PIX}))["fatura"]
    answer = ok(http.request("POST", f"{BASE}/cliente/financeiro/enviar_whatsapp", {"id_fatura": created["id_fatura"]}))
    assert answer["msg"] == f"Fatura {created['id_fatura']} entregue ao canal WhatsApp para envio."
    [event] = queued()
    assert (event["type"], event["id"], event["payload"]["id_cliente"]) == ("segunda_via", answer["id_mensagem"], 1)
    deliver(http, event)
    [sent] = zapme.sent()
    assert sent["message"] == (f"Olá, Maria! Segue a fatura de R$ 99,90 com vencimento em 10/12/2026.\n"
                               f"Linha digitável: {LINE}\nPIX copia e cola: {PIX}")
    assert [m["evento"] for m in log(http)] == ["segunda_via"]


def test_enviar_sms_goes_through_the_configured_channel_and_says_so(zapme_on: Http) -> None:
    http = zapme_on
    created = ok(http.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": "99.90",
                                                 "data_vencimento": "2026-12-10",
                                                 "link": "https://boletos.exemplo.com.br/1"}))["fatura"]
    answer = ok(http.request("POST", f"{BASE}/cliente/financeiro/enviar_sms", {"id_fatura": created["id_fatura"]}))
    assert "Não há canal de SMS nesta instalação" in answer["msg"] and "WhatsApp" in answer["msg"]
    assert [e["type"] for e in queued()] == ["segunda_via"]


def test_refusals_send_nothing(admin: Http) -> None:
    route = f"{BASE}/cliente/financeiro/enviar_whatsapp"
    bare = ok(admin.request("POST", INVOICES, {"id_cliente_servico": 1, "valor": "99.90",
                                               "data_vencimento": "2026-12-10"}))["fatura"]
    assert_refused(admin.request("POST", route, {"id_fatura": bare["id_fatura"]}), "não tem linha digitável")
    ok(admin.request("PUT", f"{INVOICES}/{bare['id_fatura']}/dados_pagamento", {"pix_copia_cola": PIX}))
    assert_refused(admin.request("POST", route, {"id_fatura": bare["id_fatura"]}), "Nenhum canal de notificação")
    ok(admin.request("PUT", f"{BASE}/configuracao/integracao/zapme", {
        "ativo": True, "api": ZapMeSimulator.DEFAULT_API, "secret": ZapMeSimulator.DEFAULT_SECRET}))
    ok(admin.request("PUT", f"{TEMPLATES}/segunda_via", {"ativo": False}))
    assert_refused(admin.request("POST", route, {"id_fatura": bare["id_fatura"]}), "segunda_via está desativada")
    ok(admin.request("POST", f"{INVOICES}/{bare['id_fatura']}/cancelar"))
    assert_refused(admin.request("POST", route, {"id_fatura": bare["id_fatura"]}), "está cancelada")
    assert_refused(admin.request("POST", route, {"id_fatura": 999}), "não encontrada")
    assert_refused(admin.request("POST", route, {}), "id_fatura")
    assert queued() == []
