"""The deploy manifest: every route, the hourly schedule and the queue consumers.

Each entry point reads its input, makes one call into ``chalicelib`` and
returns. Nothing here touches AWS at import time.
"""
from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import entrypoints, observability
from chalicelib.agenda import api as agendas_api
from chalicelib.agenda import availability_api
from chalicelib.auth import api as auth_api
from chalicelib.auth.permissions import ADMIN_ONLY, Permission
from chalicelib.billing.cards import api as cards_api
from chalicelib.billing.invoices import api as invoices_api
from chalicelib.customers import api as customers_api
from chalicelib.notify import api as notify_api
from chalicelib.queues import CHARGES, NOTIFICATIONS, QUEUE_BATCH, queue_name
from chalicelib.service_orders import api as orders_api
from chalicelib.service_orders import listing_api as order_listing_api
from chalicelib.technicians import api as technicians_api
from chalicelib.web import console, service_api
from chalicelib.web.endpoint import AUTHENTICATED, PUBLIC, Api, ApiRequest, path_id
from chalicelib.web.envelope import Payload

app = Chalice(app_name="isp-backend")
# Every function's log lines carry its Lambda request id (registered first: outermost).
app.register_middleware(observability.lambda_context_keys, "all")
api = Api(app)
api.include(
    service_api.routes,
    auth_api.routes,
    technicians_api.routes,
    customers_api.routes,
    agendas_api.routes,
    availability_api.routes,
    orders_api.routes,
    order_listing_api.routes,
    cards_api.routes,
    invoices_api.routes,
    notify_api.routes,
)

BASE = "/api/v1/integracao"


# ------------------------------------------------------------------ health
# -------------------------------------------------------------------- auth
@api.route("/oauth/token", methods=["POST"], permission=PUBLIC)
def oauth_token(request: ApiRequest) -> Payload:
    return auth_api.token(request)


@api.route("/oauth/revoke", methods=["POST"], permission=AUTHENTICATED)
def oauth_revoke(request: ApiRequest) -> Payload:
    return auth_api.revoke(request)


@api.route(f"{BASE}/usuario_atual", methods=["GET"], permission=AUTHENTICATED)
def current_user(request: ApiRequest) -> Payload:
    return auth_api.me(request)


@api.route(f"{BASE}/configuracao/permissao", methods=["GET"], permission=AUTHENTICATED)
def list_permissions(request: ApiRequest) -> Payload:
    return auth_api.list_permissions(request)


@api.route(f"{BASE}/configuracao/usuario", methods=["POST"], permission=ADMIN_ONLY)
def create_user(request: ApiRequest) -> Payload:
    return auth_api.create_user(request)


@api.route(f"{BASE}/configuracao/usuario", methods=["GET"], permission=ADMIN_ONLY)
def list_users(request: ApiRequest) -> Payload:
    return auth_api.list_users(request)


@api.route(f"{BASE}/configuracao/usuario/{{id_usuario}}/revogar_tokens", methods=["POST"], permission=ADMIN_ONLY)
def revoke_user_tokens(request: ApiRequest, id_usuario: str) -> Payload:
    return auth_api.revoke_user_tokens(request, path_id(id_usuario, "id_usuario"))


@api.route(f"{BASE}/configuracao/usuario/{{id_usuario}}/bloqueios_login", methods=["GET"], permission=ADMIN_ONLY)
def login_blocks(request: ApiRequest, id_usuario: str) -> Payload:
    return auth_api.login_blocks(request, path_id(id_usuario, "id_usuario"))


@api.route(f"{BASE}/configuracao/usuario/{{id_usuario}}/desbloquear_login", methods=["POST"], permission=ADMIN_ONLY)
def unlock_login(request: ApiRequest, id_usuario: str) -> Payload:
    return auth_api.unlock_login(request, path_id(id_usuario, "id_usuario"))


@api.route(f"{BASE}/configuracao/usuario/revogar_tokens", methods=["POST"], permission=ADMIN_ONLY)
def revoke_all_tokens(request: ApiRequest) -> Payload:
    return auth_api.revoke_all_tokens(request)


# ------------------------------------------------------------- technicians
# --------------------------------------------------------------- customers
@api.route(f"{BASE}/cliente", methods=["POST"], permission=Permission.CADASTRAR_CLIENTES)
def create_customer(request: ApiRequest) -> Payload:
    return customers_api.create(request)


@api.route(f"{BASE}/cliente", methods=["GET"], permission=Permission.CONSULTAR_CLIENTES)
def search_customers(request: ApiRequest) -> Payload:
    return customers_api.search(request)


@api.route(f"{BASE}/cliente/{{id_cliente}}/servico", methods=["POST"], permission=Permission.CADASTRAR_CLIENTES)
def add_service(request: ApiRequest, id_cliente: str) -> Payload:
    return customers_api.add_service(request, path_id(id_cliente, "id_cliente"))


# ----------------------------------------------------------------- agendas
AGENDAS = f"{BASE}/configuracao/agenda_ordem_servico"


@api.route(AGENDAS, methods=["POST"], permission=Permission.CONFIGURAR_AGENDAS_OS)
def create_agenda(request: ApiRequest) -> Payload:
    return agendas_api.create(request)


@api.route(AGENDAS, methods=["GET"], permission=Permission.CONSULTAR_AGENDA_OS)
def list_agendas(request: ApiRequest) -> Payload:
    return agendas_api.list_all(request)


@api.route(f"{AGENDAS}/{{id_agenda_ordem_servico}}", methods=["GET"], permission=Permission.CONSULTAR_AGENDA_OS)
def get_agenda(request: ApiRequest, id_agenda_ordem_servico: str) -> Payload:
    return agendas_api.get(request, path_id(id_agenda_ordem_servico, "id_agenda_ordem_servico"))


@api.route(f"{AGENDAS}/{{id_agenda_ordem_servico}}", methods=["PUT"], permission=Permission.CONFIGURAR_AGENDAS_OS)
def replace_agenda(request: ApiRequest, id_agenda_ordem_servico: str) -> Payload:
    return agendas_api.replace(request, path_id(id_agenda_ordem_servico, "id_agenda_ordem_servico"))


@api.route(f"{AGENDAS}/{{id_agenda_ordem_servico}}", methods=["DELETE"], permission=Permission.CONFIGURAR_AGENDAS_OS)
def deactivate_agenda(request: ApiRequest, id_agenda_ordem_servico: str) -> Payload:
    return agendas_api.deactivate(request, path_id(id_agenda_ordem_servico, "id_agenda_ordem_servico"))


# ----------------------------------------------------- agenda availability
@api.route(f"{BASE}/ordem_servico/horarios_disponiveis_agenda", methods=["GET"],
           permission=Permission.CONSULTAR_AGENDA_OS)
def agenda_free_slots(request: ApiRequest) -> Payload:
    return availability_api.free_slots(request)


# ---------------------------------------------------------- service orders
ORDERS = f"{BASE}/ordem_servico"


@api.route(f"{BASE}/atendimento", methods=["POST"], permission=Permission.CRIAR_ATENDIMENTO)
def open_ticket(request: ApiRequest) -> Payload:
    return orders_api.open_ticket(request)


@api.route(f"{ORDERS}/abrir_os", methods=["POST"], permission=Permission.ABRIR_ORDEM_SERVICO)
def open_order(request: ApiRequest) -> Payload:
    return orders_api.open_order(request)


@api.route(f"{ORDERS}/agendar", methods=["POST"], permission=Permission.AGENDAR_ORDEM_SERVICO)
def confirm_order(request: ApiRequest) -> Payload:
    return orders_api.confirm(request)


@api.route(f"{ORDERS}/reagendar", methods=["POST"], permission=Permission.AGENDAR_ORDEM_SERVICO)
def reschedule_order(request: ApiRequest) -> Payload:
    return orders_api.reschedule(request)


@api.route(f"{ORDERS}/remove_agendamento", methods=["POST"], permission=Permission.AGENDAR_ORDEM_SERVICO)
def unschedule_order(request: ApiRequest) -> Payload:
    return orders_api.unschedule(request)


@api.route(f"{ORDERS}/editar", methods=["POST"], permission=Permission.AGENDAR_ORDEM_SERVICO)
def edit_order(request: ApiRequest) -> Payload:
    return orders_api.edit(request)


@api.route(f"{ORDERS}/fechar", methods=["POST"], permission=Permission.FECHAR_ORDEM_SERVICO)
def close_order(request: ApiRequest) -> Payload:
    return orders_api.close(request)


@api.route(f"{ORDERS}/adicionar_mensagem/{{id_ordem_servico}}", methods=["POST"],
           permission=Permission.FECHAR_ORDEM_SERVICO)
def add_order_message(request: ApiRequest, id_ordem_servico: str) -> Payload:
    return orders_api.add_message(request, path_id(id_ordem_servico, "id_ordem_servico"))


@api.route(f"{ORDERS}/todos", methods=["GET"], permission=Permission.CONSULTAR_ORDEM_SERVICO)
def list_orders(request: ApiRequest) -> Payload:
    return order_listing_api.list_orders(request)


@api.route(f"{ORDERS}/consultar", methods=["POST"], permission=Permission.CONSULTAR_ORDEM_SERVICO)
def consult_orders(request: ApiRequest) -> Payload:
    return order_listing_api.consult(request)


@api.route(f"{BASE}/cliente/ordem_servico", methods=["GET"], permission=Permission.CONSULTAR_ORDEM_SERVICO)
def customer_orders(request: ApiRequest) -> Payload:
    return order_listing_api.customer_orders(request)


@api.route(f"{ORDERS}/calendario", methods=["GET"], permission=Permission.CONSULTAR_ORDEM_SERVICO)
def order_calendar(request: ApiRequest) -> Payload:
    return order_listing_api.calendar(request)


@api.route(f"{ORDERS}/create", methods=["GET"], permission=Permission.CONSULTAR_ORDEM_SERVICO)
def order_catalogues(request: ApiRequest) -> Payload:
    return orders_api.order_catalogues(request)


@api.route(f"{BASE}/configuracao/tipo_ordem_servico", methods=["GET"], permission=Permission.CONSULTAR_ORDEM_SERVICO)
def list_order_types(request: ApiRequest) -> Payload:
    return orders_api.order_types(request)


# ------------------------------------------------------------------ cards
# ---------------------------------------------------------------- invoices
# ----------------------------------------------------------- notifications
@api.route(f"{BASE}/configuracao/integracao/zapme", methods=["PUT"], permission=Permission.CONFIGURAR_INTEGRACOES)
def configure_zapme(request: ApiRequest) -> Payload:
    return notify_api.configure_zapme(request)


@api.route(f"{BASE}/configuracao/integracao/zapme", methods=["GET"], permission=Permission.CONFIGURAR_INTEGRACOES)
def zapme_settings(request: ApiRequest) -> Payload:
    return notify_api.zapme(request)


@api.route(f"{BASE}/configuracao/notificacao/modelo", methods=["GET"],
           permission=Permission.CONFIGURAR_NOTIFICACOES)
def list_notification_templates(request: ApiRequest) -> Payload:
    return notify_api.list_templates(request)


@api.route(f"{BASE}/configuracao/notificacao/modelo/{{evento}}", methods=["PUT"],
           permission=Permission.CONFIGURAR_NOTIFICACOES)
def save_notification_template(request: ApiRequest, evento: str) -> Payload:
    return notify_api.save_template(request, evento)


@api.route(f"{BASE}/cliente/{{id_cliente}}/notificacao", methods=["PUT"], permission=Permission.CADASTRAR_CLIENTES)
def set_notification_preference(request: ApiRequest, id_cliente: str) -> Payload:
    return notify_api.set_preference(request, path_id(id_cliente, "id_cliente"))


@api.route(f"{BASE}/cliente/{{id_cliente}}/notificacao", methods=["GET"], permission=Permission.CONSULTAR_CLIENTES)
def notification_preference(request: ApiRequest, id_cliente: str) -> Payload:
    return notify_api.preference(request, path_id(id_cliente, "id_cliente"))


@api.route(f"{BASE}/notificacao/mensagem", methods=["GET"], permission=Permission.CONSULTAR_MENSAGENS)
def notification_messages(request: ApiRequest) -> Payload:
    return notify_api.message_log(request)


# -------------------------------------------------------- operators' console
# Static files, public like any web page (the page logs in through /oauth/token): registered on the
# Chalice app directly, so they need no token and stay out of the OpenAPI document of the API.
@app.route(console.INDEX_ROUTE, methods=["GET"])
def console_page() -> Response:
    return console.index(app.current_request)


@app.route(console.FILE_ROUTE, methods=["GET"])
def console_file(arquivo: str) -> Response:
    return console.asset(arquivo, app.current_request)


@app.route(console.VENDOR_ROUTE, methods=["GET"])
def console_vendor_file(arquivo: str) -> Response:
    return console.asset(arquivo, app.current_request, vendor=True)


# ------------------------------------------------------ schedule and queues
@app.schedule(Rate(1, unit=Rate.HOURS), name="hourly_tick")
def hourly_tick(event: CloudWatchEvent) -> dict[str, object]:
    return entrypoints.hourly_tick(event.time, event.event_id)


# Ten charges per invocation, made concurrently; the answer names the failed ones (partial batch response,
# FunctionResponseTypes set in infra/). The queue definitions hold the batch sizes.
@app.on_sqs_message(queue=queue_name(CHARGES), batch_size=QUEUE_BATCH[CHARGES], name="charge_consumer")
def charge_consumer(event: SQSEvent) -> dict[str, Any]:
    return entrypoints.consume(CHARGES, [record.to_dict() for record in event])


@app.on_sqs_message(queue=queue_name(NOTIFICATIONS), batch_size=QUEUE_BATCH[NOTIFICATIONS],
                    name="notification_consumer")
def notification_consumer(event: SQSEvent) -> dict[str, Any]:
    return entrypoints.consume(NOTIFICATIONS, [record.to_dict() for record in event])


# Fed by the service_orders table's stream (event source mapping in infra/).
@app.lambda_function(name="outbox_relay")
def outbox_relay(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"eventos_publicados": entrypoints.relay_outbox(event.get("Records", []))}


# Fed by the billing table's stream: payment and suspension events.
@app.lambda_function(name="billing_outbox_relay")
def billing_outbox_relay(event: dict[str, Any], context: Any) -> dict[str, int]:
    return {"eventos_publicados": entrypoints.relay_outbox(event.get("Records", []))}
