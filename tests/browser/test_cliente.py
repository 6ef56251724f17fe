"""The customer's page: per service its invoices and the operator's actions on them, and WhatsApp."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import Console, ConsoleStack
from tests.browser.seed import Operator, provider_today

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def invoices(operator: Operator, service: int) -> dict[int, dict[str, object]]:
    listed = operator.ok("GET", "financeiro/fatura", id_cliente_servico=service)["faturas"]
    return {int(i["id_fatura"]): i for i in listed}


def test_invoices_are_charged_now_settled_and_cancelled_and_whatsapp_switched_off_from_the_customers_page(
        console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(41, "Gabriela Faturas")
    card = operator.card(customer, 0)
    today = provider_today()
    charged = operator.invoice(service, (today + timedelta(days=20)).isoformat())
    settled = operator.invoice(service, (today + timedelta(days=50)).isoformat())
    cancelled = operator.invoice(service, (today + timedelta(days=80)).isoformat())

    page = console.page
    console.login(hash_=f"#/clientes/{customer}")
    block = page.locator(f'article.servico[data-servico="{service}"]')
    expect(block).to_contain_text("Ativo")
    rows = block.locator("table.faturas tbody tr")
    expect(rows).to_have_count(3)

    def row(invoice: int) -> Locator:
        return block.locator(f'tr[data-fatura="{invoice}"]')

    row(charged).get_by_role("button", name="Cobrar agora").click()
    dialog = page.locator("dialog.confirmacao")
    expect(dialog).to_contain_text(f"•••• {card['ultimos_digitos']}")
    dialog.get_by_role("button", name="Cobrar").click()
    expect(row(charged)).to_contain_text("Paga")
    assert invoices(operator, service)[charged]["status"] == "paga"

    row(settled).get_by_role("button", name="Liquidar").click()
    form = block.get_by_role("form", name="Liquidar a fatura", exact=False)
    paid_on = today.strftime("%d/%m/%Y")
    expect(form.get_by_label("Pago em")).to_have_value(paid_on)
    form.get_by_label("Valor pago (R$)").fill("99,90")
    form.get_by_label("Forma de pagamento").select_option(label="PIX")
    console.check_page("cliente-liquidar")
    form.get_by_role("button", name="Confirmar liquidação").click()
    expect(row(settled)).to_contain_text("Paga")
    expect(row(settled)).to_contain_text("PIX")
    found = invoices(operator, service)[settled]
    assert (found["status"], found["valor_pago"], found["forma_pagamento"]) == ("paga", 99.9, "pix")

    row(cancelled).get_by_role("button", name="Cancelar").click()
    page.locator("dialog.confirmacao").get_by_role("button", name="Cancelar fatura").click()
    expect(row(cancelled)).to_contain_text("Cancelada")
    assert invoices(operator, service)[cancelled]["status"] == "cancelada"

    switch = page.get_by_role("switch", name="Recebe mensagens por WhatsApp")
    expect(switch).to_be_checked()
    switch.click()
    expect(page.get_by_role("region", name="Mensagens de WhatsApp")).to_contain_text("não recebe mais mensagens")
    assert operator.ok("GET", f"cliente/{customer}/notificacao")["notificacao"]["whatsapp"] is False
    console.check_page("cliente-faturas")
    console.assert_no_errors()


def test_the_customers_page_shows_the_registration_fields(console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(47, "Helena Cadastro")
    operator.ok("PUT", f"cliente/{customer}", {
        "nome_fantasia": "Ateliê da Helena", "telefone_secundario": "1932321010", "rg": "12.345.678-9",
        "data_nascimento": "1985-03-07"})
    operator.ok("PUT", f"cliente_servico/{service}", {"login": "helena.cadastro", "tecnologia": "FIBRA"})

    console.login(hash_=f"#/clientes/{customer}")
    data = console.page.locator("dl.cadastro")
    expect(data).to_contain_text("Ateliê da Helena")
    expect(data).to_contain_text("19987654321 · 1932321010")
    expect(data).to_contain_text("12.345.678-9")
    expect(data).to_contain_text("07/03/1985")
    expect(data).to_contain_text("login helena.cadastro · FIBRA")


def test_a_service_unlocked_in_trust_shows_until_when(console: Console, console_stack: ConsoleStack) -> None:
    operator = console_stack.operator
    customer, service = operator.customer(43, "Helena Confiança")
    profile = operator.ok("POST", "configuracao/perfil_suspensao", {
        "descricao": "Confiança navegador", "dias_aviso": 0, "dias_bloqueio": 1, "dias_desbloqueio_confianca": 3,
        "desbloqueios_confianca_mes": 1})["perfil_suspensao"]["id_perfil_suspensao"]
    operator.ok("PUT", f"cliente_servico/{service}/perfil_suspensao", {"id_perfil_suspensao": profile})
    today = provider_today()
    operator.invoice(service, (today - timedelta(days=3)).isoformat())  # suspended two days ago
    operator.tick(f"{(today - timedelta(days=2)).isoformat()}T12:00:00-03:00")
    until = (today + timedelta(days=2)).strftime("%d/%m/%Y")
    unlocked = operator.ok("POST", "cliente/desbloqueio_confianca", {"id_cliente_servico": service,
                                                                     "dias_desbloqueio": 2})
    assert unlocked["msg"] == f"Serviço desbloqueado em confiança até {until}."

    page = console.page
    console.login(hash_=f"#/clientes/{customer}")
    block = page.locator(f'article.servico[data-servico="{service}"]')
    expect(block.locator(".selo.estado-confianca")).to_have_text(f"Desbloqueado em confiança até {until}")
    console.assert_no_errors()
