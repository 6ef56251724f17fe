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
and the OS, its agenda counters, its outbox event, its history entry and (for
``atendimento``) the ticket are one DynamoDB transaction.

Ours, beyond HubSoft's: ``ordem_servico/editar`` (with ``id_agenda_ordem_servico``
null, 0 or "" taking the OS out of its agenda), ``ordem_servico/cancelar``
and ``ordem_servico/{id}/historico``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.agenda.model import Interval
from chalicelib.auth.permissions import Permission
from chalicelib.customers.model import fold, normalize_phone
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.service_orders import shapes
from chalicelib.service_orders.catalogues import (
    CLOSING_REASONS,
    DEFAULT_ORDER_TYPE,
    DEFAULT_TICKET_TYPE,
    ORDER_TYPES,
    TICKET_TYPES,
    UNSCHEDULE_REASONS,
    CatalogueSet,
    Kind,
)
from chalicelib.service_orders.model import (
    AWAITING,
    CLOSING_STATUSES,
    MAX_CANCEL_REASON,
    PENDING,
    Closing,
    ServiceOrder,
    Ticket,
)
from chalicelib.service_orders.service import NewServiceOrder, NewTicket, OrderEdit
from chalicelib.tickets import api as ticket_api
from chalicelib.tickets import shapes as ticket_shapes
from chalicelib.tickets.model import DEFAULT_STATUS as DEFAULT_TICKET_STATUS
from chalicelib.tickets.service import TicketClosedError
from chalicelib.web.endpoint import ApiRequest
from chalicelib.web.envelope import Payload, success
from chalicelib.web.routes import Body, PathId, Routes
from chalicelib.web.schema import (
    ID_SCHEMA,
    Bool,
    Choice,
    ClockTime,
    Day,
    Email,
    Id,
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
from chalicelib.web.validation import Fields, as_list, parse_int

routes = Routes(__name__, tag="Ordens de serviço",
                tag_description="Atendimentos e ordens de serviço (API de OS do HubSoft).")
routes.schemas(shapes.SCHEMAS)

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

# ------------------------------------------------------------------ fields
# Each field a route reads, declared once: the views read it through these objects and the document
# describes it from them.
# ``tecnicos`` and ``ids_tecnicos`` are read by ``_technician_ids`` (too lenient for a typed field): their
# schemas are written out.
_TECHNICIANS: Schema = {
    "type": ["array", "object", "string"],
    "items": {"oneOf": [
        object_of({"id": {**ID_SCHEMA, "description": "ID do técnico (GET configuracao/tecnico)."}}),
        ID_SCHEMA,
    ]},
    "maxItems": MAX_TECHNICIANS,
    "description": "Técnicos da OS: lista de `{id}` (ou de IDs), objeto indexado (`{\"0\": {\"id\": 5}}`) ou "
                   "chaves de formulário `tecnicos[0][id]=5`. Sem técnicos, a OS fica sem técnico (não há o "
                   "técnico \"SAC\" do HubSoft).",
}
TECHNICIANS = Raw("tecnicos", spec=_TECHNICIANS)
TECHNICIAN_IDS = Raw("ids_tecnicos", spec={
    "type": ["array", "string"], "items": ID_SCHEMA,
    "description": "Alternativa a `tecnicos`: lista de IDs ou texto separado por vírgulas."})

ORDER_ID = Id("id_ordem_servico", required=True)
ORDER_IN_PATH = PathId("id_ordem_servico", "ID da ordem de serviço (`id_ordem_servico`).")

# The OS of ``abrir_os`` and of ``atendimento``'s ``parametros_ordem_servico``.
ORDER_TYPE = Id("id_tipo_ordem_servico", "Um tipo ativo de GET configuracao/tipo_ordem_servico (IDs do provedor); "
                                        "padrão: 1, \"ABERTURA VIA API\".")
ORDER_STATUS = Choice("status", "`pendente` exige agenda e horário.", options=(AWAITING, PENDING), default=AWAITING,
                      extra={"default": AWAITING})
PRIORITY = Choice("prioridade", options=PRIORITIES, default="normal", extra={"default": "normal"})
SERVICE_DESCRIPTION = Text("descricao_servico", f"Padrão: \"{DEFAULT_SERVICE_DESCRIPTION}\".", max_len=MAX_TEXT)
AGENDA = Id("id_agenda_ordem_servico", "Agenda em que a OS é programada. Sem agenda a OS não tem horário "
                                       "programado (datas enviadas sem agenda são recusadas).")
AVAILABILITY = TextList("disponibilidade", "Turnos do cliente; padrão manhã e tarde (`{\"0\": \"manha\", "
                                           "\"1\": \"tarde\"}`).",
                        max_items=len(AVAILABILITIES) * 2, item={"enum": list(AVAILABILITIES)},
                        extra={"type": ["array", "object", "string"]})
PROGRAMMED_START_DAY = Day("data_inicio_programado", "Com agenda; padrão: hoje.")
PROGRAMMED_START_TIME = ClockTime("hora_inicio_programado", "Com agenda; padrão: agora + 1 h (no minuto).")
PROGRAMMED_END_DAY = Day("data_termino_programado", "Padrão: o dia do início (usado com hora_termino_programado).")
PROGRAMMED_END_TIME = ClockTime("hora_termino_programado", "Padrão: início + `duracao` (ou 1 h).")
DURATION = Text("duracao", "Duração quando hora_termino_programado não é enviado (padrão 01:00:00).", max_len=8,
                pattern="^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$", extra={"examples": ["01:30:00"]})
ORDER_FIELDS = (ORDER_TYPE, ORDER_STATUS, PRIORITY, SERVICE_DESCRIPTION, AGENDA, TECHNICIANS, TECHNICIAN_IDS,
                AVAILABILITY, PROGRAMMED_START_DAY, PROGRAMMED_START_TIME, PROGRAMMED_END_DAY, PROGRAMMED_END_TIME,
                DURATION)

# atendimento
CUSTOMER_SERVICE = Id("id_cliente_servico", required=True)
TICKET_TYPE = Id("id_tipo_atendimento", "Um tipo ativo de GET configuracao/tipo_atendimento (IDs do provedor); "
                                       "padrão: 1, \"SAC\". Um tipo com `abre_os` falso (o 4, FINANCEIRO, de fábrica) "
                                       "não abre OS.")
TICKET_DESCRIPTION = Text("descricao", "Descrição do atendimento (vira a descrição de abertura da OS).",
                          required=True, max_len=MAX_TEXT)
REQUESTER_NAME = Text("nome", "Nome de quem pediu.", required=True, max_len=150)
REQUESTER_PHONE = Text("telefone", "Telefone com DDD (DDNNNNNNNNN).", required=True, max_len=20)
REQUESTER_EMAIL = Email("email", "E-mail (opcional).")
TICKET_RESPONSIBLE = Id("id_usuario_responsavel", "Usuário responsável (padrão: quem abre). Um ID que não é de um "
                                                  "usuário nosso é guardado e mostrado sem nome.")
TICKET_STATUS = Id("id_atendimento_status", "Status inicial: 1 pendente (padrão), 2 aguardando_analise, 3 "
                                            "em_andamento, 4 aguardando_cliente.")
TICKET_PARAMETERS = Raw("parametros", spec={
    "type": ["object", "string"], "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
    "description": "Parâmetros livres (chave: valor; por exemplo os IDs da chamada e do chat do omnichannel), "
                   "guardados com o atendimento e devolvidos em `parametros`."})
OPENS_ORDER = Bool("abrir_os", "Abre a OS junto; texto \"false\" na query string é lido como falso.",
                   extra={"default": False})
ORDER_PARAMETERS = Obj("parametros_ordem_servico", "`parametros_ordem_servico` do atendimento: os campos de "
                                                   "`abrir_os`.", of=ORDER_FIELDS)

# abrir_os
TICKET_ID = Id("id_atendimento", "Atendimento de origem (pode vir na query string).", required=True)

# reagendar
_LOCAL_TIME = "Horário local do provedor (HH:MM aceito)."
NEW_START_DAY = Day("data_inicio_programado", required=True)
NEW_START_TIME = ClockTime("hora_inicio_programado", _LOCAL_TIME, required=True)
NEW_END_DAY = Day("data_termino_programado", required=True)
NEW_END_TIME = ClockTime("hora_termino_programado", _LOCAL_TIME, required=True)
OLD_TECHNICIAN = Id("id_usuario_antigo", "Técnico a trocar (junto com id_usuario_novo).")
NEW_TECHNICIAN = Id("id_usuario_novo", "Técnico que entra (junto com id_usuario_antigo).")
NEW_AGENDA = Id("id_agenda_ordem_servico", "Nossa extensão: muda também a agenda.")

# remove_agendamento
UNSCHEDULE_REASON = Id("id_motivo_remocao_agendamento", "Um dos motivos ativos de GET ordem_servico/create.",
                       required=True)
UNSCHEDULE_NOTE = Text("observacao", "Pelo menos 10 caracteres.", required=True, min_len=MIN_NOTE, max_len=MAX_TEXT)

# fechar
EXECUTED_START_DAY = Day("data_inicio_executado", required=True)
EXECUTED_START_TIME = ClockTime("hora_inicio_executado", _LOCAL_TIME, required=True)
EXECUTED_END_DAY = Day("data_termino_executado", required=True)
EXECUTED_END_TIME = ClockTime("hora_termino_executado", _LOCAL_TIME, required=True)
CLOSING_STATUS = Choice("status_fechamento", options=CLOSING_STATUSES, required=True)
CLOSING_DESCRIPTION = Text("descricao_fechamento", "Relato do fechamento.", max_len=MAX_TEXT)
CLOSING_REASON_ID = Id("id", "Um dos motivos ativos de GET ordem_servico/create.")
CLOSING_REASON_ALIAS = Id("id_motivo_fechamento", "Sinônimo de `id`.")
CLOSING_REASON = Obj("motivo_fechamento", of=(CLOSING_REASON_ID, CLOSING_REASON_ALIAS))
EXECUTED_BY = Raw("tecnicos", spec={**_TECHNICIANS, "description": "Quem executou; padrão: os técnicos da OS."})
GENERATES_COST = Bool("gera_custo")
BILLING_TYPE = Choice("tipo_faturamento", "Guardado com o fechamento; não gera cobrança.", options=BILLING_TYPES)
PAYMENT_METHOD = Choice("forma_pagamento", "Guardado com o fechamento; não gera cobrança.", options=PAYMENT_METHODS)

# adicionar_mensagem
MESSAGE = Text("mensagem", "Texto da mensagem.", required=True, max_len=MAX_TEXT)

# cancelar
CANCEL_REASON = Text("motivo", "Por que a OS é cancelada; fica no histórico da OS.", required=True,
                     max_len=MAX_CANCEL_REASON)

# editar
EDITED_AGENDA = Raw("id_agenda_ordem_servico", spec={
    "type": ["integer", "string", "null"], "pattern": "^[0-9]*$", "minimum": 0,
    "description": "Nova agenda (ID), conferida pelas regras dela. `null`, `0` ou `\"\"` tiram a OS da agenda: "
                   "uma OS com data programada libera suas vagas e fica com as datas, sem agenda."})
EDITED_DESCRIPTION = Text("descricao_servico", "Nova descrição do serviço.", max_len=MAX_TEXT)
EDITED_PRIORITY = Choice("prioridade", options=PRIORITIES)
EDITED_TECHNICIANS = Raw("tecnicos", spec={**_TECHNICIANS, "description": "Substitui os técnicos da OS."})
EDITED_TECHNICIAN_IDS = Raw("ids_tecnicos", spec={
    "type": ["array", "string"], "items": ID_SCHEMA,
    "description": "Lidos só junto com `tecnicos` (somados a eles): lista de IDs ou texto separado por vírgulas."})

_ORDER_ANSWER = ("ordem_servico", ref("OrdemServicoAgenda"))


# ------------------------------------------------------------------ routes
@routes.post("/atendimento", Permission.CRIAR_ATENDIMENTO, summary="Abrir atendimento (e, opcionalmente, sua OS)",
             description="Cria o atendimento com protocolo. Com `abrir_os`, abre também a OS de "
                         "`parametros_ordem_servico` na mesma transação: se a agenda recusar a OS (cidade não "
                         "atendida, fora do horário, horário lotado, limite diário, data bloqueada, agenda inativa), "
                         "nada é gravado.",
             body=Body("NovoAtendimento", (CUSTOMER_SERVICE, TICKET_TYPE, TICKET_DESCRIPTION, REQUESTER_NAME,
                                           REQUESTER_PHONE, REQUESTER_EMAIL, TICKET_RESPONSIBLE, TICKET_STATUS,
                                           TICKET_PARAMETERS, OPENS_ORDER, ORDER_PARAMETERS),
                       description="Com `abrir_os` verdadeiro, o atendimento e a OS são gravados juntos: se a agenda "
                                   "recusar a OS, nada é gravado. Os campos podem vir na query string."),
             result=("atendimento", ref("Atendimento")))
def open_ticket(request: ApiRequest) -> Payload:
    """``POST atendimento``: the ticket and, with ``abrir_os``, its OS in the same transaction."""
    fields = request.fields()
    names = request.container.catalogues.load()
    service_id = CUSTOMER_SERVICE.read(fields)
    type_id = _catalogue_id(fields, TICKET_TYPE, names, TICKET_TYPES, DEFAULT_TICKET_TYPE)
    description = TICKET_DESCRIPTION.read(fields)
    name = REQUESTER_NAME.read(fields)
    phone = _phone(fields, REQUESTER_PHONE)
    email = REQUESTER_EMAIL.read(fields)
    responsible_id = TICKET_RESPONSIBLE.read_optional(fields)
    status_id = TICKET_STATUS.read_optional(fields)
    parameters = ticket_api.read_parameters(fields, TICKET_PARAMETERS)
    opens_order = OPENS_ORDER.read(fields)
    order_fields = ORDER_PARAMETERS.read(fields) if opens_order else None
    draft = _order_draft(request, order_fields, names) if order_fields is not None else None
    fields.check()
    _check_ticket_type(names, type_id, opens_order)
    orders = request.container.service_orders
    ticket = orders.new_ticket(NewTicket(
        customer_service_id=service_id, type_id=type_id, description=description, name=name, phone=phone,
        email=email, opened_by=request.user.username, opened_by_id=request.user.user_id,
        responsible_id=responsible_id, status_id=status_id or DEFAULT_TICKET_STATUS, parameters=parameters or ()))
    _check_ticket_status(ticket, opens_order)
    rendered = []
    context = None
    if draft is not None:
        order = orders.open(draft.build(ticket), ticket=ticket)
        ticket = replace(ticket, order_ids=(order.id,))
        context = _context(request, order, ticket, names)
        rendered.append(shapes.client_shape(order, context))
    else:
        orders.open_ticket(ticket)
    container = request.container
    customer = context.customer if context else container.customers.get(ticket.customer_id)
    assert customer is not None
    return success(f"Atendimento aberto com sucesso. Anote o protocolo: {ticket.protocol}",
                   atendimento=ticket_shapes.client_shape(ticket, ticket_shapes.TicketContext(
                       zone=container.settings.zone, now=container.clock(), names=names,
                       users=container.auth.user_names([ticket.responsible_id] if ticket.responsible_id else []),
                       customers={customer.id: customer}, services={s.id: s for s in customer.services}),
                       rendered))


@routes.post("/ordem_servico/abrir_os", Permission.ABRIR_ORDEM_SERVICO, summary="Abrir OS a partir de um atendimento",
             description="Padrões do HubSoft: tipo \"ABERTURA VIA API\", status aguardando_agendamento, prioridade "
                         "normal, descrição \"O.S aberta via API.\", disponibilidade manhã e tarde. Com agenda e sem "
                         "datas: hoje, agora + 1 h, por 1 h (ou `duracao`). Sem agenda a OS não tem horário "
                         "programado.",
             body=Body("NovaOrdemServico", (TICKET_ID, *ORDER_FIELDS)),
             result=("ordem_servico", ref("OrdemServicoAberta")))
def open_order(request: ApiRequest) -> Payload:
    """``POST ordem_servico/abrir_os`` (``id_atendimento`` usually in the query string)."""
    fields = request.fields()
    names = request.container.catalogues.load()
    ticket_id = TICKET_ID.read(fields)
    draft = _order_draft(request, fields, names)
    fields.check()
    ticket = request.container.service_orders.ticket(ticket_id)
    _check_ticket_type(names, ticket.type_id, True)
    _check_ticket_status(ticket, True)
    order = request.container.service_orders.open(draft.build(ticket))
    return success("Ordem de Serviço adicionada com sucesso",
                   ordem_servico=shapes.opened_shape(order, _context(request, order, names=names)))


@routes.post("/ordem_servico/agendar", Permission.AGENDAR_ORDEM_SERVICO, summary="Confirmar o agendamento da OS",
             description="A OS, que precisa ter data programada, passa a `Pendente`.",
             body=Body("IdOrdemServico", (ORDER_ID,)), result=_ORDER_ANSWER)
def confirm(request: ApiRequest) -> Payload:
    """``POST ordem_servico/agendar``."""
    order_id = request.read_one(ORDER_ID)
    visible_order(request, order_id)
    order = request.container.service_orders.confirm(order_id, by=request.user.username)
    return success("Agendamento salvo com sucesso", ordem_servico=_schedule(request, order))


@routes.post("/ordem_servico/reagendar", Permission.AGENDAR_ORDEM_SERVICO, summary="Reagendar a OS",
             description="Novo horário (mover ou redimensionar), conferido pelas regras da agenda; a OS passa a "
                         "`Pendente`. Usuário ligado a um técnico só reagenda OS em que o técnico está.",
             body=Body("Reagendamento", (ORDER_ID, NEW_START_DAY, NEW_START_TIME, NEW_END_DAY, NEW_END_TIME,
                                         OLD_TECHNICIAN, NEW_TECHNICIAN, NEW_AGENDA)),
             result=_ORDER_ANSWER)
def reschedule(request: ApiRequest) -> Payload:
    """``POST ordem_servico/reagendar``: new interval, optionally a technician swap or another agenda."""
    fields = request.fields()
    order_id = ORDER_ID.read(fields)
    interval = _interval(fields, NEW_START_DAY, NEW_START_TIME, NEW_END_DAY, NEW_END_TIME)
    old_user = OLD_TECHNICIAN.read_optional(fields)
    new_user = NEW_TECHNICIAN.read_optional(fields)
    if fields.has(OLD_TECHNICIAN.name) != fields.has(NEW_TECHNICIAN.name):
        fields.error("Os campos id_usuario_antigo e id_usuario_novo devem ser informados juntos.")
    agenda_id = NEW_AGENDA.read_optional(fields)
    fields.check()
    assert interval is not None
    order = visible_order(request, order_id)
    technicians = None
    if old_user is not None and new_user is not None:
        technicians = _swap(request, order, old_user, new_user)
    updated = request.container.service_orders.reschedule(order_id, interval, agenda_id, technicians,
                                                          by=request.user.username)
    return success("Reagendamento salvo com sucesso", ordem_servico=_schedule(request, updated, seconds=False))


@routes.post("/ordem_servico/remove_agendamento", Permission.AGENDAR_ORDEM_SERVICO,
             summary="Remover o agendamento da OS",
             description="A OS volta a `Aguardando Agendamento` e libera sua vaga na agenda.",
             body=Body("RemocaoAgendamento", (ORDER_ID, UNSCHEDULE_REASON, UNSCHEDULE_NOTE)), result=_ORDER_ANSWER)
def unschedule(request: ApiRequest) -> Payload:
    """``POST ordem_servico/remove_agendamento``: back to aguardando_agendamento, places released."""
    fields = request.fields()
    order_id, reason_id, note = read(fields, ORDER_ID, UNSCHEDULE_REASON, UNSCHEDULE_NOTE)
    refusal = request.container.catalogues.load().usable(UNSCHEDULE_REASONS, reason_id) \
        if fields.has(UNSCHEDULE_REASON.name) and reason_id else None
    if refusal:
        fields.error(refusal)
    fields.check()
    visible_order(request, order_id)
    order = request.container.service_orders.unschedule(order_id, reason_id, note, by=request.user.username)
    return success("Remoção do agendamento feito com sucesso", ordem_servico=_schedule(request, order))


@routes.post("/ordem_servico/fechar", Permission.FECHAR_ORDEM_SERVICO, summary="Fechar (finalizar) a OS",
             description="Guarda os dados do fechamento, finaliza a OS e libera sua vaga na agenda. Usuário ligado a "
                         "um técnico só fecha OS em que o técnico está.",
             body=Body("Fechamento", (ORDER_ID, EXECUTED_START_DAY, EXECUTED_START_TIME, EXECUTED_END_DAY,
                                      EXECUTED_END_TIME, CLOSING_STATUS, CLOSING_DESCRIPTION, CLOSING_REASON,
                                      EXECUTED_BY, TECHNICIAN_IDS, GENERATES_COST, BILLING_TYPE, PAYMENT_METHOD),
                       description="Campos de faturamento do HubSoft além de `tipo_faturamento` e `forma_pagamento` "
                                   "(`caixa_financeiro`, `servicos_cobrados`, `data_vencimento`, "
                                   "`numero_total_parcelas`, `movimento_produto_utilizado`) são aceitos e ignorados: "
                                   "nenhuma cobrança é gerada."),
             result=_ORDER_ANSWER)
def close(request: ApiRequest) -> Payload:
    """``POST ordem_servico/fechar``: finishes the OS (its places are released) with the closing data."""
    fields = request.fields()
    order_id = ORDER_ID.read(fields)
    executed = _interval(fields, EXECUTED_START_DAY, EXECUTED_START_TIME, EXECUTED_END_DAY, EXECUTED_END_TIME)
    status = CLOSING_STATUS.read(fields)
    description = CLOSING_DESCRIPTION.read(fields)
    reason_id = _closing_reason(fields, request.container.catalogues.load())
    technicians = _technician_ids(request, fields, EXECUTED_BY, TECHNICIAN_IDS)
    generates_cost, billing_type, payment_method = read(fields, GENERATES_COST, BILLING_TYPE, PAYMENT_METHOD)
    if executed is not None and executed.end <= executed.start:
        fields.error("O término executado deve ser posterior ao início executado.")
    fields.check()
    assert executed is not None
    order = visible_order(request, order_id)
    closing = Closing(
        executed=executed, status=status, description=description, reason_id=reason_id,
        technician_ids=technicians or order.technician_ids, generates_cost=generates_cost,
        billing_type=billing_type, payment_method=payment_method, closed_by=request.user.username,
        closed_at=request.container.clock(),
    )
    finished = request.container.service_orders.finish(order_id, closing, by=request.user.username)
    return success(f"Ordem de Serviço número {finished.number} finalizada com sucesso",
                   ordem_servico=_schedule(request, finished))


@routes.post("/ordem_servico/adicionar_mensagem/{id_ordem_servico}", Permission.FECHAR_ORDEM_SERVICO,
             summary="Adicionar mensagem à OS",
             description="Usuário ligado a um técnico só escreve em OS em que o técnico está.",
             path_params=(ORDER_IN_PATH,),
             body=Body("NovaMensagemOrdemServico", (MESSAGE,)),
             result=("ordem_servico_mensagem", ref("MensagemOrdemServico")))
def add_message(request: ApiRequest, order_id: int) -> Payload:
    """``POST ordem_servico/adicionar_mensagem/{id_ordem_servico}``."""
    text = request.read_one(MESSAGE)
    visible_order(request, order_id)
    # The TCP peer API Gateway saw: X-Forwarded-For is whatever the client chose to write.
    message = request.container.service_orders.add_message(order_id, request.user.user_id, text,
                                                           request.source_ip or None, request.user.username)
    return success("Mensagem adicionada com sucesso",
                   ordem_servico_mensagem=shapes.message_shape(message, request.container.settings.zone))


@routes.post("/ordem_servico/cancelar", Permission.FECHAR_ORDEM_SERVICO, summary="Cancelar a OS",
             description="Nossa rota (o HubSoft não tem): uma OS aguardando agendamento ou pendente passa a "
                         "`Cancelado`; na mesma transação libera suas vagas na agenda e o horário dos técnicos, "
                         "grava o motivo no histórico e, se tinha visita marcada, o aviso `os_cancelada` ao "
                         "cliente. OS finalizada ou já cancelada é recusada. Mesma permissão de `fechar`; usuário "
                         "ligado a um técnico só cancela OS em que o técnico está.",
             body=Body("CancelamentoOrdemServico", (ORDER_ID, CANCEL_REASON)), result=_ORDER_ANSWER)
def cancel(request: ApiRequest) -> Payload:
    """``POST ordem_servico/cancelar`` (ours): cancels a live OS, releasing what it holds."""
    fields = request.fields()
    order_id, reason = read(fields, ORDER_ID, CANCEL_REASON)
    fields.check()
    visible_order(request, order_id)
    order = request.container.service_orders.cancel(order_id, reason, by=request.user.username)
    return success(f"Ordem de Serviço número {order.number} cancelada com sucesso",
                   ordem_servico=_schedule(request, order))


@routes.get("/ordem_servico/{id_ordem_servico}/historico", Permission.CONSULTAR_ORDEM_SERVICO,
            summary="Histórico da OS",
            description="Nossa rota: cada alteração da OS (aberta, agendada, reagendada, agendamento_removido, "
                        "editada, fechada, cancelada) e cada mensagem, da mais antiga para a mais recente, com "
                        "quem a fez; e as mensagens no formato de `adicionar_mensagem`. Usuário ligado a um técnico "
                        "só vê OS em que o técnico está.",
            path_params=(ORDER_IN_PATH,),
            raw=envelope({"historico": list_of("HistoricoOrdemServico"),
                          "mensagens": list_of("MensagemOrdemServico")}))
def order_history(request: ApiRequest, order_id: int) -> Payload:
    """``GET ordem_servico/{id_ordem_servico}/historico`` (ours): the OS's changes and messages, oldest first."""
    visible_order(request, order_id)
    changes, messages = request.container.service_orders.history(order_id)
    zone = request.container.settings.zone
    return success("Dados consultados com sucesso.",
                   historico=[shapes.history_shape(item, zone) for item in changes],
                   mensagens=[shapes.message_shape(message, zone) for message in messages])


@routes.post("/ordem_servico/editar", Permission.AGENDAR_ORDEM_SERVICO, summary="Alterar OS aberta",
             description="Agenda, descrição, prioridade e técnicos de uma OS aberta. `id_agenda_ordem_servico` "
                         "`null`, `0` ou `\"\"` tira a OS da agenda.",
             body=Body("EdicaoOrdemServico", (ORDER_ID, EDITED_AGENDA, EDITED_DESCRIPTION, EDITED_PRIORITY,
                                              EDITED_TECHNICIANS, EDITED_TECHNICIAN_IDS),
                       description="Ao menos um campo além do ID. Trocar a agenda de uma OS programada confere as "
                                   "regras da nova agenda (cidade, horários, vagas); a de uma OS sem data programada, "
                                   "as que não dependem de data (agenda ativa, cidade atendida). Tirar a OS da agenda "
                                   "(`null`, `0` ou `\"\"`) libera suas vagas; as datas ficam."),
             result=_ORDER_ANSWER)
def edit(request: ApiRequest) -> Payload:
    """``POST ordem_servico/editar`` (ours): agenda, description, priority, technicians of an open OS."""
    fields = request.fields()
    order_id = ORDER_ID.read(fields)
    agenda_id, clear_agenda = _edited_agenda(fields)
    description = EDITED_DESCRIPTION.read_optional(fields)
    priority = EDITED_PRIORITY.read_optional(fields)
    technicians = _technician_ids(request, fields, EDITED_TECHNICIANS, EDITED_TECHNICIAN_IDS) \
        if fields.raw(EDITED_TECHNICIANS.name) is not None else None
    if not fields.errors and agenda_id is None and not clear_agenda and description is None and priority is None \
            and technicians is None:
        fields.error("Informe ao menos um campo para alterar: id_agenda_ordem_servico, descricao_servico, "
                     "prioridade ou tecnicos.")
    fields.check()
    visible_order(request, order_id)
    order = request.container.service_orders.edit(order_id, OrderEdit(
        agenda_id=agenda_id, description=description, priority=priority, technician_ids=technicians,
        clear_agenda=clear_agenda), by=request.user.username)
    return success("Ordem de serviço alterada com sucesso", ordem_servico=_schedule(request, order))


@routes.get("/ordem_servico/create", Permission.CONSULTAR_ORDEM_SERVICO, summary="Catálogos de motivos da OS",
            description="Os motivos ativos de remoção de agendamento (`remove_agendamento`) e de fechamento "
                        "(`fechar`), com os IDs do provedor (cadastro: `configuracao/motivo_remocao_agendamento` e "
                        "`configuracao/motivo_fechamento_os`).",
            result=("motivos_remocao_agendamento", {"type": "array", "items": object_of(optional={
                "id_motivo_remocao_agendamento": {"type": "integer"}, "descricao": {"type": "string"}})}))
def order_catalogues(request: ApiRequest) -> Payload:
    """``GET ordem_servico/create``: the ids ``remove_agendamento`` and ``fechar`` accept."""
    names = request.container.catalogues.load()
    return success(
        "Dados consultados com sucesso.",
        motivos_remocao_agendamento=[{"id_motivo_remocao_agendamento": e.id, "descricao": e.description}
                                     for e in names.entries(UNSCHEDULE_REASONS, include_inactive=False)],
        motivos_fechamento=[{"id_motivo_fechamento": e.id, "descricao": e.description}
                            for e in names.entries(CLOSING_REASONS, include_inactive=False)],
    )


# ---------------------------------------------------------------- reading
class _OrderDraft:
    """An OS read from the request, completed by the ticket it is opened from."""

    def __init__(self, **values: Any) -> None:
        self.values = values

    def build(self, ticket: Ticket) -> NewServiceOrder:
        return NewServiceOrder(customer_service_id=ticket.customer_service_id, ticket_id=ticket.id,
                               opening_description=ticket.description, **self.values)


def _order_draft(request: ApiRequest, fields: Fields, names: CatalogueSet) -> _OrderDraft:
    """The OS fields of ``abrir_os`` and ``parametros_ordem_servico``, with HubSoft's defaults."""
    type_id = _catalogue_id(fields, ORDER_TYPE, names, ORDER_TYPES, DEFAULT_ORDER_TYPE)
    status = ORDER_STATUS.read(fields)
    priority = PRIORITY.read(fields)
    description = SERVICE_DESCRIPTION.read(fields) or DEFAULT_SERVICE_DESCRIPTION
    agenda_id = AGENDA.read_optional(fields)
    technicians = _technician_ids(request, fields, TECHNICIANS, TECHNICIAN_IDS)
    availability = _availability(fields)
    interval = _programmed(request, fields)
    return _OrderDraft(agenda_id=agenda_id, interval=interval, technician_ids=technicians, status=status,
                       description=description, priority=priority, type_id=type_id,
                       opened_by=request.user.username, availability=availability)


def _programmed(request: ApiRequest, fields: Fields) -> Interval:
    """The programmed interval with HubSoft's defaults: today, now + 1 h (to the minute),
    lasting ``duracao`` or 1 h. With an agenda it must fit the agenda; without one it
    holds no agenda place (agendas are opt-in, as in HubSoft)."""
    start_day, start_time, end_day, end_time = read(
        fields, PROGRAMMED_START_DAY, PROGRAMMED_START_TIME, PROGRAMMED_END_DAY, PROGRAMMED_END_TIME)
    length = _duration(fields, DURATION)
    now = request.now()
    default = (now + DEFAULT_LEAD).replace(second=0, microsecond=0)
    start = datetime.combine(start_day or default.date(), start_time or default.time())
    if end_time is not None:
        end = datetime.combine(end_day or start.date(), end_time)
    else:
        end = start + (length or DEFAULT_LENGTH)
    return Interval(start, end)


def _interval(fields: Fields, start_day: Day, start_time: ClockTime, end_day: Day,
              end_time: ClockTime) -> Interval | None:
    """The interval four required fields give (day and time of each end); None when one is missing
    or wrong, its error already recorded."""
    start = _moment(fields, start_day, start_time)
    end = _moment(fields, end_day, end_time)
    return Interval(start, end) if start is not None and end is not None else None


def _moment(fields: Fields, day_field: Day, time_field: ClockTime) -> datetime | None:
    day = day_field.read(fields)
    moment = time_field.read(fields)
    return datetime.combine(day, moment) if day is not None and moment is not None else None


def _duration(fields: Fields, field: Text) -> timedelta | None:
    key = field.name
    text = field.read(fields)
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


def _technician_ids(request: ApiRequest, fields: Fields, technicians: Raw, technician_ids: Raw) -> tuple[int, ...]:
    """``tecnicos`` ({id} objects or ids; array, indexed object or form keys) and ``ids_tecnicos``."""
    ids: list[int] = []
    for key in (technicians.name, technician_ids.name):
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


def _edited_agenda(fields: Fields) -> tuple[int | None, bool]:
    """``editar``'s agenda: (the new agenda's id, whether to take the OS out of its agenda). Not sent: (None,
    False). Null, 0 or "" (HubSoft clients' "no agenda"): (None, True)."""
    key = EDITED_AGENDA.name
    if not fields.sent(key):
        return None, False
    raw = fields.raw(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()) or parse_int(raw) == 0:
        return None, True
    agenda_id = parse_int(raw)
    if agenda_id is None or agenda_id < 1:
        fields.error(f"O campo {fields.name(key)} deve ser o ID de uma agenda (null, 0 ou vazio tiram a OS da "
                     "agenda).")
        return None, False
    return agenda_id, False


def _availability(fields: Fields) -> tuple[str, ...]:
    names = AVAILABILITY.read(fields)
    if not fields.has(AVAILABILITY.name):
        return DEFAULT_AVAILABILITY
    chosen = [fold(n) for n in names]
    unknown = [n for n in chosen if n not in AVAILABILITIES]
    if unknown:
        fields.error(f"O campo {fields.name(AVAILABILITY.name)} tem valor inválido ({', '.join(unknown)[:60]}). "
                     f"Valores aceitos: {', '.join(AVAILABILITIES)}.")
    return tuple(a for a in AVAILABILITIES if a in chosen)


def _phone(fields: Fields, field: Text) -> str:
    text = field.read(fields)
    if not text:
        return ""
    phone = normalize_phone(text)
    if phone is None:
        fields.error(f"O campo {fields.name(field.name)} deve ser um telefone com DDD (DDNNNNNNNNN).")
        return ""
    return phone


def _catalogue_id(fields: Fields, field: Id, names: CatalogueSet, kind: Kind, default: int) -> int:
    """The id sent (else ``default``), which must be an active entry of the catalogue."""
    value = field.read(fields) if fields.has(field.name) else default
    refusal = names.usable(kind, value) if value else None
    if refusal:
        fields.error(refusal)
    return value


def _closing_reason(fields: Fields, names: CatalogueSet) -> int | None:
    reason = CLOSING_REASON.read(fields)
    sent = next((f for f in (CLOSING_REASON_ID, CLOSING_REASON_ALIAS) if reason.has(f.name)), None)
    if sent is None:
        return None
    before = len(fields.errors)
    reason_id = sent.read(reason)
    refusal = names.usable(CLOSING_REASONS, reason_id) if len(fields.errors) == before else None
    if refusal:
        fields.error(refusal)
    return reason_id


def _check_ticket_status(ticket: Ticket, opens_order: bool) -> None:
    """An OS is opened only from an open ticket whose status allows it (``abrir_ordem_servico``)."""
    if opens_order and not ticket.is_open:
        raise TicketClosedError(ticket.id)
    if opens_order and not ticket.state.opens_orders:
        raise ValidationError([f"O atendimento no status {ticket.state.description} não permite abrir ordem de "
                               "serviço."])


def _check_ticket_type(names: CatalogueSet, type_id: int, opens_order: bool) -> None:
    entry = names.find(TICKET_TYPES, type_id)
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


def _context(request: ApiRequest, order: ServiceOrder, ticket: Ticket | None = None,
             names: CatalogueSet | None = None) -> shapes.OrderContext:
    container = request.container
    if ticket is None and order.ticket_id is not None:
        ticket = container.service_orders.ticket(order.ticket_id)
    return shapes.OrderContext(
        customer=container.customers.get(order.customer_id),
        service=container.customers.service(order.customer_service_id),
        technicians=container.technicians.get_many(order.technician_ids),
        zone=container.settings.zone, ticket=ticket,
        names=names if names is not None else container.catalogues.load(),
    )


def _schedule(request: ApiRequest, order: ServiceOrder, *, seconds: bool = True) -> dict[str, Any]:
    return shapes.schedule_shape(order, _context(request, order), seconds=seconds)

