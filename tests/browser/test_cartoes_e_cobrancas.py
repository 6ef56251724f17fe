"""The customer's card panel, the service's recurring-payment switch, and the charge panel."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, ConsoleStack
from tests.integration.test_simulators import luhn_number

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def test_add_make_default_and_remove_cards_then_switch_recurring_payment_on(
        console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    customer, service = data.customers["elisa"], data.services["elisa"]
    first, second = luhn_number("4551", 0), luhn_number("5155", 0)
    page = console.page
    console.login(hash_="#/clientes")
    page.get_by_label("Termo").fill("Elisa")
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_role("link", name="Elisa Cartões")).to_be_visible()
    page.get_by_role("link", name="Elisa Cartões").click()
    expect(page.get_by_role("heading", name="Elisa Cartões")).to_be_visible()
    cards = page.locator("table.cartoes tbody tr")
    expect(cards).to_have_text(["Nenhum cartão cadastrado."])
    switch = page.get_by_role("switch", name="Pagamento Recorrente")
    expect(switch).not_to_be_checked()

    def add(number: str, holder: str) -> None:
        page.get_by_label("Número do cartão").fill(number)
        page.get_by_label("Nome do titular").fill(holder)
        page.get_by_label("Mês de validade").select_option("12")
        page.get_by_label("Ano de validade").select_option(index=4)
        page.get_by_label("CVV").fill("123")
        page.get_by_role("button", name="Cadastrar cartão").click()
        expect(page.locator(".cartao-novo .mensagens")).to_contain_text(f"final {number[-4:]} cadastrado")
        expect(page.get_by_label("Número do cartão")).to_have_value("")
        expect(page.get_by_label("CVV")).to_have_value("")

    # The first card becomes the default one.
    add(first, "Elisa Cartoes")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(f"•••• {first[-4:]}")
    expect(cards.first).to_contain_text("ELISA CARTOES")
    expect(cards.first).to_contain_text("Padrão")
    add(second, "Elisa C Souza")
    second_row = cards.filter(has_text=f"•••• {second[-4:]}")
    expect(second_row).not_to_contain_text("Padrão")
    assert first not in page.content() and second not in page.content()  # the number is never shown back
    console.check_page("cliente-cartoes-dois-cartoes")

    second_row.get_by_role("button", name="Tornar padrão").click()
    expect(second_row).to_contain_text("Padrão")
    expect(cards.filter(has_text=f"•••• {first[-4:]}")).not_to_contain_text("Padrão")

    second_row.get_by_role("button", name="Remover").click()
    dialog = page.locator("dialog.confirmacao")
    expect(dialog).to_contain_text(f"final {second[-4:]}")
    console.check_page("cliente-cartoes-remover")
    dialog.get_by_role("button", name="Remover").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(f"•••• {first[-4:]}")
    expect(cards.first).to_contain_text("Padrão")  # the remaining card is the default again
    wallet = operator.ok("GET", f"cliente/{customer}/cartao")["cartoes"]
    assert [(c["ultimos_digitos"], c["padrao"]) for c in wallet] == [(first[-4:], True)]

    # Pagamento Recorrente: on, charging the default card; then the card chosen explicitly.
    expect(page.locator(".servicos")).not_to_have_attribute("aria-busy", "true")
    switch.check()
    service_block = page.locator(f'article.servico[data-servico="{service}"]')
    expect(service_block).to_contain_text("Pagamento recorrente ligado.")
    expect(service_block).to_contain_text(f"Cobra o cartão padrão (Visa •••• {first[-4:]})")
    service_block.get_by_label("Cartão cobrado").select_option(label=f"Visa •••• {first[-4:]} (padrão)")
    expect(service_block).to_contain_text(f"Cobra o cartão Visa •••• {first[-4:]}.")
    console.check_page("cliente-cartoes-pagamento-recorrente")
    billing = operator.ok("GET", f"cliente_servico/{service}/cobranca")["cobranca"]
    assert billing["pagamento_recorrente"] is True and billing["id_cartao"] == wallet[0]["id_cartao"]

    page.reload()
    expect(page.get_by_role("switch", name="Pagamento Recorrente")).to_be_checked()
    console.assert_no_errors()


def test_a_refused_card_shows_the_reason(console: Console, console_stack: ConsoleStack) -> None:
    page = console.page
    console.login(hash_=f"#/clientes/{console_stack.data.customers['maria']}")
    page.get_by_label("Número do cartão").fill("4111 1111 1111 1112")
    page.get_by_label("Nome do titular").fill("Maria")
    page.get_by_label("Mês de validade").select_option("12")
    page.get_by_label("Ano de validade").select_option(index=4)
    page.get_by_role("button", name="Cadastrar cartão").click()
    expect(page.locator(".cartao-novo [role=alert]")).to_be_visible()
    expect(page.locator("table.cartoes tbody tr")).to_have_text(["Nenhum cartão cadastrado."])
    console.assert_no_errors()


def test_the_charge_panel_filters_recurring_and_shows_failed_attempts(console: Console,
                                                                       console_stack: ConsoleStack) -> None:
    page = console.page
    console.login(hash_="#/cobrancas")
    rows = page.locator("table.processamentos tbody tr")
    recurring = rows.filter(has_text="Carla Bloqueada")
    one_off = rows.filter(has_text="Davi Avulso")

    # Todos (the default)
    expect(page.get_by_label("Todos")).to_be_checked()
    expect(recurring).to_contain_text("78 — Cartão Bloqueado")
    expect(recurring).to_contain_text("Recorrente · 1ª tentativa")
    expect(recurring).to_contain_text("Recusada")
    expect(one_off).to_contain_text("05 — Não Autorizada")
    expect(one_off).to_contain_text("Avulsa")

    page.get_by_label("Sim", exact=True).check()
    expect(one_off).to_have_count(0)
    expect(recurring).to_contain_text("78 — Cartão Bloqueado")
    assert "recorrente=sim" in page.url
    console.check_page("cobrancas-recorrentes")

    page.get_by_label("Não", exact=True).check()
    expect(recurring).to_have_count(0)
    expect(one_off).to_contain_text("05 — Não Autorizada")
    console.check_page("cobrancas-nao-recorrentes")

    page.get_by_label("Todos").check()
    expect(recurring).to_have_count(1)
    expect(one_off).to_have_count(1)

    # Status filter: nothing was approved
    page.get_by_label("Situação").select_option(label="Aprovada")
    page.get_by_role("button", name="Filtrar").click()
    expect(rows).to_have_text(["Nenhuma cobrança encontrada com esses filtros."])
    page.get_by_label("Situação").select_option(label="Recusada")
    page.get_by_role("button", name="Filtrar").click()
    expect(rows).to_have_count(2)
    console.assert_no_errors()
