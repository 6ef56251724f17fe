"""The read side of HubSoft's OS API (``ordem_servico/todos``,
``ordem_servico/consultar``, ``cliente/ordem_servico``) and our technicians'
calendar feed (``ordem_servico/calendario``).

Searches read the index that fits their filters (``listing``), never a
table; a page renders from the OS's own copy of its customer and one batch
read of the technicians it names. A technician's user sees only the OS they
are on, in every list.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.clock import local
from chalicelib.customers.model import Customer, name_tokens
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.input_rules import is_digits
from chalicelib.service_orders import catalogues, shapes
from chalicelib.service_orders.api import visible_order
from chalicelib.service_orders.listing import (
    CREATED,
    DATE_KINDS,
    PROGRAMMED_START,
    OrderFilter,
    Period,
)
from chalicelib.service_orders.model import (
    AWAITING,
    CANCELLED,
    FINISHED,
    LIVE_STATUSES,
    PENDING,
    ServiceOrder,
)
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import paginacao, read_page
from chalicelib.web.routes import Routes
from chalicelib.web.validation import Fields, parse_int

routes = Routes(__name__, tag="Ordens de serviço",
                tag_description="Atendimentos e ordens de serviço (API de OS do HubSoft).")

FOUND = "Dados consultados com sucesso"
STATUSES = (PENDING, AWAITING, FINISHED, CANCELLED)
AVAILABILITIES = ("manha", "tarde", "noite")
LIST_RELATIONS = ("tecnicos", "ordem_servico_mensagem", "anexos", "link_rastreamento", "agenda_ordem_servico")
CONSULT_RELATIONS = ("tecnicos", "motivos_fechamento", "cobrancas_disponiveis", "anexos", "assinatura",
                     "equipamentos_insumos", "link_rastreamento", "atendimento", "agenda_ordem_servico",
                     "ordem_servico_mensagem")
MAX_CONSULT_RESULTS = 500
CUSTOMER_SEARCHES = ("codigo_cliente", "cpf_cnpj", "id_cliente_servico", "numero_ordem_servico")
MAX_CALENDAR_PERIOD = timedelta(days=62)
VIEWS = ("agenda", "tecnico")


# ------------------------------------------------------------------ routes
def list_orders(request: ApiRequest) -> Payload:
    """``GET ordem_servico/todos``: filtered, 0-based pages; a page past the end is empty, not an error."""
    fields = request.fields()
    page = read_page(fields)
    kind = fields.choice("tipo_data", DATE_KINDS, default=PROGRAMMED_START)
    period = _period(request, fields)
    destination = fields.choice("destino", ("cliente_servico", "pop", "prospecto"))
    reserved = fields.choice("reservada", ("sim", "nao", "reservada_em_execucao", "reservada_sem_execucao"))
    service_id = fields.optional_identifier("id_servico") or fields.optional_identifier("id_cliente_servico")
    if destination == "cliente_servico" and fields.has("id_destino"):
        service_id = fields.optional_identifier("id_destino")
    wanted = OrderFilter(
        period=period, date_kind=kind, statuses=_statuses(fields, "status"),
        technician_ids=frozenset(fields.id_list("tecnico")), type_ids=frozenset(fields.id_list("tipo_ordem_servico")),
        agenda_ids=frozenset(fields.id_list("agenda_ordem_servico")), service_id=service_id,
        availability=_availability(fields), technician_view=request.user.only_technician,
    )
    relations = _relations(fields, LIST_RELATIONS)
    fields.check()
    # Every OS here serves a customer's service and none is reserved by a technician app.
    found = [] if destination in ("pop", "prospecto") or reserved not in ("", "nao") else \
        request.container.order_listing.find(wanted)
    return success(FOUND, ordens_servico=_render(request, page.of(found), relations, shapes.list_shape),
                   paginacao=paginacao(page, len(found)))


def consult(request: ApiRequest) -> Payload:
    """``POST ordem_servico/consultar``: by OS number alone (2025) or by number or
    customer name within a period (2024, ``data_inicio``/``data_fim`` required)."""
    fields = request.fields()
    term = fields.text("consulta", required=True, max_len=150)
    number = parse_int(fields.raw("consulta"))
    by_number_only = number is not None and not fields.has("data_inicio") and not fields.has("data_fim")
    relations = _relations(fields, CONSULT_RELATIONS)
    if by_number_only:
        fields.check()
        assert number is not None
        order = _number(request, number)
        return success(FOUND, ordens_servico=_render(request, [order] if order else [], relations,
                                                     shapes.consult_shape))
    first = fields.moment("data_inicio", required=True)
    last = fields.moment("data_fim", required=True, end_of_day=True)
    kind = fields.choice("tipo_data", DATE_KINDS, default=PROGRAMMED_START)
    order_by = fields.choice("order_by", DATE_KINDS, default=PROGRAMMED_START)
    direction = fields.choice("order_by_key", ("asc", "desc"), default="desc")
    words = () if number is not None else tuple(name_tokens(term))
    if term and number is None and not words:
        fields.error("O campo consulta deve ter o número da OS ou ao menos uma palavra do nome do cliente.")
    period = _checked_period(fields, first, last, request) if first and last else None
    wanted = OrderFilter(
        period=period, date_kind=kind, statuses=_statuses(fields, "status"),
        technician_ids=frozenset(fields.id_list("tecnicos")),
        type_ids=frozenset(fields.id_list("tipo_ordem_servicos")), name_words=words,
        technician_view=request.user.only_technician,
    )
    fields.check()
    found = [o for o in request.container.order_listing.find(wanted, order_by, direction == "desc")
             if number is None or o.number == number][:MAX_CONSULT_RESULTS]
    return success(FOUND, ordens_servico=_render(request, found, relations, shapes.consult_shape))


def customer_orders(request: ApiRequest) -> Payload:
    """``GET cliente/ordem_servico``: a customer's OS in shape 1 (dates ``dd/mm/AAAA``)."""
    fields = request.fields()
    search = fields.choice("busca", CUSTOMER_SEARCHES, required=True)
    term = fields.text("termo_busca", required=True, max_len=20)
    limit = fields.integer("limit", minimum=1, maximum=50, default=20)
    status = fields.choice("status", STATUSES)
    order_by = fields.choice("order_by", (CREATED, PROGRAMMED_START), default=CREATED)
    direction = fields.choice("order_type", ("asc", "desc"), default="desc")
    first = fields.moment("data_inicio")
    last = fields.moment("data_fim", end_of_day=True)
    fields.check()
    customer = _customer(request, search, term)
    if customer is None:
        return success(FOUND, ordens_servico=[])
    period = Period(first or datetime.min, last or datetime.max) if first or last else None
    wanted = OrderFilter(
        period=period, date_kind=CREATED, statuses=frozenset({status}) if status else frozenset(),
        customer_id=customer.id, technician_view=request.user.only_technician,
        service_id=int(term) if search == "id_cliente_servico" else None,
    )
    found = request.container.order_listing.find(wanted, order_by, direction == "desc")
    if search == "numero_ordem_servico":
        found = [o for o in found if o.number == int(term)]
    found = found[:limit]
    orders = request.container.service_orders
    tickets = orders.tickets([o.ticket_id for o in found if o.ticket_id is not None])
    technicians = request.container.technicians.get_many(t for o in found for t in o.technician_ids)
    services = {s.id: s for s in customer.services}
    zone = request.container.settings.zone
    return success(FOUND, ordens_servico=[
        shapes.client_shape(o, shapes.OrderContext(
            technicians=technicians, zone=zone, customer=customer, service=services[o.customer_service_id],
            ticket=tickets.get(o.ticket_id) if o.ticket_id is not None else None))
        for o in found if o.customer_service_id in services])


def calendar(request: ApiRequest) -> Payload:
    """``GET ordem_servico/calendario`` (ours): the OS of a period as events on
    agenda or technician lanes, for the console's calendar."""
    fields = request.fields()
    first = fields.moment("data_inicio", required=True)
    last = fields.moment("data_fim", required=True, end_of_day=True)
    view = fields.choice("ver_por", VIEWS, default="agenda")
    ids = fields.id_list("ids")
    if first and last and last - first > MAX_CALENDAR_PERIOD:
        fields.error("O período do calendário deve ser de no máximo 62 dias.")
    period = _checked_period(fields, first, last, request) if first and last else None
    fields.check()
    assert period is not None
    container = request.container
    if view == "agenda":
        agendas = [a for a in container.agendas.list_all() if (a.id in ids if ids else a.active)]
        resources = [{"id": a.id, "titulo": a.description} for a in agendas]
        wanted = OrderFilter(period=period, agenda_ids=frozenset(a.id for a in agendas),
                             include_cancelled=False, technician_view=request.user.only_technician)
        found = container.order_listing.find(wanted) if agendas else []
    else:
        technicians = container.technicians.get_many(ids).values() if ids else container.technicians.list_active()
        resources = [{"id": t.id, "titulo": t.name} for t in technicians]
        lanes = frozenset(t.id for t in technicians)
        wanted = OrderFilter(period=period, technician_ids=lanes, include_cancelled=False,
                             technician_view=request.user.only_technician)
        found = container.order_listing.find(wanted) if lanes else []
    editable = request.user.can(Permission.AGENDAR_ORDEM_SERVICO)
    return success(FOUND, recursos=resources, eventos=[
        _event(o, view, {r["id"] for r in resources}, editable) for o in found if o.interval is not None])


# ---------------------------------------------------------------- helpers
def _event(order: ServiceOrder, view: str, lanes: set[Any], editable: bool) -> dict[str, Any]:
    assert order.interval is not None
    copy = order.customer
    on = [order.agenda_id] if view == "agenda" else [t for t in order.technician_ids if t in lanes]
    name = copy.name if copy else f"Serviço {order.customer_service_id}"
    return {
        "id_ordem_servico": order.id,
        "numero": order.number,
        "recursos": on,
        "inicio": order.interval.start.strftime("%Y-%m-%dT%H:%M:%S"),
        "fim": order.interval.end.strftime("%Y-%m-%dT%H:%M:%S"),
        "titulo": f"OS {order.number} - {name}",
        "tipo": shapes.type_description(order.type_id),
        "status": order.status,
        "cliente": copy.display if copy else None,
        "cidade": f"{copy.address.cidade}/{copy.address.uf}" if copy else None,
        "tecnicos": list(order.technician_ids),
        "editavel": editable and order.status in LIVE_STATUSES,
    }


def _render(request: ApiRequest, orders: Sequence[ServiceOrder], relations: frozenset[str],
            shape: Callable[[ServiceOrder, shapes.OrderContext], dict[str, Any]]) -> list[dict[str, Any]]:
    container = request.container
    technicians = container.technicians.get_many(t for o in orders for t in o.technician_ids)
    agendas = {a.id: a for a in container.agendas.list_all()} if "agenda_ordem_servico" in relations else {}
    tickets = container.service_orders.tickets([o.ticket_id for o in orders if o.ticket_id is not None]) \
        if "atendimento" in relations else {}
    zone = container.settings.zone
    rendered = []
    for order in orders:
        shaped = shape(order, shapes.OrderContext(technicians=technicians, zone=zone))
        if "agenda_ordem_servico" in relations:
            agenda = agendas.get(order.agenda_id) if order.agenda_id is not None else None
            shaped["agenda_ordem_servico"] = {"id_agenda_ordem_servico": agenda.id, "descricao": agenda.description} \
                if agenda else None
        if "ordem_servico_mensagem" in relations:
            shaped["ordem_servico_mensagem"] = [shapes.message_shape(m, zone)
                                                for m in container.service_orders.messages(order.id)]
        if "motivos_fechamento" in relations:
            reason = catalogues.find(catalogues.CLOSING_REASONS, order.closing.reason_id) \
                if order.closing and order.closing.reason_id else None
            shaped["motivo_fechamento"] = [{"id_motivo_fechamento": reason.id, "descricao": reason.description}] \
                if reason else []
        if "atendimento" in relations:
            ticket = tickets.get(order.ticket_id) if order.ticket_id is not None else None
            shaped["atendimento"] = shapes.ticket_shape(ticket, zone, []) if ticket else None
        # Relations we keep nothing for answer empty, as HubSoft does for an OS without them.
        for empty in ("anexos", "equipamentos_insumos", "cobrancas_disponiveis"):
            if empty in relations:
                shaped[empty] = []
        for absent in ("link_rastreamento", "assinatura"):
            if absent in relations:
                shaped[absent] = None
        rendered.append(shaped)
    return rendered


def _relations(fields: Fields, known: tuple[str, ...]) -> frozenset[str]:
    asked = {r.strip() for r in fields.text_list("relacoes", max_items=20)}
    unknown = sorted(asked - set(known))
    if unknown:
        fields.error(f"O campo relacoes tem relação inválida ({', '.join(unknown)[:80]}). "
                     f"Relações aceitas: {', '.join(known)}.")
    return frozenset(asked & set(known))


def _statuses(fields: Fields, key: str) -> frozenset[str]:
    asked = fields.text_list(key, max_items=10)
    unknown = [s for s in asked if s not in STATUSES]
    if unknown:
        fields.error(f"O campo {key} tem valor inválido ({', '.join(unknown)[:60]}). "
                     f"Valores aceitos: {', '.join(STATUSES)}.")
    return frozenset(asked)


def _availability(fields: Fields) -> frozenset[str]:
    asked = fields.text_list("disponibilidade", max_items=6)
    unknown = [a for a in asked if a not in AVAILABILITIES]
    if unknown:
        fields.error(f"O campo disponibilidade tem valor inválido ({', '.join(unknown)[:60]}). "
                     f"Valores aceitos: {', '.join(AVAILABILITIES)}.")
    return frozenset(asked)


def _period(request: ApiRequest, fields: Fields) -> Period | None:
    first = fields.moment("data_inicio")
    last = fields.moment("data_fim", end_of_day=True)
    return _checked_period(fields, first, last, request)


def _checked_period(fields: Fields, first: datetime | None, last: datetime | None,
                    request: ApiRequest) -> Period | None:
    if fields.errors:
        return None
    today = local(request.container.clock(), request.container.settings.zone).date()
    try:
        return Period.of(first, last, today)
    except ValidationError as refused:
        fields.add_rule_errors(refused.errors)
        return None


def _number(request: ApiRequest, number: int) -> ServiceOrder | None:
    """The OS numbered ``number`` (numbers are ids), unless hidden from a technician."""
    try:
        return visible_order(request, number)
    except NotFoundError:
        return None


def _customer(request: ApiRequest, search: str, term: str) -> Customer | None:
    customers = request.container.customers
    if search == "cpf_cnpj":
        found = customers.search("cpf_cnpj", term, 1)
        return found[0] if found else None
    if not is_digits(term):
        raise ValidationError([f"O termo_busca deve ser numérico para busca por {search}."])
    try:
        if search == "codigo_cliente":
            return customers.get(int(term))
        if search == "id_cliente_servico":
            return customers.get(customers.service(int(term)).customer_id)
        order = _number(request, int(term))
        return customers.get(order.customer_id) if order else None
    except NotFoundError:
        return None
