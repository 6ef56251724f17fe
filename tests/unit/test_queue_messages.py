"""Queue messages on the wire (``queues.Message``): the JSON a message becomes is the one earlier releases sent and
wrote to their outboxes, byte for byte, so messages in flight and outbox rows written before a deploy are read
and relayed after it unchanged."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

from chalicelib.billing import events
from chalicelib.billing.invoices.service import OPEN, Invoice
from chalicelib.outbox import correlated_events, events_from_stream
from chalicelib.queues import Message, decode

# As a previous release wrote it: json.dumps({"type", "id", "payload"}, ensure_ascii=False).
WRITTEN = ('{"type": "aviso_suspensao", "id": "ev-1", "payload": {"id_cliente": 1, "valor_centavos": 9990, '
           '"data_vencimento": "2026-12-10", "cartao": "Visa final 2931 (cartão)", "tentativa": null}}')


def test_a_message_is_the_json_earlier_releases_sent() -> None:
    message = Message("aviso_suspensao", "ev-1", {"id_cliente": 1, "valor_centavos": 9990,
                                                   "data_vencimento": "2026-12-10",
                                                   "cartao": "Visa final 2931 (cartão)", "tentativa": None})
    assert message.to_body() == WRITTEN
    assert decode(WRITTEN) == message and decode(WRITTEN).to_body() == WRITTEN


def test_the_relay_publishes_an_outbox_row_as_written() -> None:
    record = {"eventName": "INSERT", "dynamodb": {"NewImage": {
        "kind": {"S": "outbox"}, "body": {"S": WRITTEN}, "correlation_id": {"S": "req-12345678"}}}}
    [(cid, message)] = correlated_events([record])
    assert (cid, message.to_body()) == ("req-12345678", WRITTEN)
    assert events_from_stream([record]) == [json.loads(WRITTEN)]


def test_a_billing_event_keeps_its_fields_in_order() -> None:
    invoice = Invoice(id=7, customer_service_id=3, customer_id=1, amount_cents=9990, due_date=date(2026, 12, 10),
                      description="", status=OPEN, created_at=datetime(2026, 11, 10, tzinfo=UTC))
    raised = events.dunning(events.SUSPENSION_WARNING, invoice, "2026-12-25", lambda: "ev-2")
    assert raised.to_body() == (
        '{"type": "aviso_suspensao", "id": "ev-2", "payload": {"id_cliente": 1, "id_cliente_servico": 3, '
        '"id_fatura": 7, "valor_centavos": 9990, "data_vencimento": "2026-12-10", "data_bloqueio": "2026-12-25"}}')
