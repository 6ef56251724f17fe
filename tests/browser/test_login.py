"""Logging in and out of the console served by the app at ``/``."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def test_login_shows_the_menu_and_logout_forgets_the_token(console: Console) -> None:
    page = console.page
    page.goto(console.url)
    expect(page.get_by_role("heading", name="Console do Provedor")).to_be_visible()

    console.login()
    menu = page.get_by_role("navigation", name="Telas do console")
    for screen in ("Agenda de Técnicos", "Agendas", "Ordens de Serviço", "Clientes", "Cobranças no Cartão",
                   "Configurações"):
        expect(menu.get_by_role("link", name=screen)).to_be_visible()
    expect(menu.get_by_role("link", name="Agenda de Técnicos")).to_have_attribute("aria-current", "page")
    assert page.evaluate("sessionStorage.getItem('console.token')")

    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('console.token')") is None
    page.reload()
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()
    console.assert_no_errors()


def test_a_wrong_password_is_refused_with_a_message(console: Console) -> None:
    page = console.page
    page.goto(console.url)
    page.get_by_label("Usuário").fill("admin")
    page.get_by_label("Senha", exact=True).fill("senha-errada")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_contain_text("inválid")
    expect(page.locator("header.topo")).to_be_hidden()
    # The API answers 401 to a wrong password; Chromium logs that response, nothing else may appear.
    assert all("401" in error for error in console.errors), console.errors
    console.errors.clear()


def test_the_login_form_works_from_the_keyboard(console: Console) -> None:
    page = console.page
    page.goto(console.url)
    expect(page.get_by_label("Usuário")).to_be_focused()
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type("admin12345")
    page.keyboard.press("Enter")
    expect(page.locator("header.topo")).to_be_visible()
    console.assert_no_errors()


def test_an_expired_access_token_is_renewed_silently(console: Console) -> None:
    page = console.page
    console.login()
    refresh_before = page.evaluate("sessionStorage.getItem('console.refresh')")
    assert refresh_before
    # What an access token past its hour looks like to the server: unknown. The next call is refused
    # with 401, the refresh token buys a new pair, and the call is made again.
    page.evaluate("sessionStorage.setItem('console.token', 'expirado')")
    page.get_by_role("navigation", name="Telas do console").get_by_role("link", name="Ordens de Serviço").click()
    expect(page.get_by_role("heading", name="Ordens de Serviço")).to_be_visible()
    expect(page.locator("header.topo")).to_be_visible()
    # Polled with evaluate: wait_for_function compiles its text in the page, which the console's CSP forbids.
    deadline = time.monotonic() + 10
    while page.evaluate("sessionStorage.getItem('console.token')") == "expirado" and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("sessionStorage.getItem('console.token')") not in (None, "expirado")
    assert page.evaluate("sessionStorage.getItem('console.refresh')") not in (None, refresh_before)
    assert all("401" in error for error in console.errors), console.errors
    console.errors.clear()


def test_a_refused_renewal_ends_the_session_cleanly(console: Console) -> None:
    page = console.page
    console.login()
    # The landing calendar has read all it reads: the click below is the first call with the bad tokens.
    expect(page.locator(".calendario")).to_have_attribute("data-estado", "pronto")
    page.evaluate("sessionStorage.setItem('console.token', 'expirado');"
                  "sessionStorage.setItem('console.refresh', 'revogado')")
    page.get_by_role("navigation", name="Telas do console").get_by_role("link", name="Agendas").click()
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Sua sessão expirou")
    assert page.evaluate("[sessionStorage.getItem('console.token'), sessionStorage.getItem('console.refresh')]") \
        == [None, None]
    assert all("401" in error for error in console.errors), console.errors
    console.errors.clear()
