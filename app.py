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
from chalicelib.auth.permissions import Permission
from chalicelib.billing.cards import api as cards_api
from chalicelib.billing.invoices import api as invoices_api
from chalicelib.customers import api as customers_api
from chalicelib.notify import api as notify_api
from chalicelib.queues import CHARGES, NOTIFICATIONS, QUEUE_BATCH, queue_name
from chalicelib.service_orders import api as orders_api
from chalicelib.service_orders import listing_api as order_listing_api
from chalicelib.technicians import api as technicians_api
from chalicelib.web import console, service_api
from chalicelib.web.endpoint import Api, ApiRequest, path_id
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
# ------------------------------------------------------------- technicians
# --------------------------------------------------------------- customers
# ----------------------------------------------------------------- agendas
# ----------------------------------------------------- agenda availability


# ------------------------------------------------------------------ cards
CARD_GATEWAYS = f"{BASE}/configuracao/integracao/cartao_credito"
CARDS = f"{BASE}/cliente/{{id_cliente}}/cartao"


@api.route(f"{CARD_GATEWAYS}/{{gateway}}", methods=["PUT"], permission=Permission.CONFIGURAR_INTEGRACOES)
def configure_card_gateway(request: ApiRequest, gateway: str) -> Payload:
    return cards_api.configure_gateway(request, gateway)


@api.route(f"{CARD_GATEWAYS}/{{gateway}}", methods=["DELETE"], permission=Permission.CONFIGURAR_INTEGRACOES)
def remove_card_gateway(request: ApiRequest, gateway: str) -> Payload:
    return cards_api.remove_gateway(request, gateway)


@api.route(CARD_GATEWAYS, methods=["GET"], permission=Permission.CONFIGURAR_INTEGRACOES)
def list_card_gateways(request: ApiRequest) -> Payload:
    return cards_api.list_gateways(request)


@api.route(CARDS, methods=["POST"], permission=Permission.GERENCIAR_CARTOES)
def add_card(request: ApiRequest, id_cliente: str) -> Payload:
    return cards_api.add_card(request, path_id(id_cliente, "id_cliente"))


@api.route(CARDS, methods=["GET"], permission=Permission.GERENCIAR_CARTOES)
def list_cards(request: ApiRequest, id_cliente: str) -> Payload:
    return cards_api.list_cards(request, path_id(id_cliente, "id_cliente"))


@api.route(f"{CARDS}/{{id_cartao}}", methods=["DELETE"], permission=Permission.GERENCIAR_CARTOES)
def remove_card(request: ApiRequest, id_cliente: str, id_cartao: str) -> Payload:
    return cards_api.remove_card(request, path_id(id_cliente, "id_cliente"), path_id(id_cartao, "id_cartao"))


@api.route(f"{CARDS}/{{id_cartao}}", methods=["PUT"], permission=Permission.GERENCIAR_CARTOES)
def edit_card(request: ApiRequest, id_cliente: str, id_cartao: str) -> Payload:
    return cards_api.edit_card(request, path_id(id_cliente, "id_cliente"), path_id(id_cartao, "id_cartao"))


@api.route(f"{CARDS}/{{id_cartao}}/padrao", methods=["POST"], permission=Permission.GERENCIAR_CARTOES)
def make_default_card(request: ApiRequest, id_cliente: str, id_cartao: str) -> Payload:
    return cards_api.make_default(request, path_id(id_cliente, "id_cliente"), path_id(id_cartao, "id_cartao"))


@api.route(f"{BASE}/cliente_servico/{{id_cliente_servico}}/cobranca", methods=["GET"],
           permission=Permission.GERENCIAR_CARTOES)
def recurring_payment(request: ApiRequest, id_cliente_servico: str) -> Payload:
    return cards_api.recurring_payment(request, path_id(id_cliente_servico, "id_cliente_servico"))


@api.route(f"{BASE}/cliente_servico/{{id_cliente_servico}}/cobranca", methods=["PUT"],
           permission=Permission.GERENCIAR_CARTOES)
def choose_recurring_payment(request: ApiRequest, id_cliente_servico: str) -> Payload:
    return cards_api.choose_recurring_payment(request, path_id(id_cliente_servico, "id_cliente_servico"))


# ---------------------------------------------------------------- invoices
INVOICES = f"{BASE}/financeiro/fatura"


@api.route(INVOICES, methods=["POST"], permission=Permission.GERENCIAR_FATURAS)
def create_invoice(request: ApiRequest) -> Payload:
    return invoices_api.create(request)


@api.route(INVOICES, methods=["GET"], permission=Permission.CONSULTAR_FATURAS)
def list_invoices(request: ApiRequest) -> Payload:
    return invoices_api.list_invoices(request)


@api.route(f"{INVOICES}/liquidar", methods=["POST"], permission=Permission.GERENCIAR_FATURAS)
def settle_invoice(request: ApiRequest) -> Payload:
    return invoices_api.settle(request)


@api.route(f"{INVOICES}/{{id_fatura}}/cancelar", methods=["POST"], permission=Permission.GERENCIAR_FATURAS)
def cancel_invoice(request: ApiRequest, id_fatura: str) -> Payload:
    return invoices_api.cancel(request, path_id(id_fatura, "id_fatura"))


@api.route(f"{INVOICES}/{{id_fatura}}/cobrar_cartao", methods=["POST"], permission=Permission.GERENCIAR_FATURAS)
def charge_invoice_card(request: ApiRequest, id_fatura: str) -> Payload:
    return invoices_api.charge_card(request, path_id(id_fatura, "id_fatura"))


@api.route(f"{INVOICES}/{{id_fatura}}/conciliar_cartao", methods=["POST"], permission=Permission.GERENCIAR_FATURAS)
def settle_invoice_charge_by_hand(request: ApiRequest, id_fatura: str) -> Payload:
    return invoices_api.settle_charge_by_hand(request, path_id(id_fatura, "id_fatura"))


@api.route(f"{BASE}/financeiro/cartao/processamentos", methods=["GET"],
           permission=Permission.CONSULTAR_PROCESSAMENTOS_CARTAO)
def card_charge_panel(request: ApiRequest) -> Payload:
    return invoices_api.panel(request)


PROFILES = f"{BASE}/configuracao/perfil_suspensao"


@api.route(PROFILES, methods=["POST"], permission=Permission.GERENCIAR_FATURAS)
def create_suspension_profile(request: ApiRequest) -> Payload:
    return invoices_api.create_profile(request)


@api.route(PROFILES, methods=["GET"], permission=Permission.CONSULTAR_FATURAS)
def list_suspension_profiles(request: ApiRequest) -> Payload:
    return invoices_api.list_profiles(request)


# ----------------------------------------------------------- notifications
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
