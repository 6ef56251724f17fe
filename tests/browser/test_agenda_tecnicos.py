"""Agenda de Técnicos: the calendar by agenda and by technician, and its edit mode (drag, resize,
refusal with snap-back, the X that cancels) — each change checked in the running stack too."""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import FloatRect, Locator, Page, Route, expect

from tests.browser.conftest import PHONE, Console, ConsoleStack

pytestmark = [pytest.mark.browser, pytest.mark.stack]

EDIT_RED = "rgb(185, 28, 28)"


def open_calendar(console: Console, day: str, view: str = "agenda", visao: str = "semana") -> Page:
    console.login(hash_=f"#/agenda-tecnicos?data={day}&visao={visao}&ver={view}")
    wait_ready(console.page)
    return console.page


def wait_ready(page: Page) -> None:
    holder = page.locator(".calendario")
    expect(holder).to_have_attribute("data-estado", "pronto")
    expect(holder).to_have_attribute("data-pendentes", "0")


def event(page: Page, order_id: int) -> Locator:
    return page.locator(f'.ec-event[data-os="{order_id}"]')


def box(locator: Locator) -> FloatRect:
    locator.wait_for(state="visible")
    locator.scroll_into_view_if_needed()
    found = locator.bounding_box()
    assert found is not None, f"{locator} não está visível"
    return found


def loads(page: Page) -> str | None:
    """How many times the calendar has read the server (changes when a reading lands)."""
    return page.locator(".calendario").get_attribute("data-carregamentos")


def grid_position(page: Page, order_id: int) -> tuple[float, float]:
    """Where the OS is drawn within the calendar (immune to the page moving around it; scrolls nothing)."""
    event(page, order_id).wait_for(state="visible")
    found, grid = event(page, order_id).bounding_box(), page.locator(".calendario").bounding_box()
    assert found is not None and grid is not None
    return found["x"] - grid["x"], found["y"] - grid["y"]


def column_center(page: Page, lane: str, day: str) -> float:
    """The x of the middle of ``lane``'s column for ``day`` (from its header, not scrolled to: the page
    must stay where the dragged OS was measured)."""
    header = page.locator(f'.ec-col-head time[datetime="{day}"][aria-label^="{lane},"]').bounding_box()
    assert header is not None
    return header["x"] + header["width"] / 2


def drag(page: Page, start: tuple[float, float], end: tuple[float, float], steps: int = 15) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, steps + 1):
        page.mouse.move(start[0] + (end[0] - start[0]) * step / steps, start[1] + (end[1] - start[1]) * step / steps)
    page.mouse.up()


def wait_until(page: Page, check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Polls ``check``; waiting through the page lets Playwright deliver its events (routes) meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "a condição não se cumpriu a tempo"
        page.wait_for_timeout(100)


def edit_button(page: Page) -> Locator:
    return page.locator(".botao-editar")


def test_view_by_agenda_and_by_technician(console: Console, console_stack: ConsoleStack) -> None:
    data = console_stack.data
    page = open_calendar(console, data.day(0))
    lanes = page.locator(".ec-col-group")
    expect(lanes.filter(has_text="Instalações Campinas")).to_have_count(1)
    expect(lanes.filter(has_text="Reparos Campinas")).to_have_count(1)
    repair = event(page, data.orders["reparo"])
    expect(repair).to_contain_text("Davi Avulso")
    expect(repair).to_contain_text("Campinas/SP")
    expect(repair).to_contain_text("Aguardando agendamento")
    assert _inside(box(repair), box(lanes.filter(has_text="Reparos Campinas")))
    console.check_page("agenda-tecnicos-por-agenda")

    page.get_by_role("button", name="Técnicos", exact=True).click()
    wait_ready(page)
    expect(page.get_by_role("button", name="Técnicos", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(lanes.filter(has_text="Ana Souza")).to_have_count(1)
    expect(lanes.filter(has_text="Bruno Lima")).to_have_count(1)
    expect(lanes.filter(has_text="Instalações Campinas")).to_have_count(0)
    assert _inside(box(event(page, data.orders["reparo"])), box(lanes.filter(has_text="Bruno Lima")))
    assert _inside(box(event(page, data.orders["lotado"])), box(lanes.filter(has_text="Ana Souza")))
    console.check_page("agenda-tecnicos-por-tecnico")

    # Filter: only Ana's lane, and the address keeps the choice.
    page.locator("summary", has_text="Técnicos:").click()
    page.get_by_role("checkbox", name="Ana Souza").check()
    wait_ready(page)
    expect(lanes).to_have_count(1)
    expect(lanes.first).to_have_text("Ana Souza")
    expect(event(page, data.orders["reparo"])).to_have_count(0)
    assert f"tecnicos={data.technicians['ana']}" in page.url
    # Filter by agenda while viewing technicians: only the OS of that agenda stay.
    page.get_by_role("checkbox", name="Ana Souza").uncheck()
    page.locator("summary", has_text="Agendas:").click()
    page.get_by_role("checkbox", name="Reparos Campinas").check()
    wait_ready(page)
    expect(event(page, data.orders["reparo"])).to_have_count(1)
    expect(event(page, data.orders["lotado"])).to_have_count(0)
    console.assert_no_errors()


def test_drag_to_another_day_and_resize_are_saved(console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    order = data.orders["mover"]
    page = open_calendar(console, data.day(0))

    # GIVEN edit mode: red bar, the pencil became an X
    edit_button(page).click()
    bar = page.locator(".barra-agenda")
    expect(bar).to_have_class(re.compile("modo-edicao"))
    assert bar.evaluate("el => getComputedStyle(el).backgroundColor") == EDIT_RED
    expect(edit_button(page)).to_have_attribute("aria-pressed", "true")
    expect(edit_button(page).locator(".icone")).to_have_text("✕")
    console.check_page("agenda-tecnicos-modo-edicao")

    # WHEN the OS is dragged from Monday 09:00 to Tuesday 09:00
    before = box(event(page, order))
    drag(page, (before["x"] + before["width"] / 2, before["y"] + 8),
         (column_center(page, "Instalações Campinas", data.day(1)), before["y"] + 8))
    messages = page.locator(".tela-agenda > .mensagens")
    expect(messages).to_contain_text(f"OS {order} reagendada")
    wait_ready(page)
    # ... and its lower edge dragged one hour down
    moved = box(event(page, order))
    resizer = box(event(page, order).locator(".ec-resizer"))
    handle = (resizer["x"] + resizer["width"] / 2, resizer["y"] + resizer["height"] / 2)
    drag(page, handle, (handle[0], handle[1] + moved["height"]))
    expect(messages).to_contain_text(f"OS {order} reagendada")
    wait_ready(page)

    # THEN the server holds Tuesday 09:00–11:00, and so does the page after a reload
    saved = operator.calendar_event(order, data.day(1))
    assert (saved["inicio"], saved["fim"]) == (f"{data.day(1)}T09:00:00", f"{data.day(1)}T11:00:00")
    page.reload()
    wait_ready(page)
    expect(event(page, order)).to_contain_text("09:00–11:00")
    after = box(event(page, order))
    tuesday = column_center(page, "Instalações Campinas", data.day(1))
    assert after["x"] <= tuesday <= after["x"] + after["width"]
    assert after["height"] == pytest.approx(before["height"] * 2, abs=2)
    console.assert_no_errors()


def test_a_drop_into_a_full_slot_is_refused_and_snaps_back(console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    order = data.orders["recusar"]  # Thursday 09:00; Wednesday 09:00 is full (capacity 1)
    page = open_calendar(console, data.day(0))
    edit_button(page).click()
    before = box(event(page, order))
    where = grid_position(page, order)

    drag(page, (before["x"] + before["width"] / 2, before["y"] + 8),
         (column_center(page, "Instalações Campinas", data.day(2)), before["y"] + 8))

    alert = page.locator(".tela-agenda > .mensagens [role=alert]")
    expect(alert).to_contain_text(f"Reagendamento da OS {order} recusado")
    expect(alert).to_contain_text("lotado")
    wait_ready(page)
    wait_until(page, lambda: grid_position(page, order) == pytest.approx(where, abs=2))
    console.check_page("agenda-tecnicos-recusa-horario-lotado")
    saved = operator.calendar_event(order, data.day(3))
    assert (saved["inicio"], saved["fim"]) == (f"{data.day(3)}T09:00:00", f"{data.day(3)}T10:00:00")
    console.assert_no_errors()


def test_the_x_leaves_edit_mode_and_undoes_what_is_not_saved(console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    order = data.orders["desfazer"]  # Friday 09:00
    page = open_calendar(console, data.day(0))
    held: list[Route] = []
    sent: list[str] = []

    def hold_the_first(route: Route) -> None:
        sent.append(route.request.post_data or "")
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/ordem_servico/reagendar", hold_the_first)
    edit_button(page).click()
    before = box(event(page, order))
    where = grid_position(page, order)

    # GIVEN a change on its way to the server (held in the network)
    drag(page, (before["x"] + before["width"] / 2, before["y"] + 8),
         (before["x"] + before["width"] / 2, before["y"] + 8 + 2 * before["height"]))
    wait_until(page, lambda: held)
    assert grid_position(page, order)[1] > where[1] + before["height"]

    # WHEN the X is pressed: edit mode ends and the OS is back at once
    read_before = loads(page)
    edit_button(page).click()
    bar = page.locator(".barra-agenda")
    expect(bar).not_to_have_class(re.compile("modo-edicao"))
    assert bar.evaluate("el => getComputedStyle(el).backgroundColor") != EDIT_RED
    expect(edit_button(page).locator(".icone")).to_have_text("✎")
    expect(page.locator(".tela-agenda > .mensagens")).to_contain_text("desfeita")
    assert grid_position(page, order) == pytest.approx(where, abs=2)

    # THEN the server, which did take the change, is told to put it back
    held[0].continue_()
    wait_until(page, lambda: len(sent) == 2)
    wait_until(page, lambda: loads(page) != read_before)  # then the calendar is read again
    wait_ready(page)
    saved = wait_until(page, lambda: _at(operator.calendar_event(order, data.day(4)), "09:00:00"))
    assert saved["fim"] == f"{data.day(4)}T10:00:00"

    # ... and outside edit mode nothing can be dragged
    other = data.orders["lotado"]
    still = grid_position(page, other)
    handle = box(event(page, other))
    drag(page, (handle["x"] + handle["width"] / 2, handle["y"] + 8),
         (handle["x"] + handle["width"] / 2, handle["y"] + 8 + handle["height"]))
    page.wait_for_timeout(500)
    assert len(sent) == 2
    assert grid_position(page, other) == pytest.approx(still, abs=2)
    console.check_page("agenda-tecnicos-fora-do-modo-edicao")
    console.assert_no_errors()


def test_an_os_can_be_rescheduled_from_the_keyboard(console: Console, console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    order = data.orders["teclado"]  # Tuesday 10:00–11:00, Reparos
    page = open_calendar(console, data.day(1), visao="dia")
    page.keyboard.press("Tab")  # the skip link, with a visible focus ring
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    edit_button(page).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".barra-agenda")).to_have_class(re.compile("modo-edicao"))

    event(page, order).focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.detalhes-os")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"OS {order}")
    dialog.get_by_label("Início").fill("15:00")
    dialog.get_by_label("Término").fill("16:30")
    console.check_page("agenda-tecnicos-reagendar-pelo-teclado")
    dialog.get_by_label("Término").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator(".tela-agenda > .mensagens")).to_contain_text(f"OS {order} reagendada")
    saved = operator.calendar_event(order, data.day(1))
    assert (saved["inicio"], saved["fim"]) == (f"{data.day(1)}T15:00:00", f"{data.day(1)}T16:30:00")
    console.assert_no_errors()


def test_a_technician_sees_their_day_on_a_phone(open_console: Callable[..., Console],
                                                console_stack: ConsoleStack) -> None:
    data, operator = console_stack.data, console_stack.operator
    operator.ok("POST", "configuracao/usuario", {
        "username": "ana.tecnica", "password": "senha-da-ana-1", "nome": "Ana Souza",
        "permissoes": ["Consultar ordem de serviço"], "id_tecnico": data.technicians["ana"]})
    console = open_console(PHONE)
    page = console.page
    console.login("ana.tecnica", "senha-da-ana-1")
    # Lands on the calendar, by technician, one day, without the edit button (no permission).
    expect(page.locator(".barra-agenda")).to_be_visible()
    assert "ver=tecnico" in page.url and "visao=dia" in page.url
    expect(page.get_by_role("button", name="Dia", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(edit_button(page)).to_have_count(0)
    console.open(f"#/agenda-tecnicos?data={data.day(2)}")
    wait_ready(page)
    expect(page.locator(".ec-col-head, .ec-col-group").filter(has_text="Ana Souza").first).to_be_visible()
    expect(page.locator(".ec-col-head, .ec-col-group").filter(has_text="Instalações Campinas")).to_have_count(0)
    mine = event(page, data.orders["lotado"])
    expect(mine).to_be_visible()
    expect(mine).to_contain_text("João Pereira")
    expect(event(page, data.orders["recusar"])).to_have_count(0)  # Bruno's OS
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    console.check_page("agenda-tecnicos-do-tecnico")
    console.assert_no_errors()


def _inside(inner: FloatRect, lane: FloatRect) -> bool:
    middle = inner["x"] + inner["width"] / 2
    return lane["x"] <= middle <= lane["x"] + lane["width"]


def _at(found: dict[str, Any], start: str) -> dict[str, Any] | None:
    return found if found["inicio"].endswith(start) else None
