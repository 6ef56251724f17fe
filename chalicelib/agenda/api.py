"""``configuracao/agenda_ordem_servico``: read the contract's fields into an
AgendaSpec, call AgendaService, shape the answer.

Format errors and the agenda's rules (overlapping windows, a window that is
not a multiple of its slot length, unknown technicians) are answered in one
envelope: when the format is wrong, the rules are checked on the parts that
parsed and merged in, once per field.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

from chalicelib.agenda.model import WEEKDAYS, Agenda, City, Window
from chalicelib.agenda.service import AgendaSpec
from chalicelib.customers.model import UFS, fold
from chalicelib.input_rules import date_in_range, date_range_error
from chalicelib.technicians.service import Technician
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Routes
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Agendas",
                tag_description="Agendas de ordem de serviço: quando e quantas OS podem ser agendadas.")

MAX_DESCRIPTION = 150
MAX_WINDOWS = 50
MAX_CITIES = 500
MAX_TECHNICIANS = 100
MAX_CLOSED_DATES = 1000
MIN_SLOT_MINUTES = 15
MAX_SLOT_MINUTES = 480
MAX_CAPACITY = 1000
# The contract lists the names Sunday first; WEEKDAYS is indexed like date.weekday().
WEEKDAY_NAMES = (WEEKDAYS[6], *WEEKDAYS[:6])
_WEEKDAY_INDEX = {name: index for index, name in enumerate(WEEKDAYS)}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def create(request: ApiRequest) -> Payload:
    agenda = request.container.agendas.create(_spec(request))
    return success("Agenda cadastrada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


def list_all(request: ApiRequest) -> Payload:
    fields = request.fields()
    active = fields.boolean("ativo") if fields.has("ativo") else None
    fields.check()
    agendas = [a for a in request.container.agendas.list_all() if active is None or a.active == active]
    technicians = request.container.technicians.get_many(t for a in agendas for t in a.technician_ids)
    msg = "Agendas consultadas com sucesso." if agendas else "Nenhuma agenda encontrada."
    return success(msg, agendas_ordem_servico=[render(a, technicians) for a in agendas])


def get(request: ApiRequest, agenda_id: int) -> Payload:
    agenda = request.container.agendas.get(agenda_id)
    return success("Agenda consultada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


def replace(request: ApiRequest, agenda_id: int) -> Payload:
    agenda = request.container.agendas.replace(agenda_id, _spec(request))
    return success("Agenda atualizada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


def deactivate(request: ApiRequest, agenda_id: int) -> Payload:
    agenda = request.container.agendas.deactivate(agenda_id)
    return success("Agenda desativada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


def render(agenda: Agenda, technicians: Mapping[int, Technician]) -> dict[str, Any]:
    """The contract's shape; ``technicians`` gives the names (a missing one shows ``name: null``)."""
    return {
        "id_agenda_ordem_servico": agenda.id,
        "descricao": agenda.description,
        "ativo": agenda.active,
        "cidades": [{"cidade": c.name, "uf": c.uf} for c in agenda.cities],
        "tecnicos": [{"id": t, "name": technicians[t].name if t in technicians else None}
                     for t in agenda.technician_ids],
        "horarios": [render_window(w) for w in agenda.windows],
        "limite_diario": agenda.daily_limit,
        "datas_bloqueadas": sorted(d.isoformat() for d in agenda.closed_dates),
        "bloquear_feriados_nacionais": agenda.block_national_holidays,
    }


def render_window(window: Window) -> dict[str, Any]:
    return {
        "dias_semana": [WEEKDAYS[d] for d in sorted(window.weekdays)],
        "hora_inicio": window.start.strftime("%H:%M:%S"),
        "hora_termino": window.end.strftime("%H:%M:%S"),
        "duracao_minutos": window.slot_minutes,
        "capacidade": window.capacity,
    }


def _render_one(request: ApiRequest, agenda: Agenda) -> dict[str, Any]:
    return render(agenda, request.container.technicians.get_many(agenda.technician_ids))


# ------------------------------------------------------------------ input
def _spec(request: ApiRequest) -> AgendaSpec:
    fields = request.fields()
    description = fields.text("descricao", required=True, max_len=MAX_DESCRIPTION)
    active = fields.boolean("ativo", default=True)
    cities = _cities(fields)
    technician_ids = _technician_ids(fields)
    windows, labels = _windows(fields)
    daily_limit = fields.integer("limite_diario", minimum=1) if fields.has("limite_diario") else None
    closed_dates = _closed_dates(fields)
    block_holidays = fields.boolean("bloquear_feriados_nacionais")
    spec = AgendaSpec(
        description=description, active=active, windows=tuple(windows), cities=tuple(cities),
        technician_ids=tuple(technician_ids), daily_limit=daily_limit, closed_dates=frozenset(closed_dates),
        block_national_holidays=block_holidays,
    )
    if fields.errors:
        # The service checks the rules again on a well-formed spec; here they
        # join the format errors so one answer names every problem.
        fields.add_rule_errors(request.container.agendas.spec_errors(spec, labels))
    fields.check()
    return spec


def _cities(fields: Fields) -> list[City]:
    cities: dict[tuple[str, str], City] = {}
    for item in fields.items("cidades", max_items=MAX_CITIES):
        before = len(item.errors)
        name = item.text("cidade", required=True, max_len=100)
        uf = item.text("uf", required=True, max_len=100).upper()
        if uf and len(item.errors) == before and uf not in UFS:
            item.error(f"O campo {item.name('uf')} deve ser a sigla de um estado brasileiro.")
        if len(item.errors) == before:
            city = City(name, uf)
            cities.setdefault(city.key, city)  # the same city twice (any case or accents) is kept once
    return list(cities.values())


def _technician_ids(fields: Fields) -> list[int]:
    ids = []
    for item in fields.items("tecnicos", max_items=MAX_TECHNICIANS):
        before = len(item.errors)
        technician_id = item.identifier("id", required=True)
        if len(item.errors) == before:
            ids.append(technician_id)
    return list(dict.fromkeys(ids))


def _windows(fields: Fields) -> tuple[list[Window], list[str]]:
    """The windows that parsed, and each one's name in messages (``horarios.<client index>``)."""
    windows, labels = [], []
    for item in fields.items("horarios", required=True, max_items=MAX_WINDOWS):
        window = _window(item)
        if window is not None:
            windows.append(window)
            labels.append(item.name("").rstrip("."))
    return windows, labels


def _window(item: Fields) -> Window | None:
    before = len(item.errors)
    weekdays = _weekdays(item)
    start = _minute_time(item, "hora_inicio")
    end = _minute_time(item, "hora_termino")
    slot_minutes = item.integer("duracao_minutos", required=True, minimum=MIN_SLOT_MINUTES,
                                maximum=MAX_SLOT_MINUTES)
    capacity = item.integer("capacidade", required=True, minimum=1, maximum=MAX_CAPACITY)
    if len(item.errors) > before or start is None or end is None:
        return None
    return Window(weekdays=frozenset(weekdays), start=start, end=end, slot_minutes=slot_minutes, capacity=capacity)


def _weekdays(item: Fields) -> set[int]:
    key = "dias_semana"
    before = len(item.errors)
    names = item.text_list(key, required=True, max_items=len(WEEKDAYS) * 2)
    if len(item.errors) > before:
        return set()
    if not names:
        item.error(f"O campo {item.name(key)} deve ter ao menos um dia.")
        return set()
    days = {_WEEKDAY_INDEX.get(_weekday_key(name)) for name in names}
    unknown = [name[:30] for name in names if _weekday_key(name) not in _WEEKDAY_INDEX]
    if unknown:
        item.error(f"O campo {item.name(key)} tem dia da semana inválido ({', '.join(unknown)}). "
                   f"Valores aceitos: {', '.join(WEEKDAY_NAMES)}.")
    return {d for d in days if d is not None}


def _weekday_key(name: str) -> str:
    """``"Terça-feira"`` → ``"terca"``: case, accents and the ``-feira`` suffix do not matter."""
    folded = fold(name).strip()
    for suffix in ("-feira", " feira"):
        folded = folded.removesuffix(suffix)
    return folded


def _minute_time(item: Fields, key: str) -> time | None:
    value = item.clock_time(key, required=True)
    if value is not None and value.second:
        item.error(f"O campo {item.name(key)} deve ter segundos 00: os horários da agenda são em minutos.")
        return None
    return value


def _closed_dates(fields: Fields) -> set[date]:
    key = "datas_bloqueadas"
    days = set()
    for index, value in enumerate(fields.text_list(key, max_items=MAX_CLOSED_DATES)):
        day = _iso_date(value)
        if day is None:
            fields.error(f"O campo {fields.name(key)}.{index} deve ser uma data válida no formato AAAA-MM-DD.")
        elif not date_in_range(day):
            fields.error(date_range_error(f"{fields.name(key)}.{index}"))
        else:
            days.add(day)
    return days


def _iso_date(value: str) -> date | None:
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
