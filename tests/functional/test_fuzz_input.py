"""Whatever a client sends, the answer is never a 500 and always parseable."""
from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as app_module
from tests.functional.conftest import Http

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
FIELD_NAMES = ["nome_razaosocial", "cpf_cnpj", "telefone_primario", "email", "servicos", "valor", "nome",
               "endereco_instalacao", "username", "password", "permissoes", "id_tecnico", "name", "busca",
               "termo_busca", "limit", "grant_type", "client_id", "client_secret", "refresh_token",
               "descricao", "ativo", "cidades", "tecnicos", "horarios", "dias_semana", "hora_inicio",
               "limite_diario", "datas_bloqueadas", "bloquear_feriados_nacionais"]
bodies = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=10), json_values, max_size=8)
ROUTES = [(m, re.sub(r"\{[^{}]+\}", "1", r.path))
          for r in app_module.api.routes for m in r.methods]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(http: Http, answer: Any) -> None:
    if answer.status_code == 401:
        http.token = None  # a fuzzed revoke logged us out; log in again next time
    assert answer.status_code != 500, answer.body
    assert answer.status_code in (200, 400, 401, 403, 405, 415, 429), answer.status_code
    assert isinstance(json.loads(answer.body), dict)


@FUZZ
@given(route=st.sampled_from(ROUTES), body=bodies)
def test_random_json_bodies(http: Http, route: tuple[str, str], body: dict[str, Any]) -> None:
    if http.token is None:
        http.login()
    check(http, http.request(route[0], route[1], body))


@FUZZ
@given(route=st.sampled_from(ROUTES), raw=st.binary(max_size=300),
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=x", "text/plain"]))
def test_random_raw_bodies(http: Http, route: tuple[str, str], raw: bytes, content_type: str) -> None:
    if http.token is None:
        http.login()
    text = raw.decode("latin-1")
    check(http, http.request(route[0], route[1], raw=text, headers={"Content-Type": content_type}))


@FUZZ
@given(query=st.lists(st.tuples(st.sampled_from(FIELD_NAMES + ["a[0][b]", "x[]", "pagina"]),
                                st.text(max_size=20)), max_size=6))
def test_random_query_strings(http: Http, query: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    if http.token is None:
        http.login()
    check(http, http.request("GET", "/api/v1/integracao/cliente?" + urlencode(query)))
