"""Agendas as pure logic: windows and slots, the booking rules, the schedule's
own rules, and AgendaService over an in-memory store."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from chalicelib.agenda.model import (
    Agenda,
    AgendaRefusal,
    City,
    Interval,
    Window,
    occupied_slots,
    window_errors,
)
from chalicelib.agenda.service import AgendaService, AgendaSpec, brazilian_holiday
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.technicians.service import NewTechnician, TechnicianService
from tests.conftest import MutableClock
from tests.fakes import InMemoryAgendaStore, InMemorySequences, InMemoryTechnicianStore

WEEKDAYS_MON_FRI = frozenset(range(5))
MONDAY = date(2026, 12, 7)
SUNDAY = date(2026, 12, 13)
CHRISTMAS = date(2026, 12, 25)  # a Friday


def window(start: str = "08:00", end: str = "12:00", slot: int = 60, capacity: int = 2,
           weekdays: frozenset[int] = WEEKDAYS_MON_FRI) -> Window:
    return Window(weekdays=weekdays, start=time.fromisoformat(start), end=time.fromisoformat(end),
                  slot_minutes=slot, capacity=capacity)


def agenda(*windows: Window, **changes: object) -> Agenda:
    base = Agenda(id=1, description="Instalações", active=True, windows=windows or (window(),))
    return replace(base, **changes)  # type: ignore[arg-type]


def at(day: date, start: str, end: str) -> Interval:
    return Interval(datetime.combine(day, time.fromisoformat(start)), datetime.combine(day, time.fromisoformat(end)))


def starts(slots: list) -> list[str]:  # type: ignore[type-arg]
    return [s.start.strftime("%H:%M") for s in slots]


def occupied(a: Agenda, interval: Interval, city: str = "Campinas", uf: str = "SP") -> list[str]:
    return starts(occupied_slots(a, interval, city, uf, brazilian_holiday))


def refusal(a: Agenda, interval: Interval, city: str = "Campinas", uf: str = "SP") -> AgendaRefusal:
    with pytest.raises(AgendaRefusal) as caught:
        occupied_slots(a, interval, city, uf, brazilian_holiday)
    return caught.value


# ------------------------------------------------------------ windows and slots
@pytest.mark.parametrize("slot, expected", [
    (60, ["08:00", "09:00", "10:00", "11:00"]),
    (30, ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
])
def test_slots_of_a_window(slot: int, expected: list[str]) -> None:
    assert [s.strftime("%H:%M") for s in window(slot=slot).slot_starts()] == expected
    slots = agenda(window(slot=slot)).slots_on(MONDAY)
    assert starts(slots) == expected
    assert slots[0].key == "2026-12-07#08:00" and slots[-1].end == time(12, 0) and slots[0].capacity == 2


def test_a_day_without_windows_has_no_slots() -> None:
    assert agenda().slots_on(SUNDAY) == []


@pytest.mark.parametrize("interval, expected", [
    (("08:00", "09:00"), ["08:00"]),
    (("08:00", "10:00"), ["08:00", "09:00"]),
    (("08:30", "09:30"), ["08:00", "09:00"]),
    (("11:00", "12:00"), ["11:00"]),
    (("09:15", "09:45"), ["09:00"]),
])
def test_occupied_slots_are_every_slot_the_interval_overlaps(interval: tuple[str, str], expected: list[str]) -> None:
    assert occupied(agenda(), at(MONDAY, *interval)) == expected


def test_adjacent_windows_join() -> None:
    joined = agenda(window("08:00", "12:00"), window("12:00", "18:00", slot=120))
    assert occupied(joined, at(MONDAY, "11:00", "13:00")) == ["11:00", "12:00"]
    assert occupied(joined, at(MONDAY, "08:00", "18:00")) == ["08:00", "09:00", "10:00", "11:00", "12:00",
                                                              "14:00", "16:00"]


# ----------------------------------------------------------------- refusals
def test_inactive_agenda_refuses() -> None:
    assert refusal(agenda(active=False), at(MONDAY, "08:00", "09:00")).reason == "agenda_inativa"


@pytest.mark.parametrize("city, uf", [("Campinas", "SP"), ("SAO PAULO", "sp"), ("são paulo", "SP"),
                                      ("  Campinas ", "sp")])
def test_city_match_ignores_case_and_accents(city: str, uf: str) -> None:
    served = agenda(cities=(City("Campinas", "SP"), City("São Paulo", "SP")))
    assert occupied(served, at(MONDAY, "08:00", "09:00"), city, uf) == ["08:00"]


@pytest.mark.parametrize("city, uf", [("Campinas", "MG"), ("São Paulo", "RJ"), ("Valinhos", "SP")])
def test_city_not_served_is_refused(city: str, uf: str) -> None:
    served = agenda(cities=(City("Campinas", "SP"), City("São Paulo", "SP")))
    refused = refusal(served, at(MONDAY, "08:00", "09:00"), city, uf)
    assert refused.reason == "cidade_nao_atendida"
    assert f"{city}/{uf}" in refused.message


def test_no_cities_serves_any_city() -> None:
    assert occupied(agenda(), at(MONDAY, "08:00", "09:00"), "Manaus", "AM") == ["08:00"]


@pytest.mark.parametrize("interval", [("09:00", "09:00"), ("10:00", "09:00")])
def test_empty_or_inverted_interval_is_refused(interval: tuple[str, str]) -> None:
    assert refusal(agenda(), at(MONDAY, *interval)).reason == "intervalo_invalido"


@pytest.mark.parametrize("interval", [
    ("07:00", "08:00"),  # before
    ("07:30", "08:30"),  # starts before
    ("12:00", "13:00"),  # after
    ("11:30", "12:30"),  # ends after
    ("11:00", "14:00"),  # across the 12:00-13:00 gap
])
def test_outside_the_windows_is_refused(interval: tuple[str, str]) -> None:
    gapped = agenda(window("08:00", "12:00"), window("13:00", "18:00"))
    refused = refusal(gapped, at(MONDAY, *interval))
    assert refused.reason == "fora_do_horario" and "fora dos horários" in refused.message


def test_an_interval_ending_on_another_day_is_refused() -> None:
    late = agenda(window("00:00", "23:00"))
    overnight = Interval(datetime(2026, 12, 7, 22, 0), datetime(2026, 12, 8, 1, 0))
    refused = refusal(late, overnight)
    assert refused.reason == "fora_do_horario" and "mesmo dia" in refused.message


def test_closed_date_is_refused() -> None:
    closed = agenda(closed_dates=frozenset({MONDAY}))
    refused = refusal(closed, at(MONDAY, "08:00", "09:00"))
    assert refused.reason == "data_bloqueada" and "07/12/2026" in refused.message
    assert occupied(closed, at(date(2026, 12, 8), "08:00", "09:00")) == ["08:00"]


def test_national_holiday_is_closed_only_when_the_agenda_blocks_them() -> None:
    assert brazilian_holiday(CHRISTMAS) == "Natal"
    assert occupied(agenda(), at(CHRISTMAS, "08:00", "09:00")) == ["08:00"]
    refused = refusal(agenda(block_national_holidays=True), at(CHRISTMAS, "08:00", "09:00"))
    assert refused.reason == "data_bloqueada" and "feriado nacional (Natal)" in refused.message


def test_a_weekday_without_windows_is_closed() -> None:
    refused = refusal(agenda(), at(SUNDAY, "08:00", "09:00"))
    assert refused.reason == "data_bloqueada" and "domingo" in refused.message


# ------------------------------------------------------------ schedule rules
def test_a_good_schedule_has_no_errors() -> None:
    assert window_errors([window("08:00", "12:00"), window("12:00", "18:00"),
                          window("08:00", "12:00", weekdays=frozenset({5}))]) == []


def test_overlap_on_the_same_weekday() -> None:
    errors = window_errors([window("08:00", "12:00", weekdays=frozenset({0, 1})),
                            window("11:00", "13:00", weekdays=frozenset({1, 2}))])
    assert errors == ["Os horários de terca se sobrepõem (08:00–12:00 e 11:00–13:00)."]


def test_one_overlap_message_names_all_its_weekdays() -> None:
    errors = window_errors([window("08:00", "18:00", weekdays=frozenset({0, 1, 2})),
                            window("12:00", "14:00", weekdays=frozenset({1, 2, 5})),
                            window("09:00", "10:00", weekdays=frozenset({5, 6})),
                            window("09:30", "11:00", slot=30, weekdays=frozenset({6}))])
    assert errors == ["Os horários de terca e quarta se sobrepõem (08:00–18:00 e 12:00–14:00).",
                      "Os horários de domingo se sobrepõem (09:00–10:00 e 09:30–11:00)."]


def test_same_hours_on_different_weekdays_do_not_overlap() -> None:
    assert window_errors([window(weekdays=frozenset({0})), window(weekdays=frozenset({1}))]) == []


@pytest.mark.parametrize("start, end", [("12:00", "12:00"), ("12:00", "08:00")])
def test_end_must_be_after_start(start: str, end: str) -> None:
    assert window_errors([window(start, end)]) == ["O campo horarios.0.hora_termino deve ser posterior a hora_inicio."]


def test_window_must_be_a_multiple_of_the_slot() -> None:
    assert window_errors([window(), window("13:00", "15:30", slot=60)]) == [
        "O horário horarios.1 não é múltiplo de duracao_minutos (60)."]
    assert window_errors([window("08:00", "08:30", slot=60)]) == [
        "O campo horarios.0.duracao_minutos é maior que o horário de atendimento."]


def test_window_errors_use_the_given_labels() -> None:
    errors = window_errors([window(), window("13:00", "12:00")], labels=["horarios.0", "horarios.3"])
    assert errors == ["O campo horarios.3.hora_termino deve ser posterior a hora_inicio."]


# ------------------------------------------------------------------ service
@pytest.fixture
def technicians(clock: MutableClock) -> TechnicianService:
    return TechnicianService(InMemoryTechnicianStore(), InMemorySequences(), clock)


@pytest.fixture
def store() -> InMemoryAgendaStore:
    return InMemoryAgendaStore()


@pytest.fixture
def agendas(store: InMemoryAgendaStore, technicians: TechnicianService) -> AgendaService:
    return AgendaService(store, InMemorySequences(), technicians, brazilian_holiday)


def spec(**changes: object) -> AgendaSpec:
    base = AgendaSpec(description="Instalações Campinas", active=True, windows=(window(),),
                      cities=(City("Campinas", "SP"),))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_create_numbers_agendas_and_stores_them(agendas: AgendaService, technicians: TechnicianService) -> None:
    carlos = technicians.register(NewTechnician("Carlos", "carlos@provedor.com.br"))
    first = agendas.create(spec(description="  Instalações  ", technician_ids=(carlos.id, carlos.id)))
    second = agendas.create(spec(description="Reparos"))
    assert (first.id, second.id, first.version) == (1, 2, 1)
    assert first.description == "Instalações" and first.technician_ids == (carlos.id,)
    assert agendas.get(1) == first and [a.id for a in agendas.list_all()] == [1, 2]


def test_create_refuses_every_rule_at_once(agendas: AgendaService, store: InMemoryAgendaStore) -> None:
    bad = spec(description=" ", technician_ids=(9,),
               windows=(window("08:00", "12:00"), window("10:00", "11:30")))
    with pytest.raises(ValidationError) as caught:
        agendas.create(bad)
    assert caught.value.errors == [
        "O horário horarios.1 não é múltiplo de duracao_minutos (60).",
        "Os horários de segunda, terca, quarta, quinta e sexta se sobrepõem (08:00–12:00 e 10:00–11:30).",
        "O campo descricao é obrigatório.",
        "Técnico de ID 9 não encontrado.",
    ]
    with pytest.raises(ValidationError, match="Favor preencher"):
        agendas.create(spec(windows=()))
    assert store.agendas == {}


def test_spec_errors_do_not_raise(agendas: AgendaService) -> None:
    assert agendas.spec_errors(spec()) == []
    assert agendas.spec_errors(spec(windows=())) == ["O campo horarios deve ter ao menos um horário de atendimento."]


def test_unknown_agenda_is_not_found(agendas: AgendaService) -> None:
    for call in (lambda: agendas.get(7), lambda: agendas.replace(7, spec()), lambda: agendas.deactivate(7)):
        with pytest.raises(NotFoundError, match="ID 7 não encontrada"):
            call()


def test_replace_bumps_the_version_and_a_stale_version_conflicts(agendas: AgendaService,
                                                                 store: InMemoryAgendaStore) -> None:
    created = agendas.create(spec())
    updated = agendas.replace(created.id, spec(description="Reparos", daily_limit=5))
    assert (updated.version, updated.description, updated.daily_limit) == (2, "Reparos", 5)
    assert agendas.get(created.id) == updated
    with pytest.raises(ConflictError, match="alterada por outra requisição"):
        store.replace(replace(created, description="Velha"), expected_version=created.version)
    assert agendas.get(created.id).description == "Reparos"


def test_deactivate_keeps_the_configuration(agendas: AgendaService) -> None:
    created = agendas.create(spec())
    deactivated = agendas.deactivate(created.id)
    assert deactivated == replace(created, active=False, version=2)
    assert agendas.get(created.id).active is False


def test_availability_counts_free_places(agendas: AgendaService, store: InMemoryAgendaStore) -> None:
    created = agendas.create(spec(daily_limit=5, closed_dates=frozenset({date(2026, 12, 9)})))
    store.counters[created.id] = {"2026-12-07#08:00": 2, "2026-12-07#09:00": 1, "2026-12-07#DIA": 3,
                                  "2026-12-08#08:00": 1, "2026-12-08#DIA": 1, "2026-12-20#08:00": 2}
    found, days = agendas.availability(created.id, MONDAY, 7)
    assert found == created and [d.day.day for d in days] == [7, 8, 9, 10, 11, 12, 13]
    monday, tuesday, wednesday = days[:3]
    assert [s.free for s in monday.slots] == [0, 1, 2, 2]
    assert monday.booked_today == 3 and monday.free == 2  # slots have 5 free, the daily limit leaves 2
    assert tuesday.free == 4  # slots have 7 free, the daily limit leaves 4
    assert wednesday.closed_reason and wednesday.free == 0 and len(wednesday.slots) == 4
    assert days[6].closed_reason and days[6].free == 0 and days[6].slots == ()  # Sunday: no windows


def test_availability_without_daily_limit_is_the_sum_of_the_slots(agendas: AgendaService,
                                                                   store: InMemoryAgendaStore) -> None:
    created = agendas.create(spec())
    store.counters[created.id] = {"2026-12-07#10:00": 2}
    _, [monday] = agendas.availability(created.id, MONDAY, 1)
    assert monday.free == 6


def test_availability_range_is_limited(agendas: AgendaService) -> None:
    created = agendas.create(spec())
    for days in (0, 32):
        with pytest.raises(ValidationError) as caught:
            agendas.availability(created.id, MONDAY, days)
        assert caught.value.errors == ["O campo dias deve estar entre 1 e 31."]
