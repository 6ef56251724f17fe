"""The write side of HubSoft's OS API (``atendimento``, ``ordem_servico/*``)
and its catalogues: read the fields as real HubSoft clients send them, call
ServiceOrderService, answer in HubSoft's shapes (``shapes``).

Leniency (what the public HubSoft API clients send): ids as strings; ``tecnicos`` as an array of
``{id}``, an indexed object or ``tecnicos[0][id]`` form keys (plain ids are
accepted too); ``ids_tecnicos`` as a list or comma-separated text;
``disponibilidade`` as a list, indexed object or text; ``id_atendimento`` in
the query string.

Refusals (validation, unknown ids, the agenda's rules) are envelope errors
and change nothing: checks that need no write happen before the first one,
and the OS, its agenda counters, its outbox event and (for ``atendimento``)
the ticket are one DynamoDB transaction.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chalicelib.agenda.model import Interval
from chalicelib.clock import local
from chalicelib.customers.model import fold, normalize_phone
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.service_orders import catalogues, shapes
from chalicelib.service_orders.model import (
    AWAITING,
    CLOSING_STATUSES,
    PENDING,
    Closing,
    ServiceOrder,
    Ticket,
)
from chalicelib.service_orders.service import NewServiceOrder, NewTicket, OrderEdit
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Routes
from chalicelib.web.validation import Fields, as_list, parse_int

routes = Routes(__name__, tag="Ordens de serviço",
                tag_description="Atendimentos e ordens de serviço (API de OS do HubSoft).")

DEFAULT_SERVICE_DESCRIPTION = "O.S aberta via API."
DEFAULT_AVAILABILITY = ("manha", "tarde")
AVAILABILITIES = ("manha", "tarde", "noite")
PRIORITIES = ("baixa", "normal", "alta", "urgente")
BILLING_TYPES = ("receber", "gerar_boleto", "proxima_fatura")
PAYMENT_METHODS = ("a_vista", "parcelado")
DEFAULT_LEAD = timedelta(hours=1)  # abrir_os: default start is now + 1 h ...
DEFAULT_LENGTH = timedelta(hours=1)  # ... lasting 1 h
MAX_TEXT = 5000
MAX_TECHNICIANS = 20
MIN_NOTE = 10


# ------------------------------------------------------------------ routes
def open_ticket(request: ApiRequest) -> Payload:
    """``POST atendimento``: the ticket and, with ``abrir_os``, its OS in the same transaction."""
    fields = request.fields()
    service_id = fields.identifier("id_cliente_servico", required=True)
    type_id = _catalogue_id(fields, "id_tipo_atendimento", catalogues.TICKET_TYPES, catalogues.DEFAULT_TICKET_TYPE,
                            "Tipo de atendimento")
    description = fields.text("descricao", required=True, max_len=MAX_TEXT)
    name = fields.text("nome", required=True, max_len=150)
    phone = _phone(fields, "telefone")
    email = fields.email("email")
    opens_order = fields.boolean("abrir_os")
    order_fields = fields.obj("parametros_ordem_servico") if opens_order else None
    draft = _order_draft(request, order_fields) if order_fields is not None else None
    fields.check()
    _check_ticket_type(type_id, opens_order)
    orders = request.container.service_orders
    ticket = orders.new_ticket(NewTicket(
        customer_service_id=service_id, type_id=type_id, description=description, name=name, phone=phone,
        email=email, opened_by=request.user.username))
    rendered = []
    if draft is not None:
        order = orders.open(draft.build(ticket), ticket=ticket)
        rendered.append(shapes.client_shape(order, _context(request, order, ticket)))
    else:
        orders.open_ticket(ticket)
    return success(f"Atendimento aberto com sucesso. Anote o protocolo: {ticket.protocol}",
                   atendimento=shapes.ticket_shape(ticket, request.container.settings.zone, rendered))


def open_order(request: ApiRequest) -> Payload:
    """``POST ordem_servico/abrir_os`` (``id_atendimento`` usually in the query string)."""
    fields = request.fields()
    ticket_id = fields.identifier("id_atendimento", required=True)
    draft = _order_draft(request, fields)
    fields.check()
    ticket = request.container.service_orders.ticket(ticket_id)
    _check_ticket_type(ticket.type_id, True)
    order = request.container.service_orders.open(draft.build(ticket))
    return success("Ordem de Serviço adicionada com sucesso",
                   ordem_servico=shapes.opened_shape(order, _context(request, order)))


def confirm(request: ApiRequest) -> Payload:
    """``POST ordem_servico/agendar``."""
    fields = request.fields()
    order_id = fields.identifier("id_ordem_servico", required=True)
    fields.check()
    visible_order(request, order_id)
    order = request.container.service_orders.confirm(order_id)
    return success("Agendamento salvo com sucesso", ordem_servico=_schedule(request, order))


def reschedule(request: ApiRequest) -> Payload:
    """``POST ordem_servico/reagendar``: new interval, optionally a technician swap or another agenda."""
    fields = request.fields()
    order_id = fields.identifier("id_ordem_servico", required=True)
    start = _moment(fields, "data_inicio_programado", "hora_inicio_programado", required=True)
    end = _moment(fields, "data_termino_programado", "hora_termino_programado", required=True)
    old_user = fields.optional_identifier("id_usuario_antigo")
    new_user = fields.optional_identifier("id_usuario_novo")
    if fields.has("id_usuario_antigo") != fields.has("id_usuario_novo"):
        fields.error("Os campos id_usuario_antigo e id_usuario_novo devem ser informados juntos.")
    agenda_id = fields.optional_identifier("id_agenda_ordem_servico")
    fields.check()
    assert start is not None and end is not None
    order = visible_order(request, order_id)
    technicians = None
    if old_user is not None and new_user is not None:
        technicians = _swap(request, order, old_user, new_user)
    updated = request.container.service_orders.reschedule(order_id, Interval(start, end), agenda_id, technicians)
    return success("Reagendamento salvo com sucesso", ordem_servico=_schedule(request, updated, seconds=False))


def unschedule(request: ApiRequest) -> Payload:
    """``POST ordem_servico/remove_agendamento``: back to aguardando_agendamento, places released."""
    fields = request.fields()
    order_id = fields.identifier("id_ordem_servico", required=True)
    reason_id = fields.identifier("id_motivo_remocao_agendamento", required=True)
    note = fields.text("observacao", required=True, min_len=MIN_NOTE, max_len=MAX_TEXT)
    if fields.has("id_motivo_remocao_agendamento") and reason_id and \
            catalogues.find(catalogues.UNSCHEDULE_REASONS, reason_id) is None:
        fields.error(f"Motivo de remoção de agendamento de ID {reason_id} não encontrado "
                     "(consulte GET ordem_servico/create).")
    fields.check()
    visible_order(request, order_id)
    order = request.container.service_orders.unschedule(order_id, reason_id, note)
    return success("Remoção do agendamento feito com sucesso", ordem_servico=_schedule(request, order))


def close(request: ApiRequest) -> Payload:
    """``POST ordem_servico/fechar``: finishes the OS (its places are released) with the closing data."""
    fields = request.fields()
    order_id = fields.identifier("id_ordem_servico", required=True)
    start = _moment(fields, "data_inicio_executado", "hora_inicio_executado", required=True)
    end = _moment(fields, "data_termino_executado", "hora_termino_executado", required=True)
    status = fields.choice("status_fechamento", CLOSING_STATUSES, required=True)
    description = fields.text("descricao_fechamento", max_len=MAX_TEXT)
    reason_id = _closing_reason(fields)
    technicians = _technician_ids(request, fields)
    generates_cost = fields.boolean("gera_custo")
    billing_type = fields.choice("tipo_faturamento", BILLING_TYPES)
    payment_method = fields.choice("forma_pagamento", PAYMENT_METHODS)
    if start is not None and end is not None and end <= start:
        fields.error("O término executado deve ser posterior ao início executado.")
    fields.check()
    assert start is not None and end is not None
    order = visible_order(request, order_id)
    closing = Closing(
        executed=Interval(start, end), status=status, description=description, reason_id=reason_id,
        technician_ids=technicians or order.technician_ids, generates_cost=generates_cost,
        billing_type=billing_type, payment_method=payment_method, closed_by=request.user.username,
        closed_at=request.container.clock(),
    )
    finished = request.container.service_orders.finish(order_id, closing)
    return success(f"Ordem de Serviço número {finished.number} finalizada com sucesso",
                   ordem_servico=_schedule(request, finished))


def add_message(request: ApiRequest, order_id: int) -> Payload:
    """``POST ordem_servico/adicionar_mensagem/{id_ordem_servico}``."""
    fields = request.fields()
    text = fields.text("mensagem", required=True, max_len=MAX_TEXT)
    fields.check()
    visible_order(request, order_id)
    # The TCP peer API Gateway saw: X-Forwarded-For is whatever the client chose to write.
    message = request.container.service_orders.add_message(order_id, request.user.user_id, text,
                                                           request.source_ip or None)
    return success("Mensagem adicionada com sucesso",
                   ordem_servico_mensagem=shapes.message_shape(message, request.container.settings.zone))


def edit(request: ApiRequest) -> Payload:
    """``POST ordem_servico/editar`` (ours): agenda, description, priority, technicians of an open OS."""
    fields = request.fields()
    order_id = fields.identifier("id_ordem_servico", required=True)
    agenda_id = fields.optional_identifier("id_agenda_ordem_servico")
    description = fields.text("descricao_servico", max_len=MAX_TEXT) if fields.has("descricao_servico") else None
    priority = fields.choice("prioridade", PRIORITIES) if fields.has("prioridade") else None
    technicians = _technician_ids(request, fields) if fields.raw("tecnicos") is not None else None
    if not fields.errors and agenda_id is None and description is None and priority is None and technicians is None:
        fields.error("Informe ao menos um campo para alterar: id_agenda_ordem_servico, descricao_servico, "
                     "prioridade ou tecnicos.")
    fields.check()
    visible_order(request, order_id)
    order = request.container.service_orders.edit(order_id, OrderEdit(
        agenda_id=agenda_id, description=description, priority=priority, technician_ids=technicians))
    return success("Ordem de serviço alterada com sucesso", ordem_servico=_schedule(request, order))


def order_catalogues(request: ApiRequest) -> Payload:
    """``GET ordem_servico/create``: the ids ``remove_agendamento`` and ``fechar`` accept."""
    return success(
        "Dados consultados com sucesso.",
        motivos_remocao_agendamento=[{"id_motivo_remocao_agendamento": e.id, "descricao": e.description}
                                     for e in catalogues.UNSCHEDULE_REASONS],
        motivos_fechamento=[{"id_motivo_fechamento": e.id, "descricao": e.description}
                            for e in catalogues.CLOSING_REASONS],
    )


def order_types(request: ApiRequest) -> Payload:
    """``GET configuracao/tipo_ordem_servico``."""
    return success("Dados consultados com sucesso.", tipo_ordem_servicos=[
        {"id_tipo_ordem_servico": e.id, "descricao": e.description, "destino": "cliente_servico"}
        for e in catalogues.ORDER_TYPES])


# ------------------------------------------------------------------ input
class _OrderDraft:
    """An OS read from the request, completed by the ticket it is opened from."""

    def __init__(self, **values: Any) -> None:
        self.values = values

    def build(self, ticket: Ticket) -> NewServiceOrder:
        return NewServiceOrder(customer_service_id=ticket.customer_service_id, ticket_id=ticket.id,
                               opening_description=ticket.description, **self.values)


def _order_draft(request: ApiRequest, fields: Fields) -> _OrderDraft:
    """The OS fields of ``abrir_os`` and ``parametros_ordem_servico``, with HubSoft's defaults."""
    type_id = _catalogue_id(fields, "id_tipo_ordem_servico", catalogues.ORDER_TYPES, catalogues.DEFAULT_ORDER_TYPE,
                            "Tipo de ordem de serviço")
    status = fields.choice("status", (AWAITING, PENDING), default=AWAITING)
    priority = fields.choice("prioridade", PRIORITIES, default="normal")
    description = fields.text("descricao_servico", max_len=MAX_TEXT) or DEFAULT_SERVICE_DESCRIPTION
    agenda_id = fields.optional_identifier("id_agenda_ordem_servico")
    technicians = _technician_ids(request, fields)
    availability = _availability(fields)
    interval = _programmed(request, fields)
    return _OrderDraft(agenda_id=agenda_id, interval=interval, technician_ids=technicians, status=status,
                       description=description, priority=priority, type_id=type_id,
                       opened_by=request.user.username, availability=availability)


def _programmed(request: ApiRequest, fields: Fields) -> Interval:
    """The programmed interval with HubSoft's defaults: today, now + 1 h (to the minute),
    lasting ``duracao`` or 1 h. With an agenda it must fit the agenda; without one it
    holds no agenda place (agendas are opt-in, as in HubSoft)."""
    start_day = fields.day("data_inicio_programado")
    start_time = fields.clock_time("hora_inicio_programado")
    end_day = fields.day("data_termino_programado")
    end_time = fields.clock_time("hora_termino_programado")
    length = _duration(fields, "duracao")
    now = local(request.container.clock(), request.container.settings.zone)
    default = (now + DEFAULT_LEAD).replace(second=0, microsecond=0)
    start = datetime.combine(start_day or default.date(), start_time or default.time())
    if end_time is not None:
        end = datetime.combine(end_day or start.date(), end_time)
    else:
        end = start + (length or DEFAULT_LENGTH)
    return Interval(start, end)


def _moment(fields: Fields, day_key: str, time_key: str, *, required: bool) -> datetime | None:
    day = fields.day(day_key, required=required)
    moment = fields.clock_time(time_key, required=required)
    return datetime.combine(day, moment) if day is not None and moment is not None else None


def _duration(fields: Fields, key: str) -> timedelta | None:
    text = fields.text(key, max_len=8)
    if not text:
        return None
    match = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?", text)
    if match is None or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
        fields.error(f"O campo {fields.name(key)} deve ser uma duração no formato HH:MM:SS.")
        return None
    length = timedelta(hours=int(match.group(1)), minutes=int(match.group(2)), seconds=int(match.group(3) or 0))
    if not length:
        fields.error(f"O campo {fields.name(key)} deve ser maior que zero.")
        return None
    return length


def _technician_ids(request: ApiRequest, fields: Fields) -> tuple[int, ...]:
    """``tecnicos`` ({id} objects or ids; array, indexed object or form keys) and ``ids_tecnicos``."""
    ids: list[int] = []
    for key in ("tecnicos", "ids_tecnicos"):
        raw = fields.raw(key)
        if raw is None or raw == "":
            continue
        values = [v.strip() for v in raw.split(",")] if isinstance(raw, str) else as_list(raw)
        if values is None:
            values = [raw] if isinstance(raw, (int, Mapping)) else None
        if values is None:
            fields.error(f"O campo {fields.name(key)} deve ser uma lista de técnicos.")
            continue
        if len(values) > MAX_TECHNICIANS:
            fields.error(f"O campo {fields.name(key)} não pode ter mais de {MAX_TECHNICIANS} itens.")
            continue
        for index, value in enumerate(values):
            candidate = value.get("id", value.get("id_tecnico")) if isinstance(value, Mapping) else value
            technician_id = parse_int(candidate)
            if technician_id is None or technician_id < 1:
                fields.error(f"O campo {fields.name(key)}.{index} deve ser o ID de um técnico.")
            else:
                ids.append(technician_id)
    unique = tuple(dict.fromkeys(ids))
    for technician_id in unique:
        if not request.container.technicians.exists(technician_id):
            fields.error(f"Técnico de ID {technician_id} não encontrado.")
    return unique


def _availability(fields: Fields) -> tuple[str, ...]:
    names = fields.text_list("disponibilidade", max_items=len(AVAILABILITIES) * 2)
    if not fields.has("disponibilidade"):
        return DEFAULT_AVAILABILITY
    chosen = [fold(n) for n in names]
    unknown = [n for n in chosen if n not in AVAILABILITIES]
    if unknown:
        fields.error(f"O campo {fields.name('disponibilidade')} tem valor inválido ({', '.join(unknown)[:60]}). "
                     f"Valores aceitos: {', '.join(AVAILABILITIES)}.")
    return tuple(a for a in AVAILABILITIES if a in chosen)


def _phone(fields: Fields, key: str) -> str:
    text = fields.text(key, required=True, max_len=20)
    if not text:
        return ""
    phone = normalize_phone(text)
    if phone is None:
        fields.error(f"O campo {fields.name(key)} deve ser um telefone com DDD (DDNNNNNNNNN).")
        return ""
    return phone


def _catalogue_id(fields: Fields, key: str, entries: tuple[catalogues.CatalogueEntry, ...], default: int,
                  what: str) -> int:
    if not fields.has(key):
        return default
    before = len(fields.errors)
    value = fields.identifier(key)
    if len(fields.errors) == before and catalogues.find(entries, value) is None:
        fields.error(f"{what} de ID {value} não encontrado.")
    return value


def _closing_reason(fields: Fields) -> int | None:
    reason = fields.obj("motivo_fechamento")
    key = next((k for k in ("id", "id_motivo_fechamento") if reason.has(k)), None)
    if key is None:
        return None
    before = len(fields.errors)
    reason_id = reason.identifier(key)
    if len(fields.errors) == before and catalogues.find(catalogues.CLOSING_REASONS, reason_id) is None:
        fields.error(f"Motivo de fechamento de ID {reason_id} não encontrado (consulte GET ordem_servico/create).")
    return reason_id


def _check_ticket_type(type_id: int, opens_order: bool) -> None:
    entry = catalogues.find(catalogues.TICKET_TYPES, type_id)
    if opens_order and entry is not None and not entry.opens_orders:
        raise ValidationError([f"O tipo de atendimento {entry.description} não permite abrir ordem de serviço."])


# ---------------------------------------------------------------- helpers
def visible_order(request: ApiRequest, order_id: int) -> ServiceOrder:
    """The OS, unless the caller is a technician's user and the OS is not theirs:
    then the same answer as an unknown id (its existence is not revealed)."""
    user = request.user
    try:
        order = request.container.service_orders.get(order_id)
    except NotFoundError:
        order = None
    if order is None or (user.only_technician is not None and user.only_technician not in order.technician_ids):
        raise NotFoundError(f"Ordem de serviço de ID {order_id} não encontrada")
    return order


def _swap(request: ApiRequest, order: ServiceOrder, old: int, new: int) -> tuple[int, ...]:
    if old not in order.technician_ids:
        raise ValidationError([f"O técnico de ID {old} (id_usuario_antigo) não está na ordem de serviço "
                               f"{order.number}."])
    if not request.container.technicians.exists(new):
        raise ValidationError([f"Técnico de ID {new} (id_usuario_novo) não encontrado."])
    return tuple(dict.fromkeys(new if t == old else t for t in order.technician_ids))


def _context(request: ApiRequest, order: ServiceOrder, ticket: Ticket | None = None) -> shapes.OrderContext:
    container = request.container
    if ticket is None and order.ticket_id is not None:
        ticket = container.service_orders.ticket(order.ticket_id)
    return shapes.OrderContext(
        customer=container.customers.get(order.customer_id),
        service=container.customers.service(order.customer_service_id),
        technicians=container.technicians.get_many(order.technician_ids),
        zone=container.settings.zone, ticket=ticket,
    )


def _schedule(request: ApiRequest, order: ServiceOrder, *, seconds: bool = True) -> dict[str, Any]:
    return shapes.schedule_shape(order, _context(request, order), seconds=seconds)

