"""HubSoft's ``GET ordem_servico/horarios_disponiveis_agenda``: free places per
day and slot, in the nested shape chat bots read literally
(``horarios.datas.<date>.horarios.<HH:MM:SS>.disponiveis``)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.agenda.service import MAX_AVAILABILITY_DAYS, DayAvailability
from chalicelib.customers.model import fold
from chalicelib.errors import NotFoundError
from chalicelib.technicians.service import Technician
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Routes

routes = Routes(__name__, tag="Agendas",
                tag_description="Agendas de ordem de serviço: quando e quantas OS podem ser agendadas.")


def free_slots(request: ApiRequest) -> Payload:
    fields = request.fields()
    agenda_id = fields.optional_identifier("id_agenda_ordem_servico")
    description = fields.text("descricao", max_len=150)
    if agenda_id is None and not description and not fields.has("id_agenda_ordem_servico"):
        fields.error("Informe id_agenda_ordem_servico ou descricao.")
    first = fields.day("data_inicio")
    days = fields.integer("dias", minimum=1, maximum=MAX_AVAILABILITY_DAYS, default=1)
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
