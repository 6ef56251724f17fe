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
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import Customer, name_tokens
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.input_rules import is_digits
from chalicelib.service_orders import shapes
from chalicelib.service_orders.api import routes as order_routes
from chalicelib.service_orders.api import visible_order
from chalicelib.service_orders.catalogues import CLOSING_REASONS, CatalogueSet
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
from chalicelib.web.dates import checked_period
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import PAGING, paginacao, read_page, read_relations
from chalicelib.web.routes import Body
from chalicelib.web.schema import (
    Choice,
    Id,
    IdList,
    Integer,
    Moment,
    Text,
    TextList,
    envelope,
    list_of,
    object_of,
    paged,
    read,
)
from chalicelib.web.validation import Fields, parse_int

routes = order_routes.sibling(__name__)
routes.schemas({
    "EventoCalendario": object_of({
        "id_ordem_servico": {"type": "integer"},
        "numero": {"type": "integer"},
        "recursos": {"type": "array", "items": {"type": "integer"},
                     "description": "IDs das agendas ou técnicos em que o evento aparece."},
        "inicio": {"type": "string", "examples": ["2026-12-14T09:00:00"]},
        "fim": {"type": "string", "examples": ["2026-12-14T10:00:00"]},
        "titulo": {"type": "string"},
        "status": {"type": "string", "enum": ["aguardando_agendamento", "pendente", "finalizado"]},
        "editavel": {"type": "boolean",
                     "description": "OS aberta e usuário com permissão de agendar: mover ou redimensionar "
                                    "com `reagendar`."},
    }, optional={
        "tipo": {"type": ["string", "null"]},
        "cliente": {"type": ["string", "null"]},
        "cidade": {"type": ["string", "null"]},
        "tecnicos": {"type": "array", "items": {"type": "integer"}},
    }),
})

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

# ------------------------------------------------------------------ fields
# Each field a route reads, declared once: the views read it through these objects and the document
# describes it from them.
_DATE_KIND = {"default": PROGRAMMED_START}

# ordem_servico/todos (query string)
LIST_START = Moment("data_inicio")
LIST_END = Moment("data_fim", "Data sem horário: o dia inteiro.", end_of_day=True)
LIST_DATE_KIND = Choice("tipo_data", "A data filtrada e ordenada.", options=DATE_KINDS, default=PROGRAMMED_START,
                        extra=_DATE_KIND)
LIST_STATUSES = TextList("status", "Status.", max_items=10,
                         item={"type": "string", "enum": list(STATUSES)})
LIST_TECHNICIANS = IdList("tecnico", "IDs de técnicos.")
LIST_TYPES = IdList("tipo_ordem_servico", "IDs de tipos.")
LIST_AGENDAS = IdList("agenda_ordem_servico", "IDs de agendas.")
LIST_SERVICE = Id("id_servico", "Serviço do cliente (id_cliente_servico).")
LIST_CUSTOMER_SERVICE = Id("id_cliente_servico", "Serviço do cliente.")
DESTINATION = Choice("destino", "Toda OS daqui é de `cliente_servico`.",
                     options=("cliente_servico", "pop", "prospecto"))
DESTINATION_ID = Id("id_destino", "Com `destino=cliente_servico`: o serviço do cliente.")
AVAILABILITY = TextList("disponibilidade", "Turnos: manha, tarde, noite.", max_items=6,
                        item={"type": "string", "enum": list(AVAILABILITIES)})
RESERVED = Choice("reservada", "Não há reserva de OS por aplicativo: `nao` lista todas, os demais nenhuma.",
                  options=("sim", "nao", "reservada_em_execucao", "reservada_sem_execucao"))
LIST_RELATIONS_FIELD = TextList("relacoes", "Relações a incluir.", max_items=20,
                                item={"type": "string", "enum": list(LIST_RELATIONS)})

# ordem_servico/consultar (body)
TERM = Text("consulta", "Número da OS ou nome do cliente.", required=True, max_len=150,
            extra={"type": ["integer", "string"]})
# Required unless ``consulta`` is a number alone: read as required in that case (``_required``).
CONSULT_START = Moment("data_inicio", extra={"examples": ["2026-12-01", "2026-12-01 00:00:00"]})
CONSULT_END = Moment("data_fim", end_of_day=True, extra={"examples": ["2026-12-31", "2026-12-31 23:59:59"]})
CONSULT_DATE_KIND = Choice("tipo_data", options=DATE_KINDS, default=PROGRAMMED_START, extra=_DATE_KIND)
CONSULT_ORDER_BY = Choice("order_by", options=DATE_KINDS, default=PROGRAMMED_START, extra=_DATE_KIND)
CONSULT_DIRECTION = Choice("order_by_key", options=("asc", "desc"), default="desc", extra={"default": "desc"})
CONSULT_STATUSES = TextList("status", "Status.", max_items=10,
                            item={"type": "string", "enum": list(STATUSES)})
CONSULT_TECHNICIANS = IdList("tecnicos", "`[{id}]` ou IDs.", extra={"type": ["array", "object", "string"]})
CONSULT_TYPES = IdList("tipo_ordem_servicos", "`[{id_tipo_ordem_servico}]` ou IDs.",
                       extra={"type": ["array", "object", "string"]})
CONSULT_RELATIONS_FIELD = TextList("relacoes", max_items=20, item={"type": "string", "enum": list(CONSULT_RELATIONS)})

# cliente/ordem_servico (query string)
CUSTOMER_SEARCH = Choice("busca", "Chave da busca.", options=CUSTOMER_SEARCHES, required=True)
CUSTOMER_TERM = Text("termo_busca", "Valor buscado.", required=True, max_len=20)
CUSTOMER_LIMIT = Integer("limit", "1 a 50 (padrão 20).", minimum=1, maximum=50, default=20)
CUSTOMER_STATUS = Choice("status", "Um status.", options=STATUSES)
CUSTOMER_ORDER_BY = Choice("order_by", "Ordenação.", options=(CREATED, PROGRAMMED_START), default=CREATED)
CUSTOMER_DIRECTION = Choice("order_type", "asc ou desc (padrão desc).", options=("asc", "desc"), default="desc")
CUSTOMER_START = Moment("data_inicio", "Data de cadastro a partir de.")
CUSTOMER_END = Moment("data_fim", "Data de cadastro até.", end_of_day=True)

# ordem_servico/calendario (query string)
CALENDAR_START = Moment("data_inicio", "Primeiro dia.", required=True)
CALENDAR_END = Moment("data_fim", "Último dia.", required=True, end_of_day=True)
CALENDAR_VIEW = Choice("ver_por", "Raias do calendário.", options=VIEWS, default="agenda", extra={"default": "agenda"})
CALENDAR_IDS = IdList("ids", "IDs das agendas ou técnicos.")


# ------------------------------------------------------------------ routes
@routes.get("/ordem_servico/todos", Permission.CONSULTAR_ORDEM_SERVICO, summary="Listar ordens de serviço",
            description="Lista filtrada e paginada (`pagina` a partir de 0; uma página além da última vem vazia, "
                        "com o bloco `paginacao`). O período vale para a data de `tipo_data`; sem período: de 31 "
                        "dias antes a 31 dias depois de hoje; no máximo 10 anos. Ordem: a data de `tipo_data`, "
                        "depois o número. Usuário ligado a um técnico vê só as OS em que o técnico está.",
            query=(*PAGING, LIST_START, LIST_END, LIST_DATE_KIND, LIST_STATUSES, LIST_TECHNICIANS, LIST_TYPES,
                   LIST_AGENDAS, LIST_SERVICE, LIST_CUSTOMER_SERVICE, DESTINATION, DESTINATION_ID, AVAILABILITY,
                   RESERVED, LIST_RELATIONS_FIELD),
            raw=paged("ordens_servico", "OrdemServicoLista"))
def list_orders(request: ApiRequest) -> Payload:
    """``GET ordem_servico/todos``: filtered, 0-based pages; a page past the end is empty, not an error."""
    fields = request.fields()
    page = read_page(fields)
    kind = LIST_DATE_KIND.read(fields)
    period = _period(request, fields)
    destination = DESTINATION.read(fields)
    reserved = RESERVED.read(fields)
    service_id = LIST_SERVICE.read_optional(fields) or LIST_CUSTOMER_SERVICE.read_optional(fields)
    if destination == "cliente_servico" and fields.has(DESTINATION_ID.name):
        service_id = DESTINATION_ID.read_optional(fields)
    wanted = OrderFilter(
        period=period, date_kind=kind, statuses=_chosen(fields, LIST_STATUSES, STATUSES),
        technician_ids=frozenset(LIST_TECHNICIANS.read(fields)), type_ids=frozenset(LIST_TYPES.read(fields)),
        agenda_ids=frozenset(LIST_AGENDAS.read(fields)), service_id=service_id,
        availability=_chosen(fields, AVAILABILITY, AVAILABILITIES), technician_view=request.user.only_technician,
    )
    relations = read_relations(fields, LIST_RELATIONS_FIELD, LIST_RELATIONS)
    fields.check()
    # Every OS here serves a customer's service and none is reserved by a technician app.
    found = [] if destination in ("pop", "prospecto") or reserved not in ("", "nao") else \
        request.container.order_listing.find(wanted)
    return success(FOUND, ordens_servico=_render(request, page.of(found), relations, shapes.list_shape),
                   paginacao=paginacao(page, len(found)))


@routes.post("/ordem_servico/consultar", Permission.CONSULTAR_ORDEM_SERVICO, summary="Consultar ordens de serviço",
             description=f"Pelo número da OS ou, num período, pelo número ou nome do cliente (até "
                         f"{MAX_CONSULT_RESULTS} OS). Usuário ligado a um técnico vê só as OS em que o técnico está.",
             body=Body("ConsultaOrdemServico", (TERM, CONSULT_START, CONSULT_END, CONSULT_DATE_KIND, CONSULT_ORDER_BY,
                                                CONSULT_DIRECTION, CONSULT_STATUSES, CONSULT_TECHNICIANS,
                                                CONSULT_TYPES, CONSULT_RELATIONS_FIELD),
                       description="Só `consulta` numérico: a OS desse número. Com `data_inicio`/`data_fim` "
                                   "(obrigatórios quando `consulta` é um nome): OS do período cujo número ou nome do "
                                   "cliente confere."),
             result=("ordens_servico", list_of("OrdemServicoConsulta")))
def consult(request: ApiRequest) -> Payload:
    """``POST ordem_servico/consultar``: by OS number alone (2025) or by number or
    customer name within a period (2024, ``data_inicio``/``data_fim`` required)."""
    fields = request.fields()
    term = TERM.read(fields)
    number = parse_int(fields.raw(TERM.name))
    by_number_only = number is not None and not fields.has(CONSULT_START.name) and not fields.has(CONSULT_END.name)
    relations = read_relations(fields, CONSULT_RELATIONS_FIELD, CONSULT_RELATIONS)
    if by_number_only:
        fields.check()
        assert number is not None
        order = _number(request, number)
        return success(FOUND, ordens_servico=_render(request, [order] if order else [], relations,
                                                     shapes.consult_shape))
    first = _required(CONSULT_START).read(fields)
    last = _required(CONSULT_END).read(fields)
    kind, order_by, direction = read(fields, CONSULT_DATE_KIND, CONSULT_ORDER_BY, CONSULT_DIRECTION)
    words = () if number is not None else tuple(name_tokens(term))
    if term and number is None and not words:
        fields.error("O campo consulta deve ter o número da OS ou ao menos uma palavra do nome do cliente.")
    period = checked_period(fields, first, last, request.today()) if first and last else None
    wanted = OrderFilter(
        period=period, date_kind=kind, statuses=_chosen(fields, CONSULT_STATUSES, STATUSES),
        technician_ids=frozenset(CONSULT_TECHNICIANS.read(fields)),
        type_ids=frozenset(CONSULT_TYPES.read(fields)), name_words=words,
        technician_view=request.user.only_technician,
    )
    fields.check()
    found = [o for o in request.container.order_listing.find(wanted, order_by, direction == "desc")
             if number is None or o.number == number][:MAX_CONSULT_RESULTS]
    return success(FOUND, ordens_servico=_render(request, found, relations, shapes.consult_shape))


@routes.get("/cliente/ordem_servico", Permission.CONSULTAR_ORDEM_SERVICO, summary="Ordens de serviço de um cliente",
            description="Formato 1 do HubSoft (datas `dd/mm/AAAA HH:MM:SS`, status em snake-case, `cliente` e "
                        "`servico` aninhados, `atendimento`). Cliente não encontrado: lista vazia.",
            query=(CUSTOMER_SEARCH, CUSTOMER_TERM, CUSTOMER_LIMIT, CUSTOMER_STATUS, CUSTOMER_ORDER_BY,
                   CUSTOMER_DIRECTION, CUSTOMER_START, CUSTOMER_END),
            result=("ordens_servico", list_of("OrdemServicoCliente")))
def customer_orders(request: ApiRequest) -> Payload:
    """``GET cliente/ordem_servico``: a customer's OS in shape 1 (dates ``dd/mm/AAAA``)."""
    fields = request.fields()
    search, term, limit, status, order_by, direction, first, last = read(
        fields, CUSTOMER_SEARCH, CUSTOMER_TERM, CUSTOMER_LIMIT, CUSTOMER_STATUS, CUSTOMER_ORDER_BY, CUSTOMER_DIRECTION,
        CUSTOMER_START, CUSTOMER_END)
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
    names = request.container.catalogues.load()
    return success(FOUND, ordens_servico=[
        shapes.client_shape(o, shapes.OrderContext(
            technicians=technicians, zone=zone, customer=customer, service=services[o.customer_service_id],
            ticket=tickets.get(o.ticket_id) if o.ticket_id is not None else None, names=names))
        for o in found if o.customer_service_id in services])


@routes.get("/ordem_servico/calendario", Permission.CONSULTAR_ORDEM_SERVICO,
            summary="Calendário de OS por agenda ou técnico",
            description="Eventos (OS com horário programado, exceto canceladas) e recursos (agendas ou técnicos) "
                        "de um período de até 62 dias, para o calendário do console. Sem `ids`: as agendas ativas "
                        "ou os técnicos ativos. Mover ou redimensionar: `reagendar`.",
            query=(CALENDAR_START, CALENDAR_END, CALENDAR_VIEW, CALENDAR_IDS),
            raw=envelope({"recursos": {"type": "array", "items": object_of(optional={
                "id": {"type": "integer"}, "titulo": {"type": "string"}})},
                "eventos": list_of("EventoCalendario")}))
def calendar(request: ApiRequest) -> Payload:
    """``GET ordem_servico/calendario`` (ours): the OS of a period as events on
    agenda or technician lanes, for the console's calendar."""
    fields = request.fields()
    first, last, view, ids = read(fields, CALENDAR_START, CALENDAR_END, CALENDAR_VIEW, CALENDAR_IDS)
    if first and last and last - first > MAX_CALENDAR_PERIOD:
        fields.error("O período do calendário deve ser de no máximo 62 dias.")
    period = checked_period(fields, first, last, request.today()) if first and last else None
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
    names = container.catalogues.load()
    return success(FOUND, recursos=resources, eventos=[
        _event(o, view, {r["id"] for r in resources}, editable, names) for o in found if o.interval is not None])


# ---------------------------------------------------------------- helpers
def _event(order: ServiceOrder, view: str, lanes: set[Any], editable: bool, names: CatalogueSet) -> dict[str, Any]:
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
        "tipo": shapes.type_description(names, order.type_id),
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
    closers = container.auth.users_named(o.closing.closed_by for o in orders if o.closing) \
        if shape is shapes.list_shape else {}
    services = container.customers.services(o.customer_service_id for o in orders) \
        if shape is shapes.list_shape else {}
    names = container.catalogues.load()
    rendered = []
    for order in orders:
        shaped = shape(order, shapes.OrderContext(technicians=technicians, zone=zone, closers=closers, names=names,
                                                  services=services))
        if "agenda_ordem_servico" in relations:
            agenda = agendas.get(order.agenda_id) if order.agenda_id is not None else None
            shaped["agenda_ordem_servico"] = {"id_agenda_ordem_servico": agenda.id, "descricao": agenda.description} \
                if agenda else None
        if "ordem_servico_mensagem" in relations:
            shaped["ordem_servico_mensagem"] = [shapes.message_shape(m, zone)
                                                for m in container.service_orders.messages(order.id)]
        if "motivos_fechamento" in relations:
            reason = names.find(CLOSING_REASONS, order.closing.reason_id) \
                if order.closing and order.closing.reason_id else None
            shaped["motivo_fechamento"] = [{"id_motivo_fechamento": reason.id, "descricao": reason.description}] \
                if reason else []
        if "atendimento" in relations:
            ticket = tickets.get(order.ticket_id) if order.ticket_id is not None else None
            shaped["atendimento"] = shapes.ticket_shape(ticket, zone, [], names=names) if ticket else None
        # Relations we keep nothing for answer empty, as HubSoft does for an OS without them.
        for empty in ("anexos", "equipamentos_insumos", "cobrancas_disponiveis"):
            if empty in relations:
                shaped[empty] = []
        for absent in ("link_rastreamento", "assinatura"):
            if absent in relations:
                shaped[absent] = None
        rendered.append(shaped)
    return rendered


def _chosen(fields: Fields, field: TextList, options: tuple[str, ...]) -> frozenset[str]:
    """The values of a list ``field`` whose every value must be one of ``options``."""
    asked = field.read(fields)
    unknown = [a for a in asked if a not in options]
    if unknown:
        fields.error(f"O campo {field.name} tem valor inválido ({', '.join(unknown)[:60]}). "
                     f"Valores aceitos: {', '.join(options)}.")
    return frozenset(asked)


def _period(request: ApiRequest, fields: Fields) -> Period | None:
    first = LIST_START.read(fields)
    last = LIST_END.read(fields)
    return checked_period(fields, first, last, request.today())


def _required(field: Moment) -> Moment:
    """``field`` read as required (the document cannot say "required unless...")."""
    return replace(field, required=True)



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
