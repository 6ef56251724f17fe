"""OS changes raise notification events through an outbox written in the
same transaction: exactly one per accepted change, none for a refused one;
the table's stream carries them to the notifications queue."""
from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib import entrypoints
from chalicelib.agenda.model import AgendaRefusal, Interval
from chalicelib.container import Container, use_container
from chalicelib.observability import CORRELATION_ATTRIBUTE, correlated
from chalicelib.outbox import events_from_stream
from chalicelib.queues import NOTIFICATIONS, queue_name
from chalicelib.service_orders.service import NewServiceOrder
from chalicelib.storage.binding import table_name
from tests.integration.test_booking import at, setup


def stream_records(container: Container) -> list[dict[str, Any]]:
    """Every record of the service_orders stream, from the start (as the relay's mapping reads it)."""
    endpoint = container.settings.endpoint_url
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint)
    streams = boto3.client("dynamodbstreams", region_name="us-east-1", endpoint_url=endpoint)
    arn = dynamodb.describe_table(TableName=table_name("service_orders"))["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return records


def outbox_events(container: Container) -> list[dict[str, Any]]:
    return events_from_stream(stream_records(container))


def test_each_change_raises_its_event(server_stack: Container) -> None:
    service_id, agenda_id = setup(server_stack)
    orders = server_stack.service_orders
    order = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    orders.reschedule(order.id, Interval(at(10), at(11)))
    orders.unschedule(order.id)
    orders.reschedule(order.id, Interval(at(8), at(9)))
    orders.cancel(order.id, "Cliente desistiu")
    events = outbox_events(server_stack)
    assert [e["type"] for e in events] == ["os_agendada", "os_reagendada", "os_agendamento_removido",
                                           "os_agendada", "os_cancelada"]
    assert len({e["id"] for e in events}) == 5
    moved = events[1]["payload"]
    assert (moved["inicio"], moved["inicio_anterior"]) == ("2026-12-14T10:00:00", "2026-12-14T09:00:00")
    assert moved["id_cliente_servico"] == service_id and moved["numero_ordem_servico"] == order.number


def test_unscheduled_open_and_refusals_raise_nothing(server_stack: Container) -> None:
    service_id, agenda_id = setup(server_stack, capacity=1)
    orders = server_stack.service_orders
    orders.open(NewServiceOrder(service_id))  # no agenda, no interval: nothing to tell
    orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    assert len(outbox_events(server_stack)) == 1
    with pytest.raises(AgendaRefusal):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    with pytest.raises(AgendaRefusal):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(19), at(20))))
    assert len(outbox_events(server_stack)) == 1


def test_the_relay_puts_stream_events_on_the_notifications_queue(server_stack: Container) -> None:
    service_id, agenda_id = setup(server_stack)
    server_stack.service_orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    with use_container(server_stack):
        assert entrypoints.relay_outbox(stream_records(server_stack)) == 1
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=server_stack.settings.endpoint_url)
    url = sqs.get_queue_url(QueueName=queue_name(NOTIFICATIONS))["QueueUrl"]
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert [b["type"] for b in bodies] == ["os_agendada"]


def test_the_relay_passes_on_the_id_of_the_request_that_wrote_the_event(server_stack: Container) -> None:
    # GIVEN one OS opened during a request, another outside any (an operator's script)
    service_id, agenda_id = setup(server_stack)
    orders = server_stack.service_orders
    with correlated("pedido-do-operador"):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(10), at(11))))
    records = stream_records(server_stack)
    # WHEN the relay publishes them
    with use_container(server_stack):
        assert entrypoints.relay_outbox(records) == 2
    # THEN the first carries the request's id, the second the stream batch's own
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=server_stack.settings.endpoint_url)
    url = sqs.get_queue_url(QueueName=queue_name(NOTIFICATIONS))["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    carried = sorted(m["MessageAttributes"][CORRELATION_ATTRIBUTE]["StringValue"] for m in messages)
    assert carried == sorted(["pedido-do-operador", records[0]["eventID"]])


def test_relay_ignores_other_records() -> None:
    body = json.dumps({"type": "os_agendada", "id": "e1", "payload": {}})
    records = [
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"kind": {"S": "outbox"}, "body": {"S": body}}}},
        {"eventName": "MODIFY", "dynamodb": {"NewImage": {"kind": {"S": "outbox"}, "body": {"S": body}}}},
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"kind": {"S": "service_order"}}}},
        {"eventName": "REMOVE", "dynamodb": {}},
    ]
    assert events_from_stream(records) == [{"type": "os_agendada", "id": "e1", "payload": {}}]
