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
from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import UFS, fold
from chalicelib.input_rules import date_in_range, date_range_error
from chalicelib.technicians.service import Technician
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import Bool, ClockTime, Id, Integer, Items, Text, TextList, list_of, object_of, ref
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
# Agenda times are whole minutes: seconds other than 00 are refused (_minute_time).
_MINUTE_TIME = {"pattern": "^[0-9]{2}:[0-9]{2}(:00)?$", "maxLength": 8}

routes.schemas({
    # A technician as agendas and service orders list them.
    "TecnicoAgenda": object_of({"id": {"type": "integer"},
                          "name": {"type": ["string", "null"], "description": "Nulo se o técnico não existe mais."}}),
    "DiaSemana": {"type": "string", "enum": list(WEEKDAY_NAMES)},
    "CidadeAgenda": object_of({"cidade": {"type": "string"}, "uf": {"type": "string", "enum": list(UFS)}}),
    "HorarioAgenda": object_of({
        "dias_semana": {**list_of("DiaSemana"), "description": "Em ordem de segunda a domingo."},
        "hora_inicio": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:00$", "examples": ["08:00:00"]},
        "hora_termino": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:00$", "examples": ["12:00:00"]},
        "duracao_minutos": {"type": "integer", "minimum": MIN_SLOT_MINUTES, "maximum": MAX_SLOT_MINUTES},
        "capacidade": {"type": "integer", "minimum": 1, "maximum": MAX_CAPACITY},
    }, description="Janela semanal de atendimento: nos dias listados, de hora_inicio a hora_termino, em "
                   "horários de duracao_minutos, cada um com no máximo `capacidade` OS sobrepostas."),
    "AgendaOrdemServico": object_of({
        "id_agenda_ordem_servico": {"type": "integer"},
        "descricao": {"type": "string"},
        "ativo": {"type": "boolean"},
        "cidades": {**list_of("CidadeAgenda"), "description": "Vazia: atende qualquer cidade."},
        "tecnicos": list_of("TecnicoAgenda"),
        "horarios": list_of("HorarioAgenda"),
        "limite_diario": {"type": ["integer", "null"], "minimum": 1,
                          "description": "Máximo de OS por dia; nulo: sem limite além das capacidades."},
        "datas_bloqueadas": {"type": "array", "items": {"type": "string", "format": "date"},
                             "description": "Em ordem crescente."},
        "bloquear_feriados_nacionais": {"type": "boolean"},
    }),
})

# -- the agenda's configuration (POST and PUT)
DESCRIPTION = Text("descricao", "Nome da agenda.", required=True, max_len=MAX_DESCRIPTION)
ACTIVE = Bool("ativo", default=True, extra={"default": True})
CITY_NAME = Text("cidade", "Cidade (comparada sem diferenciar maiúsculas nem acentos).", required=True, max_len=100)
# Read in any case and upper-cased before the check against UFS.
CITY_STATE = Text("uf", "Sigla do estado (maiúsculas ou não).", required=True, max_len=100,
                  extra={"enum": list(UFS)})
CITIES = Items("cidades", "Cidades atendidas; vazia ou ausente: qualquer cidade.", max_items=MAX_CITIES,
               of=(CITY_NAME, CITY_STATE))
TECHNICIAN_ID = Id("id", "ID do técnico (GET configuracao/tecnico).", required=True)
TECHNICIANS = Items("tecnicos", "Lista ou objeto indexado (`{\"0\": {\"id\": 3}}`).", max_items=MAX_TECHNICIANS,
                    of=(TECHNICIAN_ID,))
WEEKDAY_LIST = TextList("dias_semana", "Maiúsculas, acentos e o sufixo \"-feira\" são ignorados.", required=True,
                        max_items=len(WEEKDAYS) * 2, item=ref("DiaSemana"), extra={"minItems": 1})
START = ClockTime("hora_inicio", "Início (HH:MM aceito).", required=True, extra=_MINUTE_TIME)
END = ClockTime("hora_termino", "Término, posterior ao início; (término − início) deve ser múltiplo de "
                "duracao_minutos.", required=True, extra=_MINUTE_TIME)
SLOT_MINUTES = Integer("duracao_minutos", "Duração de cada horário, em minutos.", required=True,
                       minimum=MIN_SLOT_MINUTES, maximum=MAX_SLOT_MINUTES)
CAPACITY = Integer("capacidade", "Quantas OS podem se sobrepor num mesmo horário.", required=True, minimum=1,
                   maximum=MAX_CAPACITY)
WINDOWS = Items("horarios", required=True, max_items=MAX_WINDOWS,
                of=(WEEKDAY_LIST, START, END, SLOT_MINUTES, CAPACITY))
# null is read as absent (no limit).
DAILY_LIMIT = Integer("limite_diario", "Máximo de OS por dia (opcional).", minimum=1,
                      extra={"type": ["integer", "string", "null"]})
CLOSED_DATES = TextList("datas_bloqueadas", "Datas AAAA-MM-DD sem atendimento.", max_items=MAX_CLOSED_DATES,
                        item={"type": "string", "format": "date"})
BLOCK_HOLIDAYS = Bool("bloquear_feriados_nacionais", extra={"default": False})
AGENDA = Body("NovaAgendaOrdemServico",
              (DESCRIPTION, ACTIVE, CITIES, TECHNICIANS, WINDOWS, DAILY_LIMIT, CLOSED_DATES, BLOCK_HOLIDAYS),
              description="Os horários de um mesmo dia da semana não podem se sobrepor. Em formulário, listas usam "
                          "chaves no estilo PHP (`horarios[0][dias_semana][0]=segunda`, `tecnicos[0][id]=3`).")
# -- the list's filter
ACTIVE_FILTER = Bool("ativo", "Somente agendas ativas (true) ou inativas (false); ausente: todas.")

AGENDAS = "/configuracao/agenda_ordem_servico"
AGENDA_ID = PathId("id_agenda_ordem_servico", "ID da agenda de ordem de serviço (`id_agenda_ordem_servico`).")
ONE_AGENDA = ("agenda_ordem_servico", ref("AgendaOrdemServico"))


@routes.post(AGENDAS, Permission.CONFIGURAR_AGENDAS_OS, summary="Cadastrar agenda de ordem de serviço",
             description="Define quando OS podem ser agendadas (horários semanais, capacidade por horário, limite "
                         "diário, datas bloqueadas, feriados) e para quais cidades.",
             body=AGENDA, result=ONE_AGENDA)
def create(request: ApiRequest) -> Payload:
    agenda = request.container.agendas.create(_spec(request))
    return success("Agenda cadastrada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


@routes.get(AGENDAS, Permission.CONSULTAR_AGENDA_OS, summary="Listar agendas de ordem de serviço",
            description="Todas as agendas, em ordem de ID.",
            query=(ACTIVE_FILTER,), result=("agendas_ordem_servico", list_of("AgendaOrdemServico")))
def list_all(request: ApiRequest) -> Payload:
    fields = request.fields()
    active = ACTIVE_FILTER.read_optional(fields)
    fields.check()
    agendas = [a for a in request.container.agendas.list_all() if active is None or a.active == active]
    technicians = request.container.technicians.get_many(t for a in agendas for t in a.technician_ids)
    msg = "Agendas consultadas com sucesso." if agendas else "Nenhuma agenda encontrada."
    return success(msg, agendas_ordem_servico=[render(a, technicians) for a in agendas])


@routes.get(f"{AGENDAS}/{{id_agenda_ordem_servico}}", Permission.CONSULTAR_AGENDA_OS,
            summary="Consultar agenda de ordem de serviço", path_params=(AGENDA_ID,), result=ONE_AGENDA)
def get(request: ApiRequest, agenda_id: int) -> Payload:
    agenda = request.container.agendas.get(agenda_id)
    return success("Agenda consultada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


@routes.put(f"{AGENDAS}/{{id_agenda_ordem_servico}}", Permission.CONFIGURAR_AGENDAS_OS,
            summary="Substituir a configuração da agenda",
            description="Mesmo corpo do cadastro; a configuração inteira é substituída. As OS já agendadas "
                        "permanecem onde estão.",
            path_params=(AGENDA_ID,), body=AGENDA, result=ONE_AGENDA)
def replace(request: ApiRequest, agenda_id: int) -> Payload:
    agenda = request.container.agendas.replace(agenda_id, _spec(request, agenda_id))
    return success("Agenda atualizada com sucesso.", agenda_ordem_servico=_render_one(request, agenda))


@routes.delete(f"{AGENDAS}/{{id_agenda_ordem_servico}}", Permission.CONFIGURAR_AGENDAS_OS,
               summary="Desativar agenda de ordem de serviço",
               description="A agenda passa a recusar novos agendamentos; continua consultável e pode ser reativada "
                           "com PUT (`ativo: true`).",
               path_params=(AGENDA_ID,), result=ONE_AGENDA)
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
def _spec(request: ApiRequest, agenda_id: int | None = None) -> AgendaSpec:
    """The spec of a new agenda, or of the one ``agenda_id`` names (whose inactive technicians may stay)."""
    fields = request.fields()
    description = DESCRIPTION.read(fields)
    active = ACTIVE.read(fields)
    cities = _cities(fields)
    technician_ids = _technician_ids(fields)
    windows, labels = _windows(fields)
    daily_limit = DAILY_LIMIT.read_optional(fields)
    closed_dates = _closed_dates(fields)
    block_holidays = BLOCK_HOLIDAYS.read(fields)
    spec = AgendaSpec(
        description=description, active=active, windows=tuple(windows), cities=tuple(cities),
        technician_ids=tuple(technician_ids), daily_limit=daily_limit, closed_dates=frozenset(closed_dates),
        block_national_holidays=block_holidays,
    )
    if fields.errors:
        # The service checks the rules again on a well-formed spec; here they
        # join the format errors so one answer names every problem.
        fields.add_rule_errors(request.container.agendas.spec_errors(spec, labels, agenda_id))
    fields.check()
    return spec


def _cities(fields: Fields) -> list[City]:
    cities: dict[tuple[str, str], City] = {}
    for item in CITIES.read(fields):
        before = len(item.errors)
        name = CITY_NAME.read(item)
        uf = CITY_STATE.read(item).upper()
        if uf and len(item.errors) == before and uf not in UFS:
            item.error(f"O campo {item.name('uf')} deve ser a sigla de um estado brasileiro.")
        if len(item.errors) == before:
            city = City(name, uf)
            cities.setdefault(city.key, city)  # the same city twice (any case or accents) is kept once
    return list(cities.values())


def _technician_ids(fields: Fields) -> list[int]:
    ids = []
    for item in TECHNICIANS.read(fields):
        before = len(item.errors)
        technician_id = TECHNICIAN_ID.read(item)
        if len(item.errors) == before:
            ids.append(technician_id)
    return list(dict.fromkeys(ids))


def _windows(fields: Fields) -> tuple[list[Window], list[str]]:
    """The windows that parsed, and each one's name in messages (``horarios.<client index>``)."""
    windows, labels = [], []
    for item in WINDOWS.read(fields):
        window = _window(item)
        if window is not None:
            windows.append(window)
            labels.append(item.name("").rstrip("."))
    return windows, labels


def _window(item: Fields) -> Window | None:
    before = len(item.errors)
    weekdays = _weekdays(item)
    start = _minute_time(item, START)
    end = _minute_time(item, END)
    slot_minutes = SLOT_MINUTES.read(item)
    capacity = CAPACITY.read(item)
    if len(item.errors) > before or start is None or end is None:
        return None
    return Window(weekdays=frozenset(weekdays), start=start, end=end, slot_minutes=slot_minutes, capacity=capacity)


def _weekdays(item: Fields) -> set[int]:
    key = WEEKDAY_LIST.name
    before = len(item.errors)
    names = WEEKDAY_LIST.read(item)
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


def _minute_time(item: Fields, field: ClockTime) -> time | None:
    value = field.read(item)
    if value is not None and value.second:
        item.error(f"O campo {item.name(field.name)} deve ter segundos 00: os horários da agenda são em minutos.")
        return None
    return value


def _closed_dates(fields: Fields) -> set[date]:
    key = CLOSED_DATES.name
    days = set()
    for index, value in enumerate(CLOSED_DATES.read(fields)):
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
