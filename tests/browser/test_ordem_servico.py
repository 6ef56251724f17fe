"""The OS form: its agenda (only agendas that serve the installation city, checked again by the API), its
schedule, messages, history and the actions of its state."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, ConsoleStack
from tests.browser.seed import Operator
from tests.browser.test_agenda_tecnicos import event, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def consulted(operator: Operator, number: int) -> dict[str, Any]:
    [order] = operator.ok("POST", "ordem_servico/consultar", {"consulta": str(number)})["ordens_servico"]
    return dict(order)


def agenda_body(description: str, technicians: list[int], city: str) -> dict[str, Any]:
    return {"descricao": description, "ativo": True, "cidades": [{"cidade": city, "uf": "SP"}],
            "tecnicos": [{"id": t} for t in technicians],
            "horarios": [{"dias_semana": ["segunda", "terca", "quarta", "quinta", "sexta"], "hora_inicio": "08:00:00",
                          "hora_termino": "18:00:00", "duracao_minutos": 60, "capacidade": 2}]}


def test_the_agenda_of_an_os_changes_only_to_one_that_serves_its_city_and_shows_in_the_calendar(
        console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    bruno = data.technicians["bruno"]
    north = int(operator.ok("POST", "configuracao/agenda_ordem_servico", agenda_body(
        "Campinas Norte", [bruno], "Campinas"))["agenda_ordem_servico"]["id_agenda_ordem_servico"])
    operator.ok("POST", "configuracao/agenda_ordem_servico", agenda_body("Sumaré", [bruno], "Sumaré"))
    day = data.day(3)
    order_id = operator.order(data.services["maria"], data.agendas["instalacoes"], day, "15:00", "16:00", bruno)
    number = operator.calendar_event(order_id, day)["numero"]

    page = console.page
    console.login(hash_=f"#/ordens/{number}")
    expect(page.get_by_role("heading", name=f"OS {number} · Aguardando Agendamento")).to_be_visible()
    agenda = page.get_by_label("Agenda", exact=True)
    expect(agenda).to_have_value(str(data.agendas["instalacoes"]))
    offered = agenda.locator("option").all_inner_texts()
    assert "Sumaré" not in offered and "Campinas Norte" in offered and "Sem agenda" in offered
    console.check_page("ordem-servico")

    # Meanwhile another operator takes Campinas out of that agenda: the API refuses, nothing changes.
    operator.ok("PUT", f"configuracao/agenda_ordem_servico/{north}", agenda_body("Campinas Norte", [bruno], "Sumaré"))
    agenda.select_option(label="Campinas Norte")
    page.get_by_role("button", name="Salvar alterações").click()
    refusal = page.get_by_role("form", name="Dados da OS").get_by_role("alert")
    expect(refusal).to_contain_text("Campinas/SP")
    expect(refusal).to_contain_text("Campinas Norte")
    console.check_page("ordem-servico-agenda-recusada")
    assert consulted(operator, number)["id_agenda_ordem_servico"] == data.agendas["instalacoes"]

    agenda.select_option(label="Reparos Campinas")
    page.get_by_role("button", name="Salvar alterações").click()
    expect(page.locator(".tela-os > .mensagens")).to_contain_text("sucesso")
    expect(page.get_by_label("Agenda", exact=True)).to_have_value(str(data.agendas["reparos"]))
    assert consulted(operator, number)["id_agenda_ordem_servico"] == data.agendas["reparos"]
    assert operator.calendar_event(order_id, day)["recursos"] == [data.agendas["reparos"]]

    console.open(f"#/agenda-tecnicos?data={day}&ver=agenda&visao=semana")
    wait_ready(page)
    drawn = event(page, order_id)
    expect(drawn).to_be_visible()
    lane = page.locator(f'.ec-col-head time[datetime="{day}"][aria-label^="Reparos Campinas,"]').bounding_box()
    found = drawn.bounding_box()
    assert lane is not None and found is not None
    assert lane["x"] <= found["x"] + found["width"] / 2 <= lane["x"] + lane["width"]
    console.assert_no_errors()


def test_an_os_gets_a_message_loses_its_schedule_with_a_reason_and_is_cancelled_from_its_form(
        console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    day = data.day(4)
    order_id = operator.order(data.services["joao"], data.agendas["reparos"], day, "16:00", "17:00",
                              data.technicians["bruno"])
    number = operator.calendar_event(order_id, day)["numero"]
    page = console.page
    console.login(hash_=f"#/ordens/{number}")
    history = page.get_by_role("region", name="Mensagens e histórico")
    expect(history).to_contain_text("Aberta")

    history.get_by_role("textbox", name="Nova mensagem").fill("Cliente pediu para ligar antes.")
    history.get_by_role("button", name="Adicionar mensagem").click()
    expect(page.get_by_role("region", name="Mensagens e histórico")).to_contain_text("Cliente pediu para ligar antes.")

    page.get_by_role("button", name="Confirmar agendamento").click()
    expect(page.get_by_role("heading", name=f"OS {number} · Pendente")).to_be_visible()
    assert consulted(operator, number)["status"] == "Pendente"

    removal = page.get_by_role("form", name="Remover agendamento")
    removal.get_by_label("Observação").fill("Cliente viajou, volta semana que vem.")
    removal.get_by_role("button", name="Remover agendamento").click()
    expect(page.get_by_role("heading", name=f"OS {number} · Aguardando Agendamento")).to_be_visible()
    assert consulted(operator, number)["status"] == "Aguardando Agendamento"

    cancel = page.get_by_role("form", name="Cancelar OS")
    cancel.get_by_label("Motivo do cancelamento").fill("Cliente desistiu da visita.")
    cancel.get_by_role("button", name="Cancelar OS").click()
    page.locator("dialog.confirmacao").get_by_role("button", name="Cancelar OS").click()
    expect(page.get_by_role("heading", name=f"OS {number} · Cancelado")).to_be_visible()
    history = page.get_by_role("region", name="Mensagens e histórico")
    for action in ("Aberta", "Agendamento confirmado", "Agendamento removido", "Cancelada"):
        expect(history).to_contain_text(action)
    expect(history).to_contain_text("Cliente desistiu da visita.")
    expect(page.get_by_role("form", name="Cancelar OS")).to_have_count(0)  # nothing left to do on it
    console.check_page("ordem-servico-cancelada")
    assert consulted(operator, number)["status"] == "Cancelado"
    console.assert_no_errors()


def test_an_os_clicked_in_the_calendar_opens_its_form(console: Console, console_stack: ConsoleStack) -> None:
    data = console_stack.data
    page = console.page
    console.login(hash_=f"#/agenda-tecnicos?data={data.day(0)}&ver=agenda&visao=semana")
    wait_ready(page)
    event(page, data.orders["reparo"]).click()
    page.get_by_role("link", name="Abrir a OS").click()
    number = data.numbers["reparo"]
    expect(page.get_by_role("heading", name=f"OS {number} ·", exact=False)).to_be_visible()
    assert page.url.endswith(f"#/ordens/{number}")
    expect(page.get_by_role("region", name="Mensagens e histórico")).to_contain_text("Aberta")
    console.assert_no_errors()
