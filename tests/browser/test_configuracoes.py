"""Configurações: the settings screens, each behind its permission."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from sandbox.simulators.zapme import ZapMeSimulator
from tests.browser.conftest import PHONE, Console, ConsoleStack
from tests.browser.seed import CIELO_KEY, CIELO_MERCHANT_ID, Operator, provider_today
from tests.support.stack import CREDENTIALS

pytestmark = [pytest.mark.browser, pytest.mark.stack]

SWITCH = "Permite Recorrência Automática"


def gateway_form(page: Page, name: str) -> Locator:
    return page.get_by_role("form", name=name)


def invoice_status(operator: Operator, service: int, invoice: int, settled: bool) -> str:
    """The invoice's status once no charge of it is in flight (``settled``: wait for a paid one)."""
    deadline = time.monotonic() + 60
    while True:
        invoices = operator.ok("GET", "financeiro/fatura", id_cliente_servico=service)["faturas"]
        status = str(next(i for i in invoices if i["id_fatura"] == invoice)["status"])
        if not settled or status == "paga":
            return status
        assert time.monotonic() < deadline, invoices
        time.sleep(0.3)


def test_switching_automatic_recurrence_off_in_the_console_stops_the_next_tick_from_charging(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(40, "Fabio Recorrente")
    operator.card(customer, 0)
    operator.ok("PUT", f"cliente_servico/{service}/cobranca", {"pagamento_recorrente": True})
    due = (provider_today() + timedelta(days=10)).isoformat()
    invoice = operator.invoice(service, due)

    page = console.page
    console.login(hash_="#/configuracoes/cartao")
    expect(page.get_by_role("heading", name="Configurações · Integrações · Cartão de Crédito")).to_be_visible()
    cielo, getnet = gateway_form(page, "Cielo"), gateway_form(page, "GetNet")
    expect(cielo).to_contain_text("Credenciais configuradas")
    expect(getnet).to_contain_text("Não configurado")
    # Credentials are write-only: the key is never on the page, the merchant id (an identifier) is.
    expect(cielo.get_by_label("Merchant Key")).to_have_value("")
    expect(cielo.get_by_label("Merchant Key")).to_have_attribute("placeholder", "configurada — digite para substituir")
    expect(cielo).to_contain_text(f"Atual: {CIELO_MERCHANT_ID}")
    assert CIELO_KEY not in page.content()
    switch = cielo.get_by_role("switch", name=SWITCH)
    expect(switch).to_be_checked()
    console.check_page("configuracoes-cartao-recorrencia")

    try:
        switch.click()
        expect(cielo).to_contain_text(f"{SWITCH}: desligado para Cielo.")
        expect(cielo.get_by_role("switch", name=SWITCH)).not_to_be_checked()
        listed = operator.ok("GET", "configuracao/integracao/cartao_credito")["integracoes"]
        assert [i["permite_recorrencia_automatica"] for i in listed if i["gateway"] == "cielo"] == [False]
        report = operator.tick(f"{due}T10:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]
        assert report.get("enfileiradas", 0) == 0, report
        assert invoice_status(operator, service, invoice, settled=False) == "aberta"

        cielo.get_by_role("switch", name=SWITCH).click()
        expect(cielo).to_contain_text(f"{SWITCH}: ligado para Cielo.")
    finally:
        operator.ok("PUT", "configuracao/integracao/cartao_credito/cielo", {"permite_recorrencia_automatica": True})
    report = operator.tick(f"{due}T11:00:00-03:00")["tarefas"]["cobrancas_recorrentes"]
    assert report["enfileiradas"] >= 1, report
    assert invoice_status(operator, service, invoice, settled=True) == "paga"
    console.assert_no_errors()


def test_a_gateway_is_configured_from_its_form_and_a_wrong_one_is_refused_with_nothing_changed(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    page = console.page
    console.login(hash_="#/configuracoes/cartao")
    getnet = gateway_form(page, "GetNet")
    # Some credentials typed, not all: the API refuses and nothing is stored.
    getnet.get_by_label("Client ID").fill("cliente-getnet")
    getnet.get_by_role("button", name="Configurar").click()
    expect(getnet.get_by_role("alert")).to_contain_text("client_secret")
    assert [i for i in operator.ok("GET", "configuracao/integracao/cartao_credito")["integracoes"]
            if i["gateway"] == "getnet"] == []

    getnet.get_by_label("Client Secret").fill("segredo-getnet-123")
    getnet.get_by_label("Seller ID").fill("vendedor-getnet")
    getnet.get_by_role("button", name="Configurar").click()
    getnet = gateway_form(page, "GetNet")
    expect(getnet).to_contain_text("Integração GetNet salva.")
    expect(getnet).to_contain_text("Credenciais configuradas")
    expect(getnet.get_by_label("Client Secret")).to_have_value("")
    assert "segredo-getnet-123" not in page.content()
    saved = next(i for i in operator.ok("GET", "configuracao/integracao/cartao_credito")["integracoes"]
                 if i["gateway"] == "getnet")
    # New, inactive (Cielo stays where new cards go), without automatic recurrence.
    assert (saved["ativo"], saved["permite_recorrencia_automatica"], saved["credenciais"]) == \
        (False, False, {"client_id": "cliente-getnet", "seller_id": "vendedor-getnet"})

    getnet.get_by_role("button", name="Remover integração").click()
    dialog = page.locator("dialog.confirmacao")
    expect(dialog).to_contain_text("Remover a integração GetNet?")
    dialog.get_by_role("button", name="Remover").click()
    expect(gateway_form(page, "GetNet")).to_contain_text("Não configurado")
    assert [i["gateway"] for i in operator.ok("GET", "configuracao/integracao/cartao_credito")["integracoes"]] == \
        ["cielo"]
    console.assert_no_errors()


def test_settings_are_hidden_and_refused_without_the_permission(open_console: Callable[..., Console],
                                                                console_stack: ConsoleStack) -> None:
    console_stack.operator.ok("POST", "configuracao/usuario", {
        "username": "atendente", "password": "senha-atendente-1", "nome": "Atendente",
        "permissoes": ["Consultar ordem de serviço"]})
    console = open_console(PHONE)
    page = console.page
    console.login("atendente", "senha-atendente-1")
    menu = page.get_by_role("navigation", name="Telas do console")
    expect(menu.get_by_role("link", name="Agenda de Técnicos")).to_be_visible()
    expect(menu.get_by_role("link", name="Configurações")).to_have_count(0)
    console.open("#/configuracoes/cartao")
    # Not a screen of theirs: the console goes to their first screen instead.
    expect(page.locator(".barra-agenda")).to_be_visible()
    assert "#/agenda-tecnicos" in page.url
    console.assert_no_errors()


def test_zapme_set_up_in_the_console_reports_its_status_and_a_test_message_reaches_the_simulator(
        console: Console, console_stack: ConsoleStack) -> None:
    simulator = console_stack.stack.state["simulators"]["zapme"]
    page = console.page
    console.login(hash_="#/configuracoes/zapme")
    account = page.get_by_role("form", name="Conta ZapMe")
    expect(account).to_contain_text("A ZapMe ainda não foi configurada.")
    account.get_by_role("switch", name="Ativo").check()
    account.get_by_label("Chave API").fill(ZapMeSimulator.DEFAULT_API)
    account.get_by_label("Chave secreta").fill(ZapMeSimulator.DEFAULT_SECRET)
    account.get_by_role("button", name="Salvar").click()
    expect(account.get_by_role("status")).to_contain_text("salva")
    expect(account.get_by_label("Chave secreta")).to_have_value("")
    expect(account.get_by_label("Chave secreta")).to_have_attribute("placeholder",
                                                                   "configurada — digite para substituir")
    assert ZapMeSimulator.DEFAULT_SECRET not in page.content()

    status = page.get_by_role("region", name="Situação na ZapMe")
    status.get_by_role("button", name="Consultar situação").click()
    expect(status).to_contain_text("Conectado")

    test = page.get_by_role("form", name="Mensagem de teste")
    test.get_by_label("Celular com DDD").fill("(11) 98765-4321")
    test.get_by_label("Texto (opcional)").fill("Teste do console do provedor")
    test.get_by_role("button", name="Enviar mensagem de teste").click()
    expect(test.get_by_role("status")).to_contain_text("Mensagem de teste enviada.")
    console.check_page("configuracoes-zapme-teste-enviado")
    sent = requests.get(f"{simulator}/__sandbox/messages", params={"phone": "5511987654321"}, timeout=10).json()
    assert [m["message"] for m in sent] == ["Teste do console do provedor"], sent
    console.assert_no_errors()


def test_a_template_edited_in_the_console_shows_its_preview_and_a_wrong_variable_is_refused(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    page = console.page
    console.login(hash_="#/configuracoes/modelos?evento=os_agendada")
    editor = page.get_by_role("form", name="OS agendada")
    text = editor.get_by_label("Texto da mensagem")
    preview = editor.get_by_role("region", name="Prévia com dados de exemplo")
    expect(preview.locator(".previa-texto")).not_to_be_empty()

    text.fill("Olá {{primeiro_nome}}, sua visita é dia {{data}} às ")
    editor.get_by_role("button", name="Inserir {{hora_inicio}}").click()
    expect(text).to_have_value("Olá {{primeiro_nome}}, sua visita é dia {{data}} às {{hora_inicio}}")
    expect(preview.locator(".previa-texto")).to_have_text("Olá Maria, sua visita é dia 15/12/2026 às 09:00")
    console.check_page("configuracoes-modelos-previa")

    text.fill("Olá {{apelido}}")
    expect(preview.get_by_role("alert")).to_contain_text("apelido")
    editor.get_by_role("button", name="Salvar modelo").click()
    expect(editor.get_by_role("alert")).to_have_count(2)  # the preview's and the save's
    expect(editor.get_by_role("alert").last).to_contain_text("apelido")
    saved = next(m for m in operator.ok("GET", "configuracao/notificacao/modelo")["modelos"]
                 if m["evento"] == "os_agendada")
    assert saved["padrao"] is True  # the refused text changed nothing

    text.fill("Olá {{primeiro_nome}}, até dia {{data}}!")
    editor.get_by_role("button", name="Salvar modelo").click()
    editor = page.get_by_role("form", name="OS agendada")
    expect(editor).to_contain_text("Texto personalizado")
    expect(editor.get_by_role("status").first).to_contain_text("salvo")
    saved = next(m for m in operator.ok("GET", "configuracao/notificacao/modelo")["modelos"]
                 if m["evento"] == "os_agendada")
    assert (saved["texto"], saved["padrao"], saved["ativo"]) == \
        ("Olá {{primeiro_nome}}, até dia {{data}}!", False, True)
    console.assert_no_errors()


def test_a_suspension_profile_is_created_edited_and_a_service_moved_to_it_which_then_keeps_it_from_deletion(
        console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    page = console.page
    console.login(hash_="#/configuracoes/perfis")
    page.get_by_role("button", name="Novo perfil").click()
    form = page.get_by_role("form", name="Novo perfil de suspensão")
    form.get_by_label("Descrição").fill("Residencial 10 dias")
    form.get_by_label("Dias de aviso").fill("3")
    form.get_by_label("Dias para suspensão").fill("10")
    form.get_by_label("Dias de desbloqueio em confiança").fill("2")
    form.get_by_role("button", name="Cadastrar perfil").click()
    row = page.locator("table.perfis tbody tr", has_text="Residencial 10 dias")
    expect(row).to_contain_text("10 dia(s) após o vencimento")
    expect(row).to_contain_text("Até 2 dia(s), 1 vez(es) por mês")

    row.get_by_role("button", name="Editar o perfil Residencial 10 dias").click()
    form = page.get_by_role("form", name="Editar perfil: Residencial 10 dias")
    form.get_by_label("Descrição").fill("Residencial 12 dias")
    form.get_by_label("Dias para suspensão").fill("12")
    form.get_by_role("button", name="Salvar perfil").click()
    row = page.locator("table.perfis tbody tr", has_text="Residencial 12 dias")
    expect(row).to_contain_text("12 dia(s) após o vencimento")
    expect(row).to_contain_text("3 dia(s) antes da suspensão")
    console.check_page("configuracoes-perfis-editado")
    profile = next(p for p in operator.ok("GET", "configuracao/perfil_suspensao")["perfis_suspensao"]
                   if p["descricao"] == "Residencial 12 dias")
    assert (profile["dias_aviso"], profile["dias_bloqueio"], profile["padrao"]) == (3, 12, False)
    assert (profile["dias_desbloqueio_confianca"], profile["desbloqueios_confianca_mes"]) == (2, 1)

    # The customer's page moves João's service to it.
    service = data.services["joao"]
    console.open(f"#/clientes/{data.customers['joao']}")
    block = page.locator(f'article.servico[data-servico="{service}"]')
    block.get_by_label("Perfil de suspensão").select_option(value=str(profile["id_perfil_suspensao"]))
    expect(block.get_by_role("status")).to_contain_text("Residencial 12 dias")
    found = operator.ok("GET", "cliente", busca="id_cliente_servico", termo_busca=str(service))["clientes"]
    assert found[0]["servicos"][0]["id_perfil_suspensao"] == profile["id_perfil_suspensao"]

    # In use: the API refuses the deletion and the page says why.
    console.open("#/configuracoes/perfis")
    row = page.locator("table.perfis tbody tr", has_text="Residencial 12 dias")
    expect(row.locator("td.numero")).to_have_text("1")
    row.get_by_role("button", name="Excluir o perfil Residencial 12 dias").click()
    page.locator("dialog.confirmacao").get_by_role("button", name="Excluir").click()
    expect(page.get_by_role("alert")).to_contain_text("em uso por 1 serviço")
    assert any(p["id_perfil_suspensao"] == profile["id_perfil_suspensao"]
               for p in operator.ok("GET", "configuracao/perfil_suspensao")["perfis_suspensao"])
    console.assert_no_errors()


def test_users_and_technicians_are_created_changed_and_deactivated_by_an_administrator(
        console: Console, console_stack: ConsoleStack) -> None:
    operator, stack = console_stack.operator, console_stack.stack
    page = console.page
    console.login(hash_="#/configuracoes/tecnicos")
    page.get_by_role("button", name="Novo técnico").click()
    form = page.get_by_role("form", name="Novo técnico")
    form.get_by_label("Nome").fill("Carlos Dias")
    form.get_by_label("E-mail").fill("carlos@example.com")
    form.get_by_label("Telefone").fill("(19) 98765-1111")
    form.get_by_role("button", name="Cadastrar técnico").click()
    row = page.locator("table.tecnicos tbody tr", has_text="Carlos Dias")
    expect(row).to_contain_text("(19) 98765-1111")
    row.get_by_role("button", name="Editar o técnico Carlos Dias").click()
    page.get_by_role("form", name="Editar técnico: Carlos Dias").get_by_label("Telefone").fill("(19) 98765-2222")
    page.get_by_role("button", name="Salvar técnico").click()
    expect(row).to_contain_text("(19) 98765-2222")
    row.get_by_role("button", name="Desativar o técnico Carlos Dias").click()
    page.locator("dialog.confirmacao").get_by_role("button", name="Desativar").click()
    expect(row).to_contain_text("Inativo")
    console.check_page("configuracoes-tecnicos")
    listed = operator.ok("GET", "configuracao/tecnico", incluir_inativos="true")["tecnicos"]
    carlos = next(t for t in listed if t["name"] == "Carlos Dias")
    assert (carlos["telefone"], carlos["ativo"]) == ("19987652222", False)

    console.open("#/configuracoes/usuarios")
    page.get_by_role("button", name="Novo usuário").click()
    form = page.get_by_role("form", name="Novo usuário")
    form.get_by_label("Usuário", exact=True).fill("cobranca")
    form.get_by_label("Senha").fill("senha-da-cobranca-1")
    form.get_by_label("Nome").fill("Equipe de Cobrança")
    form.get_by_label("Consultar faturas").check()
    form.get_by_role("button", name="Cadastrar usuário").click()
    row = page.locator("table.usuarios tbody tr", has_text="cobranca")
    expect(row).to_contain_text("1 permissão")
    row.get_by_role("button", name="Editar o usuário cobranca").click()
    page.get_by_role("form", name="Editar usuário: cobranca").get_by_label("Gerenciar faturas").check()
    page.get_by_role("button", name="Salvar usuário").click()
    expect(row).to_contain_text("2 permissões")
    token = requests.post(f"{stack.url}/oauth/token", json={
        **CREDENTIALS, "username": "cobranca", "password": "senha-da-cobranca-1"}, timeout=10)
    assert token.status_code == 200, token.text
    row.get_by_role("button", name="Desativar o usuário cobranca").click()
    page.locator("dialog.confirmacao").get_by_role("button", name="Desativar").click()
    expect(row).to_contain_text("Inativo")
    console.check_page("configuracoes-usuarios")
    users = operator.ok("GET", "configuracao/usuario")["usuarios"]
    cobranca = next(u for u in users if u["username"] == "cobranca")
    assert (sorted(cobranca["permissoes"]), cobranca["ativo"]) == (["Consultar faturas", "Gerenciar faturas"], False)
    # Deactivated: its token is revoked and it cannot log in again.
    refused = requests.get(f"{stack.url}/api/v1/integracao/usuario_atual",
                           headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=10)
    assert refused.status_code == 401
    again = requests.post(f"{stack.url}/oauth/token", json={
        **CREDENTIALS, "username": "cobranca", "password": "senha-da-cobranca-1"}, timeout=10)
    assert again.status_code != 200
    console.assert_no_errors()
