"""Agendas (create, edit, deactivate), opening an OS in a free slot, and the OS list's agenda filter."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, ConsoleStack

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def test_create_edit_and_deactivate_an_agenda(console: Console, console_stack: ConsoleStack) -> None:
    page = console.page
    console.login(hash_="#/agendas")
    expect(page.get_by_role("row", name="Instalações Campinas")).to_be_visible()

    page.get_by_role("link", name="Nova agenda").click()
    page.get_by_label("Descrição").fill("Manutenção Valinhos")
    page.get_by_label("Cidades atendidas").fill("Valinhos/SP\nVinhedo - SP")
    page.get_by_label("Bruno Lima").check()
    window = page.locator("fieldset.janela").first
    window.get_by_label("Sáb").check()
    window.get_by_label("Início").fill("13:00")
    window.get_by_label("Término").fill("17:00")
    window.get_by_label("Duração de cada horário (min)").fill("120")
    window.get_by_label("Capacidade (OS por horário)").fill("3")
    page.get_by_label("Limite diário de OS").fill("5")
    page.locator("fieldset", has_text="Datas bloqueadas").get_by_label("Data").fill("24/12/2026")
    page.get_by_role("button", name="Bloquear data").click()
    page.get_by_label("Bloquear feriados nacionais").check()
    console.check_page("agenda-formulario-preenchido")
    page.get_by_role("button", name="Salvar agenda").click()

    row = page.get_by_role("row", name="Manutenção Valinhos")
    expect(page.locator(".tela-agendas .mensagens")).to_contain_text('Agenda "Manutenção Valinhos" salva')
    expect(row).to_contain_text("Valinhos/SP, Vinhedo/SP")
    expect(row).to_contain_text("Bruno Lima")
    expect(row).to_contain_text("Seg, Ter, Qua, Qui, Sex, Sáb: 13:00–17:00, horários de 120 min, 3 OS por horário")
    expect(row).to_contain_text("Limite diário: 5 OS")

    # A refusal of the server is shown with its reasons and nothing is saved.
    row.get_by_role("link", name="Editar a agenda Manutenção Valinhos").click()
    expect(page.get_by_label("Descrição")).to_have_value("Manutenção Valinhos")
    expect(page.locator("ul.datas")).to_contain_text("24/12/2026")
    page.locator("fieldset.janela").first.get_by_label("Duração de cada horário (min)").fill("90")
    page.get_by_role("button", name="Salvar agenda").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.locator("fieldset.janela").first.get_by_label("Duração de cada horário (min)").fill("60")
    page.locator("fieldset.janela").first.get_by_label("Capacidade (OS por horário)").fill("4")
    page.get_by_role("button", name="Salvar agenda").click()
    expect(row).to_contain_text("horários de 60 min, 4 OS por horário")

    row.get_by_role("button", name="Desativar").click()
    dialog = page.locator("dialog.confirmacao")
    expect(dialog).to_contain_text("Desativar a agenda \"Manutenção Valinhos\"?")
    dialog.get_by_role("button", name="Desativar").click()
    expect(row).to_contain_text("Inativa")
    expect(row.get_by_role("button", name="Desativar")).to_have_count(0)
    agenda = next(a for a in console_stack.operator.ok("GET", "configuracao/agenda_ordem_servico")[
        "agendas_ordem_servico"] if a["descricao"] == "Manutenção Valinhos")
    assert agenda["ativo"] is False and agenda["limite_diario"] == 5
    assert agenda["horarios"][0]["capacidade"] == 4 and agenda["datas_bloqueadas"] == ["2026-12-24"]
    console.assert_no_errors()


def test_open_an_os_in_a_free_slot_and_filter_the_list_by_agenda(console: Console,
                                                                   console_stack: ConsoleStack) -> None:
    data = console_stack.data
    page = console.page
    console.login(hash_="#/ordens/nova")
    page.get_by_label("Termo").fill("Elisa")
    page.get_by_role("button", name="Buscar cliente").click()
    page.get_by_label("Elisa Cartões", exact=False).check()
    expect(page.get_by_label("Contato", exact=True)).to_have_value("Elisa Cartões")
    page.get_by_label("Agenda", exact=True).select_option(label="Reparos Campinas")
    page.get_by_label("A partir de").fill(data.day_br(0))
    page.get_by_label("Dias", exact=True).fill("1")
    page.get_by_role("button", name="Ver horários livres").click()
    page.get_by_label("08:00–09:00 (2 vagas)").check()
    page.get_by_label("Descrição do atendimento").fill("Sem sinal desde ontem")
    console.check_page("abrir-os-preenchido")
    page.get_by_role("button", name="Abrir OS").click()

    messages = page.locator(".tela-ordens .mensagens")
    expect(messages).to_contain_text("Atendimento aberto com sucesso")
    rows = page.locator("table.tabela tbody tr")
    expect(rows.filter(has_text="Elisa Cartões")).to_have_count(1)
    expect(rows.filter(has_text="Elisa Cartões")).to_contain_text("Reparos Campinas")

    # The list of the week, then only one agenda's OS.
    console.open(f"#/ordens?inicio={data.day(0)}&fim={data.day(6)}")
    expect(rows.filter(has_text="Instalações Campinas").first).to_be_visible()
    page.get_by_label("Agenda", exact=True).select_option(label="Reparos Campinas")
    page.get_by_role("button", name="Filtrar").click()
    expect(rows.filter(has_text="Instalações Campinas")).to_have_count(0)
    expect(rows.filter(has_text="Reparos Campinas")).to_have_count(3)
    console.check_page("ordens-filtro-agenda")
    console.assert_no_errors()


def test_an_os_opened_without_an_agenda_lands_on_its_form_and_only_serving_agendas_are_offered(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    operator.ok("POST", "configuracao/agenda_ordem_servico", {
        "descricao": "Só Hortolândia", "ativo": True, "cidades": [{"cidade": "Hortolândia", "uf": "SP"}],
        "horarios": [{"dias_semana": ["segunda"], "hora_inicio": "08:00:00", "hora_termino": "12:00:00",
                      "duracao_minutos": 60, "capacidade": 1}]})
    page = console.page
    console.login(hash_="#/ordens/nova")
    page.get_by_label("Termo").fill("Davi")
    page.get_by_role("button", name="Buscar cliente").click()
    page.get_by_label("Davi Avulso", exact=False).check()
    agenda = page.get_by_label("Agenda", exact=True)
    offered = agenda.locator("option").all_inner_texts()
    assert "Reparos Campinas" in offered and "Só Hortolândia" not in offered, offered
    agenda.select_option(label="Sem agenda (a OS aguarda agendamento)")
    expect(page.get_by_role("button", name="Ver horários livres")).to_be_disabled()
    page.get_by_label("Tipo de OS").select_option(index=1)
    chosen_type = page.get_by_label("Tipo de OS").locator("option:checked").inner_text()
    page.get_by_label("Descrição do atendimento").fill("Trocar o roteador")
    page.get_by_role("button", name="Abrir OS").click()

    heading = page.locator(".tela-os h1")
    expect(heading).to_contain_text("Aguardando Agendamento")
    number = int(heading.inner_text().split()[1])
    expect(page.get_by_label("Agenda", exact=True)).to_have_value("")
    expect(page.locator(".tela-os > p.dica")).to_contain_text(chosen_type)
    [order] = operator.ok("POST", "ordem_servico/consultar", {"consulta": str(number)})["ordens_servico"]
    assert order["id_agenda_ordem_servico"] is None and order["tipo_ordem_servico"] == chosen_type
    console.assert_no_errors()
