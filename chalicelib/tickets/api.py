"""HubSoft's ticket (atendimento) routes beyond opening one (``POST atendimento`` is with the OS routes, since it
may open the OS in the same transaction): a customer's tickets (``cliente/atendimento``), the paged lists
(``atendimento/todos``, ``atendimento/paginado/{quantidade}``), changing and closing a ticket
(``PUT atendimento/{id_atendimento}``) and its messages (``atendimento/adicionar_mensagem/{id_atendimento}``).

Each list is one index query (a customer's, a service's or a period's tickets; a protocol is one read), plus
one batch read of the OS of the tickets shown and one query of the users' names.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import Customer
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.input_rules import is_digits
from chalicelib.periods import Period
from chalicelib.service_orders import shapes as order_shapes
from chalicelib.service_orders.catalogues import TICKET_CLOSING_REASONS
from chalicelib.tickets import shapes
from chalicelib.tickets.model import (
    CLOSING_STATUSES,
    CONCLUDED,
    MAX_PARAMETER_KEY,
    MAX_PARAMETER_VALUE,
    MAX_PARAMETERS,
    STATUSES,
    Ticket,
)
from chalicelib.tickets.service import Author, Closing, TicketChange
from chalicelib.web.dates import checked_period
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.paging import PAGING, PageRequest, paginacao, read_page, read_relations
from chalicelib.web.routes import BASE, Body, PathId, Routes
from chalicelib.web.schema import (
    Bool,
    Choice,
    Id,
    Integer,
    Moment,
    Obj,
    Raw,
    Schema,
    Text,
    TextList,
    envelope,
    list_of,
    object_of,
    read,
    ref,
)
from chalicelib.web.validation import Fields

routes = Routes(__name__, tag="Atendimentos",
                tag_description="Atendimentos (tickets) do HubSoft: consulta por cliente, listas paginadas, "
                                "alteração, fechamento e mensagens.")

FOUND = "Dados consultados com sucesso."
# HubSoft answers cliente/atendimento with this typo, and bots test it literally.
SUSCESS = "suscess"
CUSTOMER_SEARCHES = ("codigo_cliente", "cpf_cnpj", "id_cliente_servico", "protocolo")
ORDER_BY = ("data_cadastro", "data_fechamento")
RELATIONS = ("cliente_servico", "usuarios_responsaveis", "atendimento_mensagem")
MAX_TEXT = 5000
STATUS_TEXT = ", ".join(f"{s.id} {s.prefix}" for s in STATUSES)

# ------------------------------------------------------------------ fields
# cliente/atendimento
SEARCH = Choice("busca", "Chave da busca.", options=CUSTOMER_SEARCHES, required=True)
TERM = Text("termo_busca", "Valor buscado.", required=True, max_len=30)
LIMIT = Integer("limit", "1 a 50 (padrão 20).", minimum=1, maximum=50, default=20)
ONLY_PENDING = Choice("apenas_pendente", "`sim` (padrão): só atendimentos abertos; `nao`: todos.",
                      options=("sim", "nao"), default="sim", extra={"default": "sim"})
ORDER = Choice("order_by", "Ordenação (padrão data_cadastro); por data_fechamento, os abertos vêm por último.",
               options=ORDER_BY, default="data_cadastro", extra={"default": "data_cadastro"})
DIRECTION = Choice("order_type", "asc ou desc (padrão desc).", options=("asc", "desc"), default="desc",
                   extra={"default": "desc"})
OPENED_FROM = Moment("data_inicio", "Abertos a partir de.")
OPENED_TO = Moment("data_fim", "Abertos até (data sem horário: o dia inteiro).", end_of_day=True)

# atendimento/todos and atendimento/paginado
LIST_START = Moment("data_inicio", "Abertos a partir de (padrão: 31 dias antes de hoje).")
LIST_END = Moment("data_fim", "Abertos até (data sem horário: o dia inteiro; padrão: 31 dias depois de hoje).",
                  end_of_day=True)
LIST_RELATIONS = TextList("relacoes", "Relações a incluir.", max_items=len(RELATIONS),
                          item={"type": "string", "enum": list(RELATIONS)})
PAGE_FROM_ONE = Integer("pagina", "Página, a partir de 1 (paginador do Laravel; 0 é lido como 1).", minimum=0,
                        default=1)
PER_PAGE_IN_PATH = PathId("quantidade", "Itens por página (1 a 500).")

# PUT atendimento/{id_atendimento}
TICKET_IN_PATH = PathId("id_atendimento", "ID do atendimento.")
PARAMETERS = Raw("parametros", spec={
    "type": ["object", "string"], "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    "maxProperties": MAX_PARAMETERS,
    "description": f"Parâmetros livres (chave: valor), guardados com o atendimento e devolvidos em `parametros` "
                   f"(até {MAX_PARAMETERS}; chaves até {MAX_PARAMETER_KEY} e valores até {MAX_PARAMETER_VALUE} "
                   "caracteres; um objeto em texto JSON também é aceito). Na alteração, somam-se aos guardados; "
                   "`null` guarda texto vazio."})
CLOSE = Bool("fechar_atendimento", "Fecha o atendimento (recusado enquanto uma OS dele estiver aberta).")
DESCRIPTION = Text("descricao", "Com `fechar_atendimento`: a descrição do fechamento; sem: a nova descrição de "
                                "abertura.", max_len=MAX_TEXT)
CLOSING_DESCRIPTION = Text("descricao_fechamento", "Descrição do fechamento (no lugar de `descricao`).",
                           max_len=MAX_TEXT)
CLOSING_STATUS = Choice("status_fechamento", "Com `fechar_atendimento` (padrão concluido).",
                        options=CLOSING_STATUSES, default=CONCLUDED)
CLOSING_REASON = Id("id_motivo_fechamento_atendimento", "Com `fechar_atendimento`: um motivo ativo de GET "
                                                        "configuracao/motivo_fechamento_atendimento (ids do provedor).")
RESPONSIBLE = Id("id_usuario_responsavel", "Usuário responsável (GET configuracao/usuario).")
STATUS = Id("id_atendimento_status", f"Status do atendimento aberto: {STATUS_TEXT} (o último só com "
                                     "`fechar_atendimento`).")
# HubSoft's current docs nest the closing fields; older clients send them flat. Nested wins.
CLOSING_PARAMETERS = Obj("parametros_fechamento", "Os campos do fechamento aninhados, como na documentação atual do "
                                                  "HubSoft (no lugar dos de mesmo nome na raiz).",
                         of=(CLOSING_DESCRIPTION, CLOSING_STATUS, CLOSING_REASON))

# adicionar_mensagem
MESSAGE = Text("mensagem", "Texto da mensagem.", required=True, max_len=MAX_TEXT)

_TICKET_RECORD: Schema = object_of({
    "id_atendimento": {"type": "integer"}, "protocolo": {"type": "string"},
    "id_atendimento_status": {"type": "integer"},
    "data_cadastro": {"type": "string", "examples": ["2026-12-10 10:00:00"]},
}, optional={
    "id_cliente_servico": {"type": "integer"}, "id_tipo_atendimento": {"type": "integer"},
    "id_usuario_abertura": {"type": ["integer", "null"]}, "id_usuario_fechamento": {"type": ["integer", "null"]},
    "id_usuario_responsavel": {"type": ["integer", "null"]},
    "descricao_abertura": {"type": "string"}, "descricao_fechamento": {"type": ["string", "null"]},
    "data_fechamento": {"type": ["string", "null"]},
    "status_fechamento": {"type": ["string", "null"], "enum": [*CLOSING_STATUSES, None]},
    "id_motivo_fechamento_atendimento": {"type": ["integer", "null"]},
    "nome_contato": {"type": "string"}, "telefone_contato": {"type": "string"},
    "email_contato": {"type": ["string", "null"]},
    "data_cadastro_br": {"type": "string", "examples": ["10/12/2026 10:00:00"]},
    "data_cadastro_timestamp": {"type": "integer"},
    "minutos_em_aberto": {"type": "integer"},
    "tempo_restante": {"type": "string", "examples": ["23:15"], "description": "HH:MM do SLA do tipo."},
    "percentual_tempo_restante": {"type": "integer", "minimum": 0, "maximum": 100},
    "percentual_color_class": {"type": "string", "enum": ["success", "warning", "danger"]},
    "parametros": {"type": "object"},
})
routes.schemas({
    "AtendimentoRegistro": _TICKET_RECORD,
    "AtendimentoLista": {"allOf": [ref("AtendimentoRegistro"), object_of(optional={
        "ordem_servico_count": {"type": "integer"}, "ordem_servico_aberta": {"type": "integer"},
        "ordem_servico_fechada": {"type": "integer"},
        "status": object_of(optional={
            "id_atendimento_status": {"type": "integer"}, "prefixo": {"type": "string"},
            "descricao": {"type": "string"}, "cor": {"type": "string"}, "abrir_ordem_servico": {"type": "boolean"},
            "display": {"type": "string"}}),
        "tipo_atendimento": {"type": "object"},
        "cliente_servico": {"type": "object", "description": "Com `relacoes=cliente_servico`."},
        "usuarios_responsaveis": {"type": "array", "description": "Com `relacoes=usuarios_responsaveis`."},
        "atendimento_mensagem": {"type": "array", "items": ref("MensagemAtendimento"),
                                 "description": "Com `relacoes=atendimento_mensagem`."},
    })]},
    "MensagemAtendimento": object_of(optional={
        "id_atendimento_mensagem": {"type": "integer"}, "id_atendimento": {"type": "integer"},
        "id_usuario": {"type": "integer"}, "usuario": {"type": ["string", "null"]}, "mensagem": {"type": "string"},
        "data_cadastro": {"type": "string"}, "data_cadastro_br": {"type": "string"},
        "data_cadastro_timestamp": {"type": "integer"}}),
})


# ------------------------------------------------------------------ routes
@routes.get("/cliente/atendimento", Permission.CONSULTAR_ATENDIMENTOS, summary="Atendimentos de um cliente",
            description="Como o HubSoft: `status` é `\"suscess\"` (sic) nesta rota. Por padrão só os abertos "
                        "(`apenas_pendente=sim`), do mais recente ao mais antigo, até `limit`. Cliente, serviço ou "
                        "protocolo não encontrado: lista vazia.",
            query=(SEARCH, TERM, LIMIT, ONLY_PENDING, ORDER, DIRECTION, OPENED_FROM, OPENED_TO),
            raw={"oneOf": [object_of({"status": {"const": SUSCESS}, "msg": {"type": "string"},
                                      "atendimentos": list_of("Atendimento")}), ref("EnvelopeErro")]})
def customer_tickets(request: ApiRequest) -> Payload:
    """``GET cliente/atendimento``: one customer's (or service's, or protocol's) tickets in the client shape."""
    fields = request.fields()
    search, term, limit, only_pending, order_by, direction, first, last = read(
        fields, SEARCH, TERM, LIMIT, ONLY_PENDING, ORDER, DIRECTION, OPENED_FROM, OPENED_TO)
    fields.check()
    customer, found = _customer_tickets(request, search, term)
    period = Period(first or datetime.min, last or datetime.max)
    zone = request.container.settings.zone
    found = [t for t in found if (only_pending == "nao" or t.is_open)
             and t.created_at.astimezone(zone).replace(tzinfo=None) in period]
    found = _ordered(found, order_by, direction == "desc")[:limit]
    ctx = _context(request, found, customer)
    technicians = request.container.technicians.get_many(t for o in ctx.orders.values() for t in o.technician_ids)
    answer = []
    for ticket in found:
        service = ctx.services.get(ticket.customer_service_id)
        shown = []
        for order_id in ticket.order_ids:
            order = ctx.orders.get(order_id)
            if order is None or customer is None or service is None:
                continue
            shaped = order_shapes.client_shape(order, order_shapes.OrderContext(
                technicians=technicians, zone=zone, customer=customer, service=service, ticket=ticket,
                names=ctx.names))
            shaped["servico"]["id_cliente_servico"] = str(service.id)  # HubSoft's example: text here
            shown.append(shaped)
        answer.append(shapes.client_shape(ticket, ctx, shown))
    return {**success(FOUND, atendimentos=answer), "status": SUSCESS}


@routes.get("/atendimento/todos", Permission.CONSULTAR_ATENDIMENTOS, summary="Listar atendimentos",
            description="Atendimentos abertos no período (pela data de abertura; sem período: de 31 dias antes a 31 "
                        "dias depois de hoje; no máximo 10 anos), do mais antigo ao mais recente, paginados a partir "
                        "de 0 (uma página além da última vem vazia, com o bloco `paginacao`).",
            query=(*PAGING, LIST_START, LIST_END, LIST_RELATIONS),
            raw=envelope({"atendimentos": list_of("AtendimentoLista"), "paginacao": ref("Paginacao")}))
def list_tickets(request: ApiRequest) -> Payload:
    """``GET atendimento/todos``: 0-based pages with ``paginacao``."""
    fields = request.fields()
    page = read_page(fields)
    period = _period(request, fields)
    relations = read_relations(fields, LIST_RELATIONS, RELATIONS)
    fields.check()
    assert period is not None
    found = request.container.tickets.opened_between(period.first, period.last)
    shown = page.of(found)
    return success(FOUND, atendimentos=_render(request, shown, relations), paginacao=paginacao(page, len(found)))


@routes.get("/atendimento/paginado/{quantidade}", Permission.CONSULTAR_ATENDIMENTOS,
            summary="Listar atendimentos (paginador do Laravel)",
            description="O formato antigo do HubSoft: `atendimentos` é o paginador do Laravel (`current_page` a "
                        "partir de 1, `data`, `total`, URLs das páginas), com `cliente_servico` e "
                        "`usuarios_responsaveis` em cada atendimento. Período como em `atendimento/todos`.",
            path_params=(PER_PAGE_IN_PATH,), query=(PAGE_FROM_ONE, LIST_START, LIST_END),
            raw=envelope({"atendimentos": object_of({
                "current_page": {"type": "integer", "minimum": 1}, "data": list_of("AtendimentoLista"),
                "total": {"type": "integer"}}, optional={
                "first_page_url": {"type": "string"}, "from": {"type": ["integer", "null"]},
                "last_page": {"type": "integer"}, "last_page_url": {"type": "string"},
                "next_page_url": {"type": ["string", "null"]}, "path": {"type": "string"},
                "per_page": {"type": "integer"}, "prev_page_url": {"type": ["string", "null"]},
                "to": {"type": ["integer", "null"]}}), "cliente": {"type": "null"}}))
def paginated_tickets(request: ApiRequest, per_page: int) -> Payload:
    """``GET atendimento/paginado/{quantidade}``: Laravel's paginator (pages from 1)."""
    if per_page > 500:
        raise ValidationError(["O parâmetro quantidade não pode ser superior a 500."])
    fields = request.fields()
    number = max(1, PAGE_FROM_ONE.read(fields))
    period = _period(request, fields)
    fields.check()
    assert period is not None
    found = request.container.tickets.opened_between(period.first, period.last)
    page = PageRequest(page=number - 1, per_page=per_page)
    shown = page.of(found)
    last_page = max(1, -(-len(found) // per_page))
    path = f"{BASE}/atendimento/paginado/{per_page}"

    def url(n: int) -> str:
        return f"{path}?pagina={n}"

    first_index = page.page * per_page
    return success(FOUND, atendimentos={
        "current_page": number,
        "data": _render(request, shown, frozenset({"cliente_servico", "usuarios_responsaveis"})),
        "first_page_url": url(1),
        "from": first_index + 1 if shown else None,
        "last_page": last_page,
        "last_page_url": url(last_page),
        "next_page_url": url(number + 1) if number < last_page else None,
        "path": path,
        "per_page": per_page,
        "prev_page_url": url(number - 1) if number > 1 else None,
        "to": first_index + len(shown) if shown else None,
        "total": len(found),
    }, cliente=None)


@routes.put("/atendimento/{id_atendimento}", Permission.ALTERAR_ATENDIMENTOS, summary="Alterar ou fechar atendimento",
            description="Parâmetros livres, descrição, responsável e status; com `fechar_atendimento`, fecha o "
                        "atendimento (status resolvido, data, usuário, motivo e descrição do fechamento). Fechar é "
                        "recusado enquanto uma OS do atendimento estiver aberta (aguardando agendamento ou "
                        "pendente): feche ou cancele a OS antes. Um atendimento fechado não é alterado.",
            path_params=(TICKET_IN_PATH,),
            body=Body("AlteracaoAtendimento", (PARAMETERS, CLOSE, DESCRIPTION, CLOSING_DESCRIPTION, CLOSING_STATUS,
                                               CLOSING_REASON, CLOSING_PARAMETERS, RESPONSIBLE, STATUS),
                      description="Ao menos um campo."),
            result=("atendimento", ref("AtendimentoRegistro")))
def change_ticket(request: ApiRequest, ticket_id: int) -> Payload:
    """``PUT atendimento/{id_atendimento}``."""
    fields = request.fields()
    parameters = read_parameters(fields, PARAMETERS)
    close = CLOSE.read(fields)
    description = DESCRIPTION.read_optional(fields)
    nested = CLOSING_PARAMETERS.read_optional(fields)
    closing_fields = nested if nested is not None else fields
    closing_description = CLOSING_DESCRIPTION.read(closing_fields)
    closing_status = CLOSING_STATUS.read(closing_fields)
    reason_id = CLOSING_REASON.read_optional(closing_fields)
    if close and reason_id is not None:
        refusal = request.container.catalogues.load().usable(TICKET_CLOSING_REASONS, reason_id)
        if refusal:
            fields.error(refusal)
    responsible_id = RESPONSIBLE.read_optional(fields)
    status_id = STATUS.read_optional(fields)
    if not fields.errors and not close and parameters is None and description is None \
            and responsible_id is None and status_id is None:
        fields.error("Informe ao menos um campo para alterar: parametros, fechar_atendimento, descricao, "
                     "id_usuario_responsavel ou id_atendimento_status.")
    fields.check()
    closing = Closing(description=closing_description or description or "", status=closing_status,
                      reason_id=reason_id) if close else None
    ticket = request.container.tickets.change(ticket_id, TicketChange(
        parameters=parameters or (), description=description, responsible_id=responsible_id, status_id=status_id,
        closing=closing), _author(request))
    msg = "Atendimento fechado com sucesso" if close else "Atendimento alterado com sucesso"
    return success(msg, atendimento=shapes.record_shape(ticket, _context(request, [ticket], None)))


@routes.post("/atendimento/adicionar_mensagem/{id_atendimento}", Permission.ALTERAR_ATENDIMENTOS,
             summary="Adicionar mensagem ao atendimento",
             description="A mensagem fica no atendimento e aparece em `atendimento_mensagem` (`atendimento/todos` com "
                         "`relacoes=atendimento_mensagem`). Recusada num atendimento fechado.",
             path_params=(TICKET_IN_PATH,), body=Body("NovaMensagemAtendimento", (MESSAGE,)),
             result=("mensagem", ref("MensagemAtendimento")))
def add_message(request: ApiRequest, ticket_id: int) -> Payload:
    """``POST atendimento/adicionar_mensagem/{id_atendimento}``."""
    text = request.read_one(MESSAGE)
    message = request.container.tickets.add_message(ticket_id, text, _author(request))
    return success("Mensagem adicionada com sucesso", mensagem=shapes.message_shape(
        message, request.container.settings.zone))


# ---------------------------------------------------------------- helpers
def read_parameters(fields: Fields, field: Raw) -> tuple[tuple[str, str], ...] | None:
    """HubSoft's free ``parametros``: an object (or its JSON text) of scalar values, kept as text; None when not
    sent. A null value is kept as "" (in a change too: the key stays, emptied)."""
    raw = field.read(fields)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict):
        fields.error(f"O campo {fields.name(field.name)} deve ser um objeto de chave e valor.")
        return None
    if len(raw) > MAX_PARAMETERS:
        fields.error(f"O campo {fields.name(field.name)} pode ter no máximo {MAX_PARAMETERS} chaves.")
        return None
    pairs = []
    for key, value in raw.items():
        text = _parameter_text(value)
        if not str(key).strip() or len(str(key)) > MAX_PARAMETER_KEY or text is None \
                or len(text) > MAX_PARAMETER_VALUE:
            fields.error(f"O campo {fields.name(field.name)}.{str(key)[:40]} deve ter chave de até "
                         f"{MAX_PARAMETER_KEY} caracteres e valor de texto, número ou booleano de até "
                         f"{MAX_PARAMETER_VALUE} caracteres.")
            continue
        pairs.append((str(key), text))
    return tuple(pairs)


def _parameter_text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _author(request: ApiRequest) -> Author:
    return Author(user_id=request.user.user_id, username=request.user.username)


def _customer_tickets(request: ApiRequest, search: str, term: str) -> tuple[Customer | None, list[Ticket]]:
    """The customer searched for and its tickets (one index query; a protocol: one read)."""
    container = request.container
    customers, tickets = container.customers, container.tickets
    if search == "cpf_cnpj":
        found = customers.search("cpf_cnpj", term, 1)
        return (found[0], tickets.of_customer(found[0].id)) if found else (None, [])
    if not is_digits(term):
        raise ValidationError([f"O termo_busca deve ser numérico para busca por {search}."])
    try:
        if search == "codigo_cliente":
            customer = customers.get(int(term))
            return customer, tickets.of_customer(customer.id)
        if search == "id_cliente_servico":
            service = customers.service(int(term))
            return customers.get(service.customer_id), tickets.of_service(service.id)
        ticket = tickets.by_protocol(term)
        return (customers.get(ticket.customer_id), [ticket]) if ticket else (None, [])
    except NotFoundError:
        return None, []


def _ordered(tickets: list[Ticket], order_by: str, descending: bool) -> list[Ticket]:
    """By opening, or by closing (in memory, over one customer's tickets); open tickets last by closing."""
    if order_by == "data_fechamento":
        closed = sorted((t for t in tickets if t.closing), key=lambda t: (t.closing.closed_at if t.closing else
                                                                           t.created_at, t.id), reverse=descending)
        return closed + sorted((t for t in tickets if not t.closing), key=lambda t: (t.created_at, t.id),
                               reverse=descending)
    return sorted(tickets, key=lambda t: (t.created_at, t.id), reverse=descending)


def _context(request: ApiRequest, tickets: Sequence[Ticket], customer: Customer | None) -> shapes.TicketContext:
    container = request.container
    users = container.auth.user_names({t.responsible_id for t in tickets if t.responsible_id is not None})
    return shapes.TicketContext(
        zone=container.settings.zone, now=container.clock(), names=container.catalogues.load(), users=users,
        orders=container.tickets.orders(tickets),
        customers={customer.id: customer} if customer else {},
        services={s.id: s for s in customer.services} if customer else {},
    )


def _render(request: ApiRequest, tickets: Sequence[Ticket], relations: frozenset[str]) -> list[dict[str, Any]]:
    """The list shape with the asked relations, from the tickets' own copies of their customers."""
    ctx = _context(request, tickets, None)
    zone = ctx.zone
    rendered = []
    for ticket in tickets:
        shaped = shapes.list_shape(ticket, ctx)
        if "cliente_servico" in relations:
            shaped["cliente_servico"] = shapes.service_shape(ticket, ctx)
        if "usuarios_responsaveis" in relations:
            shaped["usuarios_responsaveis"] = shapes.responsible_shape(ticket, ctx)
        if "atendimento_mensagem" in relations:
            shaped["atendimento_mensagem"] = [shapes.message_shape(m, zone)
                                              for m in request.container.tickets.messages(ticket.id)]
        rendered.append(shaped)
    return rendered


def _period(request: ApiRequest, fields: Fields) -> Period | None:
    return checked_period(fields, LIST_START.read(fields), LIST_END.read(fields), request.today())
