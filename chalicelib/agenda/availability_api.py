"""HubSoft's ``GET ordem_servico/horarios_disponiveis_agenda``: free places per
day and slot, in the nested shape chat bots read literally
(``horarios.datas.<date>.horarios.<HH:MM:SS>.disponiveis``)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.agenda.api import routes as agenda_routes
from chalicelib.agenda.service import MAX_AVAILABILITY_DAYS, DayAvailability
from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import fold
from chalicelib.errors import NotFoundError
from chalicelib.technicians.service import Technician
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.schema import Day, Id, Integer, Schema, Text, object_of, ref

routes = agenda_routes.sibling(__name__)

AGENDA_ID = Id("id_agenda_ordem_servico", "ID da agenda (ou informe `descricao`).")
DESCRIPTION = Text("descricao", "Descrição da agenda (sem diferenciar maiúsculas e acentos).", max_len=150)
FIRST_DAY = Day("data_inicio", "Primeiro dia (AAAA-MM-DD); padrão: hoje no fuso do provedor.")
DAYS = Integer("dias", "Quantos dias a partir de `data_inicio` (1 a 31; padrão 1).", minimum=1,
               maximum=MAX_AVAILABILITY_DAYS, default=1)

# HubSoft's answer puts three keys beside the envelope's, so its whole 200 body is written out (``raw``).
_SLOT: Schema = object_of(optional={
    "data_inicio": {"type": "string"}, "hora_inicio": {"type": "string"},
    "data_termino": {"type": "string"}, "hora_termino": {"type": "string"},
    "duracao_minutos": {"type": "integer"}, "duracao_str": {"type": "string"},
    "disponiveis": {"type": "integer"},
    "tecnicos": {"type": "array", "items": object_of(optional={
        "id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}})},
})
_FREE_DAY: Schema = object_of(optional={
    "disponiveis": {"type": "integer"}, "vagas": {"type": "integer"}, "motivo": {"type": "string"},
    "horarios": {"type": "object", "additionalProperties": _SLOT},
})
FREE_SLOTS_ANSWER: Schema = object_of({
    "status": {"const": "success"}, "msg": {"type": "string"}, "agenda": {"type": "string"},
    "horarios": object_of(optional={"datas": {"type": "object", "additionalProperties": _FREE_DAY}}),
}, optional={"id_agenda_ordem_servico": {"type": "integer"}})


@routes.get("/ordem_servico/horarios_disponiveis_agenda", Permission.CONSULTAR_AGENDA_OS,
            summary="Horários disponíveis da agenda",
            description="Vagas por dia e horário (formato aninhado do HubSoft: "
                        "`horarios.datas.<data>.horarios.<HH:MM:SS>`). Só horários futuros com vaga são listados; "
                        "no dia, `disponiveis` conta os horários com vaga e `vagas` as vagas (limitadas pelo limite "
                        "diário). Dia fechado: `disponiveis` 0 e `motivo`. Sem `data_inicio` nem `dias`: só hoje.",
            query=(AGENDA_ID, DESCRIPTION, FIRST_DAY, DAYS),
            raw={"oneOf": [FREE_SLOTS_ANSWER, ref("EnvelopeErro")]})
def free_slots(request: ApiRequest) -> Payload:
    fields = request.fields()
    agenda_id = AGENDA_ID.read_optional(fields)
    description = DESCRIPTION.read(fields)
    if agenda_id is None and not description and not fields.has(AGENDA_ID.name):
        fields.error("Informe id_agenda_ordem_servico ou descricao.")
    first = FIRST_DAY.read(fields)
    days = DAYS.read(fields)
    fields.check()
    container = request.container
    now = container.clock().astimezone(container.settings.zone).replace(tzinfo=None)
    if agenda_id is None:
        agenda_id = _by_description(request, description)
    agenda, calendar = container.agendas.availability(agenda_id, first or now.date(), days)
    technicians = container.technicians.get_many(agenda.technician_ids)
    listed = [_technician(technicians[t]) for t in agenda.technician_ids if t in technicians]
    return success("Agenda consultada com sucesso!", agenda=agenda.description, id_agenda_ordem_servico=agenda.id,
                   horarios={"datas": {d.day.isoformat(): _day(d, now, listed) for d in calendar}})


def _by_description(request: ApiRequest, description: str) -> int:
    wanted = fold(description).strip()
    for agenda in request.container.agendas.list_all():
        if fold(agenda.description).strip() == wanted:
            return agenda.id
    raise NotFoundError(f"Agenda de ordem de serviço '{description}' não encontrada")


def _day(day: DayAvailability, now: datetime, technicians: list[dict[str, Any]]) -> dict[str, Any]:
    """Only slots still ahead and with room are offered; ``disponiveis`` of the
    day counts them, ``vagas`` the places (capped by the daily limit)."""
    room_today = day.free
    slots: dict[str, Any] = {}
    if room_today:
        for entry in day.slots:
            start = datetime.combine(day.day, entry.slot.start)
            if entry.free and start > now:
                slots[entry.slot.start.strftime("%H:%M:%S")] = _slot(day.day, entry.slot.start, entry.slot.end,
                                                                     min(entry.free, room_today), technicians)
    places = min(sum(s["disponiveis"] for s in slots.values()), room_today)
    answer: dict[str, Any] = {"disponiveis": len(slots), "vagas": places, "horarios": slots}
    if day.closed_reason:
        answer["motivo"] = day.closed_reason
    return answer


def _slot(day: date, start: Any, end: Any, free: int, technicians: list[dict[str, Any]]) -> dict[str, Any]:
    begin = datetime.combine(day, start)
    finish = datetime.combine(day, end) if end > start else datetime.combine(day + timedelta(days=1), end)
    minutes = int((finish - begin).total_seconds() // 60)
    return {
        "data_inicio": begin.date().isoformat(),
        "hora_inicio": begin.strftime("%H:%M:%S"),
        "data_termino": finish.date().isoformat(),
        "hora_termino": finish.strftime("%H:%M:%S"),
        "duracao_minutos": minutes,
        "duracao_str": f"{minutes // 60:02d}:{minutes % 60:02d}:00",
        "disponiveis": free,
        "tecnicos": technicians,
    }


def _technician(technician: Technician) -> dict[str, Any]:
    return {"id": technician.id, "name": technician.name, "email": technician.email}
