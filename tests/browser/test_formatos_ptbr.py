"""Dates, times and money are shown and typed the Brazilian way (dd/mm/aaaa, hh:mm, "R$ 1.234,56")
whatever the browser's language: these tabs are an en-US Chromium, whose own date and time inputs
would show mm/dd/yyyy and 08:00 AM."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Console, ConsoleStack
from tests.browser.seed import provider_today

pytestmark = [pytest.mark.browser, pytest.mark.stack]

MONEY = re.compile(r"^R\$\s\d{1,3}(\.\d{3})*,\d{2}$")
DATE_TIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$")
ENGLISH = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Apr|May|Aug|Sep|Oct|Dec|AM|PM)\b")


def br(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def english_console(open_console: Callable[..., Console]) -> Console:
    console = open_console(locale="en-US")
    console.page.goto(console.url)
    assert console.page.evaluate("[navigator.language, new Intl.DateTimeFormat().resolvedOptions().locale]") \
        == ["en-US", "en-US"]
    return console


def retype(field: Locator, keys: str) -> None:
    """Types as a person does, key by key, over what the field held."""
    field.click()
    field.press("Control+A")
    field.press("Backspace")
    field.press_sequentially(keys)


def error_of(field: Locator) -> Locator:
    return field.locator("xpath=following-sibling::small[contains(@class, 'erro-campo')]")


def test_dates_and_money_show_and_are_typed_pt_br_in_an_en_us_browser(
        open_console: Callable[..., Console], console_stack: ConsoleStack) -> None:
    data = console_stack.data
    console = english_console(open_console)
    page = console.page
    # The browser's own check of a required field speaks Portuguese too.
    page.get_by_role("button", name="Entrar").click()
    assert page.get_by_label("Usuário").evaluate("el => el.validationMessage") == "Preencha este campo."

    # The charge panel: its period typed and shown dd/mm/aaaa, amounts in reais.
    console.login(hash_="#/cobrancas")
    first, last = page.get_by_label("De", exact=True), page.get_by_label("Até", exact=True)
    today = provider_today()
    expect(first).to_have_value(br(today - timedelta(days=31)))
    expect(last).to_have_value(br(today))
    expect(first).to_have_attribute("placeholder", "dd/mm/aaaa")
    expect(first).to_have_attribute("inputmode", "numeric")
    row = page.locator("table.processamentos tbody tr", has_text="Carla Bloqueada")
    expect(row.locator("td.numero")).to_have_text(MONEY)
    expect(row.locator("td.numero")).to_have_text(re.compile(r"^R\$\s99,90$"))
    expect(row.locator("td").first).to_have_text(DATE_TIME)

    # An impossible date is said in Portuguese next to the field, and the filter does not run.
    retype(first, "31022026")
    expect(first).to_have_value("31/02/2026")
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(error_of(first)).to_have_text("Data inexistente: 31/02/2026.")
    url = page.url
    page.get_by_role("button", name="Filtrar").click()
    assert page.url == url
    console.check_page("formatos-data-inexistente")
    # Fixed, key by key: the slashes come by themselves and the address takes the API's form.
    retype(first, "01")
    expect(first).to_have_value("01/")
    first.press_sequentially("112026")
    expect(first).to_have_value("01/11/2026")
    expect(error_of(first)).to_be_hidden()
    expect(first).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Filtrar").click()
    expect(page).to_have_url(re.compile(r"inicio=2026-11-01"))

    # The calendar: its own headings in Portuguese, the same as in a pt-BR browser.
    calendar = f"#/agenda-tecnicos?data={data.day(0)}&visao=semana&ver=agenda"
    console.open(calendar)
    expect(page.locator(".calendario")).to_have_attribute("data-estado", "pronto")
    headings = _calendar_headings(page)
    assert headings[1][0] == f"seg., {br(data.monday)[:5]}", headings
    assert not any(ENGLISH.search(text) for text in [headings[0], *headings[1]]), headings
    portuguese = open_console()
    portuguese.login(hash_=calendar)
    expect(portuguese.page.locator(".calendario")).to_have_attribute("data-estado", "pronto")
    assert _calendar_headings(portuguese.page) == headings
    # "Ir para a data" shows and takes dd/mm/aaaa; Enter goes there.
    go_to = page.get_by_label("Ir para a data")
    expect(go_to).to_have_value(data.day_br(0))
    retype(go_to, data.day_br(7).replace("/", ""))
    go_to.press("Enter")
    expect(page).to_have_url(re.compile(f"data={data.day(7)}"))
    expect(page.locator(".ec-col-head").first).to_contain_text(f"seg., {data.day_br(7)[:5]}")

    # An agenda's hours are 24-hour hh:mm, typed with the colon put in.
    console.open("#/agendas/nova")
    window = page.locator("fieldset.janela").first
    start = window.get_by_label("Início")
    expect(start).to_have_value("08:00")
    retype(start, "9:")
    expect(start).to_have_value("09:")
    start.press_sequentially("30")
    expect(start).to_have_value("09:30")
    retype(start, "2500")
    expect(error_of(start)).to_have_text("Horário inexistente: 25:00.")
    page.get_by_label("Descrição").fill("Nunca salva")
    page.get_by_role("button", name="Salvar agenda").click()
    expect(page.get_by_role("alert")).to_contain_text("Início: Horário inexistente: 25:00.")
    expect(start).to_be_focused()
    console.check_page("formatos-horario-inexistente")
    console.assert_no_errors()
    portuguese.assert_no_errors()


def test_the_pt_br_inputs_of_ui_js(open_console: Callable[..., Console]) -> None:
    """The helpers new screens build on (ui.js): parsing, typing and the values they give the API."""
    console = english_console(open_console)
    page = console.page
    console.login(hash_="#/agendas")
    page.evaluate("""async () => {
      const ui = await import('./console/ui.js');
      window.ui = ui;
      const form = ui.h('form', { class: 'formulario', 'aria-label': 'Teste' },
        ui.field('Vencimento', ui.dateInput({ value: '2026-12-24', required: true })),
        ui.field('Hora da visita', ui.timeInput({ value: '08:00:00', step: 15 })),
        ui.field('Valor (R$)', ui.moneyInput({ cents: 123456, min: 100 })));
      document.querySelector('main').append(form);
    }""")

    def ui(expression: str, *args: Any) -> Any:
        return page.evaluate(f"(args) => {expression}", list(args))

    assert ui("args.map((t) => window.ui.parseDateBR(t))", "24/12/2026", "29/02/2028", "29/02/2026",
              "31/04/2026", "00/01/2026", "24/13/2026", "2026-12-24", "24/12/26", "") \
        == ["2026-12-24", "2028-02-29", None, None, None, None, None, None, None]
    assert ui("args.map((t) => window.ui.parseTimeBR(t))", "00:00", "23:59", "24:00", "12:60", "9:30") \
        == ["00:00", "23:59", None, None, None]
    assert ui("args.map((t) => window.ui.parseMoneyBR(t))", "1.234,56", "1234,56", "1234,5", "1234", "0,99",
              "R$ 1.234.567,89", "12.34", "1,234.56", "1.2345", "-5", "12,345", "") \
        == [123456, 123456, 123450, 123400, 99, 123456789, None, None, None, None, None, None]
    assert ui("[window.ui.money(1234.56), window.ui.moneyCents(123456), window.ui.formatCentsBR(5)]") \
        == ["R$\u00a01.234,56", "R$\u00a01.234,56", "0,05"]

    due, visit, amount = (page.get_by_label(name) for name in ("Vencimento", "Hora da visita", "Valor (R$)"))

    def prop(field: Locator, name: str) -> Any:
        return page.evaluate("([id, name]) => document.getElementById(id)[name]", [field.get_attribute("id"), name])

    expect(due).to_have_value("24/12/2026")
    expect(visit).to_have_value("08:00")
    expect(amount).to_have_value("1.234,56")

    # Keyboard: ArrowUp/ArrowDown step the date by a day and the time by its step.
    due.press("ArrowUp")
    expect(due).to_have_value("25/12/2026")
    due.press("ArrowDown")
    due.press("ArrowDown")
    expect(due).to_have_value("23/12/2026")
    visit.press("ArrowDown")
    expect(visit).to_have_value("07:45")
    # Backspace over the slash put in erases the digit before it; a one-digit day followed by "/" is padded.
    retype(due, "23")
    expect(due).to_have_value("23/")
    due.press("Backspace")
    expect(due).to_have_value("2")
    retype(due, "5/3/2027")
    expect(due).to_have_value("05/03/2027")
    assert prop(due, "isoValue") == "2027-03-05"
    assert prop(visit, "isoValue") == "07:45"
    # A date pasted in the API's form is taken.
    retype(due, "")
    due.fill("2026-01-31")
    expect(due).to_have_value("31/01/2026")
    # Emptied while required: said when the form is checked.
    retype(due, "")
    problems = page.evaluate("() => window.ui.validateFields(document.querySelector('form[aria-label=Teste]'))")
    assert problems == ["Vencimento: Informe a data."]
    expect(due).to_be_focused()

    # Money: typed with or without the thousands dots, shown back in full when left.
    retype(amount, "1234,5")
    amount.press("Tab")
    expect(amount).to_have_value("1.234,50")
    assert prop(amount, "cents") == 123450
    retype(amount, "R$ 99,9x")
    expect(amount).to_have_value("99,9")  # what is not a digit, a dot or a comma never gets in
    retype(amount, "12.34")
    amount.press("Tab")
    expect(error_of(amount)).to_have_text("Valor inválido: 12.34. Use o formato 1.234,56.")
    assert prop(amount, "cents") is None
    retype(amount, "0,50")
    amount.press("Tab")
    expect(error_of(amount)).to_have_text("O valor mínimo é R$\u00a01,00.")
    retype(amount, "1.000")
    amount.press("Tab")
    expect(amount).to_have_value("1.000,00")
    expect(error_of(amount)).to_be_hidden()
    assert prop(amount, "cents") == 100000
    console.check_page("formatos-campos")
    console.assert_no_errors()


def _calendar_headings(page: Page) -> tuple[str, list[str]]:
    period = page.locator(".barra-agenda .periodo").inner_text()
    return period, [text.replace("\n", " ") for text in page.locator(".ec-col-head").all_inner_texts()]
