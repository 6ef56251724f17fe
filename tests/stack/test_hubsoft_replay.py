"""Replay of real HubSoft clients against the product as a user runs it.

The local stack (``python -m sandbox serve``) runs as a real process, with the
real clock; every request below goes over HTTP, shaped exactly as one of the
public, open-source HubSoft API clients sends it
(form or JSON token, ``Authorization: <token_type> <access_token>``, one
re-authentication after a 401, ids as strings, PHP-style form keys, ``status``
csv, paging from 1, ``relacoes``), and every answer is checked as HubSoft
answers it (HubSoft's API documentation and official examples, hubsoftbrasil/api on GitHub).

Setup goes through the API too: technicians, customers with a service in
Campinas/SP, and one agenda (weekdays 08–18, 1 h slots, 5 places each).
Dates are computed from today: each test books its own weekday of the next
two weeks, so the tests do not depend on each other's data or order.

Some tests began as ``xfail`` records of differences real clients trip over
(customer dates, OS without agenda, long periods, shape-2 keys); they pass
since those were fixed.
"""
from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.auth.model import ACCESS_TOKEN_SECONDS
from tests.support.http import BASE
from tests.support.stack import CREDENTIALS, RunningStack

ORDERS = f"{BASE}/ordem_servico"
ZONE = ZoneInfo("America/Sao_Paulo")  # PROVIDER_TIMEZONE of the local stack
TIMEOUT = 15
BR_MOMENT = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")  # cliente/ordem_servico (shape 1)
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")  # ordem_servico/* (shapes 2 and 3)
PAGINACAO = {"primeira_pagina", "ultima_pagina", "pagina_atual", "total_registros"}
# The keys of the OS in HubSoft's own examples of agendar, reagendar and remove_agendamento
# (hubsoftbrasil/api docs/source/ordem_servico/*.rst: the second of HubSoft's three OS shapes).
SHAPE_2_KEYS = {
    "id_ordem_servico", "numero", "tipo", "data_inicio_programado", "data_termino_programado",
    "data_inicio_executado", "data_termino_executado", "data_cadastro", "descricao_abertura", "descricao_servico",
    "descricao_fechamento", "status", "tecnicos", "disponibilidade", "cliente", "servico", "endereco_instalacao",
}
ALL_2025_RELATIONS = ["tecnicos", "motivos_fechamento", "cobrancas_disponiveis", "anexos", "assinatura",
                      "equipamentos_insumos", "link_rastreamento"]


class Integrator:
    """One HubSoft client's HTTP session: how it asks for its token, the header it
    builds from the answer (``token_type + " " + access_token``) and HubSoft's
    advice every client follows: on a 401, authenticate again once and retry."""

    def __init__(self, url: str, *, form_token: bool = False, login_every_call: bool = False) -> None:
        self.url = url
        self.form_token = form_token
        self.login_every_call = login_every_call
        self.authorization: str | None = None
        self.logins = 0
        self.unauthorized = 0

    def login(self) -> dict[str, Any]:
        if self.form_token:
            answer = requests.post(f"{self.url}/oauth/token", data=CREDENTIALS, timeout=TIMEOUT)
        else:
            answer = requests.post(f"{self.url}/oauth/token", json=CREDENTIALS, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        token: dict[str, Any] = answer.json()
        self.authorization = f"{token['token_type']} {token['access_token']}"
        self.logins += 1
        return token

    def send(self, method: str, path: str, *, params: Any = None, json: Any = None,
             data: Any = None) -> requests.Response:
        if self.authorization is None or self.login_every_call:
            self.login()
        answer = self._once(method, path, params, json, data)
        if answer.status_code == 401:
            self.unauthorized += 1
            self.login()
            answer = self._once(method, path, params, json, data)
        return answer

    def _once(self, method: str, path: str, params: Any, body: Any, data: Any) -> requests.Response:
        headers = {"Accept": "application/json", "Authorization": self.authorization or ""}
        return requests.request(method, f"{self.url}{path}", params=params, json=body, data=data, headers=headers,
                                timeout=TIMEOUT)

    def ok(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        """An answer the client accepts: HTTP 200 and ``status == "success"``."""
        answer = self.send(method, path, **request)
        body: dict[str, Any] = answer.json()
        assert answer.status_code == 200 and body.get("status") == "success", body
        return body

    def refused(self, method: str, path: str, **request: Any) -> dict[str, Any]:
        """HubSoft's refusal: HTTP 200, ``status == "error"``, a ``msg`` and the ``errors`` list."""
        answer = self.send(method, path, **request)
        body: dict[str, Any] = answer.json()
        assert answer.status_code == 200 and body.get("status") == "error", body
        assert body["msg"] and isinstance(body["errors"], list) and body["errors"], body
        return body


# ------------------------------------------------------------------ the provider's data
@dataclass(frozen=True)
class Customer:
    id_cliente: int
    codigo_cliente: int
    id_cliente_servico: int
    cpf: str  # digits
    name: str
    service_name: str


@dataclass
class World:
    url: str
    admin: Integrator
    technicians: dict[str, int]
    agenda_id: int
    agenda_name: str
    monday: date
    seeds: Iterator[int]

    def day(self, offset: int) -> date:
        """A day of the next two weeks: 0 is next Monday (always after today)."""
        return self.monday + timedelta(days=offset)

    def customer(self, name: str) -> Customer:
        """A customer with one service in Campinas/SP, created through ``POST cliente``."""
        document = cpf(next(self.seeds))
        created = self.admin.ok("POST", f"{BASE}/cliente", json={
            "nome_razaosocial": name, "cpf_cnpj": document, "telefone_primario": "19987654321",
            "email": "cliente@example.com",
            "servicos": [{"nome": "Fibra 500MB", "valor": "99.90", "endereco_instalacao": {
                "logradouro": "Rua das Flores", "numero": "10", "bairro": "Centro", "cidade": "Campinas",
                "uf": "SP", "cep": "13010-000"}}]})["cliente"]
        return Customer(created["id_cliente"], created["codigo_cliente"],
                        created["servicos"][0]["id_cliente_servico"], document, name, "Fibra 500MB")

    def open_in_agenda(self, customer: Customer, day: date, start: str, end: str, *, status: str = "pendente",
                       technicians: tuple[int, ...] = (), type_id: int = 1,
                       description: str = "Cliente sem conexão") -> dict[str, Any]:
        """An OS the provider's operator opens in the agenda (``atendimento`` with ``abrir_os``); shape 1."""
        body = self.admin.ok("POST", f"{BASE}/atendimento", json={
            "id_cliente_servico": customer.id_cliente_servico, "descricao": description, "nome": customer.name,
            "telefone": "19987654321", "abrir_os": True, "parametros_ordem_servico": {
                "id_agenda_ordem_servico": self.agenda_id, "id_tipo_ordem_servico": type_id, "status": status,
                "ids_tecnicos": list(technicians), "data_inicio_programado": day.isoformat(),
                "hora_inicio_programado": start, "data_termino_programado": day.isoformat(),
                "hora_termino_programado": end}})
        order: dict[str, Any] = body["atendimento"]["ordens_servico"][0]
        return order

    def reasons(self) -> dict[str, list[dict[str, Any]]]:
        """The installation's catalogues, where HubSoft keeps them: ``GET ordem_servico/create``."""
        return self.admin.ok("GET", f"{ORDERS}/create")


def cpf(seed: int) -> str:
    """A valid CPF (check digits computed) from nine digits."""
    digits = [int(d) for d in f"{seed:09d}"]
    for _ in range(2):
        total = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        digits.append(total * 10 % 11 % 10)
    return "".join(map(str, digits))


def local_now() -> datetime:
    return datetime.now(ZONE).replace(tzinfo=None, microsecond=0)


def next_monday() -> date:
    today = local_now().date()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture(scope="module")
def world(local_stack: RunningStack) -> World:
    """Technicians Carlos, Ana and Bruno; agenda "Instalações Campinas" (Campinas/SP,
    weekdays 08–18, 60-minute slots with 5 places each, holidays not blocked so the
    computed dates never fall on a closed day)."""
    admin = Integrator(local_stack.url, form_token=True)
    technicians = {}
    for name in ("Carlos Técnico", "Ana Técnica", "Bruno Técnico"):
        email = f"{name.split()[0].lower()}@provedor.com.br"
        technicians[name.split()[0]] = admin.ok("POST", f"{BASE}/configuracao/tecnico",
                                                json={"name": name, "email": email})["tecnico"]["id"]
    agenda = admin.ok("POST", f"{BASE}/configuracao/agenda_ordem_servico", json={
        "descricao": "Instalações Campinas", "ativo": True, "cidades": [{"cidade": "Campinas", "uf": "SP"}],
        "tecnicos": [{"id": t} for t in technicians.values()],
        "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"], "hora_inicio": "08:00:00",
                      "hora_termino": "18:00:00", "duracao_minutos": 60, "capacidade": 5}],
        "bloquear_feriados_nacionais": False})["agenda_ordem_servico"]
    return World(local_stack.url, admin, technicians, agenda["id_agenda_ordem_servico"], agenda["descricao"],
                 next_monday(), itertools.count(123456780))


def free_places(client: Integrator, world: World, day: date) -> dict[str, int]:
    """``disponiveis`` of each slot of ``day`` offered by horarios_disponiveis_agenda."""
    body = client.ok("GET", f"{ORDERS}/horarios_disponiveis_agenda",
                     params={"id_agenda_ordem_servico": world.agenda_id, "data_inicio": day.isoformat(), "dias": 1})
    slots = body["horarios"]["datas"][day.isoformat()]["horarios"] or {}
    return {hour: slot["disponiveis"] for hour, slot in slots.items()}


# ------------------------------------------------------------------ authentication
@pytest.mark.parametrize(("form_token", "login_every_call", "busca"), [
    (True, False, "cpf_cnpj"), (True, True, "cpf_cnpj"), (False, False, "codigo_cliente")],
    ids=["official-js-php-example", "unirest-php-login-every-call", "csharp-restsharp-json-token"])
def test_customer_search_as_the_official_examples_php_and_csharp_clients(
        world: World, form_token: bool, login_every_call: bool, busca: str) -> None:
    """hubsoftbrasil/api examples/exemplo.{js,php}: form-encoded oauth/token, header built as
    ``token_type + " " + access_token``, ``GET cliente?busca=cpf_cnpj&termo_busca=``.
    lucas-calixto/IntegraHUBSoft_ESPN (Unirest PHP): the same, logging in again before every call.
    BrunnoG92/Avisos-Hubsoft (C# RestSharp): JSON token, ``GET cliente?busca=codigo_cliente&termo_busca=
    &ultima_conexao=sim``, reads ``clientes[0].nome_razaosocial``."""
    customer = world.customer("Joana Prado")
    client = Integrator(world.url, form_token=form_token, login_every_call=login_every_call)
    token = client.login()
    assert token["token_type"] == "Bearer" and token["expires_in"] == ACCESS_TOKEN_SECONDS
    assert token["access_token"] and token["refresh_token"]
    params = {"busca": busca, "termo_busca": customer.cpf if busca == "cpf_cnpj" else str(customer.codigo_cliente)}
    if busca == "codigo_cliente":
        params["ultima_conexao"] = "sim"
    for _ in range(2):
        found = client.ok("GET", f"{BASE}/cliente", params=params)["clientes"]
        assert [c["id_cliente"] for c in found] == [customer.id_cliente]
        assert found[0]["nome_razaosocial"] == "Joana Prado"
        assert found[0]["servicos"][0]["id_cliente_servico"] == customer.id_cliente_servico
    assert client.logins == (3 if login_every_call else 1)
    nobody = client.ok("GET", f"{BASE}/cliente", params={"busca": "cpf_cnpj", "termo_busca": cpf(987654321)})
    assert nobody["clientes"] == []


def test_bad_credentials_bad_token_and_reauthentication_after_a_revocation(world: World) -> None:
    """voxisp HubsoftConnector._request and JS id 55950704244 apiGet: a 401 means "authenticate
    again once and retry" (HubSoft's docs: admins or updates may invalidate every token).
    Bad password → 401 with Passport's ``invalid_credentials``; a bad bearer token → 401."""
    refused = requests.post(f"{world.url}/oauth/token", json={**CREDENTIALS, "password": "errada"}, timeout=TIMEOUT)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_credentials"
    bad = requests.get(f"{world.url}{BASE}/configuracao/tecnico", timeout=TIMEOUT,
                       headers={"Authorization": "Bearer nao-e-um-token", "Accept": "application/json"})
    assert bad.status_code == 401 and bad.json().get("status") != "success"

    voxisp = Integrator(world.url)
    assert voxisp.ok("GET", f"{BASE}/configuracao/tecnico")["tecnicos"]
    assert voxisp.authorization is not None
    bare = requests.get(f"{world.url}{BASE}/configuracao/tecnico", timeout=TIMEOUT,  # Postman: {{access_token}}
                        headers={"Authorization": voxisp.authorization.split()[1], "Accept": "application/json"})
    assert bare.status_code == 200 and bare.json()["status"] == "success"
    world.admin.ok("POST", f"{BASE}/configuracao/usuario/revogar_tokens")  # every token, the admin's too
    listed = voxisp.ok("GET", f"{BASE}/configuracao/tecnico")["tecnicos"]
    assert {t["id"] for t in listed} >= set(world.technicians.values())
    assert (voxisp.unauthorized, voxisp.logins) == (1, 2)


# ------------------------------------------------------------------ voxisp HubsoftConnector
def test_voxisp_connector_finds_lists_and_manages_a_visit(world: World) -> None:
    """voxisp HubsoftConnector (id 59761310759): find_subscriber (``cliente?busca=cpf_cnpj&limit=1
    &ultima_conexao=sim``), list_service_orders (``cliente/ordem_servico?busca=id_cliente_servico
    &termo_busca=&limit=20``) and manage_visit on an OS the provider opened in the agenda: ``agendar``,
    ``reagendar`` and ``remove_agendamento`` with JSON bodies, ids as strings, the reason id configured
    from ``GET ordem_servico/create`` and an ``observacao`` of at least 10 characters."""
    customer = world.customer("Maria da Silva")
    carlos = world.technicians["Carlos"]
    monday = world.day(0)
    opened = world.open_in_agenda(customer, monday, "09:00:00", "10:00:00", status="aguardando_agendamento",
                                  technicians=(carlos,))
    order_id = str(opened["id_ordem_servico"])
    voxisp = Integrator(world.url)

    found = voxisp.ok("GET", f"{BASE}/cliente", params={"busca": "cpf_cnpj", "termo_busca": customer.cpf,
                                                          "limit": 1, "ultima_conexao": "sim"})["clientes"]
    subscriber = str(found[0]["servicos"][0]["id_cliente_servico"])
    assert subscriber == str(customer.id_cliente_servico)

    def list_service_orders() -> list[dict[str, Any]]:
        body = voxisp.ok("GET", f"{BASE}/cliente/ordem_servico",
                         params={"busca": "id_cliente_servico", "termo_busca": subscriber, "limit": 20})
        return list(body.get("ordens_servico") or [])

    [listed] = list_service_orders()
    datetime.strptime(listed["data_cadastro"], "%d/%m/%Y %H:%M:%S")  # voxisp's _parse_br_datetime
    assert (listed["id_ordem_servico"], listed["tipo"], listed["status"]) == (
        int(order_id), "ABERTURA VIA API", "aguardando_agendamento")
    assert listed["data_inicio_programado"] == f"{monday:%d/%m/%Y} 09:00:00"
    assert listed["tecnicos"][0]["name"] == "Carlos Técnico"

    scheduled = voxisp.ok("POST", f"{ORDERS}/agendar", json={"id_ordem_servico": order_id})
    assert scheduled["msg"] == "Agendamento salvo com sucesso"
    os2 = scheduled["ordem_servico"]
    assert (os2["numero"], os2["status"], os2["disponibilidade"]) == (order_id, "Pendente", "Manhã, Tarde")
    assert os2["data_inicio_programado"] == f"{monday} 09:00:00" and ISO_MOMENT.fullmatch(os2["data_cadastro"])
    assert os2["cliente"] == f"({customer.codigo_cliente}) Maria da Silva"
    assert os2["servico"] == f"({customer.id_cliente_servico}) Fibra 500MB"
    assert os2["endereco_instalacao"] == "Rua das Flores, 10 - Centro, Campinas/SP | CEP: 13010-000"
    assert os2["tecnicos"] == [{"id": carlos, "name": "Carlos Técnico",
                                "pivot": {"id_ordem_servico": int(order_id), "id_usuario": carlos}}]

    moved = voxisp.ok("POST", f"{ORDERS}/reagendar", json={
        "id_ordem_servico": order_id, "data_inicio_programado": monday.isoformat(),
        "hora_inicio_programado": "14:00:00", "data_termino_programado": monday.isoformat(),
        "hora_termino_programado": "15:30:00"})
    assert moved["msg"] == "Reagendamento salvo com sucesso"
    assert (moved["ordem_servico"]["data_inicio_programado"], moved["ordem_servico"]["data_termino_programado"]) == (
        f"{monday} 14:00", f"{monday} 15:30")  # reagendar answers without seconds

    reason = str(world.reasons()["motivos_remocao_agendamento"][0]["id_motivo_remocao_agendamento"])
    short = voxisp.refused("POST", f"{ORDERS}/remove_agendamento", json={
        "id_ordem_servico": order_id, "id_motivo_remocao_agendamento": reason, "observacao": "curto"})
    assert any("observacao" in e for e in short["errors"])
    assert list_service_orders()[0]["data_inicio_programado"] == f"{monday:%d/%m/%Y} 14:00:00"  # nothing changed

    removed = voxisp.ok("POST", f"{ORDERS}/remove_agendamento", json={
        "id_ordem_servico": order_id, "id_motivo_remocao_agendamento": reason,
        "observacao": "Cliente pediu para ir no dia seguinte."})
    assert removed["msg"] == "Remoção do agendamento feito com sucesso"
    assert removed["ordem_servico"]["status"] == "Aguardando Agendamento"
    assert list_service_orders()[0]["status"] == "aguardando_agendamento"
    assert voxisp.logins == 1


def test_voxisp_find_subscriber_parses_data_cadastro_of_cliente(world: World) -> None:
    """voxisp HubsoftConnector (id 59761310759) find_subscriber → _parse_iso_datetime(data_cadastro)."""
    customer = world.customer("Rita de Cássia")
    found = Integrator(world.url).ok("GET", f"{BASE}/cliente", params={
        "busca": "cpf_cnpj", "termo_busca": customer.cpf, "limit": 1, "ultima_conexao": "sim"})["clientes"]
    assert ISO_MOMENT.fullmatch(found[0]["data_cadastro"]), found[0]["data_cadastro"]


def test_voxisp_reschedules_the_os_it_created(world: World) -> None:
    """voxisp HubsoftConnector (id 59761310759): create_service_order, then manage_visit(RESCHEDULE)."""
    customer = world.customer("Pedro Álvares")
    voxisp = Integrator(world.url)
    created = voxisp.ok("POST", f"{BASE}/atendimento", json={
        "id_cliente_servico": str(customer.id_cliente_servico), "descricao": "Sem sinal desde ontem",
        "nome": customer.name, "telefone": "19987654321", "abrir_os": True})
    order = created["atendimento"]["ordens_servico"][0]
    assert order["status"] == "aguardando_agendamento"
    day = world.day(0).isoformat()
    voxisp.ok("POST", f"{ORDERS}/reagendar", json={
        "id_ordem_servico": str(order["id_ordem_servico"]), "data_inicio_programado": day,
        "hora_inicio_programado": "16:00:00", "data_termino_programado": day, "hora_termino_programado": "17:00:00"})


# ------------------------------------------------------------------ Hubtrix HubsoftService
def test_hubtrix_matrix_bot_books_a_free_slot(world: World) -> None:
    """Hubtrix HubsoftService (id 55592005852) behind its n8n "Matrix" bot: consultar_horarios_agenda
    (``id_agenda_ordem_servico&data_inicio&dias``, shifts manhã < 12 h ≤ tarde < 18 h) →
    abrir_atendimento_os(abrir_os=False) → abrir_os (``?id_atendimento=`` in the URL, JSON body with
    ``tecnicos``/``disponibilidade`` as PHP indexed objects) → agendar_os; listar_os_cliente by CPF."""
    customer = world.customer("Lucas Pereira")
    carlos = world.technicians["Carlos"]
    tuesday = world.day(1)
    hubtrix = Integrator(world.url)

    agenda = hubtrix.ok("GET", f"{ORDERS}/horarios_disponiveis_agenda", params={
        "id_agenda_ordem_servico": world.agenda_id, "data_inicio": tuesday.isoformat(), "dias": 1})
    assert (agenda["msg"], agenda["agenda"]) == ("Agenda consultada com sucesso!", world.agenda_name)
    slots = agenda["horarios"]["datas"][tuesday.isoformat()]["horarios"]
    afternoon = [s for hour, s in sorted(slots.items()) if 12 <= int(hour[:2]) < 18]
    slot = afternoon[0]
    assert (slot["hora_inicio"], slot["hora_termino"], slot["duracao_str"]) == ("12:00:00", "13:00:00", "01:00:00")
    assert slot["disponiveis"] == 5 and carlos in {t["id"] for t in slot["tecnicos"]}

    ticket = hubtrix.ok("POST", f"{BASE}/atendimento", json={
        "id_cliente_servico": customer.id_cliente_servico, "descricao": "Instalação agendada pelo bot",
        "nome": customer.name, "telefone": "19987654321"})
    assert ticket["atendimento"]["ordens_servico"] == []
    ticket_id = int(ticket["atendimento"]["id_atendimento"])

    opened = hubtrix.ok("POST", f"{ORDERS}/abrir_os?id_atendimento={ticket_id}", json={
        "id_agenda_ordem_servico": world.agenda_id, "id_tipo_ordem_servico": 2,
        "data_inicio_programado": slot["data_inicio"], "data_termino_programado": slot["data_termino"],
        "hora_inicio_programado": slot["hora_inicio"], "hora_termino_programado": slot["hora_termino"],
        "descricao_servico": "Instalação de fibra", "tecnicos": {"0": {"id": carlos}},
        "disponibilidade": {"0": "tarde"}})
    assert opened["msg"] == "Ordem de Serviço adicionada com sucesso"
    order = opened["ordem_servico"]
    assert (order["id_atendimento"], order["status"], order["disponibilidade"]) == (
        ticket_id, "aguardando_agendamento", ["tarde"])
    assert (order["data_inicio_programado"], order["data_termino_programado"]) == (
        f"{tuesday} 12:00:00", f"{tuesday} 13:00:00")
    assert order["numero_ordem_servico"] == str(order["id_ordem_servico"])
    assert order["tipo_ordem_servico"]["descricao"] == "INSTALAÇÃO"
    assert [t["id"] for t in order["tecnicos"]] == [carlos]
    assert order["cliente_servico"]["id_cliente_servico"] == customer.id_cliente_servico

    confirmed = hubtrix.ok("POST", f"{ORDERS}/agendar", json={"id_ordem_servico": int(order["id_ordem_servico"])})
    assert (confirmed["msg"], confirmed["ordem_servico"]["status"]) == ("Agendamento salvo com sucesso", "Pendente")
    places = free_places(hubtrix, world, tuesday)
    assert (places["12:00:00"], places["13:00:00"]) == (4, 5)

    listed = hubtrix.ok("GET", f"{BASE}/cliente/ordem_servico", params={
        "busca": "cpf_cnpj", "termo_busca": customer.cpf, "limit": 20})
    assert [(o["id_ordem_servico"], o["status"]) for o in listed["ordens_servico"]] == [
        (order["id_ordem_servico"], "pendente")]


def test_hubtrix_opens_a_pending_os_without_agenda(world: World) -> None:
    """Hubtrix HubsoftService (id 55592005852) abrir_atendimento_os with status_os and ids_tecnicos as strings."""
    customer = world.customer("Helena Souza")
    body = Integrator(world.url).ok("POST", f"{BASE}/atendimento", json={
        "id_cliente_servico": customer.id_cliente_servico, "descricao": "Troca de roteador", "nome": customer.name,
        "telefone": "19987654321", "abrir_os": True, "parametros_ordem_servico": {
            "id_tipo_ordem_servico": 1, "status": "pendente", "ids_tecnicos": [str(world.technicians["Carlos"])],
            "id_disponibilidade": 1}})
    assert body["atendimento"]["ordens_servico"][0]["status"] == "pendente"


# ------------------------------------------------------------------ cancellation automation
def test_cancellation_automation_sends_everything_as_query_and_form_params(world: World) -> None:
    """Cancellation automation (id 71139961440 / 68418030698, Python requests): ``atendimento`` with every
    field in the query string (plus the unknown ``id_usuario_responsavel``/``id_atendimento_status``), then
    ``ordem_servico/abrir_os`` with ``params`` (``id_atendimento``, ``id_tipo_ordem_servico``,
    ``tecnicos[0][id]``); and the form-encoded ``abrir_os`` of HubSoft's documentation (``tecnicos[0][id]``,
    ``disponibilidade[0]=manha``, ``duracao: "01:30:00"``, ``status: "pendente"``)."""
    customer = world.customer("Antônio Carlos Retirada")
    carlos, ana = world.technicians["Carlos"], world.technicians["Ana"]
    wednesday = world.day(2)
    automation = Integrator(world.url)

    ticket = automation.ok("POST", f"{BASE}/atendimento", params={
        "id_cliente_servico": customer.id_cliente_servico, "id_tipo_atendimento": 1,
        "descricao": "Retirada de equipamentos após cancelamento", "nome": customer.name,
        "telefone": "19987654321", "id_usuario_responsavel": 77, "id_atendimento_status": 3})
    protocol = ticket["atendimento"]["protocolo"]
    assert ticket["msg"].rstrip(".") == f"Atendimento aberto com sucesso. Anote o protocolo: {protocol}"
    ticket_id = ticket["atendimento"]["id_atendimento"]

    withdrawal = automation.ok("POST", f"{ORDERS}/abrir_os", params={
        "id_atendimento": int(ticket_id), "id_tipo_ordem_servico": 5, "tecnicos[0][id]": carlos})
    assert withdrawal["msg"] == "Ordem de Serviço adicionada com sucesso"
    order = withdrawal["ordem_servico"]
    assert (order["status"], order["tipo_ordem_servico"]["descricao"]) == (
        "aguardando_agendamento", "RETIRADA DE EQUIPAMENTO")
    assert [t["id"] for t in order["tecnicos"]] == [carlos] and order["disponibilidade"] == ["manha", "tarde"]

    form = {"id_agenda_ordem_servico": str(world.agenda_id), "data_inicio_programado": wednesday.isoformat(),
            "hora_inicio_programado": "08:00:00", "duracao": "01:30:00", "status": "pendente",
            "tecnicos[0][id]": str(ana), "disponibilidade[0]": "manha"}
    unknown = automation.refused("POST", f"{ORDERS}/abrir_os?id_atendimento={ticket_id}",
                                 data={**form, "tecnicos[0][id]": "999999"})
    assert "Técnico de ID 999999 não encontrado." in unknown["errors"]
    assert free_places(automation, world, wednesday)["08:00:00"] == 5  # the refusal booked nothing

    booked = automation.ok("POST", f"{ORDERS}/abrir_os?id_atendimento={ticket_id}", data=form)["ordem_servico"]
    assert (booked["status"], booked["disponibilidade"], [t["id"] for t in booked["tecnicos"]]) == (
        "pendente", ["manha"], [ana])
    assert (booked["data_inicio_programado"], booked["data_termino_programado"]) == (
        f"{wednesday} 08:00:00", f"{wednesday} 09:30:00")
    places = free_places(automation, world, wednesday)
    assert (places["08:00:00"], places["09:00:00"], places["10:00:00"]) == (4, 4, 5)  # 1 h 30 holds two slots


# ------------------------------------------------------------------ horarios_disponiveis_agenda
def test_python_probe_reads_a_week_of_free_slots(world: World) -> None:
    """Python probe id 55908687483: JSON token, ``GET ordem_servico/horarios_disponiveis_agenda?
    id_agenda_ordem_servico&data_inicio&dias=7``, reads ``horarios.datas.*.horarios`` and counts the slots;
    without date and days HubSoft answers today only."""
    probe = Integrator(world.url)
    week = [world.day(i) for i in range(7)]
    answer = probe.ok("GET", f"{ORDERS}/horarios_disponiveis_agenda", params={
        "id_agenda_ordem_servico": world.agenda_id, "data_inicio": week[0].isoformat(), "dias": 7})
    datas = (answer.get("horarios") or {}).get("datas") or {}
    assert list(datas) == [d.isoformat() for d in week]
    assert sum(len(v.get("horarios") or {}) for v in datas.values()) == 5 * 10  # weekdays 08–18, nothing full
    assert not datas[week[5].isoformat()]["horarios"] and not datas[week[6].isoformat()]["horarios"]
    thursday = datas[week[3].isoformat()]
    assert list(thursday["horarios"]) == [f"{h:02d}:00:00" for h in range(8, 18)]
    assert thursday["disponiveis"] == 10
    slot = thursday["horarios"]["10:00:00"]
    assert {k: slot[k] for k in ("data_inicio", "hora_inicio", "data_termino", "hora_termino", "duracao_minutos",
                                 "duracao_str")} == {
        "data_inicio": week[3].isoformat(), "hora_inicio": "10:00:00", "data_termino": week[3].isoformat(),
        "hora_termino": "11:00:00", "duracao_minutos": 60, "duracao_str": "01:00:00"}
    assert {t["id"] for t in slot["tecnicos"]} == set(world.technicians.values())
    before = slot["disponiveis"]

    world.open_in_agenda(world.customer("Beatriz Lima"), week[3], "10:00:00", "11:00:00")
    places = free_places(probe, world, week[3])
    assert (places["10:00:00"], places["11:00:00"]) == (before - 1, 5)

    today = probe.ok("GET", f"{ORDERS}/horarios_disponiveis_agenda", params={"id_agenda_ordem_servico":
                                                                              world.agenda_id})
    assert list(today["horarios"]["datas"]) == [local_now().date().isoformat()]


# ------------------------------------------------------------------ ordem_servico/todos
def get_os_by_type(client: Integrator, first: date, last: date, per_page: int, status: str = "pendente",
                   type_id: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """axios id 2576319076 getOsByType: from page 0, recursing while ``pagina_atual < ultima_pagina``.
    Returns the OS and every answer's ``paginacao``."""
    found: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []

    def page_from(page: int) -> None:
        body = client.ok("GET", f"{ORDERS}/todos?pagina={page}&itens_por_pagina={per_page}&data_inicio={first}"
                                f"&data_fim={last}&tipo_ordem_servico={type_id}&status={status}")
        found.extend(body["ordens_servico"])
        pages.append(body["paginacao"])
        if body["paginacao"]["pagina_atual"] < body["paginacao"]["ultima_pagina"]:
            page_from(page + 1)

    page_from(0)
    return found, pages


def test_axios_lists_pending_os_by_type_recursively_and_closes_one(world: World) -> None:
    """axios client id 2576319076: getOsByType (``ordem_servico/todos?pagina&itens_por_pagina=500&data_inicio
    &data_fim&tipo_ordem_servico&status=pendente``, recursing on ``paginacao``; reads ``descricao_abertura``
    and ``dados_endereco_instalacao.cidade``), ``status`` as csv, and closeOs (``ordem_servico/fechar`` with
    ``gera_custo: false``, executed dates and times, ``status_fechamento: "concluido"``,
    ``motivo_fechamento: {id_motivo_fechamento}``, ``tecnicos: [{id: "285"}]`` with the id as a string)."""
    customer = world.customer("Condomínio Jardim das Palmeiras")
    carlos = world.technicians["Carlos"]
    day = world.day(8)
    cto = "Retirar conector R12-CA3 da caixa"
    pending = [world.open_in_agenda(customer, day, f"{h:02d}:00:00", f"{h + 1:02d}:00:00", technicians=(carlos,),
                                    description=cto)["id_ordem_servico"] for h in (8, 9, 10)]
    waiting = world.open_in_agenda(customer, day, "11:00:00", "12:00:00",
                                   status="aguardando_agendamento")["id_ordem_servico"]
    world.open_in_agenda(customer, day, "13:00:00", "14:00:00", type_id=2)  # another type
    axios = Integrator(world.url)

    listed, pages = get_os_by_type(axios, day, day, 500)
    assert [o["id_ordem_servico"] for o in listed] == pending
    assert pages == [{"primeira_pagina": 0, "ultima_pagina": 0, "pagina_atual": 0, "total_registros": 3}]
    first = listed[0]
    assert first["numero"] == pending[0] and isinstance(first["numero"], int)  # shape 3: numero is an int
    assert (first["status"], first["descricao_abertura"], first["dados_endereco_instalacao"]["cidade"]) == (
        "Pendente", cto, "Campinas")
    assert first["data_inicio_programado"] == f"{day} 08:00:00" and ISO_MOMENT.fullmatch(first["data_cadastro"])
    assert first["tecnicos"] == [{"id": carlos, "name": "Carlos Técnico", "display": "Carlos Técnico"}]
    assert first["tipo_ordem_servico"] == {"id_tipo_ordem_servico": 1, "descricao": "ABERTURA VIA API"}
    assert (first["dados_cliente"]["codigo_cliente"], first["dados_cliente"]["nome_razaosocial"]) == (
        customer.codigo_cliente, customer.name)
    assert (first["dados_servico"]["id_cliente_servico"], first["dados_servico"]["nome"]) == (
        customer.id_cliente_servico, customer.service_name)
    assert first["usuario_fechamento"] is None  # still open

    paged, pages = get_os_by_type(axios, day, day, 2)
    assert [o["id_ordem_servico"] for o in paged] == pending
    assert [(p["pagina_atual"], p["ultima_pagina"], p["total_registros"]) for p in pages] == [(0, 1, 3), (1, 1, 3)]
    both, _ = get_os_by_type(axios, day, day, 500, status="pendente,aguardando_agendamento")
    assert sorted(o["id_ordem_servico"] for o in both) == sorted([*pending, waiting])

    reason = world.reasons()["motivos_fechamento"][0]["id_motivo_fechamento"]
    start = min(local_now(), datetime.combine(local_now().date(), datetime.min.time()).replace(hour=23, minute=50))
    closed = axios.ok("POST", f"{ORDERS}/fechar", json={
        "id_ordem_servico": pending[0], "gera_custo": False,
        "data_inicio_executado": start.date().isoformat(), "hora_inicio_executado": start.strftime("%H:%M:%S"),
        "data_termino_executado": start.date().isoformat(),
        "hora_termino_executado": (start + timedelta(minutes=5)).strftime("%H:%M:%S"),
        "status_fechamento": "concluido", "descricao_fechamento": "RETIRADO CONECTOR POR joao",
        "motivo_fechamento": {"id_motivo_fechamento": reason}, "tecnicos": [{"id": str(carlos)}]})
    assert closed["msg"] == f"Ordem de Serviço número {pending[0]} finalizada com sucesso"
    left, _ = get_os_by_type(axios, day, day, 500)
    assert [o["id_ordem_servico"] for o in left] == pending[1:]
    read_closed_by_python_bi(axios, pending[0], start.date())
    too_many = axios.refused("GET", f"{ORDERS}/todos", params={"pagina": 0, "itens_por_pagina": 501})
    assert any("itens_por_pagina" in e for e in too_many["errors"])


def read_closed_by_python_bi(client: Integrator, order_id: int, day: date) -> None:
    """Python (pandas) id 35181571144 carregar_ordens_servico_df: ``ordem_servico/todos`` with ``pagina``,
    ``itens_por_pagina=100``, ``data_inicio``/``data_fim``, ``tipo_data=data_termino_executado``, then
    ``pd.json_normalize`` of ``ordens_servico`` and the column ``usuario_fechamento.nome`` read as the
    technician. It also sends ``usuario_fechamento.nome`` and ``tipo_ordem_servico.descricao`` as filters,
    which HubSoft does not document: ignored, as unknown keys are."""
    body = client.ok("GET", f"{ORDERS}/todos", params={
        "pagina": 0, "itens_por_pagina": 100, "data_inicio": day.isoformat(), "data_fim": day.isoformat(),
        "tipo_data": "data_termino_executado", "usuario_fechamento.nome": "Outro Técnico",
        "tipo_ordem_servico.descricao": "INSTALAÇÃO"})
    closed = next(o for o in body["ordens_servico"] if o["id_ordem_servico"] == order_id)
    flat = {f"{key}.{inner}": value for key in ("usuario_fechamento", "tipo_ordem_servico")
            for inner, value in (closed[key] or {}).items()}  # what json_normalize makes of the two objects
    assert flat["usuario_fechamento.nome"] and flat["tipo_ordem_servico.descricao"] == "ABERTURA VIA API"
    assert closed["data_termino_executado"].startswith(day.isoformat())


def test_axios_default_period_since_2023(world: World) -> None:
    """axios client id 2576319076 getOsByType() with its default arguments."""
    listed, pages = get_os_by_type(Integrator(world.url), date(2023, 9, 20), local_now().date(), 500, type_id=30)
    assert listed == [] and pages[0]["total_registros"] == 0


def test_js_client_starting_at_page_one_terminates_and_misses_page_zero(world: World) -> None:
    """JS id 55950704244 listarOrdensServico (and its copy id 58410089735): JSON token, ``Bearer`` header,
    ``ordem_servico/todos?pagina&itens_por_pagina=100&data_inicio&data_fim&relacoes=agenda_ordem_servico``
    starting at ``pagina=1``, ``ultima = paginacao.ultima_pagina || pagina; pagina++`` while ``pagina <= ultima``.
    HubSoft pages from 0, so the loop ends but never sees page 0; pages past the end are empty successes."""
    customer = world.customer("Sérgio Mendes")
    day = world.day(7)
    ids = [world.open_in_agenda(customer, day, f"{h:02d}:00:00", f"{h + 1:02d}:00:00")["id_ordem_servico"]
           for h in (8, 9, 10)]
    client = Integrator(world.url)

    def listar_ordens_servico(per_page: int, max_pages: int = 40) -> tuple[list[dict[str, Any]], list[int]]:
        todas: list[dict[str, Any]] = []
        asked: list[int] = []
        pagina, ultima = 1, 1
        while True:  # do { ... } while (pagina <= ultima && pagina <= maxPaginas)
            asked.append(pagina)
            d = client.ok("GET", f"{ORDERS}/todos", params={
                "pagina": pagina, "itens_por_pagina": per_page, "data_inicio": day.isoformat(),
                "data_fim": day.isoformat(), "relacoes": "agenda_ordem_servico"})
            todas.extend(d.get("ordens_servico") or [])
            ultima = (d.get("paginacao") or {}).get("ultima_pagina") or pagina
            pagina += 1
            if not (pagina <= ultima and pagina <= max_pages):
                return todas, asked

    everything, asked = listar_ordens_servico(100)
    assert (everything, asked) == ([], [1])  # the three OS are all on page 0
    most, asked = listar_ordens_servico(1)
    assert asked == [1, 2] and [o["id_ordem_servico"] for o in most] == ids[1:]
    assert {json.dumps(o["agenda_ordem_servico"], sort_keys=True) for o in most} == {json.dumps(
        {"descricao": world.agenda_name, "id_agenda_ordem_servico": world.agenda_id}, sort_keys=True)}

    past = client.ok("GET", f"{ORDERS}/todos", params={
        "pagina": 99, "itens_por_pagina": 100, "data_inicio": day.isoformat(), "data_fim": day.isoformat(),
        "relacoes": "agenda_ordem_servico", "tipo_data": "data_inicio_programado"})
    assert past["ordens_servico"] == [] and set(past["paginacao"]) == PAGINACAO
    assert (past["paginacao"]["pagina_atual"], past["paginacao"]["total_registros"]) == (99, 3)
    executed = client.ok("GET", f"{ORDERS}/todos", params={
        "pagina": 1, "itens_por_pagina": 100, "data_inicio": day.isoformat(), "data_fim": day.isoformat(),
        "relacoes": "agenda_ordem_servico", "tipo_data": "data_termino_executado"})
    assert executed["ordens_servico"] == [] and executed["paginacao"]["total_registros"] == 0  # none executed


def close(client: Integrator, order_id: int, day: date, start: str, end: str, technician: int,
          reason: int) -> dict[str, Any]:
    return client.ok("POST", f"{ORDERS}/fechar", json={
        "id_ordem_servico": order_id, "gera_custo": False, "data_inicio_executado": day.isoformat(),
        "hora_inicio_executado": start, "data_termino_executado": day.isoformat(), "hora_termino_executado": end,
        "status_fechamento": "concluido", "descricao_fechamento": "Conector trocado, cliente navegando.",
        "motivo_fechamento": {"id": reason}, "tecnicos": [{"id": str(technician)}]})


def test_js_request_client_lists_a_technicians_os_by_execution_date(world: World) -> None:
    """JS (request) id 37004242314 listOrdemServico: ``ordem_servico/todos?pagina=0&itens_por_pagina=1
    &data_inicio=<today>&data_fim=<today>&tipo_data=data_inicio_executado&status=pendente&tecnico=ID``;
    ``tecnico`` takes a csv of ids."""
    customer = world.customer("Fernanda Torres")
    ana = world.technicians["Ana"]
    friday = world.day(4)
    done = world.open_in_agenda(customer, friday, "14:00:00", "15:00:00", technicians=(ana,))["id_ordem_servico"]
    world.open_in_agenda(customer, friday, "15:00:00", "16:00:00", technicians=(ana,))
    today = local_now().date()
    reason = world.reasons()["motivos_fechamento"][0]["id_motivo_fechamento"]
    close(world.admin, done, today, "00:00:00", "00:01:00", ana, reason)
    client = Integrator(world.url)

    def list_orders(status: str, technician: str) -> dict[str, Any]:
        return client.ok("GET", f"{ORDERS}/todos?pagina=0&itens_por_pagina=1&data_inicio={today}"
                                f"&data_fim={today}&tipo_data=data_inicio_executado&status={status}"
                                f"&tecnico={technician}")

    as_sent = list_orders("pendente", str(ana))
    assert as_sent["ordens_servico"] == []  # a pending OS has no execution date
    assert as_sent["paginacao"] == {"primeira_pagina": 0, "ultima_pagina": 0, "pagina_atual": 0,
                                    "total_registros": 0}
    finished = list_orders("finalizado", f"{ana},{world.technicians['Bruno']}")
    assert [(o["id_ordem_servico"], o["status"]) for o in finished["ordens_servico"]] == [(done, "Finalizado")]
    assert finished["ordens_servico"][0]["data_inicio_executado"] == f"{today} 00:00:00"
    assert list_orders("finalizado", str(world.technicians["Bruno"]))["ordens_servico"] == []


# ------------------------------------------------------------------ cliente/ordem_servico
def test_vue_and_go_clients_list_a_customers_os_newest_first(world: World) -> None:
    """JS (Vue) id 3144827252: ``cliente/ordem_servico?busca=codigo_cliente&termo_busca=&order_type=desc``,
    keeps the answer only when ``status === "success"`` and reads ``tipo``, ``data_*_executado ||
    data_*_programado``, ``status !== 'finalizado'``, ``usuario_abertura``, ``descricao_*``.
    Go id 57013097624: ``busca``, ``termo_busca``, ``limit=50``, ``order_by=data_cadastro``,
    ``order_type=desc``, ``exibir_atendimento``."""
    customer = world.customer("Gustavo Couto")
    vue = Integrator(world.url)
    unscheduled = vue.ok("POST", f"{BASE}/atendimento", json={
        "id_cliente_servico": customer.id_cliente_servico, "descricao": "Lentidão à noite", "nome": customer.name,
        "telefone": "19987654321", "abrir_os": True})["atendimento"]["ordens_servico"][0]["id_ordem_servico"]
    day = world.day(10)
    scheduled = world.open_in_agenda(customer, day, "08:00:00", "09:00:00")["id_ordem_servico"]

    body = vue.ok("GET", f"{BASE}/cliente/ordem_servico?busca=codigo_cliente&termo_busca={customer.codigo_cliente}"
                         "&order_type=desc")
    orders = body["ordens_servico"] if body["status"] == "success" else []
    assert [o["id_ordem_servico"] for o in orders] == [scheduled, unscheduled]
    newest, oldest = orders
    assert newest["tipo"] == "ABERTURA VIA API" and newest["status"] == "pendente"
    assert (newest["data_inicio_executado"] or newest["data_inicio_programado"]) == f"{day:%d/%m/%Y} 08:00:00"
    assert (newest["data_termino_executado"] or newest["data_termino_programado"]) == f"{day:%d/%m/%Y} 09:00:00"
    # HubSoft's default programmed time (now + 1 h, to the minute) even for an OS opened with no parameters
    assert oldest["status"] == "aguardando_agendamento" and BR_MOMENT.fullmatch(oldest["data_inicio_programado"])
    assert oldest["usuario_abertura"] == "admin" and oldest["descricao_abertura"] == "Lentidão à noite"
    assert oldest["descricao_fechamento"] is None and BR_MOMENT.fullmatch(oldest["data_cadastro"])
    assert oldest["cliente"] == {"codigo_cliente": customer.codigo_cliente, "nome_razaosocial": "Gustavo Couto",
                                 "cpf_cnpj": f"{customer.cpf[:3]}.{customer.cpf[3:6]}.{customer.cpf[6:9]}-"
                                             f"{customer.cpf[9:]}"}
    assert oldest["servico"]["status_prefixo"] == "servico_habilitado"

    go = vue.ok("GET", f"{BASE}/cliente/ordem_servico", params={
        "busca": "codigo_cliente", "termo_busca": str(customer.codigo_cliente), "limit": 50,
        "order_by": "data_cadastro", "order_type": "desc", "exibir_atendimento": "sim"})["ordens_servico"]
    assert [o["id_ordem_servico"] for o in go] == [scheduled, unscheduled]
    assert all(o["atendimento"]["protocolo"] for o in go)
    ascending = vue.ok("GET", f"{BASE}/cliente/ordem_servico", params={
        "busca": "codigo_cliente", "termo_busca": customer.codigo_cliente, "order_type": "asc", "limit": 1})
    assert [o["id_ordem_servico"] for o in ascending["ordens_servico"]] == [unscheduled]
    too_many = vue.refused("GET", f"{BASE}/cliente/ordem_servico", params={
        "busca": "codigo_cliente", "termo_busca": customer.codigo_cliente, "limit": 51})
    assert any("limit" in e for e in too_many["errors"])


# ------------------------------------------------------------------ reagendar, consultar
def test_official_reagendar_example_swaps_a_technician_with_ids_as_strings(world: World) -> None:
    """hubsoftbrasil/api docs/source/ordem_servico/reagendar.rst: JSON body with ``id_ordem_servico`` as a
    string and the technician swap ``id_usuario_antigo``/``id_usuario_novo`` (here as strings too); the
    answer omits the seconds. The two must be sent together."""
    customer = world.customer("Guilherme Couto")
    carlos, ana = world.technicians["Carlos"], world.technicians["Ana"]
    day = world.day(11)
    order_id = world.open_in_agenda(customer, day, "08:00:00", "09:00:00", technicians=(carlos,))["id_ordem_servico"]
    client = Integrator(world.url, form_token=True)
    body = {"id_ordem_servico": str(order_id), "data_inicio_programado": day.isoformat(),
            "hora_inicio_programado": "08:00:00", "data_termino_programado": day.isoformat(),
            "hora_termino_programado": "09:30:00"}

    alone = client.refused("POST", f"{ORDERS}/reagendar", json={**body, "id_usuario_antigo": str(carlos)})
    assert any("id_usuario_novo" in e for e in alone["errors"])
    moved = client.ok("POST", f"{ORDERS}/reagendar", json={
        **body, "id_usuario_antigo": str(carlos), "id_usuario_novo": str(ana)})
    assert moved["msg"] == "Reagendamento salvo com sucesso"
    order = moved["ordem_servico"]
    assert (order["numero"], order["status"]) == (str(order_id), "Pendente")
    assert (order["data_inicio_programado"], order["data_termino_programado"]) == (f"{day} 08:00", f"{day} 09:30")
    assert order["tecnicos"] == [{"id": ana, "name": "Ana Técnica",
                                  "pivot": {"id_ordem_servico": order_id, "id_usuario": ana}}]
    places = free_places(client, world, day)
    assert (places["08:00:00"], places["09:00:00"]) == (4, 4)


def test_consultar_by_number_with_the_2025_relations_and_by_name_in_a_period(world: World) -> None:
    """HubSoft's 2025 ``ordem_servico/consultar`` (its current Postman collection): ``{"consulta": <number>, "relacoes":
    [...]}`` read from ``ordens_servico``; and the 2024 official example (consultar.rst): customer name with
    ``data_inicio``/``data_fim`` as ``YYYY-MM-DD HH:MM:SS``. Closing again is refused."""
    customer = world.customer("Bianca Couto")
    carlos = world.technicians["Carlos"]
    day = world.day(9)
    order_id = world.open_in_agenda(customer, day, "10:00:00", "11:00:00", technicians=(carlos,))["id_ordem_servico"]
    reason = world.reasons()["motivos_fechamento"][0]
    client = Integrator(world.url)
    close(client, order_id, day, "10:05:00", "10:55:00", carlos, reason["id_motivo_fechamento"])

    found = client.ok("POST", f"{ORDERS}/consultar", json={"consulta": order_id, "relacoes": ALL_2025_RELATIONS})
    assert found["msg"] == "Dados consultados com sucesso"
    [order] = found["ordens_servico"]
    assert (order["id_ordem_servico"], order["numero"], order["status"], order["status_fechamento"]) == (
        order_id, str(order_id), "Finalizado", "concluido")
    assert (order["data_inicio_executado"], order["data_termino_executado"]) == (
        f"{day} 10:05:00", f"{day} 10:55:00")
    assert order["descricao_fechamento"] == "Conector trocado, cliente navegando."
    assert order["motivo_fechamento"] == [reason]
    assert (order["anexos"], order["equipamentos_insumos"], order["cobrancas_disponiveis"]) == ([], [], [])
    assert order["tecnicos"][0]["pivot"] == {"id_ordem_servico": order_id, "id_usuario": carlos}
    assert client.ok("POST", f"{ORDERS}/consultar", json={"consulta": 99999999})["ordens_servico"] == []

    by_name = client.ok("POST", f"{ORDERS}/consultar", json={
        "consulta": "Bianca", "data_inicio": f"{day} 00:00:00", "data_fim": f"{day} 23:59:59",
        "tipo_data": "data_inicio_programado", "order_by_key": "asc", "order_by": "data_inicio_programado"})
    assert [o["id_ordem_servico"] for o in by_name["ordens_servico"]] == [order_id]
    again = client.refused("POST", f"{ORDERS}/fechar", json={
        "id_ordem_servico": order_id, "gera_custo": False, "data_inicio_executado": day.isoformat(),
        "hora_inicio_executado": "11:00:00", "data_termino_executado": day.isoformat(),
        "hora_termino_executado": "11:30:00", "status_fechamento": "concluido"})
    assert any(str(order_id) in e for e in again["errors"])


def test_schedule_answers_carry_the_keys_of_hubsoft_examples(world: World) -> None:
    """voxisp HubsoftConnector manage_visit reads ``ordem_servico.tipo`` of these answers (``raw.get("tipo")``)."""
    customer = world.customer("Olívia Martins")
    day = world.day(11)
    order_id = world.open_in_agenda(customer, day, "16:00:00", "17:00:00",
                                    status="aguardando_agendamento")["id_ordem_servico"]
    client = Integrator(world.url)
    reason = world.reasons()["motivos_remocao_agendamento"][0]["id_motivo_remocao_agendamento"]
    answers = {
        "agendar": client.ok("POST", f"{ORDERS}/agendar", json={"id_ordem_servico": order_id}),
        "reagendar": client.ok("POST", f"{ORDERS}/reagendar", json={
            "id_ordem_servico": order_id, "data_inicio_programado": day.isoformat(),
            "hora_inicio_programado": "17:00:00", "data_termino_programado": day.isoformat(),
            "hora_termino_programado": "18:00:00"}),
        "remove_agendamento": client.ok("POST", f"{ORDERS}/remove_agendamento", json={
            "id_ordem_servico": order_id, "id_motivo_remocao_agendamento": reason,
            "observacao": "Cliente viajou e pediu para remarcar."}),
    }
    missing = {route: sorted(SHAPE_2_KEYS - set(a["ordem_servico"])) for route, a in answers.items()}
    assert missing == {route: [] for route in answers}
