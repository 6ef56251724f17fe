"""Every operation of the published OpenAPI document, fuzzed by schemathesis against the running product
(``python -m sandbox serve`` on loopback) as the admin: valid and invalid input alike never gets a 5xx, and
every refusal is in the envelope (``status``/``msg``/``errors``), except the answers the document itself says
are not (the OAuth token endpoint's Passport errors)."""
from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

import app as app_module
from chalicelib import openapi
from tests.support.http import BASE
from tests.support.stack import RunningStack

# Bounded so the whole run (about 60 operations) takes a few minutes; the coverage phase adds its own
# deterministic boundary cases on top of these. FUZZ_EXAMPLES=500 searches longer (by hand, not in CI).
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES") or 40)
# Not "admin": nothing the fuzzer sends as a username to /oauth/token can lock this one out.
ADMIN = ("fuzz-admin-7c1f", "fuzz-senha-9d2e4b")
CLIENT = ("fuzz-client", "fuzz-segredo-5a8c1e")
# The token endpoint answers Passport's OAuth errors (documented as ErroOAuth), not the envelope.
OAUTH_TOKEN = "/oauth/token"
ADDRESS = {"logradouro": "Rua A", "numero": "1", "bairro": "Centro", "cidade": "Campinas", "uf": "SP",
           "cep": "13010-000"}
ENVELOPE_KEYS = {"status", "msg", "errors"}


class Session:
    """The admin's bearer token; a fuzzed revocation (logout, revogar_tokens) ends it, so log in again."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.token = ""
        # (method, path template) -> HTTP status -> count; the coverage phase also tries undocumented methods
        self.answers: dict[tuple[str, str], Counter[int]] = {}

    def login(self) -> None:
        answer = requests.post(f"{self.stack.url}/oauth/token", timeout=10, json={
            "grant_type": "password", "client_id": CLIENT[0], "client_secret": CLIENT[1],
            "username": ADMIN[0], "password": ADMIN[1]})
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]

    def headers(self) -> dict[str, str]:
        if not self.token:
            self.login()
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def stack_extra_env() -> dict[str, str]:
    """The stack's admin and OAuth client are the fuzzer's own (``ADMIN``, ``CLIENT``)."""
    return {"ADMIN_USERNAME": ADMIN[0], "ADMIN_PASSWORD": ADMIN[1], "OAUTH_CLIENT_ID": CLIENT[0],
            "OAUTH_CLIENT_SECRET": CLIENT[1]}


@pytest.fixture(scope="module")
def session(local_stack: RunningStack) -> Session:
    session = Session(local_stack)
    seed(session)
    return session


def seed(session: Session) -> None:
    """Id 1 of each resource exists (the fuzzer offers 1 often), so input reaches past "not found" into the
    code that computes with it: a technician, a customer with a service in Campinas, an agenda there, a ticket
    with its OS, an invoice and a suspension profile."""
    monday = date.today() + timedelta(days=7 - date.today().weekday())

    def post(path: str, body: dict[str, Any]) -> None:
        answer = requests.post(f"{session.stack.url}{BASE}/{path}", json=body, headers=session.headers(), timeout=10)
        assert answer.status_code == 200 and answer.json()["status"] == "success", answer.text

    post("configuracao/tecnico", {"name": "Carla Técnica", "email": "carla@provedor.com.br"})
    post("cliente", {"nome_razaosocial": "Maria da Silva", "cpf_cnpj": "529.982.247-25",
                     "telefone_primario": "11987654321", "servicos": [{"nome": "Fibra", "valor": "99.90",
                                                                       "endereco_instalacao": ADDRESS}]})
    post("configuracao/agenda_ordem_servico", {
        # Holidays open: next Monday may be one (2029-01-01), and the seed must not depend on the calendar.
        "descricao": "Campinas", "cidades": [{"cidade": "Campinas", "uf": "SP"}], "tecnicos": [{"id": 1}],
        "bloquear_feriados_nacionais": False,
        "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"], "hora_inicio": "08:00:00",
                      "hora_termino": "18:00:00", "duracao_minutos": 60, "capacidade": 5}]})
    post("atendimento", {"id_cliente_servico": 1, "descricao": "Instalação", "nome": "Maria",
                         "telefone": "11987654321", "abrir_os": True, "parametros_ordem_servico": {
                             "id_agenda_ordem_servico": 1, "data_inicio_programado": monday.isoformat(),
                             "hora_inicio_programado": "09:00:00", "data_termino_programado": monday.isoformat(),
                             "hora_termino_programado": "10:00:00"}})
    post("financeiro/fatura", {"id_cliente_servico": 1, "valor": "99.90", "data_vencimento": monday.isoformat()})
    post("configuracao/perfil_suspensao", {"descricao": "Residencial", "dias_aviso": 2, "dias_bloqueio": 5})


# Values that broke inputs before, offered to every string (and number) the fuzzer generates: other scripts'
# digits ("²" made int() raise, "١" was read as 1), dates and instants at the ends of datetime's range (adding a
# day to 9999-12-31 overflows), numbers past any id or DynamoDB's 38 digits.
EDGE_STRINGS = ["²", "12³", "١", "٣٤", "１２", "9999-12-31", "0001-01-01", "9999-12-31 23:59:59", "9999-12-31T23:59",
                "2100-12-31", "1999-12-31", "99:99:99", "23:59:59", "0", "-1", "1" * 19, "9" * 40, "1e400", "NaN",
                "0.00", "-0.01", "1"]
EDGE_NUMBERS = [1, 0, -1, 10**18, -(10**18), 10**40, 2**63]
# Documented dates (format: date) from anywhere in datetime's range, its ends and the bounds more often.
EDGE_DATES = [date(9999, 12, 31), date(1, 1, 1), date(2100, 12, 31), date(2101, 1, 1), date(2000, 1, 1),
              date(1999, 12, 31)]
schemathesis.openapi.format("date", st.one_of(st.sampled_from(EDGE_DATES), st.dates()).map(date.isoformat))
DOCUMENT = openapi.document_of(app_module.api)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=SchemathesisConfig.from_dict({
    "dictionaries": {"bordas": {"values": EDGE_STRINGS}, "numeros": {"values": EDGE_NUMBERS}},
    "generation": {
        "mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
        "dictionaries": {"string": {"dictionary": "bordas", "probability": 0.5},
                         "integer": {"dictionary": "numeros", "probability": 0.3}},
    },
    "phases": {"stateful": {"enabled": False}},
}))


def test_the_fuzzed_document_is_the_one_the_stack_serves(local_stack: RunningStack, session: Session) -> None:
    answer = requests.get(f"{local_stack.url}/api/v1/openapi.json", headers=session.headers(), timeout=10)
    assert answer.status_code == 200 and answer.json() == json.loads(json.dumps(DOCUMENT))


def envelope_on_errors(ctx: CheckContext, response: Any, case: Case) -> bool | None:
    """A refusal (``status: error`` or a 4xx) is the envelope, JSON with status/msg/errors."""
    body: Any = None
    try:
        body = json.loads(response.content)
    except ValueError:
        pass
    refused = response.status_code >= 400 or (isinstance(body, dict) and body.get("status") == "error")
    if not refused:
        return None
    if case.path == OAUTH_TOKEN and isinstance(body, dict) and {"error", "error_description"} <= body.keys():
        return None
    assert isinstance(body, dict) and ENVELOPE_KEYS <= body.keys(), \
        f"{response.status_code} fora do envelope: {response.content[:300]!r}"
    assert body["status"] == "error" and isinstance(body["msg"], str) and body["msg"], body
    assert isinstance(body["errors"], list) and all(isinstance(e, str) for e in body["errors"]), body
    return None


@schema.parametrize()
@settings(derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_without_5xx_and_refuses_in_the_envelope(case: Case, session: Session) -> None:
    url = session.stack.url
    response = case.call(base_url=url, headers=session.headers(), timeout=30)
    if response.status_code == 401 and case.path != OAUTH_TOKEN:
        session.login()  # a revocation fuzzed earlier ended the token: ask again with a new one
        response = case.call(base_url=url, headers=session.headers(), timeout=30)
    answers = session.answers.setdefault((case.method.upper(), case.path), Counter())
    answers[response.status_code] += 1
    case.validate_response(response, checks=[not_a_server_error, envelope_on_errors])


def test_every_documented_operation_was_reached(session: Session) -> None:
    """Runs after the fuzz (file order): no operation was skipped or only ever answered 405/404."""
    if not session.answers:
        pytest.skip("roda junto com o teste de fuzz acima")
    documented = {(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item}
    reached = {op for op, codes in session.answers.items() if set(codes) - {404, 405}}
    assert documented <= reached, sorted(documented - reached)
    total = sum(sum(codes.values()) for codes in session.answers.values())
    print(f"\nschemathesis: {len(documented)} operações documentadas, {total} requisições")
