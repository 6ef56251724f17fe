"""The customer's page: their tickets (open one, add a message, close it; closing refused while its OS is open)
and each invoice's payment data (set it, copy the boleto line, send it by WhatsApp)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib.billing.invoices.payment_data import printed_line
from tests.browser.conftest import PHONE, Console, ConsoleStack
from tests.browser.seed import Operator, provider_today

pytestmark = [pytest.mark.browser, pytest.mark.stack]

LINE = "23790123456000000000731000000009198340000009990"  # 47 digits: a bank slip's typeable line
PIX = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865406" \
      "99.905802BR5913Provedor Teste6008Campinas62070503***6304ABCD"
LINK = "https://banco.example.com/boleto/123"


def customer_tickets(operator: Operator, customer: int) -> dict[str, dict[str, Any]]:
    answer = operator.call("GET", "cliente/atendimento", busca="codigo_cliente", termo_busca=customer,
                           apenas_pendente="nao", limit=50)
    assert answer["status"] == "suscess", answer
    return {t["protocolo"]: t for t in answer["atendimentos"]}


def ticket_messages(operator: Operator, ticket_id: int) -> list[str]:
    page = 0
    while True:
        listed = operator.ok("GET", "atendimento/todos", relacoes="atendimento_mensagem", pagina=page,
                             itens_por_pagina=500)
        for ticket in listed["atendimentos"]:
            if ticket["id_atendimento"] == ticket_id:
                return [m["mensagem"] for m in ticket["atendimento_mensagem"]]
        assert listed["atendimentos"], f"atendimento {ticket_id} não listado"
        page += 1


def test_tickets_are_opened_messaged_and_closed_from_the_customers_page_and_an_open_os_blocks_closing(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(51, "Iara Atendimentos")
    with_os = operator.ok("POST", "atendimento", {
        "id_cliente_servico": service, "descricao": "Sem sinal desde ontem", "nome": "Iara", "telefone": "19987654321",
        "abrir_os": True, "parametros_ordem_servico": {"tecnicos": []}})["atendimento"]
    protocol = with_os["protocolo"]
    number = with_os["ordens_servico"][0]["numero_ordem_servico"]

    page = console.page
    console.login(hash_=f"#/clientes/{customer}")
    panel = page.get_by_role("region", name="Atendimentos")
    row = panel.locator("table.atendimentos tbody tr", has_text=protocol)
    expect(row).to_contain_text("Sem sinal desde ontem")
    expect(row).to_contain_text(provider_today().strftime("%d/%m/%Y"))
    expect(row.get_by_role("link", name=f"Abrir a OS {number}")).to_have_attribute("href", f"#/ordens/{number}")

    # Closing is refused while its OS is open: the API's reason is shown and nothing changes.
    row.get_by_role("button", name=f"Fechar o atendimento {protocol}").click()
    closing = panel.get_by_role("form", name=f"Fechar o atendimento {protocol}")
    closing.get_by_label("Motivo do fechamento").select_option(label="Problema resolvido")
    closing.get_by_role("button", name="Fechar atendimento").click()
    expect(closing.get_by_role("alert")).to_contain_text(
        f"O atendimento {protocol} tem ordem de serviço aberta ({number}): feche ou cancele a OS")
    console.check_page("cliente-atendimento-fechar-recusado")
    assert customer_tickets(operator, customer)[protocol]["data_fechamento"] is None
    closing.get_by_role("button", name="Desistir").click()

    row.get_by_role("button", name=f"Adicionar mensagem ao atendimento {protocol}").click()
    note = panel.get_by_role("form", name=f"Mensagem no atendimento {protocol}")
    note.get_by_label("Mensagem").fill("Cliente pediu visita à tarde.")
    note.get_by_role("button", name="Adicionar mensagem").click()
    expect(panel.get_by_role("status")).to_contain_text(f"Mensagem adicionada ao atendimento {protocol}.")
    assert ticket_messages(operator, with_os["id_atendimento"]) == ["Cliente pediu visita à tarde."]

    # A new ticket of a type from the provider's catalogue, then closed (it has no OS).
    opening = panel.get_by_role("form", name="Abrir atendimento")
    expect(opening.get_by_label("Contato", exact=True)).to_have_value("Iara Atendimentos")
    opening.get_by_label("Tipo de atendimento").select_option(label="FINANCEIRO")
    opening.get_by_label("Descrição").fill("Pediu a segunda via da fatura")
    opening.get_by_role("button", name="Abrir atendimento").click()
    expect(opening.get_by_role("status")).to_contain_text("Protocolo")
    tickets = customer_tickets(operator, customer)
    new = next(t for t in tickets.values() if t["descricao_abertura"] == "Pediu a segunda via da fatura")
    assert (new["id_tipo_atendimento"], new["id_cliente_servico"], new["telefone"]) == (4, service, "19987654321")
    fresh = panel.locator("table.atendimentos tbody tr", has_text=new["protocolo"])
    expect(fresh).to_contain_text("FINANCEIRO")

    fresh.get_by_role("button", name=f"Fechar o atendimento {new['protocolo']}").click()
    closing = panel.get_by_role("form", name=f"Fechar o atendimento {new['protocolo']}")
    closing.get_by_label("Motivo do fechamento").select_option(label="Solicitação atendida")
    closing.get_by_label("Descrição do fechamento").fill("Segunda via enviada")
    closing.get_by_role("button", name="Fechar atendimento").click()
    expect(fresh).to_contain_text("Resolvido")
    expect(fresh).to_contain_text("Solicitação atendida")
    expect(fresh.get_by_role("button", name="Fechar", exact=False)).to_have_count(0)
    closed = customer_tickets(operator, customer)[new["protocolo"]]
    assert (closed["motivo_fechamento"], closed["descricao_fechamento"]) == ("Solicitação atendida",
                                                                             "Segunda via enviada")
    console.check_page("cliente-atendimentos")
    console.assert_no_errors()


def test_an_invoices_payment_data_is_set_copied_and_sent_by_whatsapp_from_the_customers_page(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(52, "Joana Segunda Via")
    invoice = operator.invoice(service, (provider_today() + timedelta(days=10)).isoformat())
    zapme_on = bool((operator.ok("GET", "configuracao/integracao/zapme")["zapme"] or {}).get("ativo"))

    page = console.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    console.login(hash_=f"#/clientes/{customer}")
    block = page.locator(f'article.servico[data-servico="{service}"]')
    row = block.locator(f'tr[data-fatura="{invoice}"]')
    expect(row.locator("td.pagamento")).to_have_text("Carteira")

    # Without payment data there is nothing to send: the API says so.
    row.get_by_role("button", name="Enviar por WhatsApp", exact=False).click()
    page.locator("dialog.confirmacao").get_by_role("button", name="Enviar").click()
    expect(block.get_by_role("alert")).to_contain_text(f"A fatura {invoice} não tem linha digitável")

    row.get_by_role("button", name="Dados de pagamento", exact=False).click()
    form = block.get_by_role("form", name="Dados de pagamento da fatura", exact=False)
    form.get_by_label("Linha digitável").fill("12345")
    form.get_by_label("Link de pagamento").fill("http://banco.example.com/boleto")
    form.get_by_role("button", name="Gravar dados de pagamento").click()
    alert = form.get_by_role("alert")
    expect(alert).to_contain_text("O campo linha_digitavel deve ter 47 dígitos")
    expect(alert).to_contain_text("link")
    console.check_page("cliente-dados-pagamento-recusados")
    assert operator.ok("GET", "financeiro/fatura", id_cliente_servico=service)["faturas"][0]["linha_digitavel"] is None

    form.get_by_label("Linha digitável").fill(printed_line(LINE))  # as printed: dots and spaces are dropped
    form.get_by_label("PIX copia e cola").fill(PIX)
    form.get_by_label("Link de pagamento").fill(LINK)
    form.get_by_role("button", name="Gravar dados de pagamento").click()
    expect(block.get_by_role("status")).to_contain_text("Dados de pagamento da fatura gravados com sucesso.")
    cell = row.locator("td.pagamento")
    expect(cell).to_contain_text("Boleto")
    expect(cell).to_contain_text(printed_line(LINE))
    expect(cell.get_by_role("link", name="Link de pagamento", exact=False)).to_have_attribute("href", LINK)
    stored = operator.ok("GET", "financeiro/fatura", id_cliente_servico=service)["faturas"][0]
    assert (stored["linha_digitavel"], stored["pix_copia_cola"], stored["link"]) == (printed_line(LINE), PIX, LINK)

    cell.get_by_role("button", name="Copiar linha digitável", exact=False).click()
    expect(block.get_by_role("status")).to_have_text("Linha digitável copiada.")
    assert page.evaluate("navigator.clipboard.readText()") == printed_line(LINE)
    cell.get_by_role("button", name="Copiar PIX copia e cola", exact=False).click()
    expect(block.get_by_role("status")).to_have_text("PIX copia e cola copiado.")
    assert page.evaluate("navigator.clipboard.readText()") == PIX

    row.get_by_role("button", name="Enviar por WhatsApp", exact=False).click()
    dialog = page.locator("dialog.confirmacao")
    expect(dialog).to_contain_text("R$ 99,90")
    dialog.get_by_role("button", name="Enviar").click()
    if zapme_on:
        expect(block.get_by_role("status")).to_contain_text(f"Fatura {invoice} entregue ao canal")
    else:
        expect(block.get_by_role("alert")).to_contain_text("Nenhum canal de notificação está configurado e ativo")
    console.check_page("cliente-dados-pagamento")
    console.assert_no_errors()


def test_a_user_who_only_reads_sees_tickets_and_payment_data_without_the_actions_on_a_phone(
        open_console: Callable[..., Console], console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(53, "Lara Leitura")
    ticket = operator.ok("POST", "atendimento", {"id_cliente_servico": service, "descricao": "Lentidão à noite",
                                                 "nome": "Lara", "telefone": "19987654321"})["atendimento"]
    invoice = operator.invoice(service, (provider_today() + timedelta(days=10)).isoformat())
    operator.ok("PUT", f"financeiro/fatura/{invoice}/dados_pagamento", {"linha_digitavel": LINE})
    operator.ok("POST", "configuracao/usuario", {
        "username": "leitora", "password": "senha-leitora-1", "nome": "Leitora",
        "permissoes": ["Consultar clientes", "Consultar atendimentos", "Consultar faturas"]})

    console = open_console(PHONE)
    page = console.page
    console.login("leitora", "senha-leitora-1", hash_=f"#/clientes/{customer}")
    panel = page.get_by_role("region", name="Atendimentos")
    row = panel.locator("table.atendimentos tbody tr", has_text=ticket["protocolo"])
    expect(row).to_contain_text("Lentidão à noite")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(panel.get_by_role("form", name="Abrir atendimento")).to_have_count(0)
    invoice_row = page.locator(f'tr[data-fatura="{invoice}"]')
    expect(invoice_row).to_contain_text(printed_line(LINE))
    expect(invoice_row.get_by_role("button", name="Enviar por WhatsApp", exact=False)).to_be_visible()
    expect(invoice_row.get_by_role("button", name="Dados de pagamento", exact=False)).to_have_count(0)
    expect(invoice_row.get_by_role("button", name="Cobrar agora", exact=False)).to_have_count(0)
    console.check_page("cliente-somente-leitura")
    console.assert_no_errors()
