"""The OS, ticket and message objects in HubSoft's shapes (pure rendering).

HubSoft answers the same OS in three shapes (HubSoft's API documentation); the ones the
write routes use are here:

- ``client_shape`` (shape 1: ``cliente/ordem_servico`` and the OS inside an
  atendimento): snake-case status, nested ``cliente``/``servico``, dates
  ``dd/mm/YYYY HH:MM:SS``;
- ``schedule_shape`` (shape 2: ``agendar``, ``reagendar``,
  ``remove_agendamento``): display status, flat ``cliente``/``servico``/
  ``endereco_instalacao`` strings, dates ``YYYY-MM-DD HH:MM:SS`` (``reagendar``
  without seconds);
- ``opened_shape`` (``abrir_os``);
- ``consult_shape`` (``consultar``: shape 2 with the executed dates, type
  and closing) and ``list_shape`` (shape 3, ``todos``: ``numero`` an int,
  ``tecnicos`` with ``display``, ``dados_endereco_instalacao``);
- ``history_shape`` (ours, ``ordem_servico/{id}/historico``).

Shapes 2 and 3 name the customer from the OS's own copy
(``ServiceOrder.customer``) unless the context carries the live customer, so
a list renders without reading one customer per OS.

Programmed and executed times are stored in the provider's local time
(naive); registration times are UTC and shown in the provider's zone.

``SCHEMAS`` describes these shapes for the OpenAPI document.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from chalicelib.auth.model import User
from chalicelib.clock import local
from chalicelib.customers.documents import format_document
from chalicelib.customers.model import SERVICE_STATUSES, Address, Customer, Service
from chalicelib.service_orders import catalogues
from chalicelib.service_orders.history import TimelineItem
from chalicelib.service_orders.model import Action, OrderMessage, ServiceOrder, Ticket
from chalicelib.technicians.service import Technician
from chalicelib.web.schema import Schema, list_of, object_of, ref

BR = "%d/%m/%Y %H:%M:%S"
ISO = "%Y-%m-%d %H:%M:%S"
ISO_MINUTES = "%Y-%m-%d %H:%M"
STATUS_DISPLAY = {
    "aguardando_agendamento": "Aguardando Agendamento",
    "pendente": "Pendente",
    "finalizado": "Finalizado",
    "cancelado": "Cancelado",
}
AVAILABILITY_DISPLAY = {"manha": "Manhã", "tarde": "Tarde", "noite": "Noite"}
SERVICE_STATUS_DISPLAY = {s.prefix: s.description for s in SERVICE_STATUSES}


@dataclass(frozen=True)
class OrderContext:
    """What an OS is shown with: its technicians, the provider's zone and, when
    read, its live customer, service and ticket."""

    technicians: Mapping[int, Technician]
    zone: tzinfo
    customer: Customer | None = None
    service: Service | None = None
    ticket: Ticket | None = None
    # The users who closed the OS shown, by username (with their id and name), for ``usuario_fechamento``.
    closers: Mapping[str, User] = field(default_factory=dict)


def _visit(order: ServiceOrder, ctx: OrderContext) -> tuple[str | None, str | None, Address | None]:
    """``cliente``, ``servico`` and the installation address, live when the context has them."""
    if ctx.customer is not None and ctx.service is not None:
        return (f"({ctx.customer.code}) {ctx.customer.name}", f"({ctx.service.id}) {ctx.service.name}",
                ctx.service.address)
    copy = order.customer
    if copy is None:
        return None, None, None
    return copy.display, f"({order.customer_service_id}) {copy.service_name}", copy.address


def _fmt(moment: datetime | None, pattern: str) -> str | None:
    return moment.strftime(pattern) if moment is not None else None


def type_description(type_id: int | None) -> str | None:
    entry = catalogues.find(catalogues.ORDER_TYPES, type_id)
    return entry.description if entry else None


def order_type(type_id: int | None) -> dict[str, Any] | None:
    """HubSoft's ``tipo_ordem_servico`` object (``todos``, ``abrir_os``)."""
    return {"id_tipo_ordem_servico": type_id, "descricao": type_description(type_id)} if type_id is not None else None


def ticket_type_description(type_id: int | None) -> str | None:
    entry = catalogues.find(catalogues.TICKET_TYPES, type_id)
    return entry.description if entry else None


def _technicians(order: ServiceOrder, ctx: OrderContext) -> list[dict[str, Any]]:
    return [{"id": t, "name": ctx.technicians[t].name if t in ctx.technicians else None}
            for t in order.technician_ids]


def availability_text(order: ServiceOrder) -> str:
    return ", ".join(AVAILABILITY_DISPLAY.get(a, a) for a in order.availability) or "Não Informada"


def client_shape(order: ServiceOrder, ctx: OrderContext) -> dict[str, Any]:
    """Shape 1 (``cliente/ordem_servico``, ``atendimento.ordens_servico``); needs the live customer and service."""
    interval, closing, ticket = order.interval, order.closing, ctx.ticket
    service, customer = ctx.service, ctx.customer
    assert service is not None and customer is not None
    return {
        "id_ordem_servico": order.id,
        "numero_ordem_servico": str(order.number),
        "id_tipo_ordem_servico": order.type_id,
        "tipo": type_description(order.type_id),
        "status": order.status,
        "status_fechamento": closing.status if closing else None,
        "prioridade": order.priority,
        "data_cadastro": _fmt(local(order.created_at, ctx.zone), BR),
        "data_inicio_programado": _fmt(interval.start if interval else None, BR),
        "data_termino_programado": _fmt(interval.end if interval else None, BR),
        "data_inicio_executado": _fmt(closing.executed.start if closing else None, BR),
        "data_termino_executado": _fmt(closing.executed.end if closing else None, BR),
        "descricao_abertura": order.opening_description,
        "descricao_servico": order.description,
        "descricao_fechamento": closing.description if closing else None,
        "usuario_abertura": order.opened_by or None,
        "usuario_fechamento": closing.closed_by if closing else None,
        "id_agenda_ordem_servico": order.agenda_id,
        "disponibilidade": list(order.availability),
        "tecnicos": _technicians(order, ctx),
        "atendimento": {
            "id_atendimento": ticket.id,
            "protocolo": ticket.protocol,
            "tipo_atendimento": ticket_type_description(ticket.type_id),
            "usuario_abertura": ticket.opened_by or None,
        } if ticket else None,
        "cliente": {
            "codigo_cliente": customer.code,
            "nome_razaosocial": customer.name,
            "cpf_cnpj": format_document(customer.document),
        },
        "servico": {
            "id_cliente_servico": service.id,
            "numero_plano": service.id,
            "nome": service.name,
            "valor": service.amount_cents / 100,
            "status": SERVICE_STATUS_DISPLAY.get(service.status, service.status),
            "status_prefixo": service.status,
        },
    }


def schedule_shape(order: ServiceOrder, ctx: OrderContext, *, seconds: bool = True) -> dict[str, Any]:
    """Shape 2 (``agendar``, ``reagendar`` with ``seconds=False``, ``remove_agendamento``, ``fechar``),
    with every key of HubSoft's examples (``tipo`` and the executed dates too)."""
    pattern = ISO if seconds else ISO_MINUTES
    interval = order.interval
    customer, service, address = _visit(order, ctx)
    return {
        "id_ordem_servico": order.id,
        "numero": str(order.number),
        "id_atendimento": order.ticket_id,
        "id_tipo_ordem_servico": order.type_id,
        "tipo_ordem_servico": type_description(order.type_id),
        "status": STATUS_DISPLAY.get(order.status, order.status),
        "prioridade": order.priority,
        "data_cadastro": _fmt(local(order.created_at, ctx.zone), ISO),
        "data_inicio_programado": _fmt(interval.start if interval else None, pattern),
        "data_termino_programado": _fmt(interval.end if interval else None, pattern),
        "data_inicio_executado": _fmt(order.closing.executed.start if order.closing else None, ISO),
        "data_termino_executado": _fmt(order.closing.executed.end if order.closing else None, ISO),
        "tipo": type_description(order.type_id),
        "descricao_abertura": order.opening_description,
        "descricao_servico": order.description,
        "descricao_fechamento": order.closing.description if order.closing else None,
        "id_agenda_ordem_servico": order.agenda_id,
        "tecnicos": [{**t, "pivot": {"id_ordem_servico": order.id, "id_usuario": t["id"]}}
                     for t in _technicians(order, ctx)],
        "disponibilidade": availability_text(order),
        "cliente": customer,
        "servico": service,
        "endereco_instalacao": address.display() if address else None,
    }


def consult_shape(order: ServiceOrder, ctx: OrderContext) -> dict[str, Any]:
    """``consultar``: shape 2 with the closing status and the customer's service id."""
    shaped = schedule_shape(order, ctx)
    shaped.update({
        "status_fechamento": order.closing.status if order.closing else None,
        "id_cliente_servico": order.customer_service_id,
    })
    return shaped


def list_shape(order: ServiceOrder, ctx: OrderContext) -> dict[str, Any]:
    """Shape 3 (``todos``): ``numero`` an int, ``tecnicos`` with ``display``, the address as fields too."""
    shaped = consult_shape(order, ctx)
    _, _, address = _visit(order, ctx)
    shaped["numero"] = order.number
    shaped["tecnicos"] = [{**t, "display": t["name"]} for t in _technicians(order, ctx)]
    shaped["dados_endereco_instalacao"] = {
        "endereco": address.logradouro, "numero": address.numero, "complemento": address.complemento or None,
        "bairro": address.bairro, "cidade": address.cidade, "uf": address.uf, "estado": address.uf,
        "cep": address.cep,
    } if address else None
    # The objects behind the flat texts, as clients of ``todos`` read them (``tipo_ordem_servico.descricao``,
    # ``usuario_fechamento.nome``...).
    shaped["tipo_ordem_servico"] = order_type(order.type_id)
    shaped["usuario_fechamento"] = _closer(order, ctx)
    copy = order.customer
    shaped["dados_cliente"] = {
        "id_cliente": order.customer_id, "codigo_cliente": copy.code, "nome_razaosocial": copy.name,
        "cpf_cnpj": format_document(copy.document), "display": copy.display,
    } if copy else None
    shaped["dados_servico"] = {
        "id_cliente_servico": order.customer_service_id, "numero_plano": order.customer_service_id,
        "nome": copy.service_name, "display": f"({order.customer_service_id}) {copy.service_name}",
    } if copy else None
    return shaped


def _closer(order: ServiceOrder, ctx: OrderContext) -> dict[str, Any] | None:
    """Who closed the OS: the user's id and name (the username alone when the user is gone); null while open."""
    username = order.closing.closed_by if order.closing else ""
    if not username:
        return None
    user = ctx.closers.get(username)
    name = user.name if user else username
    return {"id": user.id if user else None, "nome": name, "name": name, "login": username}


def opened_shape(order: ServiceOrder, ctx: OrderContext) -> dict[str, Any]:
    """``ordem_servico/abrir_os``: the OS as HubSoft's model serialises it; needs the live customer and service."""
    interval, service, customer = order.interval, ctx.service, ctx.customer
    assert service is not None and customer is not None
    return {
        "id_ordem_servico": order.id,
        "id_atendimento": order.ticket_id,
        "id_tipo_ordem_servico": order.type_id,
        "tipo_ordem_servico": order_type(order.type_id) or {"id_tipo_ordem_servico": None, "descricao": None},
        "numero_ordem_servico": str(order.number),
        "descricao_abertura": order.opening_description,
        "descricao_servico": order.description,
        "status": order.status,
        "prioridade": order.priority,
        "data_cadastro": _fmt(local(order.created_at, ctx.zone), ISO),
        "data_inicio_programado": _fmt(interval.start if interval else None, ISO),
        "data_termino_programado": _fmt(interval.end if interval else None, ISO),
        "id_agenda_ordem_servico": order.agenda_id,
        "disponibilidade": list(order.availability),
        "tecnicos": _technicians(order, ctx),
        "cliente_servico": {
            "display": f"({service.id}) {service.name}",
            "id_cliente_servico": service.id,
            "cliente": {
                "id_cliente": customer.id,
                "codigo_cliente": customer.code,
                "nome_razaosocial": customer.name,
                "display": f"({customer.code}) {customer.name}",
            },
        },
    }


def ticket_shape(ticket: Ticket, zone: tzinfo, orders: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id_atendimento": ticket.id,
        "protocolo": ticket.protocol,
        "id_cliente_servico": ticket.customer_service_id,
        "id_cliente": ticket.customer_id,
        "id_tipo_atendimento": ticket.type_id,
        "tipo_atendimento": ticket_type_description(ticket.type_id),
        "descricao": ticket.description,
        "nome": ticket.name,
        "telefone": ticket.phone,
        "email": ticket.email or None,
        "status": ticket.status,
        "data_cadastro": _fmt(local(ticket.created_at, zone), ISO),
        "usuario_abertura": ticket.opened_by or None,
        "ordens_servico": orders,
    }


def message_shape(message: OrderMessage, zone: tzinfo) -> dict[str, Any]:
    """Laravel's serialisation: ``data_cadastro`` is a Carbon object, ``data_cadastro_br`` its pt-BR text."""
    at = local(message.created_at, zone)
    return {
        "id_ordem_servico": message.order_id,
        "id_usuario": message.user_id,
        "mensagem": message.text,
        "data_cadastro": {"date": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "timezone_type": 3,
                          "timezone": str(zone)},
        "ip_cadastro": message.ip,
        "id_ordem_servico_mensagem": message.id,
        "data_cadastro_br": at.strftime(BR),
    }


def history_shape(item: TimelineItem, zone: tzinfo) -> dict[str, Any]:
    """A line of an OS's history: when (local), who, what and how."""
    return {"data": _fmt(local(item.at, zone), ISO), "usuario": item.user or None, "acao": str(item.action),
            "detalhe": item.detail}


# ---------------------------------------------------------- answer schemas
# These shapes as the OpenAPI document describes them; the routes that answer them register them.
_DATE_BR: Schema = {"type": ["string", "null"], "examples": ["14/12/2026 09:00:00"]}
_DATE_ISO: Schema = {"type": ["string", "null"], "examples": ["2026-12-14 09:00:00"]}


def _programmed(date_schema: Schema) -> dict[str, Schema]:
    """The visit as formats 1 and 2 and `abrir_os` describe it alike; dates in the format's own pattern."""
    return {
        "id_tipo_ordem_servico": {"type": ["integer", "null"]},
        "prioridade": {"type": "string"},
        "data_inicio_programado": date_schema,
        "data_termino_programado": date_schema,
        "descricao_abertura": {"type": "string"},
        "descricao_servico": {"type": "string"},
        "id_agenda_ordem_servico": {"type": ["integer", "null"]},
    }


SCHEMAS: dict[str, Schema] = {
    "OrdemServicoCliente": object_of({
        "id_ordem_servico": {"type": "integer"},
        "numero_ordem_servico": {"type": "string"},
        "status": {"type": "string", "enum": ["aguardando_agendamento", "pendente", "finalizado", "cancelado"]},
        "data_cadastro": _DATE_BR,
        "cliente": object_of(optional={
            "codigo_cliente": {"type": "integer"}, "nome_razaosocial": {"type": "string"},
            "cpf_cnpj": {"type": "string"}}),
        "servico": object_of(optional={
            "id_cliente_servico": {"type": "integer"},
            "numero_plano": {"type": "integer", "description": "O ID do serviço do cliente."},
            "nome": {"type": "string"}, "valor": {"type": "number"}, "status": {"type": "string"},
            "status_prefixo": {"type": "string"}}),
    }, optional={
        **_programmed(_DATE_BR),
        "tipo": {"type": ["string", "null"]},
        "status_fechamento": {"type": ["string", "null"]},
        "data_inicio_executado": _DATE_BR,
        "data_termino_executado": _DATE_BR,
        "descricao_fechamento": {"type": ["string", "null"]},
        "usuario_abertura": {"type": ["string", "null"]},
        "usuario_fechamento": {"type": ["string", "null"]},
        "disponibilidade": {"type": "array", "items": {"enum": list(AVAILABILITY_DISPLAY)}},
        "tecnicos": list_of("TecnicoAgenda"),
        "atendimento": {"type": ["object", "null"]},
    }, description="Formato 1 do HubSoft (`cliente/ordem_servico`): status em snake-case, datas "
                   "`dd/mm/AAAA HH:MM:SS`."),
    "OrdemServicoAgenda": object_of({
        "id_ordem_servico": {"type": "integer"},
        "numero": {"type": "string"},
        "status": {"type": "string", "enum": ["Aguardando Agendamento", "Pendente", "Finalizado", "Cancelado"]},
        "cliente": {"type": "string", "examples": ["(1395) MARIA DA SILVA"]},
        "servico": {"type": "string", "examples": ["(1) FIBRA 500MB"]},
        "endereco_instalacao": {"type": "string",
                                "examples": ["RUA X, 10 - CENTRO, CAMPINAS/SP | CEP: 13010-000"]},
    }, optional={
        **_programmed(_DATE_ISO),
        "id_atendimento": {"type": ["integer", "null"]},
        "tipo_ordem_servico": {"type": ["string", "null"]},
        "data_cadastro": _DATE_ISO,
        "tecnicos": {"type": "array", "items": object_of(optional={
            "id": {"type": "integer"}, "name": {"type": ["string", "null"]},
            "pivot": object_of(optional={"id_ordem_servico": {"type": "integer"},
                                         "id_usuario": {"type": "integer"}}),
        })},
        "disponibilidade": {"type": "string", "examples": ["Manhã, Tarde", "Não Informada"]},
    }, description="Formato 2 do HubSoft (`agendar`, `reagendar`, `remove_agendamento`): status para "
                   "exibição, datas `AAAA-MM-DD HH:MM:SS` (`reagendar`: sem segundos), cliente, serviço e "
                   "endereço como texto."),
    "OrdemServicoConsulta": {
        "allOf": [ref("OrdemServicoAgenda"), object_of(optional={
            "tipo": {"type": ["string", "null"]},
            "data_inicio_executado": _DATE_ISO, "data_termino_executado": _DATE_ISO,
            "descricao_fechamento": {"type": ["string", "null"]},
            "status_fechamento": {"type": ["string", "null"], "enum": ["concluido", "sem_conclusao", None]},
            "id_cliente_servico": {"type": "integer"},
        })],
        "description": "Formato 2 do HubSoft com tipo, datas de execução e fechamento (`consultar`).",
    },
    "OrdemServicoLista": object_of({
        "id_ordem_servico": {"type": "integer"},
        "numero": {"type": "integer"},
        "status": {"type": "string", "enum": ["Aguardando Agendamento", "Pendente", "Finalizado", "Cancelado"]},
        "tecnicos": {"type": "array", "items": object_of(optional={
            "id": {"type": "integer"}, "name": {"type": ["string", "null"]},
            "display": {"type": ["string", "null"]}})},
    }, optional={
        "tipo": {"type": ["string", "null"]},
        "data_cadastro": _DATE_ISO,
        "data_inicio_programado": _DATE_ISO,
        "data_termino_programado": _DATE_ISO,
        "data_inicio_executado": _DATE_ISO,
        "data_termino_executado": _DATE_ISO,
        "cliente": {"type": ["string", "null"]},
        "servico": {"type": ["string", "null"]},
        "endereco_instalacao": {"type": ["string", "null"]},
        "dados_endereco_instalacao": {"type": ["object", "null"], "properties": {
            "endereco": {"type": "string"}, "numero": {"type": "string"},
            "complemento": {"type": ["string", "null"]}, "bairro": {"type": "string"},
            "cidade": {"type": "string"}, "uf": {"type": "string"}, "cep": {"type": "string"},
            "estado": {"type": "string", "description": "A sigla, como `uf` (clientes do HubSoft filtram por ela)."}}},
        "agenda_ordem_servico": {"type": ["object", "null"], "description": "Com `relacoes=agenda_ordem_servico`."},
        "tipo_ordem_servico": {"type": ["object", "null"], "properties": {
            "id_tipo_ordem_servico": {"type": "integer"}, "descricao": {"type": ["string", "null"]}}},
        "usuario_fechamento": {"type": ["object", "null"], "description": "Quem fechou a OS; nulo enquanto aberta.",
                               "properties": {"id": {"type": ["integer", "null"]}, "nome": {"type": "string"},
                                              "name": {"type": "string"}, "login": {"type": "string"}}},
        "dados_cliente": {"type": ["object", "null"], "properties": {
            "id_cliente": {"type": "integer"}, "codigo_cliente": {"type": "integer"},
            "nome_razaosocial": {"type": "string"}, "cpf_cnpj": {"type": "string"}, "display": {"type": "string"}}},
        "dados_servico": {"type": ["object", "null"], "properties": {
            "id_cliente_servico": {"type": "integer"}, "numero_plano": {"type": "integer"},
            "nome": {"type": "string"}, "display": {"type": "string"}}},
    }, description="Formato 3 do HubSoft (`todos`): como o de `consultar`, mas `numero` inteiro, técnicos com "
                   "`display`, o endereço também em campos (`dados_endereco_instalacao`) e, como objetos, "
                   "`tipo_ordem_servico`, `usuario_fechamento`, `dados_cliente` e `dados_servico`."),
    "OrdemServicoAberta": object_of({
        "id_ordem_servico": {"type": "integer"},
        "id_atendimento": {"type": ["integer", "null"]},
        "numero_ordem_servico": {"type": "string"},
        "status": {"type": "string"},
        "cliente_servico": object_of(optional={
            "display": {"type": "string"}, "id_cliente_servico": {"type": "integer"},
            "cliente": {"type": "object"}}),
    }, optional={
        **_programmed(_DATE_ISO),
        "tipo_ordem_servico": {"type": "object"},
        "data_cadastro": _DATE_ISO,
        "disponibilidade": {"type": "array", "items": {"type": "string"}},
        "tecnicos": list_of("TecnicoAgenda"),
    }, description="A OS de `abrir_os`; datas `AAAA-MM-DD HH:MM:SS`, status em snake-case."),
    "Atendimento": object_of({
        "id_atendimento": {"type": "integer"},
        "protocolo": {"type": "string", "description": "AAAAMMDD + ID com 6 dígitos.",
                      "examples": ["20261210000001"]},
        "ordens_servico": list_of("OrdemServicoCliente"),
    }, optional={
        "id_cliente_servico": {"type": "integer"},
        "id_cliente": {"type": "integer"},
        "id_tipo_atendimento": {"type": "integer"},
        "tipo_atendimento": {"type": ["string", "null"]},
        "descricao": {"type": "string"},
        "nome": {"type": "string"},
        "telefone": {"type": "string"},
        "email": {"type": ["string", "null"]},
        "status": {"type": "string", "const": "aberto"},
        "data_cadastro": _DATE_ISO,
        "usuario_abertura": {"type": ["string", "null"]},
    }),
    "HistoricoOrdemServico": object_of({
        "data": {"type": "string", "examples": ["2026-12-10 10:00:00"], "description": "Hora local do provedor."},
        "usuario": {"type": ["string", "null"], "description": "Quem fez (username); null se desconhecido."},
        "acao": {"type": "string", "enum": [a.value for a in Action]},
        "detalhe": {"type": "string", "examples": ["status: pendente → cancelado. Motivo: Cliente desistiu"]},
    }, description="Uma alteração ou mensagem da OS (`GET ordem_servico/{id_ordem_servico}/historico`)."),
    "MensagemOrdemServico": object_of(optional={
        "id_ordem_servico": {"type": "integer"}, "id_usuario": {"type": "integer"},
        "mensagem": {"type": "string"},
        "data_cadastro": object_of(optional={
            "date": {"type": "string", "examples": ["2026-12-10 10:00:00.000000"]},
            "timezone_type": {"const": 3}, "timezone": {"type": "string", "examples": ["America/Sao_Paulo"]}}),
        "ip_cadastro": {"type": ["string", "null"]},
        "id_ordem_servico_mensagem": {"type": "integer"},
        "data_cadastro_br": {"type": "string", "examples": ["10/12/2026 10:00:00"]},
    }),
}
