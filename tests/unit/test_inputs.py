import json

import pytest

from chalicelib.errors import ValidationError
from chalicelib.web.inputs import MAX_BODY_BYTES, expand_pairs, merge_input
from chalicelib.web.validation import Fields, as_list, field_of, parse_money_cents


def test_merges_query_json_and_body_wins() -> None:
    merged = merge_input([("id", "1"), ("pagina", "0")], json.dumps({"id": 2, "x": True}).encode(),
                         "application/json")
    assert merged == {"id": 2, "pagina": "0", "x": True}


def test_reads_form_body_with_php_style_keys() -> None:
    body = b"tecnicos[0][id]=5&tecnicos[1][id]=7&abrir_os=true&nome=Jo%C3%A3o"
    merged = merge_input([], body, "application/x-www-form-urlencoded; charset=UTF-8")
    assert merged == {"tecnicos": {"0": {"id": "5"}, "1": {"id": "7"}}, "abrir_os": "true", "nome": "João"}
    assert as_list(merged["tecnicos"]) == [{"id": "5"}, {"id": "7"}]


def test_php_append_keys_become_indexed() -> None:
    assert expand_pairs([("ids[]", "1"), ("ids[]", "2")]) == {"ids": {"0": "1", "1": "2"}}


def test_reads_multipart_fields() -> None:
    body = (b"--XYZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nana\r\n"
            b"--XYZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\npassword\r\n--XYZ--\r\n")
    assert merge_input([], body, "multipart/form-data; boundary=XYZ") == {"username": "ana", "grant_type": "password"}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\"texto\"", b"\xff\xfe"])
def test_refuses_garbage_json_with_a_portuguese_message(body: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        merge_input([], body, "application/json")
    assert caught.value.errors and all(isinstance(e, str) for e in caught.value.errors)


def test_refuses_huge_bodies() -> None:
    with pytest.raises(ValidationError, match="grande"):
        merge_input([], b"{" + b" " * MAX_BODY_BYTES + b"}", "application/json")


def test_refuses_absurd_nesting() -> None:
    with pytest.raises(ValidationError):
        expand_pairs([("a" + "[x]" * 50, "1")])


def test_fields_collect_every_error_at_once() -> None:
    fields = Fields({"nome": "", "idade": "dez", "email": "sem-arroba", "ativo": "talvez"})
    fields.text("nome", required=True)
    fields.integer("idade")
    fields.email("email")
    fields.boolean("ativo")
    with pytest.raises(ValidationError) as caught:
        fields.check()
    assert caught.value.errors == [
        "O campo nome é obrigatório.",
        "O campo idade deve ser um número inteiro.",
        "O campo email deve ser um endereço de e-mail válido.",
        "O campo ativo deve ser verdadeiro ou falso.",
    ]


def test_ids_arrive_as_strings_or_numbers() -> None:
    fields = Fields({"a": "12", "b": 13, "c": 1.0, "d": True, "e": "1e3"})
    assert fields.identifier("a") == 12
    assert fields.identifier("b") == 13
    assert fields.identifier("c") == 1
    fields.identifier("d")
    fields.identifier("e")
    assert len(fields.errors) == 2


def test_nested_items_name_the_field_path() -> None:
    fields = Fields({"servicos": [{"nome": "x"}, {"valor": "1"}]})
    for item in fields.items("servicos"):
        item.text("nome", required=True)
    assert fields.errors == ["O campo servicos.1.nome é obrigatório."]


@pytest.mark.parametrize("raw, cents", [("99.90", 9990), (99.9, 9990), ("99,90", 9990), (100, 10000), ("0.01", 1)])
def test_money_becomes_integer_cents(raw: object, cents: int) -> None:
    assert parse_money_cents(raw) == cents


@pytest.mark.parametrize("raw", ["99.999", "abc", True, None, "1.2.3", float("nan"), "1e5"])
def test_money_refuses_non_amounts(raw: object) -> None:
    assert parse_money_cents(raw) is None


def test_rule_errors_join_format_errors_once_per_field() -> None:
    fields = Fields({"horarios": [{"hora_inicio": "x"}]})
    fields.text("descricao", required=True)
    fields.items("horarios")[0].clock_time("hora_inicio")
    fields.add_rule_errors([
        "O campo descricao é obrigatório.",  # same field: already named
        "O campo horarios deve ter ao menos um horário de atendimento.",  # parent of a named field
        "O campo horarios.1.hora_termino deve ser posterior a hora_inicio.",  # another field
        "Técnico de ID 9 não encontrado.",  # names no field
    ])
    assert fields.errors == [
        "O campo descricao é obrigatório.",
        "O campo horarios.0.hora_inicio deve ser um horário no formato HH:MM:SS.",
        "O campo horarios.1.hora_termino deve ser posterior a hora_inicio.",
        "Técnico de ID 9 não encontrado.",
    ]
    assert field_of("O campo x.0.y é obrigatório.") == "x.0.y" and field_of("Outra coisa.") is None


@pytest.mark.parametrize("raw", ["2026-W52-4", "20261224", "24/12/2026", "2026-02-30"])
def test_dates_must_be_calendar_dates_in_iso_form(raw: str) -> None:
    fields = Fields({"data": raw})
    assert fields.day("data") is None
    assert fields.errors == ["O campo data deve ser uma data no formato AAAA-MM-DD."]
