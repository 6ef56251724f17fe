"""The shape checker itself: what it accepts and refuses."""
from tests.support.hubsoft_shape import EXAMPLES, shape_problems

ROUTE = "GET configuracao/tipo_atendimento"


def test_every_route_of_the_collection_is_restated():
    assert {"GET cliente/financeiro", "GET cliente/atendimento", "GET atendimento/todos", "POST atendimento",
            "PUT atendimento/:id_atendimento", "POST cliente/desbloqueio_confianca", "GET cliente"} <= set(EXAMPLES)
    assert all(e["answer"] for e in EXAMPLES.values())


def test_a_matching_answer_has_no_problem():
    answer = {"status": "success", "msg": "ok", "tipos_atendimento": [{"id_tipo_atendimento": 101, "descricao": "x"}]}
    assert shape_problems(ROUTE, answer) == []


def test_missing_keys_wrong_types_and_empty_lists_are_named():
    assert shape_problems(ROUTE, {"status": "success", "msg": "ok", "tipos_atendimento": []}) == [
        "tipos_atendimento[]: lista vazia (monte dados que a preencham)",
    ]
    problems = shape_problems(ROUTE, {"status": "success", "tipos_atendimento": [
        {"id_tipo_atendimento": "101", "descricao": "x"}, {"descricao": None}]})
    assert problems == [
        "msg: ausente",
        "tipos_atendimento[0].id_tipo_atendimento: str '101', esperado int",
        "tipos_atendimento[1].id_tipo_atendimento: ausente",
        "tipos_atendimento[1].descricao: null, esperado str",
    ]


def test_status_dates_and_unknown_data():
    answer = {"status": "success", "msg": "", "faturas": [{"data_vencimento": "2026-12-10"}]}
    problems = shape_problems("GET cliente/financeiro", answer)
    assert "status: 'success', o HubSoft responde 'suscess'" in problems
    assert "faturas[0].data_vencimento: '2026-12-10' fora da forma dd/mm/aaaa" in problems
    assert "faturas[0].empresa: ausente" in problems
    answer = {"status": "success", "msg": "", "registros": [{"servico": None}]}
    assert "registros[0].servico: null, esperado object" in shape_problems("GET cliente/extrato_conexao", answer)
    exempt = shape_problems("GET cliente/extrato_conexao", answer, unknown={"registros[].servico": "sem dados"})
    assert not any(p.startswith("registros[0].servico") for p in exempt)


def test_an_unknown_list_may_be_empty_but_not_absent():
    answer = {"status": "success", "msg": "", "tipos_atendimento": []}
    assert shape_problems(ROUTE, answer, unknown={"tipos_atendimento": "sem dados"}) == []
    missing = shape_problems(ROUTE, {"status": "success", "msg": ""}, unknown={"tipos_atendimento": "sem dados"})
    assert missing[0] == "tipos_atendimento: ausente"


def test_every_route_of_the_collection_is_held_to_its_shape_or_not_served():
    """Each HubSoft route restated in hubsoft_examples.json either has a test asserting our answer's shape, or
    answers "não disponível nesta instalação" (chalicelib/web/unavailable.py)."""
    from pathlib import Path

    from chalicelib.web.unavailable import UNAVAILABLE

    tests = Path(__file__).resolve().parents[1]
    sources = "".join(p.read_text("utf-8") for p in tests.rglob("test_*.py") if p.name != "test_hubsoft_shape.py")
    not_served = {u.path.split("/{")[0] for u in UNAVAILABLE}
    missing = [route for route in EXAMPLES
               if f'assert_hubsoft_shape("{route}"' not in sources and route.split(" ", 1)[1] not in not_served]
    assert missing == []
    assert "cliente/extrato_conexao" in not_served and "cliente/todos" in not_served
