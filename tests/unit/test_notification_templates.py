"""Templates (validation, rendering, Brazilian formats) and WhatsApp numbers, pure."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from chalicelib.errors import ValidationError
from chalicelib.notify import templates
from chalicelib.notify.phones import whatsapp_number

ZONE = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize("cents, shown", [(0, "R$ 0,00"), (9990, "R$ 99,90"), (123456, "R$ 1.234,56"),
                                          (100000000, "R$ 1.000.000,00"), (-550, "-R$ 5,50")])
def test_money(cents: int, shown: str) -> None:
    assert templates.money(cents) == shown


def test_every_default_text_uses_only_its_events_variables() -> None:
    for kind in templates.EVENTS.values():
        templates.check(kind, kind.default_text)


def test_check_names_each_problem() -> None:
    kind = templates.EVENTS["os_agendada"]
    with pytest.raises(ValidationError) as refused:
        templates.check(kind, "{{ valor }} e {{cartao}} {{nome")
    assert refused.value.errors == [
        "Variável desconhecida para o evento os_agendada: cartao, valor. Variáveis: nome, primeiro_nome, "
        "numero_os, data, hora_inicio, hora_fim.",
        "Há chaves {{ }} malformadas no texto: use {{variavel}}.",
    ]


def test_an_os_window_in_wall_clock_time_and_instants_in_the_providers_zone() -> None:
    kind = templates.EVENTS["os_reagendada"]
    values = templates.variables_of(kind, {
        "numero_ordem_servico": 42, "inicio": "2026-12-14T09:00:00", "fim": "2026-12-14T10:30:00",
        "inicio_anterior": "2026-12-11T16:00:00-03:00", "fim_anterior": "2026-12-11T20:00:00+00:00"},
        "MARIA DA SILVA", ZONE)
    assert values == {"nome": "MARIA DA SILVA", "primeiro_nome": "Maria", "numero_os": "42", "data": "14/12/2026",
                      "hora_inicio": "09:00", "hora_fim": "10:30", "data_anterior": "11/12/2026",
                      "hora_inicio_anterior": "16:00", "hora_fim_anterior": "17:00"}


def test_a_cancelled_os_shows_the_window_it_had() -> None:
    values = templates.variables_of(templates.EVENTS["os_cancelada"], {
        "numero_ordem_servico": 7, "inicio": None, "fim": None, "inicio_anterior": "2026-12-14T09:00:00",
        "fim_anterior": "2026-12-14T10:00:00"}, "Ana", ZONE)
    assert (values["data"], values["hora_inicio"], values["hora_fim"]) == ("14/12/2026", "09:00", "10:00")


def test_render_leaves_no_placeholder_and_no_double_spaces() -> None:
    assert templates.render("Oi {{nome}},  {{ausente}} tudo  bem? ", {"nome": "Ana"}) == "Oi Ana, tudo bem?"


@pytest.mark.parametrize("raw, number", [
    ("11987654321", "5511987654321"), ("(21) 99876-5432", "5521998765432"), ("+55 11 98765-4321", "5511987654321"),
    ("5511987654321", "5511987654321"), ("1932321234", None), ("+1 650 253 0000", None), ("123", None),
    ("", None), ("abc", None),
])
def test_whatsapp_numbers(raw: str, number: str | None) -> None:
    assert whatsapp_number(raw) == number


# One event payload, as the outboxes raise them, telling the story the variables' examples tell.
STORY = {"numero_ordem_servico": 1042, "inicio": "2026-12-15T09:00:00", "fim": "2026-12-15T11:00:00",
         "inicio_anterior": "2026-12-12T14:00:00", "fim_anterior": "2026-12-12T16:00:00", "id_fatura": 7310,
         "valor_centavos": 9990, "data_vencimento": "2026-12-10", "data_bloqueio": "2026-12-25",
         "cartao": "Visa •••• 1234", "codigo_retorno": "05", "mensagem_retorno": "Não Autorizada",
         "orientacao": "Faremos uma nova tentativa amanhã.", "proxima_tentativa": "2026-12-11",
         "desbloqueio_ate": "2026-12-27", "dias_desbloqueio": 2,
         "linha_digitavel": templates.LINE_EXAMPLE, "pix_copia_cola": templates.PIX_EXAMPLE,
         "link": templates.LINK_EXAMPLE}


def test_a_second_copy_names_only_the_payment_data_it_has() -> None:
    values = templates.variables_of(templates.EVENTS["segunda_via"], {
        "id_fatura": 7, "valor_centavos": 9990, "data_vencimento": "2026-12-10", "linha_digitavel": "",
        "pix_copia_cola": templates.PIX_EXAMPLE, "link": ""}, "Ana", ZONE)
    assert values["dados_pagamento"] == f"PIX copia e cola: {templates.PIX_EXAMPLE}"


@pytest.mark.parametrize("event", list(templates.EVENTS))
def test_each_variables_example_is_what_a_real_event_renders(event: str) -> None:
    kind = templates.EVENTS[event]
    examples = kind.examples()
    assert list(examples) == list(kind.variables)
    assert examples == templates.variables_of(kind, STORY, "MARIA DA SILVA", ZONE)
    assert all(examples.values())


def test_the_default_texts_rendered_with_the_examples() -> None:
    declined = templates.EVENTS["pagamento_recusado"]
    assert templates.render(declined.default_text, declined.examples()) == (
        "Olá, Maria. O pagamento de R$ 99,90 (vencimento 10/12/2026) no cartão Visa •••• 1234 foi recusado: "
        "05 - Não Autorizada. Faremos uma nova tentativa amanhã.")
    for kind in templates.EVENTS.values():
        assert "{{" not in templates.render(kind.default_text, kind.examples())
