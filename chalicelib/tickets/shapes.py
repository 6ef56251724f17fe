"""Tickets in HubSoft's shapes (pure rendering).

- ``client_shape``: the ticket as ``POST atendimento`` and ``GET cliente/atendimento`` answer it: texts for the
  type, users and status, ``data_cadastro`` ``dd/mm/aaaa``, nested ``cliente``, ``servico`` and its OS in
  shape 1 (``service_orders.shapes.client_shape``);
- ``record_shape``: the ticket as HubSoft's model serialises it (``PUT atendimento/{id}``): ids, dates
  ``aaaa-mm-dd hh:mm:ss`` plus their ``_br`` and ``_timestamp`` forms and the SLA fields;
- ``list_shape``: ``record_shape`` with the OS counts, ``status{}``, ``tipo_atendimento{}`` and the relations
  (``atendimento/todos``, ``atendimento/paginado``).

What we keep no record of answers null (or an empty list where HubSoft's is a list of things we have none
of): the responsible sector, diagnosis, rating, contact origin, checklists, the address's map coordinates, the
city's own id, the plan and plan group ids. The address of a service is its only one, so it is numbered with
the service's id (``id_cliente_servico_endereco``, ``id_endereco_numero``); the state's id is its IBGE code.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from chalicelib.clock import local
from chalicelib.customers.documents import format_document
from chalicelib.customers.model import SERVICE_STATUS_NAMES, Address, Customer, Service
from chalicelib.service_orders.catalogues import TICKET_CLOSING_REASONS, TICKET_TYPES, CatalogueSet
from chalicelib.service_orders.model import LIVE_STATUSES, ServiceOrder
from chalicelib.tickets.model import Ticket, TicketMessage, timing

DAY = "%d/%m/%Y"
BR = "%d/%m/%Y %H:%M:%S"
ISO = "%Y-%m-%d %H:%M:%S"
# IBGE codes of the states (HubSoft's id_estado).
STATE_CODES = {
    "RO": 11, "AC": 12, "AM": 13, "RR": 14, "PA": 15, "AP": 16, "TO": 17, "MA": 21, "PI": 22, "CE": 23, "RN": 24,
    "PB": 25, "PE": 26, "AL": 27, "SE": 28, "BA": 29, "MG": 31, "ES": 32, "RJ": 33, "SP": 35, "PR": 41, "SC": 42,
    "RS": 43, "MS": 50, "MT": 51, "GO": 52, "DF": 53,
}


@dataclass(frozen=True)
class TicketContext:
    """What tickets are shown with: the provider's zone and now, user names by id, the tickets' OS, and (when
    read) live customers and services; else each ticket's own copy of them."""

    zone: tzinfo
    now: datetime
    names: CatalogueSet  # the catalogues as this request read them (ticket types)
    users: Mapping[int, str] = field(default_factory=dict)
    orders: Mapping[int, ServiceOrder] = field(default_factory=dict)
    customers: Mapping[int, Customer] = field(default_factory=dict)
    services: Mapping[int, Service] = field(default_factory=dict)


def _fmt(moment: datetime | None, zone: tzinfo, pattern: str) -> str | None:
    return local(moment, zone).strftime(pattern) if moment is not None else None


def _timestamp(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _user(ctx: TicketContext, user_id: int | None) -> str | None:
    return ctx.users.get(user_id) if user_id is not None else None


def type_description(ctx: TicketContext, type_id: int) -> str | None:
    return ctx.names.description(TICKET_TYPES, type_id)


def client_shape(ticket: Ticket, ctx: TicketContext, orders: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``POST atendimento`` / ``GET cliente/atendimento``; ``orders`` already in shape 1."""
    closing = ticket.closing
    reason = ctx.names.find(TICKET_CLOSING_REASONS, closing.reason_id) if closing else None
    customer = ctx.customers.get(ticket.customer_id)
    service = ctx.services.get(ticket.customer_service_id)
    holder = ticket.holder
    return {
        "id_atendimento": ticket.id,
        "protocolo": ticket.protocol,
        "descricao_abertura": ticket.description,
        "descricao_fechamento": closing.description if closing else None,
        "tipo_atendimento": type_description(ctx, ticket.type_id),
        "usuario_abertura": ticket.opened_by or None,
        "usuario_responsavel": _user(ctx, ticket.responsible_id),
        "usuario_fechamento": closing.closed_by or None if closing else None,
        "data_cadastro": _fmt(ticket.created_at, ctx.zone, DAY),
        "data_fechamento": _fmt(closing.closed_at if closing else None, ctx.zone, DAY),
        "setor_responsavel": None,
        "status_fechamento": closing.status if closing else None,
        "motivo_fechamento": reason.description if reason else None,
        "status": ticket.state.description,  # HubSoft's examples: the name ("Aguardando Análise")
        "cliente": {
            "codigo_cliente": customer.code, "nome_razaosocial": customer.name,
            "cpf_cnpj": format_document(customer.document),
        } if customer else {
            "codigo_cliente": holder.code, "nome_razaosocial": holder.name,
            "cpf_cnpj": format_document(holder.document),
        } if holder else None,
        "servico": {
            "id_cliente_servico": str(ticket.customer_service_id),
            "numero_plano": ticket.customer_service_id,
            "nome": service.name if service else ticket.service_name,
            "valor": service.amount_cents / 100 if service else None,
            "status": SERVICE_STATUS_NAMES.get(service.status, service.status) if service else None,
            "status_prefixo": service.status if service else None,
        },
        "ordens_servico": list(orders),
        # Ours, beyond HubSoft's example: the ids and contact the ticket was opened with.
        "id_cliente_servico": ticket.customer_service_id,
        "id_cliente": ticket.customer_id,
        "id_tipo_atendimento": ticket.type_id,
        "id_atendimento_status": ticket.state.id,
        "id_usuario_responsavel": ticket.responsible_id,
        "nome": ticket.name,
        "telefone": ticket.phone,
        "email": ticket.email or None,
        "parametros": dict(ticket.parameters),
    }


def record_shape(ticket: Ticket, ctx: TicketContext) -> dict[str, Any]:
    """The ticket as HubSoft's model serialises it (``PUT atendimento/{id}``)."""
    closing = ticket.closing
    closed_at = closing.closed_at if closing else None
    sla = timing(ticket, ctx.now)
    return {
        "id_atendimento": ticket.id,
        "protocolo": ticket.protocol,
        "id_cliente_servico": ticket.customer_service_id,
        "id_tipo_atendimento": ticket.type_id,
        "id_usuario_abertura": ticket.opened_by_id,
        "id_usuario_fechamento": closing.closed_by_id if closing else None,
        "descricao_abertura": ticket.description,
        "descricao_fechamento": closing.description if closing else None,
        "data_cadastro": _fmt(ticket.created_at, ctx.zone, ISO),
        "data_fechamento": _fmt(closed_at, ctx.zone, ISO),
        "ip_cadastro": None,
        "id_usuario_responsavel": ticket.responsible_id,
        "id_setor_responsavel": None,
        "destino": "usuario",
        "status_fechamento": closing.status if closing else None,
        "id_motivo_fechamento_atendimento": closing.reason_id if closing else None,
        "id_atendimento_status": ticket.state.id,
        "resultado_diagnostico": None,
        "nome_contato": ticket.name,
        "telefone_contato": ticket.phone,
        "email_contato": ticket.email or None,
        "rascunho": False,
        "deleted_at": None,
        "id_origem_contato": None,
        "avaliacao": None,
        "comentario_avaliacao": None,
        "push_notification_enviado": False,
        "data_cadastro_br": _fmt(ticket.created_at, ctx.zone, BR),
        "data_cadastro_timestamp": _timestamp(ticket.created_at),
        "data_fechamento_br": _fmt(closed_at, ctx.zone, BR),
        "data_fechamento_timestamp": _timestamp(closed_at),
        "minutos_em_aberto": sla.minutes_open,
        "tempo_restante": sla.remaining,
        "percentual_tempo_restante": sla.percent_remaining,
        "percentual_color_class": sla.color_class,
        "parametros": dict(ticket.parameters),  # ours: HubSoft's free parameters as stored
    }


def list_shape(ticket: Ticket, ctx: TicketContext) -> dict[str, Any]:
    """``atendimento/todos`` and ``atendimento/paginado``: the record with its OS counts, status and type."""
    state = ticket.state
    kind = ctx.names.find(TICKET_TYPES, ticket.type_id)
    orders = [ctx.orders[o] for o in ticket.order_ids if o in ctx.orders]
    live = sum(1 for o in orders if o.status in LIVE_STATUSES)
    return {
        **record_shape(ticket, ctx),
        "ordem_servico_count": len(ticket.order_ids),
        "ordem_servico_fechada": len(orders) - live,
        "ordem_servico_aberta": live,
        "anexos_count": 0,
        "ingressado": False,
        "status": {"id_atendimento_status": state.id, "prefixo": state.prefix, "descricao": state.description,
                   "cor": state.color, "abrir_ordem_servico": state.opens_orders, "display": state.description},
        "tipo_atendimento": {"id_tipo_atendimento": ticket.type_id,
                             "descricao": kind.description if kind else None, "checklists": []},
    }


def service_shape(ticket: Ticket, ctx: TicketContext) -> dict[str, Any]:
    """The ``cliente_servico`` relation, from the live service and customer when read, else the ticket's copy."""
    service = ctx.services.get(ticket.customer_service_id)
    customer = ctx.customers.get(ticket.customer_id)
    address = service.address if service else ticket.address
    name = service.name if service else ticket.service_name
    holder = ticket.holder
    code = customer.code if customer else holder.code if holder else None
    customer_name = customer.name if customer else holder.name if holder else None
    return {
        "id_cliente_servico": ticket.customer_service_id,
        "id_cliente": ticket.customer_id,
        "id_servico": None,
        "numero_plano": ticket.customer_service_id,
        "display": f"({ticket.customer_service_id}) {name}",
        "endereco_numero_completo": address.display() if address else None,
        "endereco_instalacao": _address(ticket.customer_service_id, address) if address else None,
        "servico": {"id_servico": None, "descricao": name, "id_servico_grupo": None, "servico_grupo": None},
        "cliente": {"id_cliente": ticket.customer_id, "ativo": True, "codigo_cliente": code,
                    "nome_razaosocial": customer_name,
                    "display": f"({code}) {customer_name}" if code is not None else None},
    }


def _address(service_id: int, address: Address) -> dict[str, Any]:
    state = {"id_estado": STATE_CODES.get(address.uf), "sigla": address.uf}
    return {
        "id_cliente_servico_endereco": service_id,
        "id_endereco_numero": service_id,
        "id_cliente_servico": service_id,
        "tipo": "instalacao",
        "endereco_numero": {
            "id_endereco_numero": service_id, "numero": address.numero, "complemento": address.complemento or None,
            "coordenadas": None, "ativo": True, "id_cidade": None, "bairro": address.bairro, "referencia": None,
            "endereco": address.logradouro, "cep": address.cep, "atualizar_coords_auto": False,
            "id_condominio": None,
            "cidade": {"id_cidade": None, "id_estado": state["id_estado"], "nome": address.cidade, "estado": state},
        },
    }


def responsible_shape(ticket: Ticket, ctx: TicketContext) -> list[dict[str, Any]]:
    """``usuarios_responsaveis``: the ticket's responsible user (a user id we do not know is left out)."""
    user_id = ticket.responsible_id
    if user_id is None or user_id not in ctx.users:
        return []
    return [{"id": user_id, "name": ctx.users[user_id], "id_imagem_upload": None,
             "pivot": {"id_atendimento": ticket.id, "id_usuario": user_id}, "imagem": None}]


def message_shape(message: TicketMessage, zone: tzinfo) -> dict[str, Any]:
    at = local(message.created_at, zone)
    return {
        "id_atendimento_mensagem": message.id,
        "id_atendimento": message.ticket_id,
        "id_usuario": message.user_id,
        "usuario": message.username or None,
        "mensagem": message.text,
        "data_cadastro": at.strftime(ISO),
        "data_cadastro_br": at.strftime(BR),
        "data_cadastro_timestamp": _timestamp(message.created_at),
    }
