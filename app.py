"""The deploy manifest: the route table of each context, the console's files, the hourly schedule and the
queue and stream consumers.

Routes are declared next to their views, in each context's ``api`` module (``chalicelib.web.routes``);
every other entry point reads its input, makes one call into ``chalicelib`` and returns. Nothing here
touches AWS at import time.
"""
from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate, Response
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib import entrypoints, observability
from chalicelib.agenda import api as agendas_api
from chalicelib.agenda import availability_api
from chalicelib.auth import api as auth_api
from chalicelib.billing.cards import api as cards_api
from chalicelib.billing.invoices import api as invoices_api
from chalicelib.billing.invoices import finance_api
from chalicelib.billing.suspension import api as trust_api
from chalicelib.customers import api as customers_api
from chalicelib.notify import api as notify_api
from chalicelib.queues import CHARGES, NOTIFICATIONS, QUEUE_BATCH, queue_name
from chalicelib.service_orders import api as orders_api
from chalicelib.service_orders import catalogue_api
from chalicelib.service_orders import listing_api as order_listing_api
from chalicelib.technicians import api as technicians_api
from chalicelib.tickets import api as tickets_api
from chalicelib.web import console, service_api
from chalicelib.web.endpoint import Api
from chalicelib.web.routes import BASE
from chalicelib.web.unavailable import UNAVAILABLE

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
    catalogue_api.routes,
    tickets_api.routes,
    cards_api.routes,
    invoices_api.routes,
    trust_api.routes,
    finance_api.routes,
    notify_api.routes,
)
# HubSoft's routes we do not serve (stock, network, contracts...): the envelope says so, for any method.
api.unavailable(BASE, UNAVAILABLE)


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
