"""OS changes raise notification events through an outbox: exactly one per
accepted change, none for a refused one, none lost when the queue fails."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.agenda.model import AgendaRefusal, Interval
from chalicelib.container import Container, build_container
from chalicelib.queues import NOTIFICATIONS, queue_name
from chalicelib.service_orders.service import NewServiceOrder
from tests.aws import TEST_SETTINGS
from tests.conftest import MutableClock
from tests.integration.test_booking import at, setup


def drain() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName=queue_name(NOTIFICATIONS))["QueueUrl"]
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_each_change_raises_its_event(stack: Container) -> None:
    service_id, agenda_id = setup(stack)
    orders = stack.service_orders
    order = orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    orders.reschedule(order.id, Interval(at(10), at(11)))
    orders.unschedule(order.id)
    orders.reschedule(order.id, Interval(at(8), at(9)))
    orders.cancel(order.id)
    events = drain()
    assert [e["type"] for e in events] == ["os_agendada", "os_reagendada", "os_agendamento_removido",
                                           "os_agendada", "os_cancelada"]
    assert len({e["id"] for e in events}) == 5
    moved = events[1]["payload"]
    assert (moved["inicio"], moved["inicio_anterior"]) == ("2026-12-14T10:00:00", "2026-12-14T09:00:00")
    assert moved["id_cliente_servico"] == service_id and moved["numero_ordem_servico"] == order.number
    assert stack.service_orders.relay_events(stack.clock() + timedelta(days=1)) == {"eventos_reenviados": 0}


def test_unscheduled_open_and_refusals_raise_nothing(stack: Container) -> None:
    service_id, agenda_id = setup(stack, capacity=1)
    orders = stack.service_orders
    orders.open(NewServiceOrder(service_id))  # no agenda, no interval: nothing to tell
    orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    drain()
    with pytest.raises(AgendaRefusal):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    with pytest.raises(AgendaRefusal):
        orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(19), at(20))))
    assert drain() == []


class FailingPublisher:
    def publish(self, queue: str, messages: object) -> None:
        raise ConnectionError("SQS fora do ar")


def test_a_queue_outage_loses_no_event(stack: Container, clock: MutableClock) -> None:
    service_id, agenda_id = setup(stack)
    during_outage = build_container(TEST_SETTINGS, clock=clock, queues=FailingPublisher())
    order = during_outage.service_orders.open(NewServiceOrder(service_id, agenda_id, Interval(at(9), at(10))))
    assert stack.service_orders.get(order.id).occupies_capacity  # the change itself stands
    assert drain() == []
    assert stack.service_orders.relay_events(clock()) == {"eventos_reenviados": 0}  # too recent: maybe in flight
    clock.now += timedelta(minutes=5)
    assert stack.service_orders.relay_events(clock()) == {"eventos_reenviados": 1}
    assert [e["type"] for e in drain()] == ["os_agendada"]
    assert stack.service_orders.relay_events(clock()) == {"eventos_reenviados": 0}
