"""Every screen of the console at desktop (1280×800) and phone (390×844) widths: shown with the
seeded data, saved as ``build/screenshots/<tela>-desktop.png`` / ``<tela>-celular.png`` and checked
with axe-core (no serious or critical violation). A new screen adds its line to ``SCREENS``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.browser.conftest import DESKTOP, PHONE, Console, ConsoleStack
from tests.browser.seed import Seeded

pytestmark = [pytest.mark.browser, pytest.mark.stack]


@dataclass(frozen=True)
class Screen:
    name: str
    # The address after the login ('' for the login form itself), from the seeded data.
    address: Callable[[Seeded], str]
    # What shows the screen has loaded what it reads.
    loaded: Callable[[Page], Locator]


SCREENS = [
    Screen("login", lambda data: "", lambda page: page.get_by_role("button", name="Entrar")),
    Screen("agenda-tecnicos", lambda data: f"#/agenda-tecnicos?data={data.day(0)}&ver=agenda",
           lambda page: page.locator('.calendario[data-estado="pronto"] .ec-event').first),
    Screen("agendas", lambda data: "#/agendas", lambda page: page.get_by_role("row", name="Reparos Campinas")),
    Screen("agenda-formulario", lambda data: f"#/agendas/{data.agendas['reparos']}",
           lambda page: page.locator("fieldset.janela").first),
    Screen("ordens", lambda data: f"#/ordens?inicio={data.day(0)}&fim={data.day(6)}",
           lambda page: page.locator("table.tabela tbody tr", has_text="Reparos Campinas").first),
    Screen("abrir-os", lambda data: "#/ordens/nova", lambda page: page.get_by_label("Agenda", exact=True)
           .locator("option", has_text="Reparos Campinas")),
    Screen("clientes", lambda data: "#/clientes?busca=nome_razaosocial&termo=Carla",
           lambda page: page.get_by_role("link", name="Carla Bloqueada")),
    Screen("cliente", lambda data: f"#/clientes/{data.customers['carla']}",
           lambda page: page.locator(".tela-cliente:has(.servicos:not([aria-busy]) article.servico "
                                     "table.faturas tbody tr):has(table.atendimentos tbody tr)")),
    Screen("cobrancas", lambda data: "#/cobrancas",
           lambda page: page.locator("table.processamentos tbody tr", has_text="Carla Bloqueada")),
    Screen("ordem-servico", lambda data: f"#/ordens/{data.numbers['reparo']}",
           lambda page: page.get_by_role("region", name="Mensagens e histórico")),
    Screen("configuracoes-perfis", lambda data: "#/configuracoes/perfis",
           lambda page: page.locator("table.perfis tbody tr").first),
    Screen("configuracoes-usuarios", lambda data: "#/configuracoes/usuarios",
           lambda page: page.locator("table.usuarios tbody tr", has_text="admin")),
    Screen("configuracoes-tecnicos", lambda data: "#/configuracoes/tecnicos",
           lambda page: page.locator("table.tecnicos tbody tr", has_text="Ana Souza")),
    Screen("configuracoes-cartao", lambda data: "#/configuracoes/cartao",
           lambda page: page.get_by_role("form", name="GetNet")),
    Screen("configuracoes-zapme", lambda data: "#/configuracoes/zapme",
           lambda page: page.locator("p.alteracao:not(:empty)")),
    Screen("configuracoes-modelos", lambda data: "#/configuracoes/modelos?evento=os_agendada",
           lambda page: page.locator(".previa-texto", has_text="Maria")),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "celular"])
@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_each_screen_is_shown_and_accessible(screen: Screen, viewport: ViewportSize,
                                             open_console: Callable[..., Console],
                                             console_stack: ConsoleStack) -> None:
    console = open_console(viewport)
    page = console.page
    address = screen.address(console_stack.data)
    if address:
        console.login(hash_=address)
    else:
        page.goto(console.url)
    expect(screen.loaded(page)).to_be_attached()
    if viewport == PHONE:
        # Nothing wider than the phone but the tables that scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    console.check_page(screen.name)
    console.assert_no_errors()
